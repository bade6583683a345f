"""``solve FILE --uncertainty U``: the two-stage plan's command body and its printout."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from berthplan.cli.progress import phase
from berthplan.cli.util import EXIT_INFEASIBLE, EXIT_SOLVER, fail

if TYPE_CHECKING:
    from berthplan.backends import Options
    from berthplan.optimization.two_stage import TwoStage

log = logging.getLogger(__name__)


def solve_uncertain(
    file: str,
    out: str,
    solver: str,
    overrides: dict[str, Any],
    path: str,
    commit_years: int,
    risk: tuple[float, float],
    quiet: bool,
) -> None:
    """``solve FILE --uncertainty U``: the two-stage plan, its tables and figures of merit."""
    from berthplan.model.io import load
    from berthplan.model.uncertainty import load_uncertainty
    from berthplan.optimization.extensive import Risk
    from berthplan.optimization.profiles import resolve
    from berthplan.optimization.solve import InfeasibleError, SolveError
    from berthplan.optimization.two_stage import solve_two_stage
    from berthplan.results import atomic

    atomic.claim_folder(out, "solve.json", "plan folder")
    with phase(f"loading {file} and {path}", f"loaded {file} and {path}"):
        base = load(file)
        unc = load_uncertainty(path, base)
    profile = resolve(solver)
    options: Options = profile.options(**overrides)
    try:
        two = solve_two_stage(
            base,
            unc,
            commit_years,
            profile,
            risk=Risk(*risk),
            options=options,
            progress=log.info,  # shown unless --quiet (the logging level decides)
        )
    except InfeasibleError as e:
        fail(f"{file}: infeasible under {path}: {e}", EXIT_INFEASIBLE)
    except SolveError as e:
        fail(f"{file}: {e}", EXIT_SOLVER)
    _write(two, file, path, commit_years, out)
    click.echo(_summary(two, base.money_unit) if not quiet else _status(two, base.money_unit))
    click.echo(f"two-stage plan written to {out}")
    if two.plan.status == "infeasible":
        sys.exit(EXIT_INFEASIBLE)


def _write(two: TwoStage, file: str, path: str, commit_years: int, out: str) -> None:
    from berthplan.results.recourse import ExtendedPlan, recourse_table, scenarios_table

    plan = two.plan
    plan.info.instance_file = str(Path(file))
    plan.info.extra["two_stage"] = {
        "uncertainty_file": str(Path(path)),
        "scenarios": len(two.recourse),
        "commit_years": commit_years,
        "commit_before": two.commitment.before,
        **{k: _finite(v) for k, v in two.measures.items()},
    }
    tables = {
        "scenarios": scenarios_table(two.recourse),
        "recourse": recourse_table(two.recourse, two.commitment.before),
    }
    ExtendedPlan(plan, tables).write(out)


def _finite(value: Any) -> Any:
    """Strict JSON: an infinite figure (a scenario left without a plan) is written as null."""
    return None if isinstance(value, float) and value in (float("inf"), float("-inf")) else value


def _status(two: TwoStage, unit: str) -> str:
    m = two.measures
    return f"two-stage plan: {m['status']}, objective {m['objective']:,.3f} {unit}"


def _summary(two: TwoStage, unit: str) -> str:
    m = two.measures

    def num(key: str) -> str:
        v = m.get(key)
        return "n/a" if v is None else f"{v:,.3f}"

    lines = [f"{'scenario':<16}{'prob.':>8}{'cost':>16}{'alone':>16}"]
    for r in two.recourse:
        alone = "n/a" if r.perfect_foresight is None else f"{r.perfect_foresight:,.3f}"
        lines.append(f"{r.id:<16}{r.probability:>8.4f}{r.cost:>16,.3f}{alone:>16}")
    c = two.commitment
    lines += [
        f"here and now (before {c.before}): {len(c.starts)} project starts, "
        f"{len(c.opens)} route openings",
        _status(two, unit),
        f"expected cost {num('expected_cost')}   EV {num('ev')}   EEV {num('eev')}   "
        f"WS {num('ws')}",
        f"VSS {num('vss')}   EVPI {num('evpi')}   ({unit})",
    ]
    return "\n".join(lines)

"""Plans under demand uncertainty: ``solve --uncertainty`` and ``uncertainty sample``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from berthplan.cli.util import EXIT_INFEASIBLE, EXIT_SOLVER, FiniteFloat, fail, user_errors

if TYPE_CHECKING:
    from berthplan.backends import Options
    from berthplan.optimization.two_stage import TwoStage


def register(group: click.Group) -> None:
    """Add the ``uncertainty`` command group (``sample``) to ``group``."""
    group.add_command(uncertainty)


@click.group()
def uncertainty() -> None:
    """Demand scenarios with probabilities (files for solve --uncertainty)."""


@uncertainty.command("sample")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--scenarios",
    "count",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="Scenarios to sample (equally likely).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed."
)
@click.option(
    "--level-sd",
    type=FiniteFloat(min=0, max=2),
    default=0.1,
    show_default=True,
    help="Std. dev. of the log demand level per port.",
)
@click.option(
    "--growth-sd",
    type=FiniteFloat(min=0, max=0.5),
    default=0.02,
    show_default=True,
    help="Std. dev. of the extra yearly growth per port.",
)
@click.option(
    "--correlation",
    type=FiniteFloat(min=0, max=1),
    default=0.5,
    show_default=True,
    help="Correlation of the shocks across ports.",
)
@click.option(
    "--target-penalty",
    "penalties",
    multiple=True,
    metavar="METRIC=COST",
    help="Make targets of METRIC soft at COST per unit short (repeatable).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def sample(
    file: str,
    count: int,
    seed: int,
    level_sd: float,
    growth_sd: float,
    correlation: float,
    penalties: tuple[str, ...],
    out: str,
    force: bool,
) -> None:
    """Sample demand scenarios for the instance FILE into an uncertainty file --out."""
    from berthplan.generator.uncertainty import sample as draw
    from berthplan.generator.uncertainty import to_yaml
    from berthplan.model.io import load
    from berthplan.results import atomic

    atomic.claim_file(out, force)
    inst = load(file)
    unc = draw(
        inst,
        count,
        seed=seed,
        level_sd=level_sd,
        growth_sd=growth_sd,
        correlation=correlation,
        penalties=_penalties(penalties),
    )
    atomic.write_text(out, to_yaml(unc))
    click.echo(f"{count} scenarios written to {out}")


def _penalties(texts: tuple[str, ...]) -> dict[str, float]:
    from berthplan.errors import UsageError
    from berthplan.model.records import METRICS

    out = {}
    for text in texts:
        metric, _, raw = text.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if metric not in METRICS or not 0 <= value <= 1e12:
            raise UsageError(
                f"--target-penalty {text}: expected METRIC=COST, METRIC one of "
                f"{', '.join(METRICS)} and 0 <= COST <= 1e12"
            )
        out[metric] = value
    return out


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
    base = load(file)
    unc = load_uncertainty(path, base)
    profile = resolve(solver)
    options: Options = profile.options(**overrides)
    try:
        two = solve_two_stage(base, unc, commit_years, profile, risk=Risk(*risk), options=options)
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
    from berthplan.results.recourse import TwoStageFolder, recourse_table, scenarios_table

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
    TwoStageFolder(plan, tables).write(out)


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

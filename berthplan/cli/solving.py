"""The solving commands, registered on the ``berthplan`` group."""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from berthplan.cli import verbosity
from berthplan.cli.progress import phase, solver_status
from berthplan.cli.util import (
    EXIT_INFEASIBLE,
    EXIT_SOLVER,
    FiniteFloat,
    TimeLimitReached,
    fail,
    process_started,
    time_budget,
    user_errors,
)

if TYPE_CHECKING:
    from berthplan.results.plan import Plan

log = logging.getLogger(__name__)

_UNITS = {
    "cargo_tons": ("Mt", 1e-6),
    "container_teu": ("M TEU", 1e-6),
    "berths_10k": ("", 1.0),
    "new_routes": ("", 1.0),
}


def format_summary(plan: Plan, elapsed: float) -> str:
    """Per year the KPIs against the targets, then cost, status, gap and time."""
    from berthplan.model.records import METRICS, Target

    inst = plan.instance
    kpis = plan.tables["kpis"]
    targets: dict[tuple[int, str], Target] = {
        (t.year, t.metric): t for t in inst.targets if t.port is None
    }
    head = ["year"] + [f"{m}{' (' + _UNITS[m][0] + ')' if _UNITS[m][0] else ''}" for m in METRICS]
    rows = [head]
    for r in kpis.to_dict("records"):
        year = int(r["year"])
        if not inst.horizon.start <= year <= inst.horizon.end:
            continue
        cells = [str(year)]
        for m in METRICS:
            scale = _UNITS[m][1]
            value = float(r[m]) * scale
            cell = f"{value:,.2f}" if scale != 1 else f"{value:,.0f}"
            t = targets.get((year, m))
            if t is not None:
                goal = t.value * scale
                mark = "" if float(r[m]) >= t.value * (1 - 1e-9) else " SHORT"
                cell += f" / {goal:,.2f}{mark}" if scale != 1 else f" / {goal:,.0f}{mark}"
            cells.append(cell)
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    info = plan.info
    gap = "n/a" if info.gap is None else f"{100 * info.gap:.4f}%"
    lines.append("(KPI / province target)")
    lines.append(
        f"total discounted cost: {plan.objective:,.3f} {inst.money_unit} ({inst.price_year} prices)"
    )
    lines.append(
        f"status: {plan.status}   gap: {gap}   solver: {info.backend}   time: {elapsed:.2f} s"
    )
    return "\n".join(lines)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Plan folder to write."
)
@click.option("--solver", default="highs", show_default=True, help="Backend name.")
@click.option(
    "--time-limit",
    type=FiniteFloat(min=0, min_open=True),
    help="Wall-clock seconds for the whole command (loading, solving, checking, writing).",
)
@click.option(
    "--gap", type=FiniteFloat(min=0), help="Relative MIP gap (default 0: proven optimum)."
)
@click.option("--threads", type=click.IntRange(min=1), help="Solver threads (at most 256).")
@click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario file (YAML) to apply.")
@click.option(
    "--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override one value (repeatable)."
)
@click.option(
    "--uncertainty",
    type=click.Path(dir_okay=False),
    help="Demand scenarios (uncertainty file): solve the two-stage plan.",
)
@click.option(
    "--commit-years",
    type=click.IntRange(min=1, max=1000),
    default=1,
    show_default=True,
    help="With --uncertainty: years whose decisions are common to every scenario.",
)
@click.option(
    "--risk-weight",
    type=FiniteFloat(min=0, max=1),
    default=0.0,
    show_default=True,
    help="With --uncertainty: weight of the CVaR of cost in the objective.",
)
@click.option(
    "--cvar-level",
    type=FiniteFloat(min=0, max=1, max_open=True),
    default=0.9,
    show_default=True,
    help="With --uncertainty: the CVaR's level (mean of the worst 1 - level).",
)
@user_errors
@verbosity.quiet_means("Print only the status line.")
def solve(
    file: str,
    out: str,
    solver: str,
    time_limit: float | None,
    gap: float | None,
    threads: int | None,
    scenario: str | None,
    sets: tuple[str, ...],
    uncertainty: str | None,
    commit_years: int,
    risk_weight: float,
    cvar_level: float,
) -> None:
    """Solve an instance FILE and write the plan tables to --out.

    With --uncertainty U.yaml: the two-stage plan (docs/uncertainty.md): decisions of the first
    --commit-years years common to every demand scenario, the rest per scenario; the plan
    folder holds the here-and-now plan, scenarios.csv and recourse.csv.
    """
    import time

    quiet = verbosity.level() == verbosity.QUIET
    if uncertainty is not None:
        from berthplan.cli.two_stage import solve_uncertain

        if scenario is not None or sets:
            raise click.UsageError("--uncertainty does not combine with --scenario or --set")
        limits = {"time_limit": time_limit, "gap": gap, "threads": threads}
        risk = (risk_weight, cvar_level)
        solve_uncertain(file, out, solver, limits, uncertainty, commit_years, risk, quiet)
        return

    t0, started = time.perf_counter(), process_started()  # --time-limit counts from here
    try:
        with ExitStack() as budget:
            # the imports of the model and solver layers take a while: a spinner meanwhile
            with phase(f"loading {file}", f"loaded {file}"):
                from berthplan.model.io import load
                from berthplan.model.scenario import overridden
                from berthplan.results import atomic

                atomic.claim_folder(out, "solve.json", "plan folder")
                budget.enter_context(time_budget(time_limit, started))
                base = load(file)
                inst, overrides = overridden(base, scenario, sets)
            with solver_status():
                from berthplan.optimization.solve import solve as run  # in the status's time

                plan = run(
                    inst, solver, time_limit=time_limit, gap=gap, threads=threads, started=started
                )
            plan.info.instance_file = str(Path(file))
            plan.info.base_hash = base.canonical_hash()
            plan.info.overrides = overrides
            t_write = time.perf_counter()
            plan.write(out)
            log.debug("plan folder written in %.2f s", time.perf_counter() - t_write)
    except Exception as e:
        _failed(e, file)
        raise
    elapsed = time.perf_counter() - t0
    click.echo(
        f"{inst.name}: {plan.status}, total discounted cost {plan.objective:,.3f} {inst.money_unit}"
        if quiet
        else format_summary(plan, elapsed)
    )
    if plan.status == "infeasible":
        click.echo(_shortfall_report(plan), err=True)
        click.echo(f"closest plan written to {out}", err=True)
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"plan written to {out}")


def _failed(e: Exception, file: str) -> None:
    """Exit 3 for an infeasible instance, 4 for a solver's failure; any other error returns."""
    from berthplan.optimization.solve import InfeasibleError, SolveError

    if isinstance(e, InfeasibleError):
        fail(f"{file}: infeasible\n{e}", EXIT_INFEASIBLE)
    if isinstance(e, SolveError | TimeLimitReached):
        fail(f"{file}: {e}", EXIT_SOLVER)


def _shortfall_report(plan: Plan) -> str:
    t = plan.tables["targets"]
    short = t[(t["shortfall"] > 0) & t["hard"]]
    lines = ["infeasible: the hard targets cannot all be met; the closest plan falls short of:"]
    from berthplan.results.limits import pools_at_limit

    for r in short.to_dict("records"):
        port = r["port"] if isinstance(r["port"], str) else None
        lines.append(
            f"  {r['metric']} ({port or 'province'}) in {r['year']}: target {_num(r['target'])}, "
            f"reachable {_num(r['achieved'])}, short by {_num(r['shortfall'])}"
        )
        limits = pools_at_limit(plan.outcome, int(r["year"]), r["metric"], port, r["shortfall"])
        lines += [f"    queue pool {p.explain()}" for p in limits]
    return "\n".join(lines)


def _num(v: float) -> str:
    text = f"{v:,.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@click.command()
def solvers() -> None:
    """List every known backend: available or why not, version, capabilities."""
    from dataclasses import asdict

    from berthplan.backends import factory, names

    rows = [["name", "available", "version", "capabilities", "note"]]
    for name in names(discover=True):
        try:
            backend = factory(name)()
        except ImportError as e:
            rows.append([name, "no", "", "", f"adapter not importable ({e})"])
            continue
        ok, why = backend.available()
        caps = ", ".join(k for k, v in asdict(backend.capabilities).items() if v)
        rows.append([name, "yes" if ok else "no", backend.version() if ok else "", caps, why])
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        click.echo(
            "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
            + ("  " + r[4] if r[4] else "")
        )


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["mps", "lp"]), required=True, help="File format."
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario file (YAML) to apply.")
@click.option(
    "--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override one value (repeatable)."
)
@user_errors
def export(
    file: str, fmt: str, out: str, force: bool, scenario: str | None, sets: tuple[str, ...]
) -> None:
    """Write the MILP of FILE (with --scenario/--set applied) as MPS or LP, readably named."""
    from berthplan.results import atomic

    atomic.claim_file(out, force)
    from berthplan.model.io import load
    from berthplan.model.scenario import overridden
    from berthplan.optimization.export import write_model

    arrays = write_model(overridden(load(file), scenario, sets)[0], out, fmt)
    click.echo(
        f"{out}: {len(arrays.c)} columns ({int(arrays.integer.sum())} binary), {arrays.A.shape[0]} rows, objective offset {arrays.offset:.6f}"
    )


def register(group: click.Group) -> None:
    """Add the solving commands to ``group``."""
    for command in (solve, solvers, export):
        group.add_command(command)

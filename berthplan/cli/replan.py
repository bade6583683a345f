"""``berthplan replan FILE PLAN_DIR --year Y``: re-optimise the rest of a plan from a year."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from berthplan.cli.progress import phase, solver_status
from berthplan.cli.util import EXIT_INFEASIBLE, EXIT_SOLVER, FiniteFloat, fail, user_errors


@click.command("replan")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("plan_dir", metavar="PLAN_DIR", type=click.Path(file_okay=False))
@click.option(
    "--year",
    type=click.IntRange(1000, 9999),
    required=True,
    help="Re-planning year: decisions before it are frozen.",
)
@click.option(
    "--actuals",
    type=click.Path(dir_okay=False),
    help="What happened by then: delays, cost overruns, demand, route volumes.",
)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Plan folder to write."
)
@click.option("--solver", default="highs", show_default=True, help="Backend name.")
@click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds.")
@click.option("--gap", type=FiniteFloat(min=0, max=1), help="Relative MIP gap.")
@click.option(
    "--foresight",
    type=click.IntRange(min=1, max=1000),
    help="Rolling horizon: each year plan this many years ahead and commit the first.",
)
@user_errors
def replan(
    file: str,
    plan_dir: str,
    year: int,
    actuals: str | None,
    out: str,
    solver: str,
    time_limit: float | None,
    gap: float | None,
    foresight: int | None,
) -> None:
    """Re-plan the years from --year of the plan in PLAN_DIR (solved for FILE).

    Everything the plan started or opened before --year is frozen (its spend before then is
    sunk), actuals replace forecasts, and the rest is re-optimised. The plan folder holds
    instance.yaml, the instance of the years re-planned: check the plan against it. With
    --foresight N the years from --year are planned on a rolling horizon: each year sees N years
    ahead and commits that year's starts and openings (what foresight is worth).
    """
    import yaml

    from berthplan.analysis.evaluate import plan_commitment
    from berthplan.cli.solving import format_summary
    from berthplan.model.io import load
    from berthplan.model.replan import load_actuals, roll_forward
    from berthplan.optimization.solve import InfeasibleError, SolveError, solve
    from berthplan.results import atomic
    from berthplan.results.recourse import ExtendedPlan

    atomic.claim_folder(out, "solve.json", "plan folder")
    with phase(f"loading {file} and {plan_dir}", f"loaded {file} and {plan_dir}"):
        base = load(file)
        commit = plan_commitment(plan_dir, year)
        known = load_actuals(actuals) if actuals else None
        rolled = roll_forward(base, commit, known)
    steps: list[dict[str, object]] = []
    try:
        with solver_status("re-planning" if foresight is None else "rolling horizon"):
            if foresight is None:
                plan = solve(rolled, solver, time_limit=time_limit, gap=gap)
            else:
                from berthplan.analysis.rolling import roll

                done = roll(base, commit, foresight, solver, known)
                plan, steps = done.plan, done.steps
    except InfeasibleError as e:
        fail(f"{file} from {year}: infeasible\n{e}", EXIT_INFEASIBLE)
    except SolveError as e:
        fail(f"{file} from {year}: {e}", EXIT_SOLVER)
    plan.info.instance_file = str(Path(out) / "instance.yaml")
    plan.info.extra["replan"] = {
        "from_plan": str(Path(plan_dir)),
        "base_instance": str(Path(file)),
        "base_hash": base.canonical_hash(),
        "year": year,
        "actuals": actuals,
        "frozen_starts": commit.starts,
        "frozen_opens": commit.opens,
        "foresight": foresight,
        "steps": steps,
    }
    data = rolled.model_dump(mode="json", exclude_defaults=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    ExtendedPlan(plan, {}, {"instance.yaml": text}).write(out)
    click.echo(format_summary(plan, plan.info.wall_time))
    click.echo(f"plan from {year} written to {out}; compare: berthplan compare {plan_dir} {out}")
    if plan.status == "infeasible":
        sys.exit(EXIT_INFEASIBLE)

"""``berthplan baseline``: the rule-of-thumb plan, registered on the ``berthplan`` group."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from berthplan.cli import verbosity
from berthplan.cli.progress import phase
from berthplan.cli.util import EXIT_INFEASIBLE, EXIT_SOLVER, FiniteFloat, fail, user_errors


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Plan folder to write."
)
@click.option(
    "--trigger-occupancy",
    type=FiniteFloat(min=0, min_open=True),
    default=0.7,
    show_default=True,
    help="Invest when a queue pool's forecast berth occupancy would pass this.",
)
@click.option(
    "--trigger-ws",
    type=FiniteFloat(min=0, min_open=True),
    help="Invest when a pool's forecast W/S would pass this [default: the pool's own limit].",
)
@click.option(
    "--trigger-utilization",
    type=FiniteFloat(min=0, min_open=True),
    default=0.9,
    show_default=True,
    help="Invest when forecast demand passes this share of the usable capacity "
    "(max_utilization x design) of an area without a queue pool.",
)
@click.option(
    "--routes",
    type=click.Choice(["targets", "earliest", "none"]),
    default="targets",
    show_default=True,
    help="Open candidate routes as new_routes targets ask, each in its first possible year, "
    "or none (forced ones open in any case).",
)
@click.option(
    "--targets",
    "targets",
    type=click.Choice(["all", "hard", "none"]),
    default="all",
    show_default=True,
    help="Targets the rule repairs just in time when the triggers leave them short.",
)
@click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario file (YAML) to apply.")
@click.option(
    "--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override one value (repeatable)."
)
@user_errors
@verbosity.quiet_means("Print only the status line.")
def baseline(
    file: str,
    out: str,
    trigger_occupancy: float,
    trigger_ws: float | None,
    trigger_utilization: float,
    routes: str,
    targets: str,
    scenario: str | None,
    sets: tuple[str, ...],
) -> None:
    """Plan an instance FILE by rule of thumb (docs/baseline.md) and write it to --out.

    Each year, looking ahead over each project's construction time, start the cheapest
    project per unit of capacity relieved where forecast occupancy, W/S or utilisation passes
    its trigger; committed projects in their windows; routes and targets just in time. Exit 0
    when the plan meets every hard target, 3 when it does not (the plan is written anyway).
    """
    from berthplan.analysis.baseline import Rule
    from berthplan.analysis.baseline import baseline as run
    from berthplan.cli.solving import _shortfall_report, format_summary
    from berthplan.model.io import load
    from berthplan.model.scenario import overridden
    from berthplan.model.validate import committed_overruns
    from berthplan.optimization.solve import SolveError, verify
    from berthplan.results import atomic

    t0 = time.perf_counter()
    quiet = verbosity.level() == verbosity.QUIET
    atomic.claim_folder(out, "solve.json", "plan folder")
    with phase(f"loading {file}", f"loaded {file}"):
        base = load(file)
        inst, overrides = overridden(base, scenario, sets)
    overruns = committed_overruns(inst)
    if overruns:
        lines = [f"  budget {y}: committed spend {s:,.6g} above {c:,.6g}" for y, s, c in overruns]
        fail(f"{file}: infeasible: committed projects overrun the budget\n" + "\n".join(lines), 3)
    rule = Rule(trigger_occupancy, trigger_ws, trigger_utilization, routes, targets)
    plan = run(inst, rule)
    try:
        verify(plan, "baseline")
    except SolveError as e:
        fail(f"{file}: {e}", EXIT_SOLVER)
    plan.info.instance_file = str(Path(file))
    plan.info.base_hash = base.canonical_hash()
    plan.info.overrides = overrides
    plan.write(out)
    elapsed = time.perf_counter() - t0
    click.echo(
        f"{inst.name}: {plan.status}, total discounted cost {plan.objective:,.3f} {inst.money_unit}"
        if quiet
        else format_summary(plan, elapsed)
    )
    if plan.status == "infeasible":
        click.echo(
            _shortfall_report(plan).replace("cannot all be met", "are not all met"), err=True
        )
        click.echo(f"rule-based plan written to {out}", err=True)
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"plan written to {out}")


def register(group: click.Group) -> None:
    """Add ``baseline`` to ``group``."""
    group.add_command(baseline)

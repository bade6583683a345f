"""The studies' commands: ``sweep`` (many scenarios in parallel) and ``frontier``.

The analysis modules (pandas, the solvers) are imported when a command runs, so that every
command starts printing within a fraction of a second.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from berthplan.cli import verbosity
from berthplan.cli.progress import phase, solver_status
from berthplan.cli.util import EXIT_INFEASIBLE, FiniteFloat, user_errors

if TYPE_CHECKING:
    from berthplan.analysis.frontier import Baseline, Step
    from berthplan.analysis.sweep import SweepReport

__all__ = ["METRICS", "register"]

METRICS = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
"""The metrics a frontier can move (those of :mod:`berthplan.analysis.sweep`, unimported)."""


def _echo_report(report: SweepReport) -> None:
    from berthplan.analysis.sweep import SOLVED

    if report.baseline is not None:
        b = report.baseline
        cost = f"  {float(b['objective']):,.3f}" if b.get("objective") else ""
        click.echo(f"baseline ({report.summary.parent / '_base'}): {b['status']}{cost}")
    counts = f"{len(report.solved)} solved, {len(report.skipped)} skipped (finished)"
    click.echo(f"{len(report.rows)} scenarios: {counts}, {len(report.failed)} failed")
    for row in report.rows:
        if row["status"] not in SOLVED:
            first = (row.get("message") or "closest plan written").splitlines()[0]
            click.echo(f"  {row['scenario']}: {row['status']}: {first}", err=True)
    click.echo(f"summary written to {report.summary}")


def register(group: click.Group) -> None:
    """Add the ``sweep`` and ``frontier`` commands to ``group``.

    Parameters
    ----------
    group
        The ``berthplan`` command group (or any click group).
    """

    @group.command("sweep")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--scenarios", required=True, help="Directory of scenario files, or a glob.")
    @click.option("--out", required=True, type=click.Path(file_okay=False), help="Sweep folder.")
    @click.option(
        "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
    )
    @click.option("--workers", type=click.IntRange(min=1), help="Worker processes [cores].")
    @click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler (--executor dask).")
    @click.option("--solver", default="highs", show_default=True, help="Backend or profile.")
    @click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds.")
    @click.option("--force", is_flag=True, help="Solve again the scenarios already finished.")
    @click.option(
        "--baseline/--no-baseline",
        default=True,
        show_default=True,
        help="Solve the base instance too (OUT/_base/, the first row of summary.csv).",
    )
    @click.option(
        "--warm-start",
        is_flag=True,
        help="Start each scenario's solve from the base plan (may pick another of several "
        "equally good plans than solve would).",
    )
    @user_errors
    def sweep(file: str, scenarios: str, out: str, **options: Any) -> None:
        """Solve every scenario of --scenarios for FILE in parallel; write --out.

        One plan folder per scenario (OUT/<name>/), the base instance's plan (OUT/_base/) and
        OUT/summary.csv, the baseline's row first. Finished scenarios are skipped unless
        --force, so re-running completes an interrupted sweep. Exit 0 when every scenario has
        a plan, 2 if one was invalid, 3 if one was infeasible, 4 otherwise (the baseline does
        not count).
        """
        from berthplan.analysis.sweep import Options, run_sweep

        shown = verbosity.level() != verbosity.QUIET
        report = run_sweep(file, scenarios, out, Options(**options, progress=shown))
        _echo_report(report)
        sys.exit(report.exit_code)

    _register_frontier(group)


def _step_line(s: Step | Baseline, total: int) -> str:
    """``step 2: target 10  optimal  123.456  (2/5 done)``; the baseline's reached value."""
    from berthplan.analysis.frontier import Baseline

    cost = "" if s.objective is None else f"  {s.objective:,.3f}"
    if isinstance(s, Baseline):
        reached = "" if s.reached is None else f": reaches {s.reached:,.0f}"
        return f"baseline{reached}  {s.status}{cost}"
    return f"step {s.step}: target {s.target:,.0f}  {s.status}{cost}  ({s.step}/{total} done)"


def _register_frontier(group: click.Group) -> None:
    """Add the ``frontier`` command to ``group``.

    Parameters
    ----------
    group
        The ``berthplan`` command group (or any click group).
    """

    @group.command("frontier")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--metric", type=click.Choice(METRICS), required=True, help="Target metric.")
    @click.option("--year", type=int, required=True, help="Target year.")
    @click.option("--port", help="Port id (default: the province).")
    @click.option("--from", "lo", type=FiniteFloat(min=0), required=True, help="First target.")
    @click.option("--to", "hi", type=FiniteFloat(min=0), required=True, help="Last target.")
    @click.option(
        "--steps", type=click.IntRange(min=1), default=5, show_default=True, help="Steps."
    )
    @click.option("--solver", default="highs", show_default=True, help="Backend or profile.")
    @click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Per step.")
    @click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder.")
    @click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario file (YAML).")
    @click.option(
        "--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override (repeatable)."
    )
    @click.option("--no-baseline", is_flag=True, help="Skip the baseline (target not forced).")
    @user_errors
    def frontier(file: str, metric: str, year: int, port: str | None, **o: Any) -> None:
        """Trade cost against one target of FILE: solve it hard at --steps values.

        Writes OUT/frontier.csv (step, target, objective, status, marginal costs),
        OUT/frontier.png and one plan folder per step (OUT/step-NN). The first row, step
        `baseline`, is the plan without the target forced (OUT/baseline; its target column:
        the value it reaches). --scenario and --set apply to every step, as in solve.
        Unreachable steps are marked infeasible with an empty objective. Each step is printed
        as it is solved; exit 3 when no step is reachable.
        """
        with phase(f"loading {file}"):  # the imports take a while: a spinner meanwhile
            from berthplan.analysis.frontier import Spec, WhatIf, run_frontier, step_values
            from berthplan.analysis.frontier_table import decreasing

        spec = Spec(metric, year, port)
        values = step_values(o["lo"], o["hi"], o["steps"])
        repeated = verbosity.verbose_only("berthplan.optimization.solve")
        with solver_status("frontier") as status, repeated:

            def start(n: int, value: float | None) -> None:
                if status is not None:
                    where = "baseline" if value is None else f"step {n}/{len(values)}"
                    status.restart(f"frontier {where}")

            steps = run_frontier(
                file,
                spec,
                values,
                o["out"],
                solver=o["solver"],
                time_limit=o["time_limit"],
                on_step=lambda s: (status.echo if status else click.echo)(
                    _step_line(s, len(values))
                ),
                what_if=WhatIf(o["scenario"], tuple(o["sets"])),
                baseline=not o["no_baseline"],
                on_start=start,
            )
        for n in decreasing(steps):
            click.echo(f"warning: step {n} costs less than a lower target (not optimal)", err=True)
        click.echo(f"frontier written to {Path(o['out']) / 'frontier.csv'}")
        if all(s.objective is None for s in steps):
            click.echo("no step of the frontier is reachable", err=True)
            sys.exit(EXIT_INFEASIBLE)

"""The studies' commands: ``sweep`` (many scenarios in parallel) and ``frontier``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from berthplan.analysis.frontier import Spec, Step, decreasing, run_frontier, step_values
from berthplan.analysis.sweep import METRICS, SOLVED, Options, SweepReport, run_sweep
from berthplan.cli.util import EXIT_INFEASIBLE, FiniteFloat, user_errors

__all__ = ["register"]


def _echo_report(report: SweepReport) -> None:
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
    @user_errors
    def sweep(file: str, scenarios: str, out: str, **options: Any) -> None:
        """Solve every scenario of --scenarios for FILE in parallel; write --out.

        One plan folder per scenario (OUT/<name>/) and OUT/summary.csv. Finished scenarios
        are skipped unless --force, so re-running completes an interrupted sweep. Exit 0 when
        every scenario has a plan, 2 if one was invalid, 3 if one was infeasible, 4 otherwise.
        """
        report = run_sweep(file, scenarios, out, Options(**options, progress=True))
        _echo_report(report)
        sys.exit(report.exit_code)

    _register_frontier(group)


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
    @user_errors
    def frontier(file: str, metric: str, year: int, port: str | None, **o: Any) -> None:
        """Trade cost against one target of FILE: solve it hard at --steps values.

        Writes OUT/frontier.csv (step, target, objective, status, marginal costs),
        OUT/frontier.png and one plan folder per step (OUT/step-NN). Unreachable steps are
        marked infeasible with an empty objective. Each step is printed as it is solved; exit
        3 when no step is reachable.
        """
        spec = Spec(metric, year, port)
        values = step_values(o["lo"], o["hi"], o["steps"])

        def show(s: Step) -> None:
            cost = "" if s.objective is None else f"  {s.objective:,.3f}"
            click.echo(f"step {s.step}: target {s.target:,.0f}  {s.status}{cost}")

        steps = run_frontier(
            file,
            spec,
            values,
            o["out"],
            solver=o["solver"],
            time_limit=o["time_limit"],
            on_step=show,
        )
        for n in decreasing(steps):
            click.echo(f"warning: step {n} costs less than a lower target (not optimal)", err=True)
        click.echo(f"frontier written to {Path(o['out']) / 'frontier.csv'}")
        if all(s.objective is None for s in steps):
            click.echo("no step of the frontier is reachable", err=True)
            sys.exit(EXIT_INFEASIBLE)

"""The planners' commands: ``compare``, ``plot`` and ``report``, registered on a click group.

Only click is imported at start-up; pandas and matplotlib are imported when a command runs.
Usage errors (missing folders or tables, plans of unrelated instances) exit with code 2 and a
one-line message, never a traceback.
"""

from __future__ import annotations

import click

from berthplan.cli.progress import phase
from berthplan.cli.util import user_errors

__all__ = ["compare_command", "plot_command", "register", "report_command"]

_DIR = click.Path(file_okay=False)


@click.command("compare")
@click.argument("dirs", nargs=-1, required=True, type=_DIR)
@click.option("--out", "out", type=_DIR, help="Folder to write the comparison CSVs into.")
@user_errors
def compare_command(dirs: tuple[str, ...], out: str | None) -> None:
    """Compare plan folders DIR_A DIR_B [DIR_C ...] against the first one.

    Prints what each plan decides differently (projects built or skipped, start years moved,
    routes opened or moved), the per-year KPI and cost deltas and the total discounted-cost
    delta. With --out, writes projects_diff.csv, routes_diff.csv, kpis_diff.csv and
    totals.csv. Plans must be of one instance or its scenarios (same base hash).
    """
    with phase(f"comparing {len(dirs)} plans"):  # a spinner on a terminal, nothing else
        from berthplan.analysis.compare import compare
        from berthplan.results import atomic
        from berthplan.viz.report import render_comparison

        if out is not None:
            atomic.claim_folder(out, "totals.csv", "comparison folder")
        result = compare(list(dirs))
    click.echo(render_comparison(result))
    if out is not None:
        click.echo(f"comparison written to {result.write(out)}")


@click.command("plot")
@click.argument("folder", type=_DIR)
@click.option("--out", "out", required=True, type=_DIR, help="Folder to write the PNGs into.")
@user_errors
def plot_command(folder: str, out: str) -> None:
    """Draw the charts of the plan in FOLDER as PNGs into --out.

    Gantt chart of construction by port, capacity vs throughput vs target per cargo class,
    KPIs against targets, yearly spending, and the target table.
    """
    with phase(f"drawing the charts of {folder}"):
        from berthplan.results import atomic
        from berthplan.viz.figures import plot_plan

        atomic.claim_folder(out, "gantt.png", "plot folder")
        paths = list(plot_plan(folder, out))
    for path in paths:
        click.echo(str(path))


@click.command("report")
@click.argument("folder", type=_DIR)
@click.option(
    "--compare",
    "others",
    multiple=True,
    type=_DIR,
    help="A plan folder to compare with (repeatable).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="HTML file.")
@click.option(
    "--instance",
    "instance_file",
    type=click.Path(dir_okay=False),
    help="The plan's instance file, for the budget, demand and skipped projects' costs "
    "(default: the file solve.json names, if it still matches).",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def report_command(
    folder: str, others: tuple[str, ...], out: str, instance_file: str | None, force: bool
) -> None:
    """Write one self-contained HTML report of the plan in FOLDER to --out.

    Charts are embedded as images (docs/report.md); with --compare, the plans' KPIs and costs
    overlaid in one chart per metric, their differences, and a warning when their discount
    rates, money units or price years differ.
    """
    with phase(f"writing the report of {folder}"):
        from berthplan.results import atomic
        from berthplan.results.folder import read_plan
        from berthplan.viz.context import matching_instance
        from berthplan.viz.figures import TABLES
        from berthplan.viz.report import write_report

        atomic.claim_file(out, force)
        plan = read_plan(folder, TABLES)
        instance = matching_instance(plan, instance_file) if instance_file else None
        written = write_report(plan, out, compare=list(others), instance=instance)
    click.echo(f"report written to {written}")


def register(group: click.Group) -> None:
    """Add the ``compare``, ``plot`` and ``report`` commands to ``group``.

    Parameters
    ----------
    group : click.Group
        The ``berthplan`` command group (or any group).
    """
    for command in (compare_command, plot_command, report_command):
        group.add_command(command)

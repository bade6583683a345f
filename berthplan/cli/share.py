"""Commands for passing plans and instances around: ``xlsx`` and ``example``.

``xlsx`` writes a plan folder (or a comparison of plan folders) as one Excel workbook;
``example`` lists the example files shipped in the package and writes one out. Only click is
imported at start-up; openpyxl and pandas when a command runs.
"""

from __future__ import annotations

import difflib

import click

from berthplan.cli.util import user_errors
from berthplan.errors import UsageError

__all__ = ["example_command", "register", "xlsx_command"]

_DIR = click.Path(file_okay=False)


@click.command("xlsx")
@click.argument("folder", metavar="PLAN_DIR", type=_DIR)
@click.option(
    "--compare",
    "others",
    multiple=True,
    type=_DIR,
    help="A plan folder to compare with PLAN_DIR, the baseline (repeatable).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="XLSX file.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def xlsx_command(folder: str, others: tuple[str, ...], out: str, force: bool) -> None:
    """Write the plan in PLAN_DIR as one Excel workbook to --out.

    A summary sheet (instance, status, objective and its breakdown with units, gap, solver),
    then one sheet per table of the folder (projects, routes, capacity, spend, kpis, targets,
    queues, and any other table such as a two-stage plan's scenarios and recourse), with units
    in the frozen header row. With --compare, the comparison instead (as `berthplan compare`):
    totals, projects_diff, routes_diff and kpis_diff.
    """
    from berthplan.results import atomic
    from berthplan.viz.workbook import comparison_workbook, plan_workbook

    atomic.claim_file(out, force)
    if others:
        from berthplan.analysis.compare import compare

        data = comparison_workbook(compare([folder, *others]))
    else:
        data = plan_workbook(folder)
    click.echo(f"workbook written to {atomic.write_bytes(out, data)}")


@click.command("example")
@click.argument("name", required=False)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="File to write it to.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.option("--list", "listing", is_flag=True, help="List the shipped examples.")
@user_errors
def example_command(name: str | None, out: str | None, force: bool, listing: bool) -> None:
    """Write the shipped example NAME to --out (or print it); --list shows them all.

    Every command that takes an instance FILE also takes an example instance's name when no
    such file exists: `berthplan solve liaoning-2023 --out plans/liaoning`.
    """
    from berthplan.model.examples import EXAMPLES

    if listing:
        if name is not None or out is not None:
            raise UsageError("--list takes no NAME and no --out")
        width = max(len(n) for n in EXAMPLES)
        for e in EXAMPLES.values():
            click.echo(f"{e.name:<{width}}  {e.kind:<11}  {e.description}")
        return
    if name is None:
        raise UsageError("give an example NAME, or --list to see them")
    found = EXAMPLES.get(name.removesuffix(".yaml"))
    if found is None:
        close = [n for n in EXAMPLES if n.startswith(name)] or difflib.get_close_matches(
            name, list(EXAMPLES), n=1
        )
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"no example named '{name}'{hint}; `berthplan example --list` shows them")
    data = found.path.read_bytes()
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    from berthplan.results import atomic

    atomic.claim_file(out, force)
    click.echo(f"{found.kind} '{found.name}' written to {atomic.write_bytes(out, data)}")


def register(group: click.Group) -> None:
    """Add the ``xlsx`` and ``example`` commands to ``group``.

    Parameters
    ----------
    group : click.Group
        The ``berthplan`` command group (or any group).
    """
    for command in (xlsx_command, example_command):
        group.add_command(command)

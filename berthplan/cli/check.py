"""The ``berthplan check FILE DIR`` command (registered by :func:`register`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from berthplan.cli.util import EXIT_VIOLATIONS, user_errors


def register(group: click.Group) -> None:
    """Add ``check FILE DIR`` to ``group``.

    Parameters
    ----------
    group
        The ``berthplan`` command group (or any click group).
    """

    @group.command("check")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
    @click.option(
        "--scenario", type=click.Path(dir_okay=False), help="Scenario the plan was solved with."
    )
    @click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override the plan was solved with.",
    )
    @user_errors
    def check(file: str, folder: str, scenario: str | None, sets: tuple[str, ...]) -> None:
        """Check the plan in DIR against the instance FILE, solver-free.

        Recomputes every quantity from the plan's decisions and throughputs, prints each
        violation as `rule: record year: expected X, found Y` and a summary. Exit 0 when the
        plan is valid, 1 with violations, 2 when FILE or DIR cannot be read. A plan solved with
        --scenario/--set is checked against the same overrides.
        """
        from berthplan.checker.core import check_plan
        from berthplan.model.io import load
        from berthplan.model.scenario import overridden

        instance, _ = overridden(load(file), scenario, sets)
        report = check_plan(instance, Path(folder))
        for v in report.violations:
            click.echo(str(v))
        for note in report.notes:
            click.echo(f"note (infeasible plan, diagnosed shortfall): {note}")
        click.echo(report.summary())
        if not report.ok:
            sys.exit(EXIT_VIOLATIONS)

"""The ``berthplan check FILE DIR`` command (registered by :func:`register`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from berthplan.cli_util import EXIT_VIOLATIONS, user_errors


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
    @user_errors
    def check(file: str, folder: str) -> None:
        """Check the plan in DIR against the instance FILE, solver-free.

        Recomputes every quantity from the plan's decisions and throughputs, prints each
        violation as `rule: record year: expected X, found Y` and a summary. Exit 0 when the
        plan is valid, 1 with violations, 2 when FILE or DIR cannot be read.
        """
        from berthplan.checker.core import check_plan
        from berthplan.io import load

        report = check_plan(load(file), Path(folder))
        for v in report.violations:
            click.echo(str(v))
        for note in report.notes:
            click.echo(f"note (infeasible plan, diagnosed shortfall): {note}")
        click.echo(report.summary())
        if not report.ok:
            sys.exit(EXIT_VIOLATIONS)

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
        --scenario/--set is checked against the same overrides: given here, or else the ones
        its solve.json records (when FILE is the plan's base instance).
        """
        from berthplan.checker.core import check_plan
        from berthplan.model.io import load
        from berthplan.model.scenario import overridden

        base = load(file)
        if scenario is None and not sets:
            scenario, sets = _recorded(Path(folder), base.canonical_hash())
        instance, _ = overridden(base, scenario, sets)
        report = check_plan(instance, Path(folder))
        for v in report.violations:
            click.echo(str(v))
        for note in report.notes:
            click.echo(f"note (infeasible plan, diagnosed shortfall): {note}")
        click.echo(report.summary())
        if not report.ok:
            sys.exit(EXIT_VIOLATIONS)


def _recorded(folder: Path, base_hash: str) -> tuple[str | None, tuple[str, ...]]:
    """The scenario file and ``--set`` overrides solve.json records for a plan of ``base_hash``.

    Only for a plan solved from this very base instance with overrides; the scenario file must
    still be where the solve read it (relative paths as given then). Nothing otherwise.
    """
    import json

    try:
        record = json.loads((folder / "solve.json").read_text(encoding="utf-8"))["instance"]
        overrides = list(record.get("overrides") or [])
        if record.get("base_hash") != base_hash or record.get("hash") == base_hash:
            return None, ()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, ()
    scenario = next(
        (o.removeprefix("scenario=") for o in overrides if o.startswith("scenario=")), None
    )
    sets = tuple(o.removeprefix("set ") for o in overrides if o.startswith("set "))
    if scenario is not None and not Path(scenario).is_file():
        return None, ()
    if scenario is not None or sets:
        click.echo(f"note: checking with the overrides solve.json records: {', '.join(overrides)}")
    return scenario, sets

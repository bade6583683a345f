"""The ``berthplan check FILE DIR`` command (registered by :func:`register`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from berthplan.cli.progress import phase
from berthplan.cli.util import EXIT_VIOLATIONS, user_errors

if TYPE_CHECKING:
    from berthplan.model.instance import Instance


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

        recorded: list[str] = []
        with phase(f"checking {folder}"):  # a spinner on a terminal, nothing else
            base = load(file)
            if scenario is None and not sets:
                instance, recorded = _recorded(Path(folder), base)
            else:
                instance, _ = overridden(base, scenario, sets)
            report = check_plan(instance, Path(folder))
        if recorded:
            click.echo(
                f"note: checking with the overrides solve.json records: {', '.join(recorded)}"
            )
        for v in report.violations:
            click.echo(str(v))
        for note in report.notes:
            click.echo(f"note (infeasible plan, diagnosed shortfall): {note}")
        click.echo(report.summary())
        if not report.ok:
            sys.exit(EXIT_VIOLATIONS)


def _recorded(folder: Path, base: Instance) -> tuple[Instance, list[str]]:
    """``base`` with the overrides solve.json records, for a plan solved from this very base.

    The overrides are rebuilt from their record (``key=JSON`` lines of the scenario, then
    ``set PATH=VALUE`` lines), so the scenario file need not be where the solve read it.
    ``base`` itself otherwise (and no overrides).
    """
    import json

    from berthplan.model.overrides import parse_set
    from berthplan.model.scenario import Scenario, apply

    base_hash = base.canonical_hash()
    try:
        record = json.loads((folder / "solve.json").read_text(encoding="utf-8"))["instance"]
        overrides = [str(o) for o in record.get("overrides") or []]
        if record.get("base_hash") != base_hash or record.get("hash") == base_hash:
            return base, []
        fields = dict(
            o.split("=", 1)
            for o in overrides
            if "=" in o and not o.startswith(("scenario=", "set "))
        )
        scenario = Scenario.model_validate({k: json.loads(v) for k, v in fields.items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return base, []  # the checker reports an unreadable solve.json itself
    sets = [parse_set(o.removeprefix("set ")) for o in overrides if o.startswith("set ")]
    return apply(base, scenario, sets), overrides

"""The ``berthplan`` command line.

Exit codes: 0 plan found (or valid), 1 ``check`` found violations, 2 bad input or usage,
3 infeasible, 4 solver error or no solution within the limits. Heavy modules (pandas, solvers)
are imported inside the commands, so ``berthplan --help`` stays fast. Every command takes
``-q/--quiet`` and ``-v/--verbose`` (:mod:`berthplan.cli.verbosity`).
"""

from __future__ import annotations

import json
from typing import Any

import click

from berthplan import __version__
from berthplan.cli import verbosity
from berthplan.cli.util import (
    EXIT_INPUT,
    EXIT_OK,
    exit_now,
    fail,
    interrupted,
    is_interrupt,
    user_errors,
)

__all__ = ["EXIT_INPUT", "EXIT_OK", "fail", "main", "user_errors"]


class _Group(click.Group):
    """The group: Ctrl-C anywhere in a command is exit 130 with one line (click says exit 1)."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with verbosity.logging_to_stderr(ctx):
                return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except SystemExit as e:  # a solver left running must not hold the exit
            if e.code is None or isinstance(e.code, int):
                exit_now(e.code or 0)
            raise
        except BaseException as e:
            if is_interrupt(e):
                interrupted()
            raise


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="berthplan")
def main() -> None:
    """Plan port capacity: berth construction and liner routes at least discounted cost."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@user_errors
def validate(file: str) -> None:
    """Check an instance FILE and summarize it (exit 2 with every error if invalid)."""
    from berthplan.model.io import load
    from berthplan.model.summary import summarize

    inst = load(file)
    click.echo(summarize(inst))
    click.echo(f"{file}: valid")


@main.command()
def schema() -> None:
    """Print the JSON Schema of instance files (units and meanings included)."""
    from berthplan.model.instance import Instance

    click.echo(json.dumps(Instance.model_json_schema(), indent=2, sort_keys=True))


def _register() -> None:
    # One module per command family; each imports only click (and light modules) at start-up.
    from berthplan.cli import (
        baseline,
        check,
        generate,
        planning,
        queue,
        share,
        simulate,
        solving,
        studies,
        uncertainty,
    )

    for family in (
        solving,
        check,
        planning,
        studies,
        generate,
        queue,
        simulate,
        uncertainty,
        baseline,
        share,
    ):
        family.register(main)
    _with_verbosity(main)


def _with_verbosity(command: click.Command) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` on ``command`` and every subcommand, at any depth."""
    verbosity.add_options(command)
    for sub in getattr(command, "commands", {}).values():
        _with_verbosity(sub)


try:
    _register()
except KeyboardInterrupt:  # Ctrl-C while the command modules load
    interrupted()

"""``--quiet`` and ``-v/--verbose`` on every command, backed by the standard :mod:`logging`.

The library logs to ``logging.getLogger("berthplan.<module>")`` and configures no handler (a
library user configures logging as usual). The command line installs one handler on the
``berthplan`` logger for the duration of a command, writing to stderr:

* default: INFO, the phases and progress of long commands (``loading FILE``, the model's
  size, the solver's incumbent);
* ``-v/--verbose``: DEBUG too, each line prefixed with the seconds since the command started;
* ``-q/--quiet``: warnings and errors only; a command may also shorten its own output then
  (``solve --quiet`` prints only the status line).

Both options are accepted before the command (``berthplan -v solve ...``) and after it
(``berthplan solve -v ...``); the one after the command wins.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "NORMAL",
    "QUIET",
    "VERBOSE",
    "add_options",
    "level",
    "logging_to_stderr",
    "printing_to",
    "quiet_means",
    "verbose_only",
]

QUIET, NORMAL, VERBOSE = -1, 0, 1
_KEY = "berthplan.verbosity"
_INSTALLED = "berthplan.logging"
_LEVELS = {QUIET: logging.WARNING, NORMAL: logging.INFO, VERBOSE: logging.DEBUG}
LOGGER = "berthplan"

F = TypeVar("F", bound=Callable[..., Any])


_console: list[Console] = []
"""The rich console of a live status line on stderr, while one is up (innermost last)."""


@contextmanager
def printing_to(console: Console) -> Iterator[None]:
    """Send log records through ``console`` (above its live display) while the block runs."""
    _console.append(console)
    try:
        yield
    finally:
        _console.remove(console)


class _Stderr(logging.Handler):
    """Writes each record to the stderr of the moment: through click, or a live display.

    Resolving stderr at each record (not when the handler is made) keeps the output where a
    test runner has put stderr meanwhile.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            if _console:
                _console[-1].print(text, markup=False, highlight=False, soft_wrap=True)
            else:
                click.echo(text, err=True)
        except Exception:  # a closed stream must not turn a log line into a failure
            self.handleError(record)


class _Format(logging.Formatter):
    """Bare messages at INFO; ``warning:``/``error:`` prefixes; times since start with -v."""

    def __init__(self, started: float, verbose: Callable[[], bool]) -> None:
        super().__init__()
        self.started, self.verbose = started, verbose

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and self.verbose():
            text += "\n" + self.formatException(record.exc_info)
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        elif record.levelno < logging.INFO:
            text = f"debug: {text}"
        if self.verbose():
            text = f"[{record.created - self.started:7.2f} s] {text}"
        return text


def level(ctx: click.Context | None = None) -> int:
    """The verbosity of the running command: :data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`."""
    ctx = ctx or click.get_current_context(silent=True)
    return NORMAL if ctx is None else int(ctx.meta.get(_KEY, NORMAL))


@contextmanager
def verbose_only(name: str) -> Iterator[None]:
    """Keep the INFO lines of logger ``name`` for ``-v`` while the block runs.

    For a command that repeats a phase many times (a frontier's steps solve one model each):
    its own lines say which step runs; each solve's phases would only repeat themselves.
    """
    logger = logging.getLogger(name)
    saved = logger.level
    if level() == NORMAL:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(saved)


def _apply(ctx: click.Context) -> None:
    if ctx.meta.get(_INSTALLED):
        logging.getLogger(LOGGER).setLevel(_LEVELS[level(ctx)])


def _set(value: int) -> Callable[[click.Context, click.Parameter, bool], None]:
    def callback(ctx: click.Context, param: click.Parameter, given: bool) -> None:
        if given:
            ctx.meta[_KEY] = value
            _apply(ctx)

    return callback


def quiet_means(text: str) -> Callable[[F], F]:
    """Document what ``--quiet`` leaves of a command's own output (its help text)."""

    def mark(fn: F) -> F:
        fn.__dict__["quiet_help"] = text
        return fn

    return mark


def add_options(command: click.Command) -> None:
    """Append ``-q/--quiet`` and ``-v/--verbose`` to ``command`` (once; not its own names)."""
    names = {o for p in command.params for o in getattr(p, "opts", [])}
    if "--verbose" in names or "--quiet" in names:
        return
    quiet_help = getattr(command.callback, "quiet_help", None)
    command.params += [
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set(QUIET),
            help=quiet_help or "Print only warnings, errors and the result.",
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            callback=_set(VERBOSE),
            help="Also print each phase's timing (debug messages) on stderr.",
        ),
    ]


@contextmanager
def logging_to_stderr(ctx: click.Context) -> Iterator[None]:
    """Route the ``berthplan`` loggers to stderr while the command of ``ctx`` runs.

    The logger's level, propagation and handlers are restored afterwards, so a command run
    in-process (tests, a notebook) leaves the caller's logging as it was.
    """
    logger = logging.getLogger(LOGGER)
    saved = (logger.level, logger.propagate)
    handler = _Stderr()
    handler.setFormatter(_Format(time.time(), lambda: level(ctx) == VERBOSE))
    logger.addHandler(handler)
    logger.propagate = False  # the command line owns stderr: no second copy via the root
    ctx.meta[_INSTALLED] = True
    _apply(ctx)
    try:
        yield
    finally:
        ctx.meta[_INSTALLED] = False
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

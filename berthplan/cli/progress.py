"""The live status line of a command's solves: incumbent, bound, gap and elapsed time.

On a terminal it is a transient rich status line (a spinner, redrawn in place, gone when the
solve ends; log lines print above it, through the same console). stdout is never redirected
into it: a command that prints a result while the line is up uses :meth:`SolverStatus.echo`,
which lifts the line, prints on stdout and draws the line again.

Elsewhere (a pipe, a file, CI) it is plain lines on the ``berthplan.cli.progress`` logger: one
when the solver finds a better plan (at most one a second) and otherwise one every few
seconds, so a log file shows the solve's course without flooding. ``--quiet`` shows neither.
Progress never goes to stdout or into output files. :func:`phase` is the same spinner for a
command's first, silent seconds (imports, reading the input).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from berthplan.cli import verbosity

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from berthplan.backends.base import Progress

__all__ = ["SolverStatus", "describe", "phase", "solver_status"]

log = logging.getLogger(__name__)

EVERY_S = 5.0
"""Plain lines: at most one every this many seconds while the incumbent stays the same."""
IMPROVED_S = 1.0
"""Plain lines: at most one a second, also while the incumbent improves."""


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.3f}"


def describe(p: Progress | None, elapsed: float) -> str:
    """One status text: ``incumbent 1,234.500  bound 1,200.000  gap 2.79%  12.3 s``."""
    if p is None:
        return f"{elapsed:.1f} s"
    plan = "no plan yet" if p.incumbent is None else f"incumbent {_money(p.incumbent)}"
    gap = "" if p.gap is None else f"  gap {100 * p.gap:.2f}%"
    return f"{plan}  bound {_money(p.bound)}{gap}  {elapsed:.1f} s"


class SolverStatus:
    """Receives a solver's :class:`~berthplan.backends.base.Progress` records and shows them.

    Parameters
    ----------
    label
        What is being solved (``solving``, ``step 2/5``); may be changed between solves.
    console
        A rich console on a terminal: the line is drawn there, in place. None: plain lines.
    clock
        Seconds from any origin (tests pass their own).
    """

    def __init__(
        self,
        label: str,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.console = console
        self.live: Live | None = None
        self.clock = clock
        self.started = clock()
        self.latest: Progress | None = None
        self._lock = threading.Lock()
        self._printed = -float("inf")
        self._printed_incumbent: float | None = None

    def echo(self, text: str) -> None:
        """Print ``text`` on stdout, lifting the live line meanwhile (not to mix the two)."""
        import click

        live = self.live
        if live is not None:
            live.stop()
        try:
            click.echo(text)
        finally:
            if live is not None:
                live.start()

    def restart(self, label: str) -> None:
        """A new solve begins (the next step of a study): new label, clock and figures."""
        with self._lock:
            self.label, self.started, self.latest = label, self.clock(), None
            self._printed, self._printed_incumbent = -float("inf"), None

    def __call__(self, p: Progress) -> None:
        with self._lock:
            self.latest = p
            if self.console is None:
                self._plain(p)

    def text(self) -> str:
        """The status line as it reads now."""
        return f"{self.label}: {describe(self.latest, self.clock() - self.started)}"

    def __rich__(self) -> RenderableType:  # redrawn by rich a few times a second
        return self.text()

    def _plain(self, p: Progress) -> None:
        now = self.clock()
        last = self._printed_incumbent
        improved = p.incumbent is not None and (last is None or p.incumbent < last)
        if now - self._printed < (IMPROVED_S if improved else EVERY_S):
            return
        self._printed, self._printed_incumbent = now, p.incumbent
        log.info("%s", self.text())


class _Since:
    """``TEXT  1.2 s``, the seconds counted at each redraw."""

    def __init__(self, text: str, started: float) -> None:
        self.text, self.started = text, started

    def __rich__(self) -> str:
        return f"{self.text}  {time.monotonic() - self.started:.1f} s"


@contextmanager
def phase(doing: str, done: str | None = None) -> Iterator[None]:
    """A command's first, silent phase (imports, reading the input): a sign of life at once.

    On a terminal, a transient spinner ``doing`` from the start, gone when the block ends;
    then, if it succeeded and ``done`` is given, the INFO line ``done in T s`` (so in a pipe
    or a log file the first line comes once the input has been read). An error in the block leaves no line before
    the command's error message.
    """
    started = time.monotonic()
    log.debug("%s", doing)
    console = None if verbosity.level() == verbosity.QUIET else _terminal()
    if console is None:
        yield
    else:
        with _live(_Since(doing, started), console), verbosity.printing_to(console):
            yield
    if done is not None:
        log.info("%s in %.2f s", done, time.monotonic() - started)


def _live(renderable: object, console: Console) -> Live:
    """A transient spinner line on ``console``, stdout and stderr left alone.

    rich's redirection would send stdout to the terminal even when it is a file; log records
    reach ``console`` through :func:`verbosity.printing_to` instead.
    """
    from rich.live import Live
    from rich.spinner import Spinner

    return Live(
        Spinner("dots", text=renderable),  # type: ignore[arg-type]
        console=console,
        transient=True,
        refresh_per_second=8,
        redirect_stdout=False,
        redirect_stderr=False,
    )


def _terminal() -> Console | None:
    from rich.console import Console

    console = Console(stderr=True)
    return console if console.is_terminal and not console.is_dumb_terminal else None


@contextmanager
def solver_status(label: str = "solving") -> Iterator[SolverStatus | None]:
    """Show the progress of every solve made inside the block (none with ``--quiet``).

    Yields the :class:`SolverStatus` (its ``restart`` relabels it between solves), or None.
    """
    from berthplan.backends.base import reporting

    if verbosity.level() == verbosity.QUIET:
        with reporting(None):
            yield None
        return
    console = _terminal()
    status = SolverStatus(label, console)
    with reporting(status):
        if console is None:
            yield status
            return
        live = _live(status, console)
        status.live = live
        with live, verbosity.printing_to(console):
            yield status

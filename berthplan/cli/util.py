"""Exit codes and error handling shared by every command."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from berthplan.errors import (
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_SOLVER,
    EXIT_VIOLATIONS,
    InstanceError,
    UsageError,
)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C

__all__ = [
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SOLVER",
    "EXIT_VIOLATIONS",
    "FiniteFloat",
    "TimeLimitReached",
    "exit_now",
    "fail",
    "interrupted",
    "process_started",
    "time_budget",
    "user_errors",
]


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


def is_interrupt(error: BaseException) -> bool:
    """Whether ``error`` is a Ctrl-C that an extension turned into its own exception.

    pydantic-core (Rust, through PyO3) raises ``pyo3_runtime.PanicException`` when a
    KeyboardInterrupt arrives while it builds a model's validator (the records' classes are
    built when ``berthplan.model`` is first imported, inside a command); its message names
    the KeyboardInterrupt.
    """
    if isinstance(error, KeyboardInterrupt):
        return True
    return type(error).__name__ == "PanicException" and "KeyboardInterrupt" in str(error)


def interrupted() -> NoReturn:
    """Ctrl-C: one line on stderr and exit 130 (whatever was running has unwound by now)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the exit
    click.echo("interrupted", err=True)
    # At once: CPython marks the process as killed by SIGINT (exit -2, not 130) when the
    # KeyboardInterrupt first rose inside code an extension ran with PyRun_String, however
    # it was handled here; everything has unwound by now. Not after worker processes, whose
    # semaphores only the shutdown releases (else the resource tracker reports them leaked).
    if "multiprocessing.resource_tracker" in sys.modules:  # worker processes were started:
        exit_now(EXIT_INTERRUPTED)  # their semaphores are released by the interpreter's shutdown
    _exit_at_once(EXIT_INTERRUPTED)


def exit_now(code: int) -> NoReturn:
    """Exit with ``code``; at once when a solver thread had to be left running.

    A solver that did not stop at Ctrl-C or at the deadline still runs native code in its
    thread: interpreter shutdown could wait for it or crash under it, so the process ends
    without the shutdown (every ``finally`` and context manager has already run).
    """
    guard = sys.modules.get("berthplan.backends.guard")
    if guard is not None and guard.abandoned.is_set():
        _exit_at_once(code)
    sys.exit(code)


def _exit_at_once(code: int) -> NoReturn:
    """Flush stdout and stderr and end the process with ``code``, without the shutdown."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def process_started() -> float:
    """The :func:`time.monotonic` instant this process started (Linux), else now.

    ``--time-limit`` is the user's budget for the whole command, so Python's start-up and
    imports count too, when this process is the command (the ``berthplan`` script or
    ``python -m berthplan``); called from another program (tests, a notebook), the command's
    budget starts now.
    """
    entry = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if entry.name != "berthplan" and entry.parts[-2:] != ("berthplan", "__main__.py"):
        return time.monotonic()
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / ticks
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic()
    return time.monotonic() - min(max(age, 0.0), 60.0)


class TimeLimitReached(Exception):
    """The command's whole ``--time-limit`` ran out outside the solver (loading, checking)."""


@contextmanager
def time_budget(limit: float | None, started: float) -> Iterator[None]:
    """Stop the command when ``limit`` seconds from ``started`` are spent, whatever it does.

    The solve keeps to its share of the budget by itself; this is the backstop for the
    rest (a huge file on a busy machine): SIGALRM raises :class:`TimeLimitReached` in the
    main thread at 1.05 x the limit plus one second (the promise is 1.1 x plus two).
    Outputs are atomic, so nothing is left half-written.
    """
    if limit is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise TimeLimitReached(f"the time limit of {limit:g} s was reached")

    left = max(started + 1.05 * limit + 1.0 - time.monotonic(), 0.001)
    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def user_errors(fn: F) -> F:
    """Turn the errors a user can fix into messages and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InstanceError as e:
            n = len(e.issues)
            fail(f"{e.render()}\n{n} error{'s' if n != 1 else ''} in {e.source}")
        except UsageError as e:
            fail(f"error: {e}")

    return wrapper  # type: ignore[return-value]


class FiniteFloat(click.FloatRange):
    """A float option within bounds that refuses NaN and infinity (JSON outputs stay strict)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number

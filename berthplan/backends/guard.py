"""Run a backend's solve so that Ctrl-C and the wall-clock budget can stop it.

Every backend's native solve releases the GIL, so the solve runs in a worker thread while the
main thread waits in short, interruptible steps (a native call in the main thread would hold
Ctrl-C back until it returned). Backends register *stop hooks* while they solve
(:func:`stoppable`): HiGHS asks its MIP to stop at the next interrupt check, PuLP sends SIGINT to
its CBC process, CP-SAT stops its search. Each then returns the best plan found, which the
caller reports as ``feasible`` (it is checked like any other plan).

On Ctrl-C the hooks are called and the solve is awaited; a backend without a hook, or a second
Ctrl-C, raises :class:`KeyboardInterrupt` at once (the command exits 130). Past the deadline the
same hooks are called, then any process the solve started is killed; a solve that still does
not return is abandoned (:data:`abandoned` tells the command line to exit without waiting).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import Backend, Capabilities, Options, Result, Status

Hook = Callable[[bool], object]
"""A stop hook: called with ``hard=False`` to ask the solver to stop, ``True`` to insist.

It returns whether the solver can stop with its plan (``False``: it cannot, do not wait)."""

_hooks: list[tuple[Hook, int]] = []  # with the id of the thread that registered it
_lock = threading.Lock()
abandoned = threading.Event()
"""Set when a solve did not stop and was left running: exit without joining threads."""

GRACE_S = 1.0  # how long a stopped solver may take to hand back its plan


@contextmanager
def stoppable(hook: Hook) -> Iterator[None]:
    """Register ``hook`` for the duration of a native solve."""
    entry = (hook, threading.get_ident())
    with _lock:
        _hooks.append(entry)
    try:
        yield
    finally:
        with _lock:
            _hooks.remove(entry)


def request_stop(hard: bool = False, thread: int | None = None) -> bool:
    """Call every registered hook (``thread``: only those registered by that thread, a
    :func:`threading.get_ident` value); whether one will stop its solver with a plan."""
    with _lock:
        hooks = [hook for hook, owner in _hooks if thread is None or owner == thread]
    stopping = False
    for hook in hooks:
        with suppress(Exception):  # best effort: the caller still waits, then kills or leaves
            stopping = hook(hard) is not False or stopping
    return stopping


def children() -> set[int]:
    """The ids of this process's child processes (Linux; empty elsewhere)."""
    found: set[int] = set()
    try:
        tasks = list(Path(f"/proc/{os.getpid()}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except (OSError, ValueError):
            continue
    return found


def signal_children(pids: set[int], sig: int) -> bool:
    """Send ``sig`` to each of ``pids`` that is still our child; whether one was."""
    sent = False
    for pid in pids & children():
        try:
            os.kill(pid, sig)
            sent = True
        except OSError:
            continue
    return sent


@dataclass
class _Run:
    """One solve in its thread: the result, or the exception it raised."""

    backend: Backend
    model: Arrays
    options: Options
    result: Result | None = None
    error: BaseException | None = None
    # Waited on instead of Thread.join: a join interrupted by Ctrl-C can leave the thread
    # reported dead while it still runs (a CPython quirk).
    done: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> None:
        try:
            self.result = self.backend.solve(self.model, self.options)
        except BaseException as e:  # handed to the waiting thread
            self.error = e
        finally:
            self.done.set()


def run(backend: Backend, model: Arrays, options: Options, deadline: float | None) -> Result:
    """``backend.solve(model, options)``, stopped by Ctrl-C or past ``deadline``.

    Parameters
    ----------
    backend, model, options
        What to solve and how; ``options.time_limit`` is the solver's own limit.
    deadline
        A :func:`time.monotonic` instant after which the solve is stopped (None: none).

    Returns
    -------
    Result
        The backend's result; ``message`` says "interrupted" when Ctrl-C stopped it.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C when the backend cannot stop with a plan, or on a second Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        return backend.solve(model, options)  # signals reach the main thread only
    before = children()
    job = _Run(backend, model, options)
    thread = threading.Thread(target=job, name=f"berthplan-{backend.name}", daemon=True)
    stdout = os.dup(1)  # a solve left running keeps fd 1 on its log: given back below
    thread.start()
    interrupted = False
    try:
        _wait(job.done, deadline, before)
    except KeyboardInterrupt:
        interrupted = True
        if not request_stop() or not _join(job.done, GRACE_S * 5):
            _abandon(job.done, before)
            raise
    except BaseException:  # e.g. the command's own time limit: the solve must not go on
        request_stop(hard=True)
        _abandon(job.done, before)
        raise
    finally:
        if not job.done.is_set():
            os.dup2(stdout, 1)
        os.close(stdout)
    if not job.done.is_set():
        return Result(Status.NO_SOLUTION, message="the solver did not stop at the time limit")
    if job.error is not None:
        raise job.error
    if job.result is None:  # pragma: no cover - the job sets one or the other
        raise RuntimeError(f"{backend.name}: the solve ended without a result")
    if interrupted:
        if not job.result.has_solution:
            raise KeyboardInterrupt
        message = f"interrupted; {job.result.message}" if job.result.message else "interrupted"
        return replace(job.result, message=message, interrupted=True)
    return job.result


def _join(done: threading.Event, timeout: float) -> bool:
    """Wait up to ``timeout`` for ``done``, in short interruptible steps; whether it is set."""
    end = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < end:
        done.wait(0.05)
    return done.is_set()


def _wait(done: threading.Event, deadline: float | None, before: set[int]) -> None:
    """Wait for ``done``; past ``deadline`` stop the solve, kill what it started, or leave it."""
    while not done.wait(0.05):
        if deadline is not None and time.monotonic() > deadline:
            request_stop()
            if _join(done, GRACE_S):
                return
            request_stop(hard=True)
            signal_children(children() - before, signal.SIGKILL)
            if not _join(done, GRACE_S):
                _abandon(done, before)
            return


def _abandon(done: threading.Event, before: set[int]) -> None:
    """Leave a solve that will not stop: kill the processes it started, flag the exit."""
    if not done.is_set():
        signal_children(children() - before, signal.SIGKILL)
        abandoned.set()


class Guarded:
    """A backend whose every solve goes through :func:`run`, within one budget.

    Parameters
    ----------
    backend
        The backend to guard.
    end
        A :func:`time.monotonic` instant by which every solve should be over (None: none);
        each solve's time limit is cut to it.
    slack
        How long past ``end`` a solver may run before it is stopped (solvers check their
        own limit coarsely).
    """

    def __init__(self, backend: Backend, end: float | None, slack: float) -> None:
        self.inner = backend
        self.name: str = backend.name
        self.capabilities: Capabilities = backend.capabilities
        self.end = end
        self.slack = slack
        self.interrupted = False

    def available(self) -> tuple[bool, str]:
        return self.inner.available()

    def version(self) -> str:
        return self.inner.version()

    def solve(self, model: Arrays, options: Options) -> Result:
        if self.interrupted:  # Ctrl-C stopped an earlier phase: start no other solve
            raise KeyboardInterrupt
        deadline = None
        if self.end is not None:
            left = self.end - time.monotonic()
            if left <= 0.05:
                return Result(Status.NO_SOLUTION, message="time limit reached")
            limit = left if options.time_limit is None else min(options.time_limit, left)
            options = replace(options, time_limit=limit)
            deadline = self.end + self.slack
        result = run(self.inner, model, options, deadline)
        # |=: a solve in another thread (the heuristics beside the full solve) must not clear it
        self.interrupted |= result.interrupted
        return result


__all__ = ["Guarded", "abandoned", "request_stop", "run", "stoppable"]

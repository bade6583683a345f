"""The solver-neutral vocabulary every backend speaks: options in, :class:`Result` out.

Solver objects and solver status codes never leave a backend module; the rest of berthplan
sees only :class:`Status`, objective, bound, gap, wall time and the column values.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from berthplan.backends.arrays import Arrays


class Status(StrEnum):
    """What a solve established, the same for every backend."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a plan, but not proven optimal (a limit was hit)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # a limit was hit before any plan was found
    ERROR = "error"


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do."""

    milp: bool = True
    lp_only: bool = False
    integer_only: bool = False
    time_limit: bool = True
    gap: bool = True
    threads: bool = True
    warm_start: bool = False
    node_limit: bool = False
    iis: bool = False
    feed: bool = False  # takes plans found elsewhere while it solves (Options.feed)


class PlanFeed(Protocol):
    """Plans found elsewhere (by heuristics in another thread) while a solve runs."""

    def take(self) -> NDArray[np.float64] | None:
        """A plan not handed out before (column values, meeting every bound and row), or
        None. Called from the solver's thread."""
        ...


MAX_THREADS = 256
"""Most solver threads accepted: more cannot help on any machine berthplan targets, and a
solver asked for 100,000 threads spends minutes creating them."""


@dataclass(frozen=True)
class Progress:
    """A solver's state during a solve, the same for every backend.

    Objective values include the model's constant offset, so ``incumbent`` is in the units of
    the plan's total discounted cost. ``bound`` is the best proven lower bound (minimization).
    """

    elapsed: float  # seconds since the solver started
    incumbent: float | None  # objective of the best plan found so far
    bound: float | None
    gap: float | None  # relative_gap(incumbent, bound)


ProgressFn = Callable[[Progress], object]
"""Receives :class:`Progress` records from the solver's own thread; it must return quickly."""

_progress: ContextVar[ProgressFn | None] = ContextVar("berthplan_progress", default=None)


@contextmanager
def reporting(fn: ProgressFn | None) -> Iterator[None]:
    """Send the progress of every :func:`berthplan.solve` in this context to ``fn``.

    Lets a command show the progress of solves made deep inside a study (replan, frontier)
    without passing a callable through every layer.
    """
    token = _progress.set(fn)
    try:
        yield
    finally:
        _progress.reset(token)


def current_progress() -> ProgressFn | None:
    """The callable set by the innermost :func:`reporting`, if any."""
    return _progress.get()


class Throttle:
    """Forward a solver's callback data to a :data:`ProgressFn`, at most a few times a second.

    A new incumbent is forwarded at once (unless one was forwarded within ``burst`` s);
    anything else at most every ``interval`` s. Exceptions of ``fn`` are logged and never
    reach the solver (a callback that raises inside native code can abort the solve).
    """

    def __init__(self, fn: ProgressFn, interval: float = 0.25, burst: float = 0.05) -> None:
        self.fn, self.interval, self.burst = fn, interval, burst
        self.last = -math.inf
        self.best: float | None = None

    def __call__(self, elapsed: float, incumbent: float | None, bound: float | None) -> None:
        incumbent = _finite(incumbent)
        bound = _finite(bound)
        improved = incumbent is not None and (self.best is None or incumbent < self.best)
        wait = self.burst if improved else self.interval
        if elapsed - self.last < wait:
            return
        self.last = elapsed
        if incumbent is not None:
            self.best = incumbent
        try:
            self.fn(Progress(elapsed, incumbent, bound, relative_gap(incumbent, bound)))
        except Exception:  # progress must never break a solve
            logging.getLogger(__name__).debug("progress callback failed", exc_info=True)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Options:
    """Solver options common to all backends; ``extra`` passes backend-specific ones through.

    ``progress`` (never recorded in solve.json) receives :class:`Progress` records from the
    backends that have a callback (HiGHS); the others never call it.

    ``start`` (a value per column) is a candidate plan a backend may use as a hint; it is
    never trusted for status or bound: a backend that takes it
    (``capabilities.warm_start``) checks it against every bound and row first
    (:mod:`berthplan.backends.start`) and keeps it as the plan only if it finds nothing
    better. ``cutoff`` is an objective value known to be attainable: only plans better than it
    are sought. Backends with ``capabilities.warm_start`` (``highs``, ``ortools:scip``,
    ``ortools:highs``, ``ortools:cpsat``, ``pulp:cbc``) take the start, the cutoff or both,
    each as its solver allows (:mod:`berthplan.backends.hints`, docs/backends.md); the others
    ignore both, which is always safe. ``node_limit`` is a work limit on branch-and-bound nodes
    (deterministic, unlike a time limit; HiGHS's ``mip_max_nodes``, SCIP's
    ``limits/totalnodes``), honoured by the backends with ``capabilities.node_limit`` (``highs``,
    ``ortools:scip``) and ignored by the others. ``prove`` says the start is believed near the
    optimum, so the effort should go to the bound: HiGHS then leaves out
    its own plan-finding heuristics (:data:`berthplan.backends.highs.PROVE`); the others
    ignore it. ``feed`` hands over plans found elsewhere while the solve runs: a backend
    with ``capabilities.feed`` (``highs``: its user-solution callback) asks it for new plans
    at its solver's checkpoints, so that they prune its search; the others ignore it. None of
    the five is recorded in solve.json.
    """

    time_limit: float | None = None
    gap: float | None = 0.0
    threads: int | None = None
    seed: int | None = None
    verbose: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    progress: ProgressFn | None = field(default=None, compare=False, repr=False)
    start: NDArray[np.float64] | None = field(default=None, compare=False, repr=False)
    cutoff: float | None = None
    node_limit: int | None = None
    prove: bool = False
    feed: PlanFeed | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time_limit": self.time_limit,
            "gap": self.gap,
            "threads": self.threads,
            "seed": self.seed,
            "verbose": self.verbose,
            "extra": dict(sorted(self.extra.items())),
        }


@dataclass
class Result:
    """A solve's outcome in solver-neutral terms (objective includes the model offset)."""

    status: Status
    x: NDArray[np.float64] | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    wall_time: float = 0.0
    log: str = ""
    message: str = ""
    interrupted: bool = False  # Ctrl-C stopped the solver; x is the best plan it had

    @property
    def has_solution(self) -> bool:
        return self.x is not None and self.status in (Status.OPTIMAL, Status.FEASIBLE)


class Backend(Protocol):
    """A solver adapter: one module each, registered by name in :mod:`berthplan.backends`."""

    name: str
    capabilities: Capabilities

    def available(self) -> tuple[bool, str]:
        """Whether the solver can run here, and why not."""
        ...

    def version(self) -> str: ...

    def solve(self, model: Arrays, options: Options) -> Result: ...


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(1, |objective|), the convention every backend reports."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


def budget(options: Options, t0: float) -> float | None:
    """The solver's own time limit: ``options.time_limit`` less what was spent since ``t0``.

    Backends build their solver's model inside :meth:`Backend.solve`; that time counts
    against the user's limit too (never below 0.01 s: some solvers read 0 as "no limit").
    """
    if options.time_limit is None:
        return None
    return max(options.time_limit - (time.perf_counter() - t0), 0.01)


def read_log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""

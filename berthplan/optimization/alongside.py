"""The heuristics beside the full solve: one thread looks for plans while the full solve bounds.

On the national rung with service levels the default solve spent the first 260 s of its ten
minutes in RENS and the local search (:mod:`~berthplan.optimization.primal`) before the full
solve began, whose root LP alone then took another 140 s: at the limit its bound was 1.0-1.05 %
short of the plan (benchmarks/README.md, runs AC and AD). Each phase is a HiGHS solve that keeps
about one core busy, so on two cores the full solve can start at once while the heuristics
run in a second thread. Each plan they find is handed to the running full solve
(:attr:`~berthplan.backends.base.Options.feed`, HiGHS's user-solution callback), where it
prunes the search as the solver's own incumbent would; the plan reported is the better of the
full solve's and the heuristics' best, and the bound is the full solve's (a true bound on the
full model) or the relaxation's, whichever is higher.

It is asked for with the profile's ``heuristic = "beside"`` (a time limit, two threads or
more allowed and two cores present; otherwise the sequential path runs, as with ``on``). It
is not the default: measured on national-sl with two cores (benchmarks/README.md, run AE),
the two HiGHS solves slow each other down (the full solve's presolve and root LP took 247 s
instead of about 140 s, the heuristics' LP 66-77 s instead of 56 s alone), and the default's
sequential path ended nearer 1 % (1.008 % against 1.07-1.11 %). Its plan also depends on when
each plan reaches the full solve, that is on timing, where the sequential path's plan is the
same on every run.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from berthplan.backends import Backend, Options, Result, Status
from berthplan.backends.base import Capabilities, Progress, ProgressFn, relative_gap
from berthplan.backends.guard import request_stop
from berthplan.backends.start import feasible, objective
from berthplan.optimization import primal
from berthplan.optimization.formulation import Built
from berthplan.optimization.sparse import Arrays

log = logging.getLogger(__name__)


def wanted(heuristic: str, arrays: Arrays, backend: Backend, options: Options) -> bool:
    """Whether to run the heuristics beside the full solve: ``heuristic`` is ``beside``, the
    backend takes plans mid-solve, a time limit is set and two threads and cores are there."""
    threads = options.threads is None or options.threads >= 2
    return (
        heuristic == "beside"
        and primal.wanted(heuristic, arrays, backend)
        and backend.capabilities.feed
        and options.time_limit is not None
        and threads
        and _cores() >= 2
    )


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass
class Shared:
    """The best plan the heuristics have found and the best bound seen, shared by the two
    threads; also the one caller of the user's progress callable (never two at once)."""

    progress: ProgressFn | None
    x: NDArray[np.float64] | None = None
    value: float = math.inf
    bound: float = -math.inf
    seconds: float | None = None
    handed: bool = True
    t0: float = field(default_factory=time.perf_counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def offer(self, found: primal.Incumbent) -> None:
        """A plan of the heuristics (kept if better) and their LP bound."""
        with self.lock:
            if found.objective < self.value:
                self.x, self.value, self.handed = found.x, found.objective, False
                self.seconds = time.perf_counter() - self.t0
            self.bound = max(self.bound, found.lp_bound)
            self._report(None, None)

    def take(self) -> NDArray[np.float64] | None:
        """The best plan if the full solve has not had it yet (its plan feed)."""
        with self.lock:
            if self.handed or self.x is None:
                return None
            self.handed = True
            return self.x

    def watch(self, p: Progress) -> None:
        """The full solve's progress, merged with the heuristics' plan and bound."""
        with self.lock:
            if p.bound is not None and math.isfinite(p.bound):
                self.bound = max(self.bound, p.bound)
            self._report(p.incumbent, p.bound)

    def _report(self, incumbent: float | None, bound: float | None) -> None:
        if self.progress is None:
            return
        plans = [v for v in (incumbent, self.value) if v is not None and math.isfinite(v)]
        plan = min(plans) if plans else None
        best = self.bound if math.isfinite(self.bound) else bound
        if plan is not None and best is not None:
            best = min(best, plan)
        elapsed = time.perf_counter() - self.t0
        try:
            self.progress(Progress(elapsed, plan, best, relative_gap(plan, best)))
        except Exception:  # progress must never break a solve
            log.debug("progress callback failed", exc_info=True)


class _Stopping:
    """``backend``, whose solves end at once (no plan) once ``stop`` is set."""

    def __init__(self, backend: Backend, stop: threading.Event) -> None:
        self.inner, self.stop = backend, stop
        self.name: str = backend.name
        self.capabilities: Capabilities = backend.capabilities

    def available(self) -> tuple[bool, str]:
        return self.inner.available()

    def version(self) -> str:
        return self.inner.version()

    def solve(self, model: Arrays, options: Options) -> Result:
        if self.stop.is_set():
            return Result(Status.NO_SOLUTION, message="stopped")
        return self.inner.solve(model, options)


@dataclass
class _Heuristics:
    """RENS and the local search, as the sequential path runs them, in a thread of their own."""

    backend: Backend
    built: Built
    arrays: Arrays
    options: Options
    shared: Shared
    error: BaseException | None = None

    def __call__(self) -> None:
        # No shares of the time limit: the full solve has the other core throughout, so each
        # phase may run to its node limit (the budget's end still stops it).
        options = replace(self.options, time_limit=None)
        try:
            found = primal.first(self.backend, self.built, self.arrays, options)
            if found is None:
                return
            self.shared.offer(found)
            if primal.LNS_ROUNDS:
                areas = primal.by_area(self.built, found)
                primal.improve(self.backend, self.arrays, options, found, areas, self.shared.offer)
        except KeyboardInterrupt:  # Ctrl-C stopped the full solve too: it decides
            return
        except BaseException as e:  # raised again by the full solve's thread
            self.error = e


def solve(
    built: Built, backend: Backend, arrays: Arrays, opts: Options
) -> tuple[Result, float | None]:
    """The full solve with the heuristics beside it; the result and the seconds to the
    heuristics' best plan (None when they found none).

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C when neither the full solve nor the heuristics have a plan.
    """
    shared, stop = Shared(opts.progress), threading.Event()
    job = _Heuristics(_Stopping(backend, stop), built, arrays, opts, shared)
    thread = threading.Thread(target=job, name="berthplan-heuristics", daemon=True)
    thread.start()
    # the user's start and cutoff (a sweep's warm start) stay: the full solve keeps the start
    # if it finds nothing better, and the heuristics' plans come through the feed
    full = replace(opts, progress=shared.watch, prove=True, feed=shared)
    try:
        result = backend.solve(arrays, full)
    except KeyboardInterrupt:
        if shared.x is None:
            raise
        result = Result(Status.NO_SOLUTION, message="interrupted", interrupted=True)
    finally:  # whatever ended the full solve, the heuristics end with it
        _halt(thread, stop)
    if job.error is not None:
        raise job.error
    return merged(result, arrays, shared, opts.gap), shared.seconds


def _halt(thread: threading.Thread, stop: threading.Event) -> None:
    """Stop the heuristics' thread: no new solve, and the one running asked to stop."""
    stop.set()
    while thread.is_alive():
        if thread.ident is not None:
            request_stop(thread=thread.ident)
        thread.join(0.05)


def merged(result: Result, arrays: Arrays, shared: Shared, gap: float | None) -> Result:
    """The full solve's ``result`` with the heuristics' best plan and the best bound seen.

    The plan is the better of the two (each checked against every bound and row), the bound
    the highest true bound seen (the full solve's, the relaxation's), never above the plan,
    and the status ``optimal`` only when that plan is within ``gap`` of that bound.
    """
    plans: list[tuple[float, int, NDArray[np.float64]]] = []
    if result.has_solution and result.x is not None and feasible(arrays, result.x):
        plans.append((objective(arrays, result.x), 0, result.x))
    if shared.x is not None:
        plans.append((shared.value, 1, shared.x))
    if not plans:
        return result
    if result.status == Status.INFEASIBLE:  # a checked plan says otherwise
        log.warning("the full solve reported infeasible; the heuristics' plan is kept")
    value, source, x = min(plans, key=lambda p: (p[0], p[1]))
    best = shared.bound
    if result.bound is not None and math.isfinite(result.bound):
        best = max(best, result.bound)
    bound = min(best, value) if math.isfinite(best) else None
    found_gap = relative_gap(value, bound)
    proven = found_gap is not None and found_gap <= (gap or 0.0) + 1e-9
    if source == 0 and result.status == Status.OPTIMAL:
        proven = True  # the solver proved its own plan within the gap
    note = "the heuristics' plan kept" if source == 1 else ""
    message = "; ".join(m for m in (result.message, note) if m)
    return Result(
        Status.OPTIMAL if proven else Status.FEASIBLE,
        x,
        value,
        bound,
        found_gap,
        result.wall_time,
        result.log,
        message,
        result.interrupted,
    )


__all__ = ["Shared", "merged", "solve", "wanted"]

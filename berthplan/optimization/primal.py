"""A good plan early for big models: RENS, then a local search, then the full solve.

On the national rung HiGHS alone finds no plan, or a poor one, in ten minutes, while its bound
is within about 1 % of the best known plan (issue 11): finding plans is what fails. RENS
(Berthold 2014) solves the LP relaxation, fixes every integer column whose LP value is already
integral, and solves the small MIP that is left with a node limit. A local search then frees
one group of port areas at a time (their projects' starts, the routes calling only there,
their queue pools' berth-count levels), fixes every other integer column at the plan and
keeps any better plan. The plan is handed to the full solve as a start and a cutoff
(:mod:`berthplan.backends.start`): the full solve looks only for better plans, keeps this one
if it finds none, and its bound (a bound on the full model, never a restricted one's) decides
the status.

Deterministic: every restricted MIP is bounded by a node limit, not by time. A time limit
applies only when the user's budget would run out first (each phase has a share of it); then
the plan may differ from run to run, and the full solve decides its status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from berthplan.backends import Backend, Options, Status
from berthplan.backends.start import feasible, objective
from berthplan.optimization.formulation import Built
from berthplan.optimization.guide import Guide, for_pools
from berthplan.optimization.sparse import Arrays

log = logging.getLogger(__name__)

MIN_INTEGERS = 10_000
"""Integer columns from which the default solve runs the heuristic first (``auto``).

Measured side by side (benchmarks/README.md, "Primal heuristic"): large-0 (12,931) reaches
its first plan 5x and a proven 1 % 1.5x sooner with it, national-0 (69,265) has a plan where
HiGHS alone has none; Liaoning (395) and the small and medium rungs (up to 1,841) solve in
seconds without it, where the extra LP would only add time."""

SUB_GAP = 0.005
"""Relative gap asked of the restricted MIP (its plan is improved by the full solve)."""

SUB_NODES = 1_000
"""Node limit of the restricted MIP: a work limit, so the plan is the same on every run."""

LP_SHARE, SUB_SHARE, LNS_SHARE = 0.25, 0.25, 0.2
"""Most of the time limit the LP, the restricted MIP and the local search may each take."""

GUIDE_CHORDS: int | None = 2
"""Of each waiting curve's chords, how many RENS's LPs keep on a model with queue pools
(None: all; measured: benchmarks/README.md, "Service levels at national size")."""

LNS_ROUNDS = 12
"""Neighbourhoods searched around the RENS plan (0: none)."""

LNS_COLUMNS = 1_500
"""Start columns freed together in one neighbourhood (whole ports, so about this many)."""

LNS_NODES = 100
"""Node limit of each neighbourhood's MIP (a work limit)."""


@dataclass(frozen=True)
class Incumbent:
    """A plan the heuristic found: column values, objective, the LP bound, seconds taken."""

    x: NDArray[np.float64]
    objective: float
    lp_bound: float
    seconds: float
    x_lp: NDArray[np.float64] | None = None


def wanted(mode: str, arrays: Arrays, backend: Backend) -> bool:
    """Whether to run the heuristic: ``on`` (or ``beside``, :mod:`.alongside`), ``off``, or
    ``auto`` (big models), on a backend that takes a start and a node limit (the restricted
    MIPs are bounded by nodes, so that the plan is the same on every run)."""
    can = backend.capabilities
    if mode == "off" or not (can.warm_start and can.node_limit) or not arrays.integer.any():
        return False
    return mode in ("on", "beside") or int(arrays.integer.sum()) >= MIN_INTEGERS


def restricted(
    arrays: Arrays,
    x_lp: NDArray[np.float64],
    tol: float = 1e-6,
    free: NDArray[np.int64] | None = None,
) -> Arrays:
    """``arrays`` with every integer column whose LP value is integral fixed to it, except
    the columns ``free``."""
    ints = np.flatnonzero(arrays.integer)
    if free is not None:
        ints = np.setdiff1d(ints, free)
    values = x_lp[ints]
    rounded = np.round(values)
    fix = ints[np.abs(values - rounded) <= tol]
    lb, ub = arrays.lb.copy(), arrays.ub.copy()
    lb[fix] = ub[fix] = np.round(x_lp[fix])
    return replace(arrays, lb=lb, ub=ub)


def rens(
    backend: Backend,
    arrays: Arrays,
    options: Options,
    free: NDArray[np.int64] | None = None,
    guide: Guide | None = None,
) -> Incumbent | None:
    """A plan of ``arrays`` from the restricted MIP around its LP relaxation, or None.

    ``options`` are the user's (threads, seed, time limit, progress): each phase takes at most
    its share of the time limit. ``free``: integer columns never fixed, whose value follows
    from the others (a queue pool's level is its berth count: fixed at an LP value, it
    would demand a count the fixed starts cannot make). ``guide``: on a model with queue
    pools, the relaxation to bound it and the restriction to round instead of the LP
    relaxation (:mod:`~berthplan.optimization.guide`). The plan returned meets every bound
    and row of ``arrays``.
    """
    t0 = time.perf_counter()
    limit = options.time_limit
    base = Options(threads=options.threads, seed=options.seed, verbose=False)
    relaxation = (
        replace(arrays, integer=np.zeros_like(arrays.integer))
        if guide is None
        else guide.relaxation
    )
    lp = backend.solve(
        relaxation,
        replace(base, time_limit=None if limit is None else LP_SHARE * limit),
    )
    if lp.status != Status.OPTIMAL or lp.x is None or lp.objective is None:
        log.info("heuristic: the LP relaxation ended %s; skipped", lp.status.value)
        return None
    log.info("heuristic: LP bound %.6f in %.1f s", lp.objective, time.perf_counter() - t0)
    x_lp = lp.x if guide is None else _guided(backend, guide, lp.x, base, limit, t0)
    sub = restricted(arrays, x_lp, free=free)
    fixed = int(np.sum(sub.lb[arrays.integer] == sub.ub[arrays.integer]))
    found = backend.solve(
        sub,
        replace(
            base,
            gap=SUB_GAP,
            node_limit=SUB_NODES,
            time_limit=None if limit is None else SUB_SHARE * limit,
        ),
    )
    seconds = time.perf_counter() - t0
    if not found.has_solution or found.x is None or not feasible(arrays, found.x):
        total = int(arrays.integer.sum())
        log.info("heuristic: no plan (%s, %d of %d fixed)", found.status.value, fixed, total)
        return None
    value = objective(arrays, found.x)
    log.info("heuristic: plan %.6f in %.1f s (%d integer columns fixed)", value, seconds, fixed)
    return Incumbent(found.x, value, float(lp.objective), seconds, x_lp)


def _guided(
    backend: Backend,
    guide: Guide,
    x: NDArray[np.float64],
    base: Options,
    limit: float | None,
    t0: float,
) -> NDArray[np.float64]:
    """The guide LP's solution, or the relaxation's ``x`` if it has none in the LP's share."""
    left = None if limit is None else LP_SHARE * limit - (time.perf_counter() - t0)
    if left is not None and left <= 0:
        return x
    got = backend.solve(guide.restrict(x), replace(base, time_limit=left))
    if got.status != Status.OPTIMAL or got.x is None:
        log.info("heuristic: the guide LP ended %s; the relaxation guides", got.status.value)
        return x
    log.info("heuristic: guide LP %.6f in %.1f s", got.objective, time.perf_counter() - t0)
    return got.x


def first(backend: Backend, built: Built, arrays: Arrays, options: Options) -> Incumbent | None:
    """RENS on ``built``'s model as the default solve runs it: pool levels free, and the
    pools' guide where it has pools."""
    pools = for_pools(arrays, built, GUIDE_CHORDS)
    return rens(backend, arrays, options, free=built.pools.level.cols, guide=pools)


def by_area(built: Built, found: Incumbent) -> list[NDArray[np.int64]]:
    """Neighbourhoods of whole port areas: their projects' start columns, the opening
    columns of the candidate routes that call only there and their queue pools' levels,
    about :data:`LNS_COLUMNS` start columns each (a hub port alone holds thousands: areas,
    not ports, are the unit).

    Areas come in order of how far the plan is from the LP relaxation in their start
    columns (most first, ties by index): where the restricted MIP was least guided.
    """
    s = built.sets
    xj, _ = s.x_cols
    zr, _ = s.z_cols
    xcols, zcols = built.x.cols, built.z.cols
    area_of_start = s.p_area[xj]
    far = np.zeros(len(s.areas))
    if found.x_lp is not None:
        np.add.at(far, area_of_start, np.abs(found.x_lp[xcols] - found.x[xcols]))
    per_area = np.bincount(area_of_start, minlength=len(s.areas))
    groups: list[set[int]] = [set()]
    size = 0
    for a in np.argsort(-far, kind="stable"):
        if size >= LNS_COLUMNS:
            if len(groups) == LNS_ROUNDS:
                break
            groups.append(set())
            size = 0
        groups[-1].add(int(a))
        size += int(per_area[a])
    calls = [{s.area_index[c.area] for c in r.calls} for r in s.candidates]
    level_area = np.array([s.pool_pairs[lv.pool][0] for lv in built.pools.levels], dtype=np.int64)
    out = []
    for areas in groups:
        inside = np.array([bool(c) and c <= areas for c in calls], dtype=bool)
        starts = xcols[np.isin(area_of_start, list(areas))]
        opens = zcols[inside[zr]] if len(zr) else zcols[:0]
        # A queue pool's level is its berth count: fixed, it would pin the area's projects.
        levels = built.pools.level.cols[np.isin(level_area, list(areas))]
        out.append(np.concatenate([starts, opens, levels]).astype(np.int64))
    return out


def improve(
    backend: Backend,
    arrays: Arrays,
    options: Options,
    found: Incumbent,
    neighbourhoods: list[NDArray[np.int64]],
    on_better: Callable[[Incumbent], None] | None = None,
) -> Incumbent:
    """Local search: free each neighbourhood's columns, fix the other integers at the plan,
    and keep any better plan (each MIP under the plan's cutoff, with a node limit).
    ``on_better`` receives each better plan as it is found."""
    t0 = time.perf_counter()
    x, value = found.x, found.objective
    ints = np.flatnonzero(arrays.integer)
    left = None if options.time_limit is None else LNS_SHARE * options.time_limit
    for cols in neighbourhoods:
        if left is not None and time.perf_counter() - t0 >= left:
            break
        lb, ub = arrays.lb.copy(), arrays.ub.copy()
        lb[ints] = ub[ints] = np.round(x[ints])
        lb[cols], ub[cols] = arrays.lb[cols], arrays.ub[cols]
        spent = time.perf_counter() - t0
        sub = Options(
            threads=options.threads,
            seed=options.seed,
            gap=1e-4,
            node_limit=LNS_NODES,
            start=x,
            time_limit=None if left is None else left - spent,
        )
        got = backend.solve(replace(arrays, lb=lb, ub=ub), sub)
        if got.has_solution and got.x is not None and feasible(arrays, got.x):
            better = objective(arrays, got.x)
            if better < value - 1e-9 * max(1.0, abs(value)):
                x, value = got.x, better
                if on_better is not None:
                    seconds = found.seconds + time.perf_counter() - t0
                    on_better(Incumbent(x, value, found.lp_bound, seconds, found.x_lp))
        if got.interrupted:  # Ctrl-C: keep what was found, start nothing more
            break
    seconds = found.seconds + time.perf_counter() - t0
    log.info("heuristic: local search %.6f -> %.6f in %.1f s", found.objective, value, seconds)
    return Incumbent(x, value, found.lp_bound, seconds, found.x_lp)


__all__ = [
    "MIN_INTEGERS",
    "Incumbent",
    "by_area",
    "first",
    "improve",
    "rens",
    "restricted",
    "wanted",
]

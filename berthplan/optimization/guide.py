"""The LPs that guide RENS on a model with queue pools (docs/formulation.md, "Queue pools").

A pool's capacity is convex in its berth count, so the LP relaxation mixes a low and a high
count and offers more capacity than any whole count: on national-sl some pools carry three
times the capacity of the count they pay for, and RENS, fixed at that LP, has no plan
(benchmarks/README.md, "Service levels at national size"). The guide is a *restriction*:
per pool and year, every level's capacity becomes the secant through the two reachable
counts around the relaxation's count. A convex function lies above each of its secants
outside their interval, so at every whole count the secant is at most the capacity; and the
secant is linear in the count, so mixing levels offers no more than the count paid for.
Rounding the guide's fractional starts up then leaves every pool enough capacity, as the
restricted MIP needs. The guide's optimum is no bound; the relaxation's is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from berthplan.optimization.formulation import Built
from berthplan.optimization.pools import level_groups
from berthplan.optimization.sparse import Arrays

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Guide:
    """RENS's two LPs on a model with pools: a relaxation (its optimum is a bound) and the
    restriction built from the relaxation's solution (the plan RENS rounds)."""

    relaxation: Arrays
    restrict: Callable[[FloatArray], Arrays]


def for_pools(arrays: Arrays, built: Built, chords: int | None) -> Guide | None:
    """The guide of ``arrays`` (``built``'s model), or None when it has no pool levels.

    ``chords``: of each level's waiting chords, how many both LPs keep (:func:`relaxed`).
    """
    if not built.pools.levels:
        return None

    def restrict(x: FloatArray) -> Arrays:
        return relaxed(secant(arrays, built, x), built, chords)

    return Guide(relaxed(arrays, built, chords), restrict)


def relaxed(arrays: Arrays, built: Built, chords: int | None = None) -> Arrays:
    """The LP relaxation of ``arrays``, keeping ``chords`` of each level's waiting chords.

    None keeps them all; ``k`` keeps ``k`` evenly spread, the last (steepest, next to the
    capacity) always among them: 1 the last, 2 the middle and the last, 0 none. Fewer
    chords charge less waiting, so this is still a relaxation (a bound); at national size
    the chords are most of the rows, and most of the LP's time.
    """
    lp = replace(arrays, integer=np.zeros_like(arrays.integer))
    fam = built.model.families.get("pool_wait")
    if chords is None or fam is None or not fam.size:
        return lp
    keep = np.ones(arrays.A.shape[0], dtype=bool)
    keep[fam.start : fam.start + fam.size] = _kept(built.pools.wait_of, chords)
    names = [name for name, k in zip(arrays.row_names, keep.tolist(), strict=True) if k]
    return replace(
        lp, A=arrays.A[keep], row_lo=lp.row_lo[keep], row_hi=lp.row_hi[keep], row_names=names
    )


def _kept(wait_of: NDArray[np.int64], chords: int) -> NDArray[np.bool_]:
    """Which waiting rows to keep: ``chords`` per level, evenly spread, ending at its last."""
    keep = np.zeros(len(wait_of), dtype=bool)
    if chords <= 0 or not len(wait_of):
        return keep
    starts = np.flatnonzero(np.r_[True, wait_of[1:] != wait_of[:-1]])
    sizes = np.diff(np.r_[starts, len(wait_of)])
    for j in range(1, chords + 1):  # the j-th of k evenly spread points of (0, size - 1]
        keep[starts + ((sizes - 1) * j) // chords] = True
    return keep


def secant(arrays: Arrays, built: Built, x: FloatArray) -> Arrays:
    """``arrays`` with each level's capacity replaced by the secant of its pool and year.

    ``x``: a solution of the relaxation, whose levels give each pool's count. The secant
    runs through the reachable counts ``k <= count < k'`` next to each other (the highest
    two when the count is the highest); below the capacity it is negative at low counts,
    which bars those levels in the guide.
    """
    b = built.pools
    fam = built.model.families.get("pool_capacity")
    if fam is None or not b.levels:
        return arrays
    rows = fam.start + np.arange(len(b.levels))
    cap = -np.asarray(arrays.A[rows, b.level.cols]).ravel()  # a zero capacity has no entry
    n = np.array([lv.n for lv in b.levels], dtype=np.float64)
    count = x[b.level.cols] * n
    new = cap.copy()
    for idx in level_groups(b).values():
        new[idx] = np.minimum(cap[idx], _secant(n[idx], cap[idx], float(count[idx].sum())))
    delta = sp.csr_matrix((cap - new, (rows, b.level.cols)), shape=arrays.A.shape)
    return replace(arrays, A=(arrays.A + delta).tocsr())


def _secant(n: FloatArray, cap: FloatArray, count: float) -> FloatArray:
    """The secant of (n, cap) through the neighbouring counts around ``count``, at ``n``."""
    if len(n) < 2:
        return cap
    order = np.argsort(n, kind="stable")
    ns, cs = n[order], cap[order]
    k = int(np.clip(np.searchsorted(ns, count + 1e-6, side="right") - 1, 0, len(ns) - 2))
    slope = float((cs[k + 1] - cs[k]) / (ns[k + 1] - ns[k]))
    out: FloatArray = cs[k] + slope * (n - ns[k])
    return out


__all__ = ["Guide", "for_pools", "relaxed", "secant"]

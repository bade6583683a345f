"""Valid coefficient tightening: a project's capacity counts only up to what can be used.

The capacity rows (families 3 and 5 of docs/formulation.md) credit a project with its whole
capacity. Where an area's throughput is bounded anyway — by its demand scope's ceiling, or for
containers by the most TEU its routes could ever offer — capacity above that bound minus the
existing capacity is never used, so capping the coefficient there cuts off no integer plan
(any project so capped, once in service, lifts the row to the bound) and tightens the LP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from berthplan.model.sets import Sets

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def tons_ceiling(s: Sets, a: IntArray, c: IntArray) -> FloatArray:
    """Per (area, class): the most tonnes it may ever handle, its scope's highest ceiling.

    Infinite outside every demand scope. A project's capacity above what is left of it after
    the existing capacity can never be used: capping the coefficient there cuts off no plan
    and tightens the LP (a sliver of a big project no longer covers a small need).
    """
    out = np.full(len(a), np.inf)
    for scope in s.scopes:
        inside = (c == scope.cargo) & np.isin(a, scope.areas)
        out[inside] = np.minimum(out[inside], scope.ceiling.max())
    return out


def teu_ceiling(s: Sets, areas: IntArray) -> FloatArray:
    """Per area: the most TEU routes could ever offer there (every route at its best opening).

    Each (area, year) row takes, per route, its best opening; rows are done a block at a time so
    that the (rows x routes) scratch array stays near 8 MB at any size (it was quadratic).
    """
    zr, _ = s.z_cols
    m = s.offered_z.tocsr()  # rows (area, year)
    n_r = max(len(s.candidates), 1)
    n = len(s.areas) * s.ny
    offered = np.zeros(n)
    step = max(1, 2**20 // n_r)
    for lo in range(0, n, step):
        part = m[lo : lo + step].tocoo()
        best = np.zeros(part.shape[0] * n_r)
        np.maximum.at(best, part.row * n_r + zr[part.col], part.data)
        offered[lo : lo + step] = best.reshape(part.shape[0], n_r).sum(axis=1)
    most: FloatArray = (s.offered0 + offered.reshape(len(s.areas), s.ny)).max(axis=1)
    return most[areas]

"""Valid coefficient tightening: a project's capacity counts only up to what can be used.

The capacity rows (families 3, 5 and 5b of docs/formulation.md) credit a project with its whole
capacity. Where an area's throughput in a year is bounded anyway — by its demand scope's ceiling
that year, or for containers by the most TEU its routes could offer that year — capacity above
that bound minus the existing capacity is never used, so capping the coefficient in that year's
row cuts off no integer plan (any project so capped, once in service, lifts the row to the
bound) and tightens the LP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from berthplan.model.sets import Sets

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def tons_ceiling(s: Sets, a: IntArray, c: IntArray) -> FloatArray:
    """Per (area, class) and year (len(a) x nY): the most tonnes it may handle that year.

    That is its scope's ceiling that year; infinite outside every demand scope. A year's own
    ceiling, not the horizon's highest, is what makes a big project count in full only in the
    years that can use it (small-0's LP bound: 18,984.7 with the highest, 19,126.3 by year).
    """
    out = np.full((len(a), s.ny), np.inf)
    for scope in s.scopes:
        inside = (c == scope.cargo) & np.isin(a, scope.areas)
        out[inside] = np.minimum(out[inside], scope.ceiling[None, :])
    return out


def teu_ceiling(s: Sets, areas: IntArray) -> FloatArray:
    """Per area and year (len(areas) x nY): the most TEU routes could offer there that year.

    Existing routes plus, per candidate route, its best opening for that year (a route opens
    once). Rows are done a block at a time so that the (rows x routes) scratch array stays
    near 8 MB at any size (it was quadratic).
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
    most: FloatArray = s.offered0 + offered.reshape(len(s.areas), s.ny)
    return most[areas]

"""Sparse building blocks shared by the constraint families of the formulation.

Every helper here costs time and memory linear in the nonzeros it returns: no array is ever
sized (rows x projects) or (areas x candidates), so the build stays linear in the model.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from berthplan.model.records import Target
from berthplan.model.sets import FloatArray, IntArray, Sets
from berthplan.optimization.sparse import VarBlock


def triplets(*parts: tuple[sp.spmatrix, VarBlock]) -> tuple[IntArray, IntArray, FloatArray]:
    """Stack sparse coefficient blocks (local rows x block columns) into global triplets."""
    rows, cols, vals = [], [], []
    for mat, block in parts:
        coo = sp.coo_matrix(mat)
        rows.append(coo.row.astype(np.int64))
        cols.append(coo.col.astype(np.int64) + block.start)
        vals.append(coo.data.astype(float))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def per_year(select: sp.spmatrix, year_map: sp.csr_matrix, ny: int) -> sp.csr_matrix:
    """Rows (item, year) of ``select`` (items x J) applied to a (J*nY x cols) year map."""
    return sp.csr_matrix(sp.kron(sp.csr_matrix(select), sp.eye(ny, format="csr")) @ year_map)


def service_terms(
    item: IntArray, project: IntArray, coef: FloatArray, ny: int, service: VarBlock, shift: int = 0
) -> tuple[IntArray, IntArray, FloatArray]:
    """Triplets of rows (item, year) on the service columns (project, year + ``shift``).

    One term per (item, project, coefficient) and horizon year: the sparse form of
    ``kron(select, eye(nY, nY + 1, k=shift))`` for a (items x projects) ``select`` given by its
    nonzeros. The service block has nY + 1 years per project (the year after the horizon too),
    so ``shift=1`` reads "in service the next year", which is "completed this year". ``coef``
    is one per term, or one per term and year (``len(item) x ny``).
    """
    years = np.arange(ny, dtype=np.int64)
    rows = (item[:, None] * ny + years[None, :]).ravel()
    cols = (project[:, None] * (ny + 1) + years[None, :] + shift + service.start).ravel()
    per_term = np.asarray(coef, dtype=float)
    if per_term.ndim == 1:
        per_term = per_term[:, None]
    return rows, cols, np.broadcast_to(per_term, (len(item), ny)).ravel()


def pick(items: IntArray | list[int], ny: int, block: VarBlock) -> tuple[IntArray, IntArray]:
    """Rows (k, year) on columns ``items[k] * ny + year`` of ``block``: (rows, global columns)."""
    cols = (np.asarray(items, dtype=np.int64)[:, None] * ny + np.arange(ny)[None, :]).ravel()
    return np.arange(len(cols), dtype=np.int64), cols + block.start


def members(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Items grouped by key: ``order[start[k]:start[k + 1]]`` are the items whose key is ``k``."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    start = np.searchsorted(keys[order], np.arange(size + 1)).astype(np.int64)
    return order, start


def expand(order: IntArray, start: IntArray, keys: IntArray) -> tuple[IntArray, IntArray]:
    """Every (query, member) pair: for query ``q``, the members of group ``keys[q]``.

    Linear in the pairs returned (a repeat and a cumulative offset, no dense mask).
    """
    lo, hi = start[keys], start[keys + 1]
    counts = hi - lo
    query = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
    first = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return query, order[first + np.arange(int(counts.sum()), dtype=np.int64)]


def grid(name: str, heads: list[str], years: IntArray | list[int]) -> list[str]:
    """Labels ``name[head,year]``, head-major: ``[f"{name}[{h},{y}]" for h in heads for y in years]``.

    Built by joining a head part and a year part (about half the time of formatting each).
    """
    tails = [f"{y}]" for y in np.asarray(years).tolist()]
    return [h + t for h in [f"{name}[{h}," for h in heads] for t in tails]


def discount(s: Sets, years: IntArray) -> FloatArray:
    """Discount factor of each calendar year."""
    return np.asarray((1.0 + s.inst.discount_rate) ** -(years - s.y0).astype(float))


def scope_label(t: Target) -> str:
    return t.port if t.port is not None else "province"

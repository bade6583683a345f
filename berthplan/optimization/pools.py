"""The queue-pool families of the MILP (docs/formulation.md, "Queue pools").

A pool's capacity at a service level is convex in its berth count, so it is modelled exactly
over the counts the pool can reach: one binary ``level[pool,n,year]`` per count (exactly one is
chosen, and the chosen count equals the berths in service), the pool's throughput split over
the levels (``flow``), each level's flow within that count's capacity, and the ship waiting
hours of each level above the interpolated convex waiting curve (``wait``). This is the convex
hull per pool and year; the levels are integral whenever the in-service variables are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from berthplan.model.pools import Pool
from berthplan.model.sets import CONTAINER, FloatArray, IntArray, Sets
from berthplan.optimization.sparse import Model, VarBlock
from berthplan.optimization.tightening import teu_ceiling, tons_ceiling
from berthplan.optimization.units import TEU, TON, WAIT


@dataclass(frozen=True)
class Level:
    """One (pool, berth count, year) with its columns in the level, flow and wait blocks."""

    pool: int
    n: int
    year: int  # year index
    flow_col: int  # the pool's throughput variable (served or handled)


@dataclass
class PoolBlocks:
    level: VarBlock
    flow: VarBlock
    wait: VarBlock
    levels: list[Level]
    wait_of: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The level of each ``pool_wait`` row, in row order (each level's chords in a run)."""


def throughput_col(
    s: Sets, pool: int, handled: VarBlock, served: VarBlock
) -> tuple[int, float] | None:
    """The first column of the pool's throughput variable and its scale (None: none)."""
    a, c = s.pool_pairs[pool]
    if c == CONTAINER:
        called = s.called_areas.tolist()
        return (served.start + called.index(a) * s.ny, TEU) if a in called else None
    k = s.handled_pairs.index((a, c))
    return handled.start + k * s.ny, TON


def define_pool_variables(m: Model, s: Sets, handled: VarBlock, served: VarBlock) -> PoolBlocks:
    """level[pool,n,year] binary; flow and wait[pool,n,year] >= 0 (kTEU or Mt; k ship-hours)."""
    levels, labels = [], []
    for q, pool in enumerate(s.pools):
        col = throughput_col(s, q, handled, served)
        if col is None:  # no route calls: the pool serves nothing
            continue
        for yi, y in enumerate(s.years.tolist()):
            for n in s.pool_levels[q][yi]:
                levels.append(Level(q, n, yi, col[0] + yi))
                labels.append(f"[{pool.id},{n},{y}]")
    level = m.add_variables("level", ["level" + lab for lab in labels], ub=1, integer=True)
    flow = m.add_variables("flow", ["flow" + lab for lab in labels])
    wait = m.add_variables("wait", ["wait" + lab for lab in labels])
    return PoolBlocks(level, flow, wait, levels)


def level_groups(b: PoolBlocks) -> dict[tuple[int, int], list[int]]:
    """Level indices per (pool, year), in level order."""
    out: dict[tuple[int, int], list[int]] = {}
    for i, lv in enumerate(b.levels):
        out.setdefault((lv.pool, lv.year), []).append(i)
    return out


def define_pool_levels(m: Model, s: Sets, b: PoolBlocks, service: VarBlock) -> None:
    """pool_level and pool_berths[pool,year]: one level chosen, and it is the berths in service."""
    groups = level_groups(b)
    if not groups:
        return
    ones: list[int] = []
    counts: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    levels, berths, existing = [], [], []
    ny1 = s.ny + 1
    adds = s.pool_adds
    for r, ((q, yi), idx) in enumerate(groups.items()):
        pool, y = s.pools[q], int(s.years[yi])
        ones += [r] * len(idx)
        counts += [b.level.start + i for i in idx]
        rows += [r] * len(idx)
        cols += [b.level.start + i for i in idx]
        vals += [float(b.levels[i].n) for i in idx]
        lo, hi = adds.indptr[q], adds.indptr[q + 1]  # the pool's projects, in project order
        for j, k in zip(adds.indices[lo:hi].tolist(), adds.data[lo:hi].tolist(), strict=True):
            if k:
                rows.append(r)
                cols.append(service.start + j * ny1 + yi)
                vals.append(-k)
        levels.append(f"pool_level[{pool.id},{y}]")
        berths.append(f"pool_berths[{pool.id},{y}]")
        existing.append(float(pool.existing))
    m.add_constraints("pool_level", levels, "==", 1.0, ones, counts, np.ones(len(ones)))
    m.add_constraints("pool_berths", berths, "==", np.array(existing), rows, cols, np.array(vals))


def define_pool_capacity(m: Model, s: Sets, b: PoolBlocks) -> None:
    """pool_split[pool,year] and pool_capacity[pool,n,year]: flow by level within capacity."""
    groups = level_groups(b)
    if not groups:
        return
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    labels = []
    for r, ((q, yi), idx) in enumerate(groups.items()):
        rows += [r] * (len(idx) + 1)
        cols += [b.levels[idx[0]].flow_col] + [b.flow.start + i for i in idx]
        vals += [1.0] + [-1.0] * len(idx)
        labels.append(f"pool_split[{s.pools[q].id},{int(s.years[yi])}]")
    m.add_constraints("pool_split", labels, "==", 0.0, rows, cols, np.array(vals))
    k = len(b.levels)
    scale = np.array([_scale(s, lv.pool) for lv in b.levels])
    cap = np.array([s.pools[lv.pool].capacity(lv.n) for lv in b.levels])
    # tightening: a level counts only up to what the area can handle or be offered that year
    ceiling = pool_ceiling(s)[[lv.pool for lv in b.levels], [lv.year for lv in b.levels]]
    cap = np.minimum(cap, ceiling) * scale
    rows_c = np.concatenate([np.arange(k), np.arange(k)])
    cols_c = np.concatenate([b.flow.cols, b.level.cols])
    vals_c = np.concatenate([np.ones(k), -cap])
    labels = [f"pool_capacity{lab.removeprefix('level')}" for lab in b.level.labels]
    m.add_constraints("pool_capacity", labels, "<=", 0.0, rows_c, cols_c, vals_c)


def pool_ceiling(s: Sets) -> FloatArray:
    """Per pool and year (nPools x nY): the most its area may handle, or be offered (TEU).

    A pool's throughput is its area's handled tonnes or served TEU, never above the demand
    ceiling or the TEU routes could offer that year (:mod:`berthplan.optimization.tightening`).
    """
    out = np.full((len(s.pools), s.ny), np.inf)
    if not s.pools:
        return out
    a, c = (np.array(v, dtype=np.int64) for v in zip(*s.pool_pairs, strict=True))
    box = c == CONTAINER
    out[~box] = tons_ceiling(s, a[~box], c[~box])
    out[box] = teu_ceiling(s, a[box])
    return out


def define_pool_wait(m: Model, s: Sets, b: PoolBlocks) -> None:
    """pool_wait[pool,n,segment,year]: waiting hours above each chord of the waiting curve.

    Only the chords of segments that begin below the level's capacity row (``pool_capacity``,
    capped by year) are written: the flow never reaches the others, and as the curve is
    convex they lie below a kept chord there, in the LP too (by the perspective, the flow per
    unit of level is within the same range). On national-sl that drops 57 % of these rows.
    """
    chords: dict[tuple[int, int], tuple[FloatArray, FloatArray, FloatArray]] = {}
    ceiling = pool_ceiling(s)
    idx: list[int] = []
    slopes: list[FloatArray] = []
    icpts: list[FloatArray] = []
    labels: list[str] = []
    for i, lv in enumerate(b.levels):
        pool = s.pools[lv.pool]
        if lv.n == 0 or not pool.params.waiting_cost:
            continue
        key = (lv.pool, lv.n)
        if key not in chords:  # the same chords every year
            chords[key] = _chords(pool, lv.n, _scale(s, lv.pool))
        starts, slope, icpt = chords[key]
        top = min(pool.capacity(lv.n), ceiling[lv.pool, lv.year])
        k = np.flatnonzero(starts < top)  # the first segment starts at 0: never empty
        idx += [i] * len(k)
        slopes.append(slope[k])
        icpts.append(icpt[k])
        head, tail = f"pool_wait[{pool.id},{lv.n},", f",{int(s.years[lv.year])}]"
        labels += [f"{head}{seg}{tail}" for seg in k.tolist()]
    if not labels:
        return
    at = np.array(idx, dtype=np.int64)
    b.wait_of = at
    rows = np.repeat(np.arange(len(labels)), 3)
    cols = np.column_stack([b.flow.start + at, b.level.start + at, b.wait.start + at]).ravel()
    vals = np.column_stack(
        [np.concatenate(slopes), np.concatenate(icpts), -np.ones(len(labels))]
    ).ravel()
    m.add_constraints("pool_wait", labels, "<=", 0.0, rows, cols, vals)


def _scale(s: Sets, pool: int) -> float:
    return TEU if s.pool_pairs[pool][1] == CONTAINER else TON


def _chords(pool: Pool, n: int, scale: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each chord's start (t or TEU), slope and intercept (k ship-hours per model unit; k
    ship-hours)."""
    h0, w = pool.breakpoints(n)
    h, w = h0 * scale, w * WAIT
    slope = np.diff(w) / np.diff(h)
    return h0[:-1], slope, w[:-1] - slope * h[:-1]


def wait_cost(s: Sets, b: PoolBlocks) -> tuple[IntArray, FloatArray]:
    """Objective columns and coefficients of the waiting hours, discounted."""
    rate = np.array([s.pools[lv.pool].params.waiting_cost or 0.0 for lv in b.levels])
    delta = np.array([s.discount[lv.year] for lv in b.levels])
    return b.wait.cols, rate * delta / WAIT

"""Constraint families on volumes: capacity, demand, containers and route depth.

Families 3 to 6 of ``docs/formulation.md``. A project adds capacity to the (area, class) rows
of its own area only, so each row's terms are found by joining projects to rows on their area:
time and memory linear in the terms, never a dense (rows x projects) array.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from berthplan.model.records import CARGO_CLASSES
from berthplan.model.sets import CONTAINER, FloatArray, IntArray, Sets
from berthplan.optimization.matrices import (
    expand,
    grid,
    members,
    per_year,
    pick,
    service_terms,
    triplets,
)
from berthplan.optimization.sparse import Model, VarBlock
from berthplan.optimization.tightening import teu_ceiling, tons_ceiling
from berthplan.optimization.units import TEU, TON


def _flow_less_capacity(
    s: Sets,
    keep: IntArray | list[int],
    flow: VarBlock,
    service: VarBlock,
    row: IntArray,
    j: IntArray,
    coef: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Triplets of ``flow[kept row, y] - sum_j coef[., y] * in_service[j, y]`` (zero terms
    dropped; ``coef`` is per term and year)."""
    own_r, own_c = pick(keep, s.ny, flow)
    add_r, add_c, add_v = service_terms(row, j, -coef, s.ny, service)
    nz = add_v != 0
    add_r, add_c, add_v = add_r[nz], add_c[nz], add_v[nz]
    rows = np.concatenate([own_r, add_r])
    cols = np.concatenate([own_c, add_c])
    vals = np.concatenate([np.ones(len(own_r)), add_v])
    return rows, cols, vals


def define_capacity(m: Model, s: Sets, service: VarBlock, handled: VarBlock) -> None:
    """capacity[area,cargo,year]: handled tonnes within max utilization of the capacity."""
    pooled = set(s.pool_pairs)  # sized by service level instead (define_pool_capacity)
    keep = [k for k, pair in enumerate(s.handled_pairs) if pair not in pooled]
    pairs = [s.handled_pairs[k] for k in keep]
    if not pairs:
        return
    a, c = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    u = s.util[c]
    room = np.maximum(tons_ceiling(s, a, c) - (u * s.cap0[a, c])[:, None], 0.0) * TON
    # each project's capacity per class lands on its own area's row for that class
    row_of = np.full(s.cap0.shape, -1, dtype=np.int64)
    row_of[a, c] = np.arange(len(pairs))
    j, cj = np.nonzero(s.p_cap)
    row = row_of[s.p_area[j], cj]
    j, cj, row = j[row >= 0], cj[row >= 0], row[row >= 0]
    # u_c * capacity project j adds (Mt), tightened: never more than can be used that year
    coef = np.minimum((s.p_cap[j, cj] * (u * TON)[row])[:, None], room[row])
    rows, cols, vals = _flow_less_capacity(s, keep, handled, service, row, j, coef)
    rhs = np.repeat(u * s.cap0[a, c] * TON, s.ny)
    labels = grid("capacity", [f"{s.areas[i]},{CARGO_CLASSES[k]}" for i, k in pairs], s.years)
    m.add_constraints("capacity", labels, "<=", rhs, rows, cols, vals)


def define_demand(m: Model, s: Sets, handled: VarBlock) -> None:
    """demand[scope,cargo,year]: throughput of a scope within its demand ceiling."""
    index = {pair: i for i, pair in enumerate(s.handled_pairs)}
    scope_of: list[int] = []
    pair_of: list[int] = []
    labels: list[str] = []
    rhs = []
    for k, scope in enumerate(s.scopes):
        inside = [index.get((a, scope.cargo), -1) for a in scope.areas.tolist()]
        pair_of += [i for i in inside if i >= 0]
        scope_of += [k] * (len(pair_of) - len(scope_of))
        labels += grid("demand", [f"{scope.id},{CARGO_CLASSES[scope.cargo]}"], s.years)
        rhs.append(scope.ceiling * TON)
    if labels:
        # row (scope, year) sums the scope's handled columns of that year
        q, p = np.array(scope_of, dtype=np.int64), np.array(pair_of, dtype=np.int64)
        years = np.arange(s.ny, dtype=np.int64)
        rows = (q[:, None] * s.ny + years[None, :]).ravel()
        cols = (handled.start + p[:, None] * s.ny + years[None, :]).ravel()
        m.add_constraints(
            "demand", labels, "<=", np.concatenate(rhs), rows, cols, np.ones(len(rows))
        )


def define_containers(m: Model, s: Sets, service: VarBlock, z: VarBlock, served: VarBlock) -> None:
    """served_offered and served_capacity[area,year]: TEU served within offer and capacity."""
    called = s.called_areas
    n = len(called) * s.ny
    if n == 0:
        return
    labels = grid("", [s.areas[a] for a in called], s.years)
    rows_sel = (called[:, None] * s.ny + np.arange(s.ny)[None, :]).ravel()
    offered_z = s.offered_z[rows_sel] * TEU
    rows, cols, vals = triplets((sp.eye(n), served), (-offered_z, z))
    rhs = s.offered0[called].ravel() * TEU
    m.add_constraints(
        "served_offered", ["served_offered" + lab for lab in labels], "<=", rhs, rows, cols, vals
    )
    pooled = {a for a, c in s.pool_pairs if c == CONTAINER}  # see define_pool_capacity
    keep = [k for k, a in enumerate(called.tolist()) if a not in pooled]
    if not keep:
        return
    free = called[keep]
    u = s.util[CONTAINER]
    room = np.maximum(teu_ceiling(s, free) - (u * s.cap0[free, CONTAINER])[:, None], 0.0) * TEU
    row_of = np.full(len(s.areas), -1, dtype=np.int64)
    row_of[free] = np.arange(len(free))
    j = np.nonzero(s.p_cap[:, CONTAINER])[0]
    row = row_of[s.p_area[j]]
    j, row = j[row >= 0], row[row >= 0]
    # tightening: never more than can be offered that year
    coef = np.minimum((s.p_cap[j, CONTAINER] * (u * TEU))[:, None], room[row])
    rows, cols, vals = _flow_less_capacity(s, keep, served, service, row, j, coef)
    rhs = np.repeat(u * s.cap0[free, CONTAINER] * TEU, s.ny)
    kept = [labels[k * s.ny + yi] for k in keep for yi in range(s.ny)]
    m.add_constraints(
        "served_capacity", ["served_capacity" + lab for lab in kept], "<=", rhs, rows, cols, vals
    )


def define_depth(m: Model, s: Sets, service: VarBlock, z: VarBlock) -> None:
    """depth[route,area,year]: a candidate route is open only where every call is deep enough."""
    pairs = [
        (r, s.area_index[c.area])
        for r, route in enumerate(s.candidates)
        for c in route.calls
        if s.depth[s.area_index[c.area]] < route.min_depth_m
    ]
    if not pairs:
        return
    route, area = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    sel_o = sp.csr_matrix(
        (np.ones(len(pairs)), (np.arange(len(pairs)), route)),
        shape=(len(pairs), len(s.candidates)),
    )
    opened = per_year(sel_o, s.open_map, s.ny)
    # the projects of each call's area that deepen it enough for the route
    deep = np.array([p.deepens_to_m if p.deepens_to_m is not None else -np.inf for p in s.projects])
    need = np.array([s.candidates[r].min_depth_m for r in route.tolist()])
    pair, j = expand(*members(s.p_area, len(s.areas)), area)
    enough = deep[j] >= need[pair]
    pair, j = pair[enough], j[enough]
    op_r, op_c, op_v = triplets((opened, z))
    dp_r, dp_c, dp_v = service_terms(pair, j, -np.ones(len(j)), s.ny, service)
    heads = [f"{s.candidates[r].id},{s.areas[a]}" for r, a in pairs]
    labels = grid("depth", heads, s.years)
    m.add_constraints(
        "depth",
        labels,
        "<=",
        0.0,
        np.concatenate([op_r, dp_r]),
        np.concatenate([op_c, dp_c]),
        np.concatenate([op_v, dp_v]),
    )

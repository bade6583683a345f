"""The planning MILP, written once against the solver-neutral :class:`~berthplan.optimization.sparse.Model`.

Each constraint family of ``docs/formulation.md`` is one ``define_<family>`` function, called
in order by :func:`build`. Volumes are scaled (kTEU, Mt) so the matrix stays well conditioned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from berthplan.model.instance import Instance, residual_value
from berthplan.model.records import CARGO_CLASSES, Target
from berthplan.model.sets import CONTAINER, FloatArray, IntArray, Sets
from berthplan.optimization.pools import (
    PoolBlocks,
    define_pool_capacity,
    define_pool_levels,
    define_pool_variables,
    define_pool_wait,
    wait_cost,
)
from berthplan.optimization.sparse import Model, Sense, VarBlock
from berthplan.optimization.tightening import teu_ceiling, tons_ceiling
from berthplan.optimization.units import METRIC_SCALE, TEU, TON

__all__ = ["METRIC_SCALE", "TEU", "TON", "Built", "build"]


@dataclass
class Built:
    """A built model with its index sets and the blocks the results layer reads."""

    model: Model
    sets: Sets
    x: VarBlock
    z: VarBlock
    served: VarBlock
    handled: VarBlock
    shortfall: VarBlock
    service: VarBlock
    pools: PoolBlocks
    targets: list[Target]
    hard: NDArray[np.bool_]
    target_scaled: FloatArray


def _triplets(*parts: tuple[sp.spmatrix, VarBlock]) -> tuple[IntArray, IntArray, FloatArray]:
    """Stack sparse coefficient blocks (local rows x block columns) into global triplets."""
    rows, cols, vals = [], [], []
    for mat, block in parts:
        coo = sp.coo_matrix(mat)
        rows.append(coo.row.astype(np.int64))
        cols.append(coo.col.astype(np.int64) + block.start)
        vals.append(coo.data.astype(float))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def _per_year(select: sp.spmatrix, year_map: sp.csr_matrix, ny: int) -> sp.csr_matrix:
    """Rows (item, year) of ``select`` (items x J) applied to a (J*nY x cols) year map."""
    return sp.csr_matrix(sp.kron(sp.csr_matrix(select), sp.eye(ny, format="csr")) @ year_map)


def _by_year(select: sp.spmatrix, ny: int, shift: int = 0) -> sp.csr_matrix:
    """Rows (item, year) of ``select`` (items x J) on the service columns (J, year).

    The service block has nY + 1 years per project (the year after the horizon too), so
    ``shift=1`` reads "in service the next year", which is "completed this year".
    """
    years = sp.eye(ny, ny + 1, k=shift, format="csr")
    return sp.csr_matrix(sp.kron(sp.csr_matrix(select), years))


def _pick(items: list[int], ny: int, width: int) -> sp.csr_matrix:
    """Rows (item, year) selecting columns ``item * ny + year`` of a block ``width`` wide."""
    cols = (np.array(items, dtype=np.int64)[:, None] * ny + np.arange(ny)[None, :]).ravel()
    return sp.csr_matrix(
        (np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), width)
    )


def _discount(s: Sets, years: IntArray) -> FloatArray:
    return np.asarray((1.0 + s.inst.discount_rate) ** -(years - s.y0).astype(float))


def _scope_label(t: Target) -> str:
    return t.port if t.port is not None else "province"


# -- variables ---------------------------------------------------------------------------------


def define_variables(m: Model, s: Sets) -> tuple[VarBlock, ...]:
    xj, xs = s.x_cols
    zr, zt = s.z_cols
    x = m.add_variables(
        "x", [f"x[{s.projects[j].id},{y}]" for j, y in zip(xj, xs, strict=True)], ub=1, integer=True
    )
    z = m.add_variables(
        "z",
        [f"z[{s.candidates[r].id},{y}]" for r, y in zip(zr, zt, strict=True)],
        ub=1,
        integer=True,
    )
    served = m.add_variables(
        "served", [f"served[{s.areas[a]},{y}]" for a in s.called_areas for y in s.years]
    )
    handled = m.add_variables(
        "handled",
        [
            f"handled[{s.areas[a]},{CARGO_CLASSES[c]},{y}]"
            for a, c in s.handled_pairs
            for y in s.years
        ],
    )
    targets = s.inst.targets
    shortfall = m.add_variables(
        "shortfall",
        [f"shortfall[{t.metric},{_scope_label(t)},{t.year}]" for t in targets],
        ub=np.array([0.0 if t.hard else np.inf for t in targets]),
    )
    service_years = [*s.years.tolist(), s.y1 + 1]
    service = m.add_variables(
        "service", [f"service[{p.id},{y}]" for p in s.projects for y in service_years], ub=1
    )
    return x, z, served, handled, shortfall, service


# -- constraint families -------------------------------------------------------------------------


def _at_most_once(
    m: Model,
    name: str,
    ids: list[str],
    flags: list[tuple[bool, bool]],
    owner: IntArray,
    block: VarBlock,
) -> None:
    """One row per record over its columns: ``== 1`` if forced, ``<= 0`` if skipped, else ``<= 1``."""
    senses: list[Sense] = ["<=" if skip else "==" if forced else "<=" for forced, skip in flags]
    rhs = [0.0 if skip else 1.0 for _, skip in flags]
    labels = [f"{name}[{i}]" for i in ids]
    m.add_constraints(name, labels, senses, rhs, owner, block.cols, np.ones(len(owner)))


def define_commitments(m: Model, s: Sets, x: VarBlock, z: VarBlock) -> None:
    """commit[project], open_once[route]: committed projects start exactly once, optional ones
    at most once; a candidate route opens at most once (scenario decisions force or forbid)."""
    projects = [(p.committed, p.decision == "skip") for p in s.projects]
    _at_most_once(m, "commit", [p.id for p in s.projects], projects, s.x_cols[0], x)
    routes = [(r.decision == "open", r.decision == "skip") for r in s.candidates]
    _at_most_once(m, "open_once", [r.id for r in s.candidates], routes, s.z_cols[0], z)


def define_in_service(m: Model, s: Sets, x: VarBlock, service: VarBlock) -> None:
    """in_service[project,year]: service[j,y] = service[j,y-1] + (start in y - duration).

    The linked form: each start variable appears once, and the families that need "in service
    in y" (or "completed in y", in service in y + 1) read ``service`` instead of summing every
    earlier start, which keeps the rows sparse. Years run to the horizon end + 1.
    """
    ny = s.ny + 1
    n = len(s.projects) * ny
    if n == 0:
        return
    xj, xs = s.x_cols
    first = xs + s.duration[xj] - s.y0  # year index of the first in-service year
    live = first < ny
    start_rows = xj[live] * ny + np.maximum(first[live], 0)
    own = np.arange(n)
    carried = own[own % ny > 0]
    rows = np.concatenate([own, carried, start_rows])
    cols = np.concatenate([own + service.start, carried - 1 + service.start, x.cols[live]])
    vals = np.concatenate([np.ones(n), -np.ones(len(carried)), -np.ones(len(start_rows))])
    labels = [f"in_service[{p.id},{y}]" for p in s.projects for y in range(s.y0, s.y1 + 2)]
    m.add_constraints("in_service", labels, "==", 0.0, rows, cols, vals)


def define_capacity(m: Model, s: Sets, service: VarBlock, handled: VarBlock) -> None:
    """capacity[area,cargo,year]: handled tonnes within max utilization of the capacity."""
    pooled = set(s.pool_pairs)  # sized by service level instead (define_pool_capacity)
    keep = [k for k, pair in enumerate(s.handled_pairs) if pair not in pooled]
    pairs = [s.handled_pairs[k] for k in keep]
    if not pairs:
        return
    a, c = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    u = s.util[c]
    # select[p, j] = u_c * capacity project j adds to pair p (Mt)
    on_area = s.p_area[None, :] == a[:, None]
    select = np.where(on_area, s.p_cap[:, c].T, 0.0) * (u * TON)[:, None]
    room = np.maximum(tons_ceiling(s, a, c) - u * s.cap0[a, c], 0.0) * TON
    select = np.minimum(select, room[:, None])  # tightening: never more than can be used
    adds = _by_year(sp.csr_matrix(-select), s.ny)
    own = _pick(keep, s.ny, len(s.handled_pairs) * s.ny)
    rows, cols, vals = _triplets((own, handled), (adds, service))
    rhs = np.repeat(u * s.cap0[a, c] * TON, s.ny)
    labels = [f"capacity[{s.areas[i]},{CARGO_CLASSES[k]},{y}]" for i, k in pairs for y in s.years]
    m.add_constraints("capacity", labels, "<=", rhs, rows, cols, vals)


def define_demand(m: Model, s: Sets, handled: VarBlock) -> None:
    """demand[scope,cargo,year]: throughput of a scope within its demand ceiling."""
    index = {pair: i for i, pair in enumerate(s.handled_pairs)}
    rows, cols, labels, rhs = [], [], [], []
    for q, scope in enumerate(s.scopes):
        members = [
            index[(int(a), scope.cargo)] for a in scope.areas if (int(a), scope.cargo) in index
        ]
        for yi, y in enumerate(s.years):
            r = q * s.ny + yi
            rows += [r] * len(members)
            cols += [handled.start + p * s.ny + yi for p in members]
            labels.append(f"demand[{scope.id},{CARGO_CLASSES[scope.cargo]},{y}]")
        rhs.append(scope.ceiling * TON)
    if labels:
        m.add_constraints(
            "demand", labels, "<=", np.concatenate(rhs), rows, cols, np.ones(len(rows))
        )


def define_containers(m: Model, s: Sets, service: VarBlock, z: VarBlock, served: VarBlock) -> None:
    """served_offered and served_capacity[area,year]: TEU served within offer and capacity."""
    called = s.called_areas
    n = len(called) * s.ny
    if n == 0:
        return
    labels = [f"[{s.areas[a]},{y}]" for a in called for y in s.years]
    rows_sel = (called[:, None] * s.ny + np.arange(s.ny)[None, :]).ravel()
    offered_z = s.offered_z[rows_sel] * TEU
    rows, cols, vals = _triplets((sp.eye(n), served), (-offered_z, z))
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
    on_area = s.p_area[None, :] == free[:, None]
    select = np.where(on_area, s.p_cap[:, CONTAINER][None, :], 0.0) * (u * TEU)
    room = np.maximum(teu_ceiling(s, free) - u * s.cap0[free, CONTAINER], 0.0) * TEU
    select = np.minimum(select, room[:, None])  # tightening: never more than can be offered
    adds = _by_year(sp.csr_matrix(-select), s.ny)
    rows, cols, vals = _triplets((_pick(keep, s.ny, n), served), (adds, service))
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
    n_j = len(s.projects)
    sel_o = sp.csr_matrix(
        (np.ones(len(pairs)), (np.arange(len(pairs)), [r for r, _ in pairs])),
        shape=(len(pairs), len(s.candidates)),
    )
    deep = np.array([p.deepens_to_m if p.deepens_to_m is not None else -np.inf for p in s.projects])
    sel_i = np.zeros((len(pairs), n_j))
    for i, (r, a) in enumerate(pairs):
        sel_i[i] = (s.p_area == a) & (deep >= s.candidates[r].min_depth_m)
    opened = _per_year(sel_o, s.open_map, s.ny)
    deepened = _by_year(sp.csr_matrix(-sel_i), s.ny)
    rows, cols, vals = _triplets((opened, z), (deepened, service))
    labels = [f"depth[{s.candidates[r].id},{s.areas[a]},{y}]" for r, a in pairs for y in s.years]
    m.add_constraints("depth", labels, "<=", 0.0, rows, cols, vals)


def define_requires(m: Model, s: Sets, x: VarBlock) -> None:
    """requires[project,prerequisite,year]: started by y only if the prerequisite is completed by y-1."""
    _, xs = s.x_cols
    index = {p.id: j for j, p in enumerate(s.projects)}
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    labels: list[str] = []
    for j, p in enumerate(s.projects):
        own = s.x_of(j)
        for req in p.requires:
            i = index[req]
            pre = s.x_of(i)
            years = xs[own]  # one row per start year of j: all its starts by then ...
            mine_r, mine_c = np.nonzero(years[:, None] >= years[None, :])
            # ... against the prerequisite's starts completed by the year before
            done_r, done_c = np.nonzero(xs[pre][None, :] + s.duration[i] <= years[:, None])
            base = len(labels)
            rows += [base + mine_r, base + done_r]
            cols += [own[mine_c] + x.start, pre[done_c] + x.start]
            vals += [np.ones(len(mine_r)), -np.ones(len(done_r))]
            labels += [f"requires[{p.id},{req},{y}]" for y in years]
    if labels:
        cat = np.concatenate
        m.add_constraints("requires", labels, "<=", 0.0, cat(rows), cat(cols), cat(vals))


def define_groups(m: Model, s: Sets, x: VarBlock) -> None:
    """group[group]: at most one project of a group is built."""
    xj, _ = s.x_cols
    names = sorted({p.group for p in s.projects if p.group is not None})
    if not names:
        return
    gidx = {g: i for i, g in enumerate(names)}
    member = np.array([gidx.get(p.group, -1) if p.group else -1 for p in s.projects])
    k = np.nonzero(member[xj] >= 0)[0]
    m.add_constraints(
        "group",
        [f"group[{g}]" for g in names],
        "<=",
        1.0,
        member[xj[k]],
        k + x.start,
        np.ones(len(k)),
    )


def define_budget(m: Model, s: Sets, x: VarBlock) -> None:
    """budget[year]: capex spent in a year within its budget (sunk spend has no column year)."""
    if not s.inst.budget:
        return
    years = [b.year for b in s.inst.budget]
    k, ys, amounts = s.spend
    rows, cols, vals = [], [], []
    for r, y in enumerate(years):
        hit = ys == y
        rows.append(np.full(int(hit.sum()), r))
        cols.append(k[hit] + x.start)
        vals.append(amounts[hit])
    cat = np.concatenate
    rhs = [b.capex for b in s.inst.budget]
    m.add_constraints(
        "budget", [f"budget[{y}]" for y in years], "<=", rhs, cat(rows), cat(cols), cat(vals)
    )


def _kpi_terms(
    s: Sets, t: Target, blocks: dict[str, VarBlock]
) -> tuple[list[int], list[float], float]:
    """Columns, coefficients and constant of the KPI a target constrains (model units)."""
    yi = t.year - s.y0
    in_scope = (
        np.ones(len(s.areas), bool) if t.port is None else s.area_port == s.ports.index(t.port)
    )
    cols: list[int] = []
    coefs: list[float] = []
    if t.metric in ("container_teu", "cargo_tons"):
        factor = 1.0 if t.metric == "container_teu" else s.inst.tons_per_teu * TON / TEU
        for n, a in enumerate(s.called_areas):
            if in_scope[a]:
                cols.append(blocks["served"].start + n * s.ny + yi)
                coefs.append(factor)
    if t.metric == "cargo_tons":
        for p, (a, _) in enumerate(s.handled_pairs):
            if in_scope[a]:
                cols.append(blocks["handled"].start + p * s.ny + yi)
                coefs.append(1.0)
    if t.metric == "berths_10k":
        # completed by the end of y = in service in y + 1 (a service column each, not every start)
        js = [j for j in range(len(s.projects)) if in_scope[s.p_area[j]] and s.b10[j]]
        cols += [blocks["service"].start + j * (s.ny + 1) + yi + 1 for j in js]
        coefs += [float(s.b10[j]) for j in js]
        return cols, coefs, float(s.berths10_existing(t.port))
    if t.metric == "new_routes":
        zr, zt = s.z_cols
        port = None if t.port is None else s.ports.index(t.port)
        for k in np.nonzero(zt == t.year)[0]:
            if port is None or port in s.route_ports[zr[k]]:
                cols.append(blocks["z"].start + int(k))
                coefs.append(float(s.candidates[zr[k]].count))
    return cols, coefs, 0.0


def define_targets(m: Model, s: Sets, blocks: dict[str, VarBlock]) -> FloatArray:
    """target[metric,scope,year]: KPI + shortfall >= target (shortfall fixed at 0 if hard)."""
    rows, cols, vals, rhs, labels = [], [], [], [], []
    for r, t in enumerate(s.inst.targets):
        c, v, const = _kpi_terms(s, t, blocks)
        c.append(blocks["shortfall"].start + r)
        v.append(1.0)
        rows += [r] * len(c)
        cols += c
        vals += v
        rhs.append(t.value * METRIC_SCALE[t.metric] - const)
        labels.append(f"target[{t.metric},{_scope_label(t)},{t.year}]")
    if labels:
        m.add_constraints("target", labels, ">=", rhs, rows, cols, vals)
    return np.array([t.value * METRIC_SCALE[t.metric] for t in s.inst.targets])


def define_objective(m: Model, s: Sets, blocks: dict[str, VarBlock]) -> None:
    """Discounted capex (also after the horizon), opex, route costs, unserved volume, shortfalls."""
    x, z = blocks["x"], blocks["z"]
    delta = s.discount
    # capex: every non-sunk construction year, discounted at its own year
    k, ys, amounts = s.spend
    live = ys >= s.y0
    m.add_cost(k[live] + x.start, amounts[live] * _discount(s, ys[live]))
    # opex in service within the horizon
    opex = np.array([p.opex for p in s.projects])
    m.add_cost(x.cols, s.in_service.T @ np.kron(opex, delta))
    # candidate routes: opening cost in the opening year, annual cost while open
    zr, zt = s.z_cols
    n = np.array([r.count for r in s.candidates], dtype=float)
    opening = np.array([r.opening_cost for r in s.candidates]) * n
    annual = np.array([r.annual_cost for r in s.candidates]) * n
    m.add_cost(z.cols, opening[zr] * _discount(s, zt) + s.open_map.T @ np.kron(annual, delta))
    m.offset += sum(r.count * r.annual_cost for r in s.existing) * float(delta.sum())
    # unserved TEU: penalty * (offered - served)
    pen_teu = s.inst.penalties.unserved_teu
    if pen_teu and len(s.called_areas):
        called = s.called_areas
        rows_sel = (called[:, None] * s.ny + np.arange(s.ny)[None, :]).ravel()
        weight = np.tile(delta, len(called)) * pen_teu
        m.add_cost(z.cols, s.offered_z[rows_sel].T @ weight)
        m.add_cost(blocks["served"].cols, -weight / TEU)
        m.offset += float((s.offered0[called].ravel() * weight).sum())
    # unserved tonnes within demand scopes: penalty * (ceiling - handled)
    pen_ton = s.inst.penalties.unserved_ton
    index = {pair: i for i, pair in enumerate(s.handled_pairs)}
    for scope in s.scopes if pen_ton else []:
        m.offset += float((scope.ceiling * delta).sum() * pen_ton)
        for a in scope.areas:
            p = index.get((int(a), scope.cargo))
            if p is not None:
                first = blocks["handled"].start + p * s.ny  # no block-sized array per area
                m.add_cost(np.arange(first, first + s.ny), -delta * pen_ton / TON)
    # soft targets' shortfall, discounted at the target year
    pen = [
        (t.penalty or 0.0) * s.inst.discount(t.year) / METRIC_SCALE[t.metric]
        for t in s.inst.targets
    ]
    m.add_cost(blocks["shortfall"].cols, pen)


def define_residual_value(m: Model, s: Sets, x: VarBlock) -> None:
    """With ``residual_value: true``: credit each start's value left after the horizon.

    Start column (j, s) earns -delta(y1 + 1) * R_j(s), R_j(s) the capex spent by the horizon end
    times the share of the economic life left (:func:`~berthplan.model.instance.residual_value`).
    Capex after the horizon earns nothing, so the credit stays below the discounted capex.
    """
    if not s.inst.residual_value:
        return
    xj, xs = s.x_cols
    value = [residual_value(s.projects[j], int(y), s.y1) for j, y in zip(xj, xs, strict=True)]
    m.add_cost(x.cols, -s.inst.discount(s.y1 + 1) * np.asarray(value, dtype=float))


def build(inst: Instance, sets: Sets | None = None) -> Built:
    """Build the MILP of ``inst`` (docs/formulation.md), family by family."""
    s = sets if sets is not None else Sets(inst)
    m = Model(name=inst.name)
    x, z, served, handled, shortfall, service = define_variables(m, s)
    blocks = {
        "x": x,
        "z": z,
        "served": served,
        "handled": handled,
        "shortfall": shortfall,
        "service": service,
    }
    define_commitments(m, s, x, z)
    define_in_service(m, s, x, service)
    define_capacity(m, s, service, handled)
    define_demand(m, s, handled)
    define_containers(m, s, service, z, served)
    queue = define_pool_variables(m, s, handled, served)
    define_pool_levels(m, s, queue, service)
    define_pool_capacity(m, s, queue)
    define_pool_wait(m, s, queue)
    define_depth(m, s, service, z)
    define_requires(m, s, x)
    define_groups(m, s, x)
    define_budget(m, s, x)
    target_scaled = define_targets(m, s, blocks)
    define_objective(m, s, blocks)
    define_residual_value(m, s, x)
    m.add_cost(*wait_cost(s, queue))
    hard = np.array([t.hard for t in inst.targets], dtype=bool)
    return Built(
        m,
        s,
        x,
        z,
        served,
        handled,
        shortfall,
        service,
        queue,
        list(inst.targets),
        hard,
        target_scaled,
    )

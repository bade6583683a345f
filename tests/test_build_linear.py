"""The build is linear in the model and builds the same model as a straightforward reference.

The families whose build was made linear (capacity, served_capacity, depth, targets) and the
index sets vectorized since (start and opening columns, spend, demand scopes, handled pairs, the
offered-TEU map) are written here once more the plain way, with dense (rows x projects) arrays
and a loop per item, as they were before; the model built with them must be the one ``build``
makes, bit for bit. Memory is counted, not timed: the build's peak of traced allocations per
nonzero must not grow with the instance (it grew 2.8 times from 1x to 4x with the dense arrays).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from berthplan.generator.generate import generate
from berthplan.model.instance import Instance, interpolate
from berthplan.model.io import load
from berthplan.model.records import CARGO_CLASSES, Target
from berthplan.model.sets import CONTAINER, FloatArray, IntArray, Scope, Sets
from berthplan.optimization import formulation, matrices, volumes
from berthplan.optimization.formulation import build
from berthplan.optimization.matrices import scope_label, triplets
from berthplan.optimization.objective import from_year
from berthplan.optimization.sparse import Arrays, Model, VarBlock
from berthplan.optimization.tightening import teu_ceiling, tons_ceiling
from berthplan.optimization.units import METRIC_SCALE, TEU, TON

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"

# -- the reference: the families written the plain way ------------------------------------------


def _by_year(select: Any, ny: int) -> sp.csr_matrix:
    return sp.csr_matrix(sp.kron(sp.csr_matrix(select), sp.eye(ny, ny + 1, format="csr")))


def _each_year(select: FloatArray, room: FloatArray, ny: int) -> sp.csr_matrix:
    # year y's coefficients are the select capped at that year's room: sum_y kron(., E_yy)
    out = sp.csr_matrix((select.shape[0] * ny, select.shape[1] * (ny + 1)))
    for y in range(ny):
        e = sp.csr_matrix(([1.0], ([y], [y])), shape=(ny, ny + 1))
        out = out + sp.kron(sp.csr_matrix(np.minimum(select, room[:, y : y + 1])), e)
    return sp.csr_matrix(out)


def _pick(items: list[int], ny: int, width: int) -> sp.csr_matrix:
    cols = (np.array(items, dtype=np.int64)[:, None] * ny + np.arange(ny)[None, :]).ravel()
    return sp.csr_matrix(
        (np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), width)
    )


def ref_capacity(m: Model, s: Sets, service: VarBlock, handled: VarBlock) -> None:
    pooled = set(s.pool_pairs)
    keep = [k for k, pair in enumerate(s.handled_pairs) if pair not in pooled]
    pairs = [s.handled_pairs[k] for k in keep]
    if not pairs:
        return
    a, c = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    u = s.util[c]
    on_area = s.p_area[None, :] == a[:, None]
    select = np.where(on_area, s.p_cap[:, c].T, 0.0) * (u * TON)[:, None]
    room = np.maximum(tons_ceiling(s, a, c) - (u * s.cap0[a, c])[:, None], 0.0) * TON
    own = _pick(keep, s.ny, len(s.handled_pairs) * s.ny)
    rows, cols, vals = triplets((own, handled), (-_each_year(select, room, s.ny), service))
    rhs = np.repeat(u * s.cap0[a, c] * TON, s.ny)
    labels = [f"capacity[{s.areas[i]},{CARGO_CLASSES[k]},{y}]" for i, k in pairs for y in s.years]
    m.add_constraints("capacity", labels, "<=", rhs, rows, cols, vals)


def ref_containers(m: Model, s: Sets, service: VarBlock, z: VarBlock, served: VarBlock) -> None:
    called = s.called_areas
    n = len(called) * s.ny
    if n == 0:
        return
    labels = [f"[{s.areas[a]},{y}]" for a in called for y in s.years]
    rows_sel = (called[:, None] * s.ny + np.arange(s.ny)[None, :]).ravel()
    rows, cols, vals = triplets((sp.eye(n), served), (-s.offered_z[rows_sel] * TEU, z))
    rhs = s.offered0[called].ravel() * TEU
    names = ["served_offered" + lab for lab in labels]
    m.add_constraints("served_offered", names, "<=", rhs, rows, cols, vals)
    pooled = {a for a, c in s.pool_pairs if c == CONTAINER}
    keep = [k for k, a in enumerate(called.tolist()) if a not in pooled]
    if not keep:
        return
    free = called[keep]
    u = s.util[CONTAINER]
    on_area = s.p_area[None, :] == free[:, None]
    select = np.where(on_area, s.p_cap[:, CONTAINER][None, :], 0.0) * (u * TEU)
    room = np.maximum(teu_ceiling(s, free) - (u * s.cap0[free, CONTAINER])[:, None], 0.0) * TEU
    adds = -_each_year(select, room, s.ny)
    rows, cols, vals = triplets((_pick(keep, s.ny, n), served), (adds, service))
    rhs = np.repeat(u * s.cap0[free, CONTAINER] * TEU, s.ny)
    kept = ["served_capacity" + labels[k * s.ny + yi] for k in keep for yi in range(s.ny)]
    m.add_constraints("served_capacity", kept, "<=", rhs, rows, cols, vals)


def ref_depth(m: Model, s: Sets, service: VarBlock, z: VarBlock) -> None:
    pairs = [
        (r, s.area_index[c.area])
        for r, route in enumerate(s.candidates)
        for c in route.calls
        if s.depth[s.area_index[c.area]] < route.min_depth_m
    ]
    if not pairs:
        return
    sel_o = sp.csr_matrix(
        (np.ones(len(pairs)), (np.arange(len(pairs)), [r for r, _ in pairs])),
        shape=(len(pairs), len(s.candidates)),
    )
    deep = np.array([p.deepens_to_m if p.deepens_to_m is not None else -np.inf for p in s.projects])
    sel_i = np.zeros((len(pairs), len(s.projects)))
    for i, (r, a) in enumerate(pairs):
        sel_i[i] = (s.p_area == a) & (deep >= s.candidates[r].min_depth_m)
    opened = sp.kron(sp.csr_matrix(sel_o), sp.eye(s.ny, format="csr")) @ s.open_map
    rows, cols, vals = triplets((opened, z), (_by_year(sp.csr_matrix(-sel_i), s.ny), service))
    labels = [f"depth[{s.candidates[r].id},{s.areas[a]},{y}]" for r, a in pairs for y in s.years]
    m.add_constraints("depth", labels, "<=", 0.0, rows, cols, vals)


def _ref_kpi(s: Sets, t: Target, b: dict[str, VarBlock]) -> tuple[list[int], list[float], float]:
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
                cols.append(b["served"].start + n * s.ny + yi)
                coefs.append(factor)
    if t.metric == "cargo_tons":
        for p, (a, _) in enumerate(s.handled_pairs):
            if in_scope[a]:
                cols.append(b["handled"].start + p * s.ny + yi)
                coefs.append(1.0)
    if t.metric == "berths_10k":
        js = [j for j in range(len(s.projects)) if in_scope[s.p_area[j]] and s.b10[j]]
        cols += [b["service"].start + j * (s.ny + 1) + yi + 1 for j in js]
        coefs += [float(s.b10[j]) for j in js]
        return cols, coefs, float(s.berths10_existing(t.port))
    if t.metric == "new_routes":
        zr, zt = s.z_cols
        port = None if t.port is None else s.ports.index(t.port)
        for k in np.nonzero(zt == t.year)[0]:
            if port is None or port in s.route_ports[zr[k]]:
                cols.append(b["z"].start + int(k))
                coefs.append(float(s.candidates[zr[k]].count))
    return cols, coefs, 0.0


def ref_targets(m: Model, s: Sets, blocks: dict[str, VarBlock]) -> Any:
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    rhs, labels = [], []
    for r, t in enumerate(s.inst.targets):
        c, v, const = _ref_kpi(s, t, blocks)
        c.append(blocks["shortfall"].start + r)
        v.append(1.0)
        rows += [r] * len(c)
        cols += c
        vals += v
        rhs.append(t.value * METRIC_SCALE[t.metric] - const)
        labels.append(f"target[{t.metric},{scope_label(t)},{t.year}]")
    if labels:
        m.add_constraints("target", labels, ">=", rhs, rows, cols, vals)
    return np.array([t.value * METRIC_SCALE[t.metric] for t in s.inst.targets])


def ref_offered_z(s: Sets) -> sp.csr_matrix:
    zr, zt = s.z_cols
    shape = (len(s.areas) * s.ny, len(zr))
    calls = [
        (r, s.area_index[c.area], route.count * c.teu, c.growth)
        for r, route in enumerate(s.candidates)
        for c in route.calls
    ]
    if not calls or not len(zr):
        return sp.csr_matrix(shape)
    c_route, c_area, c_teu, c_growth = (np.array(v) for v in zip(*calls, strict=True))
    k, c = np.nonzero(zr[:, None] == c_route[None, :])
    pair, yi = np.nonzero(s.years[None, :] >= zt[k][:, None])
    kk, cc = k[pair], c[pair]
    vals = c_teu[cc] * (1.0 + c_growth[cc]) ** (s.years[yi] - zt[kk])
    return sp.csr_matrix((vals, (c_area[cc] * s.ny + yi, kk)), shape=shape)


class _RefSets(Sets):
    """Sets with the index sets and maps computed item by item, as they were."""

    @cached_property
    def offered_z(self) -> sp.csr_matrix:
        return ref_offered_z(self)

    @cached_property
    def x_cols(self) -> tuple[IntArray, IntArray]:
        js, ss = [], []
        for j, p in enumerate(self.projects):
            lo, hi = self.inst.start_window(p)
            for y in range(lo, hi + 1):
                js.append(j)
                ss.append(y)
        return np.array(js, dtype=np.int64), np.array(ss, dtype=np.int64)

    @cached_property
    def z_cols(self) -> tuple[IntArray, IntArray]:
        rs, ts = [], []
        for r, route in enumerate(self.candidates):
            lo, hi = self.inst.open_window(route)
            for t in range(lo, hi + 1):
                rs.append(r)
                ts.append(t)
        return np.array(rs, dtype=np.int64), np.array(ts, dtype=np.int64)

    @cached_property
    def spend(self) -> tuple[IntArray, IntArray, FloatArray]:
        _, xs = self.x_cols
        ks, ys, amounts = [], [], []
        for j, p in enumerate(self.projects):
            prof = np.asarray(p.spend_profile()) * p.capex
            cols = self.x_of(j)
            for m, share in enumerate(prof):
                ks.append(cols)
                ys.append(xs[cols] + m)
                amounts.append(np.full(len(cols), share))
        return np.concatenate(ks), np.concatenate(ys), np.concatenate(amounts)

    @cached_property
    def scopes(self) -> list[Scope]:
        out = []
        for (kind, ident, cargo), points in self.inst.demand_series().items():
            if kind == "port":
                areas = np.nonzero(self.area_port == self.ports.index(ident))[0]
            else:
                areas = np.array([self.area_index[ident]], dtype=np.int64)
            ceiling = np.array([interpolate(points, int(y)) for y in self.years])
            out.append(Scope(kind, ident, CARGO_CLASSES.index(cargo), areas, ceiling))
        return out

    @cached_property
    def handled_pairs(self) -> list[tuple[int, int]]:
        pairs = set(zip(*np.nonzero(self.cap0), strict=True))
        pairs |= set(self.pool_pairs)
        for j, a in enumerate(self.p_area):
            for c in np.nonzero(self.p_cap[j])[0]:
                pairs.add((int(a), int(c)))
        return sorted((int(a), int(c)) for a, c in pairs if c != CONTAINER)


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Instance], Arrays]]:
    def make(inst: Instance) -> Arrays:
        with monkeypatch.context() as mp:
            mp.setattr(formulation, "define_capacity", ref_capacity)
            mp.setattr(formulation, "define_containers", ref_containers)
            mp.setattr(formulation, "define_depth", ref_depth)
            mp.setattr(formulation, "define_targets", ref_targets)
            return build(inst, _RefSets(inst)).model.arrays()

    yield make


def _same(a: Arrays, b: Arrays) -> None:
    a.A.sort_indices()
    b.A.sort_indices()
    assert a.A.shape == b.A.shape
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a.A, name), getattr(b.A, name), err_msg=name)
    for name in ("c", "lb", "ub", "integer", "row_lo", "row_hi"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.offset == b.offset
    assert a.col_names == b.col_names and a.row_names == b.row_names


CASES: list[tuple[str, Callable[[], Instance]]] = [
    ("liaoning", lambda: load(ROOT / "instances" / "liaoning-2023.yaml")),
    ("liaoning-design", lambda: load(ROOT / "instances" / "liaoning-2023-design-capacity.yaml")),
    ("small-0", lambda: generate("small", 0)),
    ("small-1-pools", lambda: generate("small", 1, service_levels=True)),
    ("medium-0", lambda: generate("medium", 0)),
    ("medium-2-pools", lambda: generate("medium", 2, service_levels=True)),
    ("headroom", lambda: load(DATA / "tightening" / "headroom.yaml")),
]


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_build_is_the_reference_model(
    make: Callable[[], Instance], reference: Callable[[Instance], Arrays]
) -> None:
    inst = make()
    got = build(inst).model.arrays()
    _same(got, reference(inst))
    assert got.A.nnz > 0


def test_the_reference_would_see_a_changed_coefficient(
    reference: Callable[[Instance], Arrays], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the comparison is not vacuous: one capacity coefficient off by a factor shows
    inst = generate("small", 0)
    want = reference(inst)
    real = matrices.service_terms

    def off(*args: Any, **kwargs: Any) -> Any:
        rows, cols, vals = real(*args, **kwargs)
        return rows, cols, vals * (1 + 1e-12)

    monkeypatch.setattr(volumes, "service_terms", off)
    with pytest.raises(AssertionError):
        _same(build(inst).model.arrays(), want)


def _bytes_per_nonzero(k: int) -> float:
    # few years, many areas, projects and routes: where (rows x projects) arrays dominate
    inst = generate("medium", 0, ports=10 * k, projects=400 * k, routes=150 * k, years=2)
    tracemalloc.start()
    try:
        nnz = int(build(inst).model.arrays().A.nnz)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / nnz


def test_build_memory_per_nonzero_does_not_grow() -> None:
    # measured: 173, 169, 168 B per nonzero at 1x, 2x, 4x (dense arrays: 204, 314, 565)
    one, four = _bytes_per_nonzero(1), _bytes_per_nonzero(4)
    assert four <= 1.15 * one, (one, four)


COSTED = [c for c in CASES if c[0] != "headroom"]  # headroom has neither opex nor routes


@pytest.mark.parametrize("make", [c[1] for c in COSTED], ids=[c[0] for c in COSTED])
def test_costs_from_year_are_the_year_map_products(make: Callable[[], Instance]) -> None:
    # the opex and route costs sum year by year as the (items*years x columns) maps did
    s = Sets(make())
    delta = s.discount
    opex = np.array([p.opex for p in s.projects])
    xj, xs = s.x_cols
    first = np.clip(xs + s.duration[xj] - s.y0, 0, s.ny)
    opex_got = from_year(opex[:, None] * delta[None, :])[xj, first]
    np.testing.assert_array_equal(opex_got, s.in_service.T @ np.kron(opex, delta))
    annual = np.array([r.annual_cost * r.count for r in s.candidates], dtype=float)
    zr, zt = s.z_cols
    got = from_year(annual[:, None] * delta[None, :])[zr, np.clip(zt - s.y0, 0, s.ny)]
    np.testing.assert_array_equal(got, s.open_map.T @ np.kron(annual, delta))
    assert np.count_nonzero(opex_got) + np.count_nonzero(got) > 0

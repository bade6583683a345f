"""Index sets and parameter arrays of an instance, computed once, vectorized.

This is the bridge from the data model to the formulation: the columns of the start and
opening variables, and sparse maps from them to the quantities the constraints need (in
service, completed, spend, offered TEU). Volumes here are in the file's units; the
formulation scales them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from berthplan.model.instance import Instance
from berthplan.model.pools import Pool, pools
from berthplan.model.records import CARGO_CLASSES, TEN_THOUSAND_TON, Project, Route

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
CONTAINER = CARGO_CLASSES.index("container")


@dataclass(frozen=True)
class Scope:
    """A demand scope: a port or an area, one non-container class, its ceiling per year."""

    kind: str
    id: str
    cargo: int
    areas: IntArray
    ceiling: FloatArray


class Sets:
    """Index sets and parameters of one instance."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.y0, self.y1 = inst.horizon.start, inst.horizon.end
        self.years = np.arange(self.y0, self.y1 + 1, dtype=np.int64)
        self.ny = len(self.years)
        self.ports = [p.id for p in inst.ports]
        self.areas = [a.id for p in inst.ports for a in p.areas]
        self.area_index = {a: i for i, a in enumerate(self.areas)}
        port_index = {p: i for i, p in enumerate(self.ports)}
        self.area_port = np.array(
            [port_index[inst.port_of_area[a]] for a in self.areas], dtype=np.int64
        )
        self.depth = np.array([inst.area_by_id[a].depth_m for a in self.areas])
        self.projects: list[Project] = list(inst.projects)
        self.candidates: list[Route] = [r for r in inst.routes if r.status == "candidate"]
        self.existing: list[Route] = [r for r in inst.routes if r.status == "existing"]
        self.util = np.array([inst.utilization(c) for c in CARGO_CLASSES])
        self.discount = np.array([inst.discount(int(y)) for y in self.years])

    # -- projects ---------------------------------------------------------------------------
    @cached_property
    def p_area(self) -> IntArray:
        return np.array([self.area_index[p.area] for p in self.projects], dtype=np.int64)

    @cached_property
    def duration(self) -> IntArray:
        return np.array([p.duration for p in self.projects], dtype=np.int64)

    @cached_property
    def committed(self) -> NDArray[np.bool_]:
        return np.array([p.committed for p in self.projects], dtype=bool)

    @cached_property
    def b10(self) -> FloatArray:
        return np.array([p.berths_10k() for p in self.projects], dtype=float)

    @cached_property
    def p_cap(self) -> FloatArray:
        """Capacity each project adds, per cargo class (nJ x nC)."""
        cap = np.zeros((len(self.projects), len(CARGO_CLASSES)))
        for j, p in enumerate(self.projects):
            for b in p.adds:
                cap[j, CARGO_CLASSES.index(b.cargo)] += b.count * b.capacity
        return cap

    @cached_property
    def cap0(self) -> FloatArray:
        """Existing capacity per area and cargo class (nA x nC)."""
        cap = np.zeros((len(self.areas), len(CARGO_CLASSES)))
        for b in self.inst.berths:
            cap[self.area_index[b.area], CARGO_CLASSES.index(b.cargo)] += b.count * b.capacity
        return cap

    def berths10_existing(self, port: str | None = None) -> int:
        return sum(
            b.count
            for b in self.inst.berths
            if b.dwt >= TEN_THOUSAND_TON
            and (port is None or self.inst.port_of_area[b.area] == port)
        )

    # -- start columns x[j, s] ----------------------------------------------------------------
    @cached_property
    def x_cols(self) -> tuple[IntArray, IntArray]:
        """(project index, start year) of every start variable, project-major."""
        windows = [self.inst.start_window(p) for p in self.projects]
        lo = np.array([w[0] for w in windows], dtype=np.int64)
        return _runs(lo, np.array([w[1] + 1 for w in windows], dtype=np.int64) - lo)

    def x_of(self, j: int) -> IntArray:
        """The start columns of project ``j`` (contiguous: the columns are project-major)."""
        lo, hi = self._x_bounds
        return np.arange(lo[j], hi[j], dtype=np.int64)

    @cached_property
    def _x_bounds(self) -> tuple[IntArray, IntArray]:
        xj, _ = self.x_cols
        js = np.arange(len(self.projects))
        return np.searchsorted(xj, js, "left"), np.searchsorted(xj, js, "right")

    def _year_map(self, first: IntArray) -> sp.csr_matrix:
        """(nJ*nY x nX): 1 where column k's project is 'on' in year y, i.e. y >= first[k]."""
        xj, _ = self.x_cols
        on = self.years[None, :] >= first[:, None]
        k, yi = np.nonzero(on)
        rows = xj[k] * self.ny + yi
        return sp.csr_matrix(
            (np.ones(len(k)), (rows, k)), shape=(len(self.projects) * self.ny, len(xj))
        )

    @cached_property
    def in_service(self) -> sp.csr_matrix:
        """I[j, y] as a map from x: in service from start + duration."""
        xj, xs = self.x_cols
        return self._year_map(xs + self.duration[xj])

    @cached_property
    def completed(self) -> sp.csr_matrix:
        """C[j, y] as a map from x: completed in start + duration - 1 or before."""
        xj, xs = self.x_cols
        return self._year_map(xs + self.duration[xj] - 1)

    @cached_property
    def spend(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Triplets (x column, calendar year, capex amount) of every construction year."""
        _, xs = self.x_cols
        profiles = [np.asarray(p.spend_profile()) * p.capex for p in self.projects]
        if not profiles:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        # one entry per (project, construction year m, start column), in that order
        lo, hi = self._x_bounds
        j, m = _runs(np.zeros(len(profiles), np.int64), np.array([len(v) for v in profiles]))
        share = np.concatenate(profiles)
        entry, offset = _runs(np.zeros(len(j), np.int64), (hi - lo)[j])
        k = lo[j][entry] + offset
        return k, xs[k] + m[entry], share[entry]

    # -- routes -------------------------------------------------------------------------------
    @cached_property
    def z_cols(self) -> tuple[IntArray, IntArray]:
        """(candidate index, opening year) of every opening variable, route-major."""
        windows = [self.inst.open_window(r) for r in self.candidates]
        lo = np.array([w[0] for w in windows], dtype=np.int64)
        return _runs(lo, np.array([w[1] + 1 for w in windows], dtype=np.int64) - lo)

    @cached_property
    def offered0(self) -> FloatArray:
        """TEU offered by existing routes per area and year (nA x nY)."""
        out = np.zeros((len(self.areas), self.ny))
        for route in self.existing:
            for call in route.calls:
                grow = (1.0 + call.growth) ** (self.years - self.y0)
                out[self.area_index[call.area]] += route.count * call.teu * grow
        return out

    @cached_property
    def offered_z(self) -> sp.csr_matrix:
        """(nA*nY x nZ): TEU offered at (a, y) when candidate column k opens (vectorized)."""
        zr, zt = self.z_cols
        shape = (len(self.areas) * self.ny, len(zr))
        calls = [
            (r, self.area_index[c.area], route.count * c.teu, c.growth)
            for r, route in enumerate(self.candidates)
            for c in route.calls
        ]
        if not calls or not len(zr):
            return sp.csr_matrix(shape)
        c_route, c_area, c_teu, c_growth = (np.array(v) for v in zip(*calls, strict=True))
        # every (opening column, call of its route) pair (a route's columns are contiguous:
        # no (columns x calls) mask), then every year from the opening on
        lo = np.searchsorted(zr, c_route, "left")
        counts = np.searchsorted(zr, c_route, "right") - lo
        c = np.repeat(np.arange(len(c_route), dtype=np.int64), counts)
        offset = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        k = offset + np.arange(len(c), dtype=np.int64)
        on = self.years[None, :] >= zt[k][:, None]
        pair, yi = np.nonzero(on)
        kk, cc = k[pair], c[pair]
        vals = c_teu[cc] * (1.0 + c_growth[cc]) ** (self.years[yi] - zt[kk])
        return sp.csr_matrix((vals, (c_area[cc] * self.ny + yi, kk)), shape=shape)

    @cached_property
    def open_map(self) -> sp.csr_matrix:
        """(nR*nY x nZ): O[r, y] — 1 where column k's route is open in y (t <= y)."""
        zr, zt = self.z_cols
        on = self.years[None, :] >= zt[:, None]
        k, yi = np.nonzero(on)
        return sp.csr_matrix(
            (np.ones(len(k)), (zr[k] * self.ny + yi, k)),
            shape=(len(self.candidates) * self.ny, len(zr)),
        )

    @cached_property
    def route_ports(self) -> list[set[int]]:
        return [
            {int(self.area_port[self.area_index[c.area]]) for c in r.calls} for r in self.candidates
        ]

    @cached_property
    def called_areas(self) -> IntArray:
        """Areas some route calls at (they get a served-TEU variable)."""
        called = {self.area_index[c.area] for r in self.inst.routes for c in r.calls}
        return np.array(sorted(called), dtype=np.int64)

    # -- cargo ---------------------------------------------------------------------------------
    @cached_property
    def handled_pairs(self) -> list[tuple[int, int]]:
        """(area, class) pairs, non-container, with existing or addable capacity."""
        pairs = set(zip(*np.nonzero(self.cap0), strict=True))
        pairs |= set(self.pool_pairs)
        j, c = np.nonzero(self.p_cap)
        pairs |= set(zip(self.p_area[j].tolist(), c.tolist(), strict=True))
        return sorted((int(a), int(c)) for a, c in pairs if c != CONTAINER)

    @cached_property
    def scopes(self) -> list[Scope]:
        port_index = {p: i for i, p in enumerate(self.ports)}
        out = []
        for (kind, ident, cargo), points in self.inst.demand_series().items():
            if kind == "port":
                areas = np.nonzero(self.area_port == port_index[ident])[0]
            else:
                areas = np.array([self.area_index[ident]], dtype=np.int64)
            # every year at once, as interpolate() does year by year
            xs, vs = zip(*sorted(points), strict=True)
            ceiling = np.interp(self.years, np.array(xs), np.array(vs))
            out.append(Scope(kind, ident, CARGO_CLASSES.index(cargo), areas, ceiling))
        return out

    # -- queue pools ------------------------------------------------------------------------------
    @cached_property
    def pools(self) -> list[Pool]:
        """The queue pools (service levels), see :mod:`berthplan.model.pools`."""
        return pools(self.inst)

    @cached_property
    def pool_pairs(self) -> list[tuple[int, int]]:
        """(area, class) of every pool, in pool order."""
        return [(self.area_index[q.area], CARGO_CLASSES.index(q.cargo)) for q in self.pools]

    @cached_property
    def pool_adds(self) -> sp.csr_matrix:
        """Berths each project adds to each pool (nPools x nJ, sparse: a project adds to the
        pools of its own area only, so a dense array would grow with pools x projects)."""
        index = {p.id: j for j, p in enumerate(self.projects)}
        adds = {
            (q, index[pid]): float(k) for q, pool in enumerate(self.pools) for pid, k in pool.adds
        }
        out = sp.csr_matrix(
            (list(adds.values()), ([q for q, _ in adds], [j for _, j in adds])),
            shape=(len(self.pools), len(self.projects)),
        )
        out.sort_indices()
        return out

    @cached_property
    def pool_levels(self) -> list[list[list[int]]]:
        """Per pool and horizon year, the berth counts the pool can have that year.

        Existing berths plus any subset of the projects that can be in service by then (their
        earliest start + duration), always including committed ones that must be (latest start +
        duration); a project a scenario skips never counts.
        """
        by_id = {p.id: p for p in self.projects}
        out = []
        for pool in self.pools:
            per_year = []
            for y in self.years.tolist():
                counts = {pool.existing}
                for pid, k in pool.adds:
                    p = by_id[pid]
                    lo, hi = self.inst.start_window(p)
                    if p.decision == "skip" or lo + p.duration > y:
                        continue
                    if p.committed and hi + p.duration <= y:
                        counts = {c + k for c in counts}
                    else:
                        counts |= {c + k for c in counts}
                per_year.append(sorted(counts))
            out.append(per_year)
        return out

    @cached_property
    def waiting_costs(self) -> bool:
        """True when some pool charges ship waiting: throughput is then a decision."""
        return any((q.params.waiting_cost or 0) > 0 for q in self.pools)


def _runs(first: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """(run index, value) of runs ``first[i], first[i] + 1, ...`` of ``counts[i]`` values each.

    The flat form of ``[(i, v) for i in range(n) for v in range(first[i], first[i] + counts[i])]``
    without a Python loop per value.
    """
    counts = np.maximum(np.asarray(counts, dtype=np.int64), 0)
    run = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return run, first[run] + np.arange(len(run), dtype=np.int64) - start[run]

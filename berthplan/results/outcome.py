"""Everything a plan implies, recomputed from its decisions alone.

Given the start year of each built project and the opening year of each opened route, this
computes capacity, served TEU, handled tonnes, KPIs, costs and shortfalls in the file's units,
choosing the continuous values that are optimal for those decisions (see docs/formulation.md,
"Results are recomputed from the decisions"). It never looks at a solver's continuous values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from berthplan.model.instance import Instance, residual_value, spend_by_year
from berthplan.model.records import CARGO_CLASSES, Target
from berthplan.model.sets import CONTAINER, FloatArray, Sets

SHORT_TOL = 1e-9
"""A target missed by less than this relative amount is met (solver flows carry that noise)."""


@dataclass(frozen=True)
class Decisions:
    """Start year per project and opening year per candidate route (None: not built/opened).

    ``flows`` holds the throughput per year of the pools that charge ship waiting, where it
    is a decision too (serving more may cost more); every other throughput is recomputed as
    the most the decisions allow, around them.
    """

    starts: dict[str, int | None]
    opens: dict[str, int | None]
    flows: dict[tuple[str, str], tuple[float, ...]] = field(default_factory=dict)

    @classmethod
    def complete(
        cls, instance: Instance, starts: dict[str, int], opens: dict[str, int]
    ) -> Decisions:
        """Every project and candidate route of ``instance``: the given years, else none
        (an ongoing project at its own start)."""
        own = {p.id: p.start for p in instance.projects if p.stage == "ongoing"}
        return cls(
            {p.id: starts.get(p.id, own.get(p.id)) for p in instance.projects},
            {r.id: opens.get(r.id) for r in instance.routes if r.status == "candidate"},
        )


class Outcome:
    """The quantities of a plan, per area, class and year (arrays over the horizon years)."""

    def __init__(self, sets: Sets, decisions: Decisions) -> None:
        self.s = sets
        self.d = decisions
        s = sets
        self.built = np.array(
            [decisions.starts.get(p.id) is not None for p in s.projects], dtype=bool
        )
        self.start = np.array([decisions.starts.get(p.id) or 0 for p in s.projects], dtype=np.int64)
        self.opened = [decisions.opens.get(r.id) for r in s.candidates]

    # -- capacity and volumes ----------------------------------------------------------------
    @cached_property
    def in_service(self) -> np.ndarray:
        """(nJ x nY) bool: project in service in year y."""
        first = self.start + self.s.duration
        return self.built[:, None] & (self.s.years[None, :] >= first[:, None])

    @cached_property
    def completed(self) -> np.ndarray:
        first = self.start + self.s.duration - 1
        return self.built[:, None] & (self.s.years[None, :] >= first[:, None])

    @cached_property
    def capacity(self) -> FloatArray:
        """(nA x nC x nY) design capacity in service."""
        s = self.s
        cap = np.repeat(s.cap0[:, :, None], s.ny, axis=2)
        for j in np.nonzero(self.built)[0]:
            cap[s.p_area[j]] += s.p_cap[j][:, None] * self.in_service[j][None, :]
        for pool, (a, c), n in zip(s.pools, s.pool_pairs, self.pool_berths, strict=True):
            cap[a, c, :] = [pool.capacity(int(k)) for k in n]  # at the W/S limit
        return cap

    @cached_property
    def usable(self) -> FloatArray:
        """(nA x nC x nY) the most throughput allowed: max_utilization x design capacity, or a
        queue pool's capacity at its service level."""
        s = self.s
        out: FloatArray = self.capacity * s.util[None, :, None]
        for a, c in s.pool_pairs:
            out[a, c, :] = self.capacity[a, c, :]
        return out

    @cached_property
    def pool_berths(self) -> np.ndarray:
        """(nPools x nY) berths of each queue pool in service."""
        s = self.s
        existing = np.array([q.existing for q in s.pools], dtype=np.int64)
        added = np.asarray(s.pool_adds @ self.in_service.astype(float), dtype=float)
        return np.asarray(np.rint(existing[:, None] + added), dtype=np.int64)

    def _flow(self, a: int, c: int) -> FloatArray | None:
        """The decided throughput of a waiting pool, within its usable capacity (None: none)."""
        values = self.d.flows.get((self.s.areas[a], CARGO_CLASSES[c]))
        if values is None:
            return None
        return np.asarray(np.minimum(np.asarray(values, dtype=float), self.usable[a, c, :]))

    @cached_property
    def offered(self) -> FloatArray:
        """(nA x nY) TEU offered by open routes."""
        s = self.s
        out = s.offered0.copy()
        for route, t in zip(s.candidates, self.opened, strict=True):
            if t is None:
                continue
            on = s.years >= t
            for call in route.calls:
                grow = (1.0 + call.growth) ** (s.years - t)
                out[s.area_index[call.area]] += np.where(on, route.count * call.teu * grow, 0.0)
        return out

    @cached_property
    def served(self) -> FloatArray:
        """(nA x nY) TEU served: the offer, within max utilization of container capacity."""
        out = np.asarray(np.minimum(self.offered, self.usable[:, CONTAINER, :]))
        for a in range(len(self.s.areas)):
            flow = self._flow(a, CONTAINER)
            if flow is not None:
                out[a] = np.minimum(flow, self.offered[a])
        return out

    @cached_property
    def handled(self) -> FloatArray:
        """(nA x nC x nY) tonnes handled; demand scopes share their ceiling by usable capacity."""
        s = self.s
        usable = self.usable
        out: FloatArray = np.array(usable, dtype=float)
        out[:, CONTAINER, :] = 0.0
        decided = np.zeros(usable.shape, dtype=bool)
        for a in range(len(s.areas)):
            for c in range(len(CARGO_CLASSES)):
                flow = self._flow(a, c) if c != CONTAINER else None
                if flow is not None:
                    out[a, c, :], decided[a, c, :] = flow, True
        for scope in s.scopes:
            fixed = decided[scope.areas, scope.cargo, :]
            cap = np.where(fixed, 0.0, usable[scope.areas, scope.cargo, :])
            room = scope.ceiling - np.where(fixed, out[scope.areas, scope.cargo, :], 0.0).sum(
                axis=0
            )
            total = cap.sum(axis=0)
            taken = np.minimum(total, np.maximum(room, 0.0))
            share = np.divide(cap, total, out=np.zeros_like(cap), where=total > 0)
            out[scope.areas, scope.cargo, :] = np.where(
                fixed, out[scope.areas, scope.cargo, :], share * taken
            )
        return out

    @cached_property
    def throughput(self) -> FloatArray:
        """(nA x nC x nY): TEU served for containers, tonnes handled otherwise."""
        out: FloatArray = self.handled.copy()
        out[:, CONTAINER, :] = self.served
        return out

    @cached_property
    def pool_throughput(self) -> FloatArray:
        """(nPools x nY) TEU or tonnes through each queue pool."""
        thr = self.throughput
        return np.array([thr[a, c, :] for a, c in self.s.pool_pairs]).reshape(-1, self.s.ny)

    @cached_property
    def pool_wait_charged(self) -> FloatArray:
        """(nPools x nY) ship-hours of waiting as the MILP charges them (interpolated)."""
        s = self.s
        out = np.zeros((len(s.pools), s.ny))
        for q, pool in enumerate(s.pools):
            for yi in range(s.ny):
                n, h = int(self.pool_berths[q, yi]), float(self.pool_throughput[q, yi])
                out[q, yi] = pool.charged_wait_hours(n, h)
        return out

    def waiting_cost(self) -> FloatArray:
        """(nY) ship waiting cost of every pool, at the charged waiting hours."""
        rate = np.array([q.params.waiting_cost or 0.0 for q in self.s.pools])
        if not rate.any():  # no pool charges waiting: skip the waiting curves altogether
            return np.zeros(self.s.ny)
        return np.asarray((rate[:, None] * self.pool_wait_charged).sum(axis=0)).reshape(self.s.ny)

    @cached_property
    def unserved_tons(self) -> FloatArray:
        """(nY) demand not handled, over all scopes."""
        total = np.zeros(self.s.ny)
        for scope in self.s.scopes:  # each scope at least 0 (as the checker counts it)
            total += np.maximum(
                scope.ceiling - self.handled[scope.areas, scope.cargo, :].sum(axis=0), 0.0
            )
        return total

    @cached_property
    def unserved_teu(self) -> FloatArray:
        return np.asarray((self.offered - self.served).sum(axis=0))

    # -- KPIs -------------------------------------------------------------------------------------
    def _areas_of(self, port: str | None) -> np.ndarray:
        s = self.s
        return np.ones(len(s.areas), bool) if port is None else s.area_port == s.ports.index(port)

    def kpi(self, metric: str, port: str | None = None) -> FloatArray:
        """(nY) a KPI for the province or one port."""
        s = self.s
        mask = self._areas_of(port)
        if metric == "container_teu":
            return np.asarray(self.served[mask].sum(axis=0))
        if metric == "cargo_tons":
            return np.asarray(
                self.handled[mask].sum(axis=(0, 1))
                + s.inst.tons_per_teu * self.served[mask].sum(axis=0)
            )
        if metric == "berths_10k":
            in_port = mask[s.p_area]
            added = (s.b10[:, None] * self.completed)[in_port].sum(axis=0)
            return np.asarray(s.berths10_existing(port) + added, dtype=float)
        if metric == "new_routes":
            p = None if port is None else s.ports.index(port)
            out = np.zeros(s.ny)
            for r, (route, t) in enumerate(zip(s.candidates, self.opened, strict=True)):
                if t is not None and (p is None or p in s.route_ports[r]):
                    out[s.years == t] += route.count
            return out
        raise ValueError(metric)

    def achieved(self, t: Target) -> float:
        return float(self.kpi(t.metric, t.port)[t.year - self.s.y0])

    def shortfall(self, t: Target) -> float:
        """How far the plan falls short of ``t``; 0 within 1e-9 relative (solver tolerance)."""
        short = t.value - self.achieved(t)
        return short if short > SHORT_TOL * max(1.0, abs(t.value)) else 0.0

    def missed(self) -> list[Target]:
        """The hard targets the decisions fall short of (none: the plan is feasible)."""
        return [t for t in self.s.inst.targets if t.hard and self.shortfall(t) > 0]

    # -- money --------------------------------------------------------------------------------------
    def spend(self) -> dict[str, dict[int, float]]:
        """Capex per calendar year of every built project (sunk years included)."""
        out = {}
        for j, p in enumerate(self.s.projects):
            if self.built[j]:
                out[p.id] = spend_by_year(p, int(self.start[j]))
        return out

    def capex_by_year(self) -> dict[int, float]:
        """Non-sunk capex per calendar year (horizon and after)."""
        out: dict[int, float] = {}
        for per_year in self.spend().values():
            for y, amount in per_year.items():
                if y >= self.s.y0:
                    out[y] = out.get(y, 0.0) + amount
        return dict(sorted(out.items()))

    def opex(self) -> FloatArray:
        opex = np.array([p.opex for p in self.s.projects])
        return np.asarray((opex[:, None] * self.in_service).sum(axis=0))

    def route_cost(self) -> FloatArray:
        s = self.s
        out = np.full(s.ny, sum(r.count * r.annual_cost for r in s.existing), dtype=float)
        for route, t in zip(s.candidates, self.opened, strict=True):
            if t is not None:
                out += np.where(s.years >= t, route.count * route.annual_cost, 0.0)
                out += np.where(s.years == t, route.count * route.opening_cost, 0.0)
        return out

    def penalty_cost(self) -> FloatArray:
        s = self.s
        pen = s.inst.penalties
        out = pen.unserved_teu * self.unserved_teu + pen.unserved_ton * self.unserved_tons
        for t in s.inst.targets:
            if not t.hard:
                out[t.year - s.y0] += (t.penalty or 0.0) * self.shortfall(t)
        return np.asarray(out)

    def residual_values(self) -> FloatArray:
        """(nJ) value left after the horizon of each built project (undiscounted; 0 if skipped).

        Only with the instance's ``residual_value`` switch; the objective credits the sum at the
        discount factor of the year after the horizon (docs/formulation.md).
        """
        s = self.s
        return np.array(
            [
                residual_value(p, int(self.start[j]), s.y1) if self.built[j] else 0.0
                for j, p in enumerate(s.projects)
            ],
            dtype=float,
        )

    def project_discounted(self, j: int) -> float:
        p = self.s.projects[j]
        if not self.built[j]:
            return 0.0
        inst = self.s.inst
        capex = sum(
            a * inst.discount(y)
            for y, a in spend_by_year(p, int(self.start[j])).items()
            if y >= self.s.y0
        )
        return capex + float((p.opex * self.in_service[j] * self.s.discount).sum())

    def cargo_names(self) -> tuple[str, ...]:
        return CARGO_CLASSES

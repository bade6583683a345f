"""Everything a plan implies, recomputed from its decisions, its throughputs and the instance.

This is formulation.md's "Expressions" and "Timing conventions" written out directly, year by
year, without any model: spend, completion and service years, capacity, TEU offered, area
depth, demand ceilings, KPIs, yearly costs and the objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from berthplan.checker.decisions import Key
from berthplan.model.instance import Instance, interpolate, spend_by_year
from berthplan.model.pools import Pool, pools
from berthplan.model.records import Call, Project, Route

NON_CONTAINER = ("dry_bulk", "liquid_bulk", "lng", "grain", "general", "ro_ro")


@dataclass(frozen=True)
class Scope:
    """A demand scope: a port or an area, a non-container class, its demand points."""

    kind: str
    ident: str
    cargo: str
    areas: tuple[str, ...]
    points: tuple[tuple[int, float], ...]

    @property
    def label(self) -> str:
        """``scope/cargo``, as violations name it."""
        return f"{self.ident}/{self.cargo}"

    def ceiling(self, year: int) -> float:
        """The demand ceiling in ``year`` (linear between points, flat outside)."""
        return interpolate(self.points, year)


@dataclass(frozen=True)
class YearCost:
    """The undiscounted costs of one year, as kpis.csv reports them."""

    capex: float
    opex: float
    route_cost: float
    penalty_cost: float
    waiting_cost: float = 0.0

    @property
    def total(self) -> float:
        """Capex + opex + route cost + penalty cost + ship waiting cost."""
        return self.capex + self.opex + self.route_cost + self.penalty_cost + self.waiting_cost


class Facts:
    """The quantities a plan's decisions and throughputs imply.

    Parameters
    ----------
    instance
        The instance.
    starts
        Built project id to its start year.
    opens
        Opened candidate route id to its opening year.
    throughput
        TEU served or tonnes handled by (year, area, cargo), from capacity.csv.
    """

    def __init__(
        self,
        instance: Instance,
        starts: dict[str, int],
        opens: dict[str, int],
        throughput: dict[Key, float],
    ) -> None:
        self.instance = instance
        self.starts = starts
        self.opens = opens
        self.throughput = throughput
        self.y0 = instance.horizon.start
        self.y1 = instance.horizon.end

    # -- projects ----------------------------------------------------------------------------
    @cached_property
    def built(self) -> list[Project]:
        """Built projects, in instance order."""
        return [p for p in self.instance.projects if p.id in self.starts]

    def completion(self, project: Project) -> int:
        """Year a built project is completed (start + duration - 1)."""
        return self.starts[project.id] + project.duration - 1

    def completed(self, project: Project, year: int) -> bool:
        """Whether the project is built and completed by the end of ``year``."""
        return project.id in self.starts and self.completion(project) <= year

    def in_service(self, project: Project, year: int) -> bool:
        """Whether the project is built and in service in ``year``."""
        return project.id in self.starts and self.completion(project) < year

    @cached_property
    def spend(self) -> dict[str, dict[int, float]]:
        """Capex of each built project by calendar year (sunk years included)."""
        return {p.id: spend_by_year(p, self.starts[p.id]) for p in self.built}

    def capex(self, year: int) -> float:
        """Non-sunk capex spent in ``year`` (0 before the horizon)."""
        if year < self.y0:
            return 0.0
        return sum(s.get(year, 0.0) for s in self.spend.values())

    def opex(self, year: int) -> float:
        """Opex of the projects in service in ``year`` (within the horizon)."""
        if year not in self.instance.years:
            return 0.0
        return sum(p.opex for p in self.built if self.in_service(p, year))

    def project_cost(self, project: Project) -> float:
        """Discounted non-sunk capex plus discounted opex within the horizon of one project."""
        if project.id not in self.starts:
            return 0.0
        d = self.instance.discount
        capex = sum(d(y) * a for y, a in self.spend[project.id].items() if y >= self.y0)
        years = self.instance.years
        return capex + sum(d(y) * project.opex for y in years if self.in_service(project, y))

    def spend_years(self) -> list[int]:
        """Years after the horizon with non-sunk capex above 0 (they get a kpis.csv row)."""
        years = {y for s in self.spend.values() for y, a in s.items() if y > self.y1 and a > 0}
        return sorted(years)

    def cost_years(self) -> list[int]:
        """The horizon years, then the later years with spending: the rows of kpis.csv."""
        return [*self.instance.years, *self.spend_years()]

    # -- capacity and depth --------------------------------------------------------------------
    @cached_property
    def capacity(self) -> dict[Key, float]:
        """Design capacity by (year, area, cargo) within the horizon (positive entries only)."""
        out: dict[Key, float] = {}
        for y in self.instance.years:
            for b in self.instance.berths:
                key = (y, b.area, b.cargo)
                out[key] = out.get(key, 0.0) + b.count * b.capacity
            for p in self.built:
                if self.in_service(p, y):
                    for spec in p.adds:
                        key = (y, p.area, spec.cargo)
                        out[key] = out.get(key, 0.0) + spec.count * spec.capacity
            for pool in self.pools:  # at the service level, not the design figure
                out[(y, pool.area, pool.cargo)] = pool.capacity(self.pool_berths(pool, y))
        return {k: v for k, v in out.items() if v > 0}

    # -- queue pools ----------------------------------------------------------------------------
    @cached_property
    def pools(self) -> list[Pool]:
        """The queue pools of the instance (service levels)."""
        return pools(self.instance)

    @cached_property
    def _pooled(self) -> set[tuple[str, str]]:
        return {(q.area, q.cargo) for q in self.pools}

    def utilization(self, area: str, cargo: str) -> float:
        """Throughput allowed per unit of reported capacity: 1 for a queue pool (its capacity
        is already at the service level), max_utilization otherwise."""
        if (area, cargo) in self._pooled:
            return 1.0
        return self.instance.utilization(cargo)

    def pool_berths(self, pool: Pool, year: int) -> int:
        """Berths of ``pool`` in service in ``year``."""
        index = self.instance.project_by_id
        added = sum(k for pid, k in pool.adds if self.in_service(index[pid], year))
        return pool.existing + added

    def pool_throughput(self, pool: Pool, year: int) -> float:
        """TEU or tonnes through ``pool`` in ``year`` (capacity.csv)."""
        return self.throughput.get((year, pool.area, pool.cargo), 0.0)

    def charged_wait_hours(self, pool: Pool, year: int) -> float:
        """Ship-hours of waiting the objective charges (the interpolated curve)."""
        return pool.charged_wait_hours(
            self.pool_berths(pool, year), self.pool_throughput(pool, year)
        )

    def waiting_cost(self, year: int) -> float:
        """Ship waiting cost of every pool in a horizon year (0 outside the horizon)."""
        if year not in self.instance.years:
            return 0.0
        return sum(
            (q.params.waiting_cost or 0.0) * self.charged_wait_hours(q, year) for q in self.pools
        )

    def cap(self, year: int, area: str, cargo: str) -> float:
        """Design capacity of ``area`` in ``cargo`` in ``year``."""
        return self.capacity.get((year, area, cargo), 0.0)

    def depth(self, area: str, year: int) -> float:
        """Depth of ``area`` in ``year``: its own or that of a deepening project in service."""
        depths = [self.instance.area_by_id[area].depth_m]
        depths += [
            p.deepens_to_m
            for p in self.built
            if p.area == area and p.deepens_to_m is not None and self.in_service(p, year)
        ]
        return max(depths)

    # -- routes -------------------------------------------------------------------------------
    def is_open(self, route: Route, year: int) -> bool:
        """Whether the route is open in ``year`` (existing routes always)."""
        if route.status == "existing":
            return True
        return route.id in self.opens and self.opens[route.id] <= year

    def call_offer(self, route: Route, call: Call, year: int) -> float:
        """TEU the route offers at one call in ``year`` (0 when closed)."""
        if not self.is_open(route, year):
            return 0.0
        base = self.y0 if route.status == "existing" else self.opens[route.id]
        return route.count * call.teu * (1.0 + call.growth) ** (year - base)

    @cached_property
    def offered(self) -> dict[tuple[int, str], float]:
        """TEU offered by (year, area) within the horizon."""
        out: dict[tuple[int, str], float] = {}
        for y in self.instance.years:
            for r in self.instance.routes:
                for c in r.calls:
                    out[(y, c.area)] = out.get((y, c.area), 0.0) + self.call_offer(r, c, y)
        return out

    def route_year_cost(self, route: Route, year: int) -> float:
        """Opening and annual cost of one route in a horizon year (existing: annual only)."""
        if year not in self.instance.years or not self.is_open(route, year):
            return 0.0
        cost = route.count * route.annual_cost
        if route.status == "candidate" and self.opens[route.id] == year:
            cost += route.count * route.opening_cost
        return cost

    def route_cost(self, year: int) -> float:
        """Route costs of ``year`` over every route."""
        return sum(self.route_year_cost(r, year) for r in self.instance.routes)

    def route_discounted(self, route: Route) -> float:
        """Discounted cost of one route within the horizon."""
        d = self.instance.discount
        return sum(d(y) * self.route_year_cost(route, y) for y in self.instance.years)

    # -- volumes ------------------------------------------------------------------------------
    def areas_of(self, port: str | None) -> list[str]:
        """Areas of ``port``, or every area for the province (None)."""
        return [a for a, p in self.instance.port_of_area.items() if port is None or p == port]

    def served(self, year: int, port: str | None = None) -> float:
        """TEU served in ``year`` at the areas of ``port`` (None: the province)."""
        return sum(self.throughput.get((year, a, "container"), 0.0) for a in self.areas_of(port))

    def handled(self, year: int, areas: list[str] | tuple[str, ...], cargo: str) -> float:
        """Tonnes of ``cargo`` handled in ``year`` at ``areas``."""
        return sum(self.throughput.get((year, a, cargo), 0.0) for a in areas)

    @cached_property
    def scopes(self) -> list[Scope]:
        """The demand scopes of the instance."""
        out = []
        for (kind, ident, cargo), points in self.instance.demand_series().items():
            areas = tuple(self.areas_of(ident)) if kind == "port" else (ident,)
            out.append(Scope(kind, ident, cargo, areas, tuple(points)))
        return out

    def unserved_teu(self, year: int) -> float:
        """TEU offered but not served in ``year``, over the province."""
        offered = sum(v for (y, _), v in self.offered.items() if y == year)
        return offered - self.served(year)

    def unserved_tons(self, year: int) -> float:
        """Demand not handled in ``year``, summed over the demand scopes."""
        return sum(
            max(s.ceiling(year) - self.handled(year, s.areas, s.cargo), 0.0) for s in self.scopes
        )

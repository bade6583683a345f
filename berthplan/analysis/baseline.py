"""The rule-of-thumb baseline: capacity added by triggers, year by year (``berthplan baseline``).

How capacity is added in practice and in OpenTISim, as a plan in the usual contract, so that
``check``, ``compare`` and ``report`` read it like an optimised one. Years are visited in order;
in each year ``y``, with every decision of the earlier years kept:

1. **Committed projects** start in the first year of their window in which their
   prerequisites are completed and the budget has room (at the window's end in any case,
   before any other project of that year takes the budget).
2. **Routes.** Candidate routes a scenario forces open open in the first year they may (window,
   depth). Then, by ``routes``: ``targets`` (default) opens, for each ``new_routes`` target of
   year ``y`` (port targets first), the routes it still needs, cheapest discounted cost per
   service first; ``earliest`` opens every candidate route in the first year it may; ``none``
   opens no other route.
3. **Triggers.** A unit is the container berths of an area some route calls at (demand: the TEU
   its open routes offer) or a demand scope (a port or an area and a non-container class;
   demand: its ceiling). An optional project that may start in ``y`` (window, prerequisites
   completed by ``y - 1``, no other project of its group built, budget) and adds capacity to a
   unit looks at the unit in its in-service year ``Y = y + duration`` (within the horizon):
   with the pressure ``P = demand / usable capacity`` of the unit in ``Y`` (a queue pool's
   usable capacity is its throughput at its W/S limit, any other area's ``max_utilization`` x
   design capacity; every area of a scope at the same pressure, as the results share a
   ceiling), the unit is triggered when a pool of it would run at occupancy ``P x rho*(n)``
   above ``trigger_occupancy`` or at a W/S above ``trigger_ws`` (default: the pool's own limit),
   or when ``P`` exceeds ``trigger_utilization`` at an area without a pool. Of every (triggered
   unit, project) pair, the project with the least cost per unit of capacity relieved starts
   (cost: its discounted capex and opex, less its residual value where the instance credits
   one; relief: the usable capacity it adds to the unit in ``Y``), and the triggers are read
   again, until none fires or nothing can relieve it.
4. **Targets** (``targets``: ``all``, default; ``hard``; ``none``). While a target of ``y`` or
   later falls short with the decisions so far, of the projects due now — ``y`` is the last
   year in which they may start (window, prerequisites, budget as committed so far) and still
   be in service (``container_teu``, ``cargo_tons``) or completed (``berths_10k``) by the target
   year — and, in the target year itself, the routes that may open, the one that raises the
   target's KPI for the least cost per unit (gain capped at the shortfall) starts or opens.

The plan's status is ``feasible`` when it meets every hard target and ``infeasible`` (exit 3)
otherwise; either way it passes the independent checker before it is returned.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from berthplan.model.instance import Instance, residual_value, spend_by_year
from berthplan.model.records import CARGO_CLASSES, Target
from berthplan.model.sets import CONTAINER, FloatArray, Sets
from berthplan.results.outcome import Decisions, Outcome
from berthplan.results.plan import Plan, SolveInfo

ROUTE_RULES = ("targets", "earliest", "none")
TARGET_RULES = ("all", "hard", "none")


@dataclass(frozen=True)
class Rule:
    """The triggers and choices of the baseline (see the module docstring)."""

    trigger_occupancy: float = 0.7
    trigger_ws: float | None = None  # None: each pool's own max_wait_ratio
    trigger_utilization: float = 0.9
    routes: str = "targets"
    targets: str = "all"

    def record(self) -> dict[str, Any]:
        """As solve.json's ``options`` records it."""
        return {"rule": "trigger", **asdict(self)}


@dataclass(frozen=True)
class Unit:
    """Berths that share one demand: an area's container berths, or a demand scope."""

    name: str
    cargo: int
    areas: tuple[int, ...]
    ceiling: FloatArray | None  # per horizon year; None: the TEU offered (containers)


@dataclass(frozen=True)
class Option:
    """A decision the rule may take: start a project or open a route in a year."""

    kind: str  # "project" or "route"
    index: int
    year: int


class Planner:
    """The year-by-year rule on one instance; :meth:`run` returns the decisions."""

    def __init__(self, instance: Instance, rule: Rule, sets: Sets | None = None) -> None:
        self.inst, self.rule = instance, rule
        self.s = sets or Sets(instance)
        s = self.s
        self.starts: dict[str, int | None] = {p.id: None for p in s.projects}
        self.opens: dict[str, int | None] = {r.id: None for r in s.candidates}
        self.spent: dict[int, float] = {}
        self.caps = {b.year: b.capex for b in instance.budget}
        self.log: list[str] = []
        self.pool_of = {pair: q for q, pair in enumerate(s.pool_pairs)}
        self.units = [
            Unit(f"{s.areas[a]}/container", CONTAINER, (int(a),), None) for a in s.called_areas
        ] + [
            Unit(
                f"{sc.id}/{CARGO_CLASSES[sc.cargo]}",
                sc.cargo,
                tuple(map(int, sc.areas)),
                sc.ceiling,
            )
            for sc in s.scopes
        ]

    # -- state ------------------------------------------------------------------------------
    def decisions(self) -> Decisions:
        return Decisions(dict(self.starts), dict(self.opens))

    def outcome(self, extra: Option | None = None) -> Outcome:
        """The outcome of the decisions so far (with ``extra`` taken too, if given)."""
        d = self.decisions()
        if extra is not None and extra.kind == "project":
            d = replace(d, starts=d.starts | {self.s.projects[extra.index].id: extra.year})
        elif extra is not None:
            d = replace(d, opens=d.opens | {self.s.candidates[extra.index].id: extra.year})
        return Outcome(self.s, d)

    def take(self, option: Option, why: str) -> None:
        """Start the project or open the route of ``option``, and log why."""
        if option.kind == "project":
            p = self.s.projects[option.index]
            self.starts[p.id] = option.year
            for y, amount in spend_by_year(p, option.year).items():
                self.spent[y] = self.spent.get(y, 0.0) + amount
            self.log.append(f"{option.year}: start {p.id} ({why})")
        else:
            r = self.s.candidates[option.index]
            self.opens[r.id] = option.year
            self.log.append(f"{option.year}: open {r.id} ({why})")

    # -- what may be done -------------------------------------------------------------------
    def startable(self, j: int, y: int) -> bool:
        """Project ``j`` may start in ``y``: window, skip, group, prerequisites, budget."""
        p, inst = self.s.projects[j], self.inst
        lo, hi = inst.start_window(p)
        if self.starts[p.id] is not None or p.decision == "skip" or not lo <= y <= hi:
            return False
        if p.group is not None and any(
            q.group == p.group and self.starts[q.id] is not None for q in self.s.projects
        ):
            return False
        for req in p.requires:
            done = self.starts[req]
            if done is None or done + inst.project_by_id[req].duration - 1 > y - 1:
                return False
        return all(
            self.spent.get(t, 0.0) + amount <= self.caps[t] * (1 + 1e-12)
            for t, amount in spend_by_year(p, y).items()
            if t in self.caps and t >= self.s.y0
        )

    def openable(self, r: int, y: int, o: Outcome) -> bool:
        """Candidate route ``r`` may open in ``y``: window, skip, depth at every call."""
        route = self.s.candidates[r]
        lo, hi = self.inst.open_window(route)
        if self.opens[route.id] is not None or route.decision == "skip" or not lo <= y <= hi:
            return False
        return all(
            self._deep(self.s.area_index[c.area], route.min_depth_m, y, o) for c in route.calls
        )

    def _deep(self, a: int, need: float, y: int, o: Outcome) -> bool:
        s = self.s
        if s.depth[a] >= need:
            return True
        yi = y - s.y0
        return any(
            o.in_service[j, yi] and (p.deepens_to_m or 0.0) >= need
            for j, p in enumerate(s.projects)
            if s.p_area[j] == a
        )

    # -- costs --------------------------------------------------------------------------------
    def cost(self, option: Option) -> float:
        """What the option adds to the objective (discounted), before its effect on volumes."""
        s, inst, y = self.s, self.inst, option.year
        if option.kind == "route":
            r = s.candidates[option.index]
            on = s.discount[s.years >= y].sum()
            return r.count * (r.opening_cost * inst.discount(y) + r.annual_cost * float(on))
        p = s.projects[option.index]
        capex = sum(a * inst.discount(t) for t, a in spend_by_year(p, y).items() if t >= s.y0)
        opex = p.opex * float(s.discount[s.years >= y + p.duration].sum())
        credit = 0.0
        if inst.residual_value:
            credit = inst.discount(s.y1 + 1) * residual_value(p, y, s.y1)
        return capex + opex - credit

    # -- the yearly steps ---------------------------------------------------------------------
    def run(self) -> Decisions:
        """Visit every year in order; the decisions the rule takes."""
        for j, p in enumerate(self.s.projects):
            if p.stage == "ongoing":
                self.take(Option("project", j, self.inst.start_window(p)[0]), "ongoing")
        for y in self.s.years.tolist():
            self._committed(y)
            self._routes(y)
            self._triggers(y)
            self._targets(y)
        return self.decisions()

    def _committed(self, y: int) -> None:
        """Committed projects whose window ends in ``y`` start (first: they must), then those
        whose window is open, where prerequisites and the budget allow."""
        waiting = [
            j
            for j, p in enumerate(self.s.projects)
            if p.committed and self.starts[p.id] is None and self.inst.start_window(p)[0] <= y
        ]
        last = [j for j in waiting if self.inst.start_window(self.s.projects[j])[1] <= y]
        for j in last:
            self.take(Option("project", j, y), "committed, last year of its window")
        for j in waiting:
            if j not in last and self.startable(j, y):
                self.take(Option("project", j, y), "committed")

    def _routes(self, y: int) -> None:
        s = self.s
        for r, route in enumerate(s.candidates):
            forced = route.decision == "open" or self.rule.routes == "earliest"
            if forced and self.openable(r, y, self.outcome()):
                self.take(
                    Option("route", r, y), "forced open" if route.decision == "open" else "earliest"
                )
        if self.rule.routes != "targets":
            return
        due = [t for t in self.inst.targets if t.metric == "new_routes" and t.year == y]
        for t in sorted((t for t in due if self._repairs(t)), key=lambda t: t.port is None):
            while self._opened(t) < t.value:
                o = self.outcome()
                options = [
                    Option("route", r, y)
                    for r in range(len(s.candidates))
                    if self.openable(r, y, o)
                    and (t.port is None or s.ports.index(t.port) in s.route_ports[r])
                ]
                if not options:
                    break
                best = min(options, key=lambda k: self.cost(k) / s.candidates[k.index].count)
                self.take(best, f"new_routes target {t.value:g} in {y}")

    def _opened(self, t: Target) -> float:
        s = self.s
        port = None if t.port is None else s.ports.index(t.port)
        return float(
            sum(
                r.count
                for i, r in enumerate(s.candidates)
                if self.opens[r.id] == t.year and (port is None or port in s.route_ports[i])
            )
        )

    def _repairs(self, t: Target) -> bool:
        return self.rule.targets == "all" or (self.rule.targets == "hard" and t.hard)

    def _triggers(self, y: int) -> None:
        s = self.s
        for _ in range(len(s.projects)):
            o = self.outcome()
            best: tuple[float, int, str] | None = None
            seen: dict[tuple[int, int], str | None] = {}
            for j, p in enumerate(s.projects):
                year = y + p.duration
                if p.committed or year > s.y1 or not self.startable(j, y):
                    continue
                for u, unit in enumerate(self.units):
                    relief = self._relief(unit, j, year, o)
                    if relief <= 0:
                        continue
                    if (u, year) not in seen:
                        seen[(u, year)] = self._pressure(unit, year, o)
                    why = seen[(u, year)]
                    score = self.cost(Option("project", j, y)) / relief
                    if why is not None and (best is None or score < best[0]):
                        best = (score, j, why)
            if best is None:
                return
            self.take(Option("project", best[1], y), best[2])

    def _demand(self, unit: Unit, yi: int, o: Outcome) -> float:
        if unit.ceiling is None:
            return float(o.offered[unit.areas[0], yi])
        return float(unit.ceiling[yi])

    def _pressure(self, unit: Unit, year: int, o: Outcome) -> str | None:
        """Why ``unit`` is triggered in ``year`` (None: it is not)."""
        yi, c, rule = year - self.s.y0, unit.cargo, self.rule
        demand = self._demand(unit, yi, o)
        usable = float(sum(o.usable[a, c, yi] for a in unit.areas))
        if demand <= 0:
            return None
        if usable <= 0:
            return f"{unit.name}: demand {demand:,.0f} and no capacity in {year}"
        pressure = demand / usable
        for a in unit.areas:
            q = self.pool_of.get((a, c))
            if q is None:
                if o.usable[a, c, yi] > 0 and pressure > rule.trigger_utilization:
                    return f"{unit.name}: utilisation {pressure:.3f} > {rule.trigger_utilization:g} in {year}"
                continue
            pool, n = self.s.pools[q], int(o.pool_berths[q, yi])
            if n == 0:
                continue
            rho = pressure * pool.max_occupancy(n)
            limit = (
                rule.trigger_ws
                if rule.trigger_ws is not None
                else float(pool.params.max_wait_ratio or 0)
            )
            if rho >= 1:
                return f"{pool.id}: occupancy {rho:.3f} >= 1 in {year}"
            if rho > rule.trigger_occupancy:
                return f"{pool.id}: occupancy {rho:.3f} > {rule.trigger_occupancy:g} in {year}"
            ws = pool.wait_ratio(n, pressure * pool.capacity(n))
            if ws > limit * (1 + 1e-9):
                return f"{pool.id}: W/S {ws:.3f} > {limit:g} in {year}"
        return None

    def _relief(self, unit: Unit, j: int, year: int, o: Outcome) -> float:
        """Usable capacity project ``j`` adds to ``unit`` in ``year`` (0: none)."""
        s, c, a = self.s, unit.cargo, int(self.s.p_area[j])
        if a not in unit.areas or s.p_cap[j, c] <= 0:
            return 0.0
        q = self.pool_of.get((a, c))
        if q is None:
            return float(s.util[c] * s.p_cap[j, c])
        pool, n = s.pools[q], int(o.pool_berths[q, year - s.y0])
        return pool.capacity(n + int(s.pool_adds[q, j])) - pool.capacity(n)

    def _targets(self, y: int) -> None:
        s = self.s
        for _ in range(len(s.projects) + len(s.candidates)):
            o = self.outcome()
            best: tuple[float, Option, str] | None = None
            for t in self.inst.targets:
                short = o.shortfall(t)
                if t.metric == "new_routes" or t.year < y or short <= 0 or not self._repairs(t):
                    continue
                for option in self._due(t, y, o):
                    gain = min(self.outcome(option).achieved(t) - o.achieved(t), short)
                    if gain <= 1e-9 * max(1.0, t.value):
                        continue
                    score = self.cost(option) / gain
                    if best is None or score < best[0]:
                        where = t.port or "province"
                        best = (score, option, f"{t.metric} ({where}) {t.value:g} in {t.year}")
            if best is None:
                return
            self.take(best[1], best[2])

    def _due(self, t: Target, y: int, o: Outcome) -> list[Option]:
        """The options that must be taken in ``y`` to help ``t`` (just in time)."""
        s, out = self.s, []
        slack = 1 if t.metric == "berths_10k" else 0  # completed by the end of the year counts
        for j, p in enumerate(s.projects):
            due = min(self.inst.start_window(p)[1], t.year - p.duration + slack)
            later = range(y + 1, due + 1)  # a later start that still makes it, if one may
            if due >= y and self.startable(j, y) and not any(self.startable(j, v) for v in later):
                out.append(Option("project", j, y))
        if t.metric in ("container_teu", "cargo_tons") and t.year == y:
            out += [
                Option("route", r, y) for r in range(len(s.candidates)) if self.openable(r, y, o)
            ]
        return out


def baseline(instance: Instance, rule: Rule | None = None) -> Plan:
    """The rule-of-thumb plan of ``instance`` (module docstring), checked like a solved plan.

    Returns
    -------
    Plan
        Status ``feasible`` when every hard target is met, ``infeasible`` otherwise; backend
        ``baseline``, the rule in ``options``, the decisions taken and why in ``solver.log``.
    """
    rule = rule or Rule()
    t0 = time.perf_counter()
    planner = Planner(instance, rule)
    decisions = planner.run()
    o = Outcome(planner.s, decisions)
    info = SolveInfo(
        status="infeasible" if o.missed() else "feasible",
        backend="baseline",
        options=rule.record(),
        wall_time=time.perf_counter() - t0,
        log="\n".join(planner.log) + "\n",
    )
    plan = Plan(instance, decisions, info, sets=planner.s)
    if not math.isfinite(plan.objective):
        raise ValueError(f"baseline: the plan's cost is not finite ({plan.objective})")
    return plan


__all__ = ["ROUTE_RULES", "TARGET_RULES", "Planner", "Rule", "baseline"]

"""Demand and the reference schedule the targets and budgets are set from.

The reference schedule is a plan the generator builds itself, respecting every structural
constraint of the model (start windows, requires, groups, depth); the targets and budgets are
then set from that schedule's own KPIs and capex (:mod:`berthplan.generator.targets`), as
computed by :class:`~berthplan.results.outcome.Outcome`, so the schedule is feasible and the
instance with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from berthplan.generator import calibration as cal
from berthplan.generator.draft import Draft
from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES, Project
from berthplan.model.sets import CONTAINER, FloatArray, Sets
from berthplan.results.outcome import Decisions, Outcome


def build_demand(d: Draft) -> None:
    """Demand ceilings per port and non-container class, growing past existing capacity.

    The first year's demand is 85-100 % of the port's usable capacity in the class and grows
    0.5-3 %/yr (Liaoning: cargo targets +1.8 %/yr), so capacity runs short in some classes
    and ports. A class the port has no berths for yet (say LNG) ramps from 0 to 30-70 % of the
    usable capacity its projects could add, like the Yingkou LNG demand.
    """
    n = d.knobs.years
    exist: dict[tuple[int, str], float] = {}
    addable: dict[tuple[int, str], float] = {}
    area_port = {a.id: a.port for a in d.areas}
    for b in d.berths:
        key = (area_port[b["area"]], b["cargo"])
        exist[key] = exist.get(key, 0.0) + b["count"] * b["capacity"]
    for p in d.projects:
        for b in p.get("adds", []):
            key = (area_port[p["area"]], b["cargo"])
            addable[key] = addable.get(key, 0.0) + b["count"] * b["capacity"]
    mid = d.y0 + (n - 1) // 2
    years = sorted({d.y0, mid, d.y1}) if n >= 4 else sorted({d.y0, d.y1})
    for port, rec in enumerate(d.ports):
        for cargo in CARGO_CLASSES:
            if cargo == "container":
                continue
            u = cal.MAX_UTILIZATION[cargo]
            e = u * exist.get((port, cargo), 0.0)
            a = u * addable.get((port, cargo), 0.0)
            if e <= 0 and a <= 0:
                continue
            if e > 0:
                base, growth = e * d.uniform(0.85, 1.0), d.uniform(0.005, 0.03)
                points = [(y, base * (1 + growth) ** (y - d.y0)) for y in years]
            else:
                end = a * d.uniform(0.3, 0.7)
                points = [(y, end * (y - d.y0) / max(n - 1, 1)) for y in (d.y0, d.y1)]
            for y, value in points:
                d.demand.append(
                    {"port": rec["id"], "cargo": cargo, "year": y, "value": round(value, -4)}
                )


@dataclass
class Reference:
    """The reference schedule and what it implies."""

    decisions: Decisions
    outcome: Outcome
    optional_built: int
    routes_opened: int


class _Capacity:
    """Usable capacity per area, class and year of the schedule so far, and the need for more."""

    def __init__(self, inst: Instance) -> None:
        self.s = s = Sets(inst)
        self.cap = np.repeat(s.cap0[:, :, None], s.ny, axis=2)
        self.scope_of = {(int(a), sc.cargo): k for k, sc in enumerate(s.scopes) for a in sc.areas}

    def add(self, j: int, start: int) -> None:
        s = self.s
        on = s.years >= start + int(s.duration[j])
        self.cap[s.p_area[j]] += s.p_cap[j][:, None] * on[None, :]

    def need(self, j: int, cargo: int) -> FloatArray:
        """(nY) volume short of demand (or of the existing routes' TEU) in the project's class."""
        s = self.s
        a = int(s.p_area[j])
        u = s.util[cargo]
        if cargo == CONTAINER:
            return np.asarray(s.offered0[a] - u * self.cap[a, cargo])
        k = self.scope_of.get((a, cargo))
        if k is None:
            return np.zeros(s.ny)
        scope = s.scopes[k]
        return np.asarray(scope.ceiling - u * self.cap[scope.areas, cargo].sum(axis=0))


def reference_schedule(d: Draft, inst: Instance) -> Reference:
    """A feasible schedule that builds where demand outgrows capacity, and opens routes.

    Committed projects start in their windows. Deepening projects are taken with probability
    0.7 and breakwaters 0.5, early in their windows. Berth projects are then considered
    cheapest first (capex per unit of usable capacity added), in passes so that a project is
    decided only after its prerequisites: one is a candidate if its group is still free, every
    prerequisite is scheduled and some start in its window, no earlier than each
    prerequisite's completion year + 1, completes within the horizon; it is built with
    probability 0.85 where its class's demand (containers: the existing routes' TEU) will
    exceed usable capacity by a quarter of what it adds, starting up to :data:`EARLY` years
    before the shortage begins, and with probability 0.02 otherwise. Then the cheapest
    projects per 10k-t berth are added until the berths grow 1-2 %/yr over the committed ones
    (:func:`_cheap_berths`), and at least one optional 10k-t berth project is built. A
    candidate route opens in a year of its window no earlier than the in-service year of a
    scheduled deepening project giving each shallow call the route's minimum depth, with
    probability 0.75 where container capacity then has room for half its volume and 0.2
    otherwise.

    Choosing the cheapest projects and starting them early keeps the schedule close to what
    an optimum builds but ahead of it in time, so the budgets set from its capex hold the
    optimum back (discounting pulls it toward later starts).
    """
    cap = _Capacity(inst)
    s = cap.s
    starts: dict[str, int | None] = {p.id: None for p in inst.projects}
    decided: set[str] = set()
    group_used: set[str] = set()
    for j, p in enumerate(inst.projects):
        if p.committed:
            lo, hi = inst.start_window(p)
            starts[p.id] = start = d.integer(lo, hi)
            cap.add(j, start)
            decided.add(p.id)
    structural = [j for j, p in enumerate(inst.projects) if not p.committed and not p.adds]
    berth = [j for j, p in enumerate(inst.projects) if not p.committed and p.adds]
    berth.sort(key=lambda j: (_unit_cost(cap, j), j))
    for todo in (structural, berth):
        for _ in range(6):
            pending = []
            for j in todo:
                state = _consider(d, inst, cap, j, starts, decided, group_used)
                if state == "pending":
                    pending.append(j)
            if not pending or len(pending) == len(todo):
                break
            todo = pending
    _cheap_berths(d, inst, cap, starts, decided, group_used)
    if not any(
        starts[p.id] is not None and p.berths_10k() for p in inst.projects if not p.committed
    ):
        _force_one(d, inst, starts, group_used)
    opens = _open_routes(d, inst, s, starts)
    decisions = Decisions(starts, opens)
    outcome = Outcome(s, decisions)
    built = sum(1 for p in inst.projects if not p.committed and starts[p.id] is not None)
    return Reference(decisions, outcome, built, sum(1 for t in opens.values() if t is not None))


def _cheap_berths(
    d: Draft,
    inst: Instance,
    cap: _Capacity,
    starts: dict[str, int | None],
    decided: set[str],
    group_used: set[str],
) -> None:
    """Grow the 10k-t berths to a goal with the cheapest projects per berth, as a planner would.

    The goal is 1-2 %/yr over the committed berths (Liaoning's targets: 260 to 295 in 7 years).
    """
    b10 = cap.s.b10
    y1 = d.y1
    existing = cap.s.berths10_existing()
    now = existing + sum(b10[j] for j, p in enumerate(inst.projects) if starts[p.id] is not None)
    committed = existing + sum(b10[j] for j, p in enumerate(inst.projects) if p.committed)
    goal = committed * (1 + d.uniform(0.01, 0.02)) ** (y1 - d.y0)
    order = sorted(
        (
            j
            for j, p in enumerate(inst.projects)
            if not p.committed and b10[j] > 0 and starts[p.id] is None
        ),
        key=lambda j: (inst.projects[j].capex / b10[j], j),
    )
    for j in order:
        if now >= goal:
            return
        p = inst.projects[j]
        if p.group is not None and p.group in group_used:
            continue
        if any(starts.get(r) is None for r in p.requires):
            continue
        lo, hi = inst.start_window(p)
        lo = max([lo] + [int(starts[r] or 0) + inst.project_by_id[r].duration for r in p.requires])
        hi = min(hi, y1 - p.duration + 1)
        if lo > hi or not d.chance(0.9):
            continue
        starts[p.id] = start = d.integer(lo, hi)
        decided.add(p.id)
        cap.add(j, start)
        now += b10[j]
        if p.group is not None:
            group_used.add(p.group)


def _unit_cost(cap: _Capacity, j: int) -> float:
    p = cap.s.projects[j]
    cargo = CARGO_CLASSES.index(p.adds[0].cargo)
    return float(p.capex / max(cap.s.util[cargo] * cap.s.p_cap[j, cargo], 1e-9))


def _consider(
    d: Draft,
    inst: Instance,
    cap: _Capacity,
    j: int,
    starts: dict[str, int | None],
    decided: set[str],
    group_used: set[str],
) -> str:
    """Decide project ``j`` (``"pending"`` while a prerequisite is undecided)."""
    p = inst.projects[j]
    if any(r not in decided for r in p.requires):
        return "pending"
    decided.add(p.id)
    if p.group is not None and p.group in group_used:
        return "skip"
    pre = [starts[r] for r in p.requires]
    if any(x is None for x in pre):
        return "skip"
    lo, hi = inst.start_window(p)
    lo = max(
        [lo]
        + [
            int(x or 0) + inst.project_by_id[r].duration
            for x, r in zip(pre, p.requires, strict=True)
        ]
    )
    hi = min(hi, d.y1 - p.duration + 1)
    if lo > hi:
        return "skip"
    start = _choose_start(d, cap, j, p, lo, hi)
    if start is None:
        return "skip"
    starts[p.id] = start
    cap.add(j, start)
    if p.group is not None:
        group_used.add(p.group)
    return "built"


EARLY = 2
"""Up to this many years before its class runs short a needed project starts (ahead of time:
discounting pulls the optimum later, and the budgets, set from this schedule, hold it back)."""


def _choose_start(d: Draft, cap: _Capacity, j: int, p: Project, lo: int, hi: int) -> int | None:
    if not p.adds:  # deepening or breakwater: early, so what needs it can follow
        if not d.chance(0.7 if p.deepens_to_m is not None else 0.5):
            return None
        return d.integer(lo, min(hi, lo + 2))
    cargo = CARGO_CLASSES.index(p.adds[0].cargo)
    adds = cap.s.util[cargo] * cap.s.p_cap[j, cargo]
    need = cap.need(j, cargo)
    short = [y for y in range(lo + p.duration, d.y1 + 1) if need[y - d.y0] > 0.25 * adds]
    if short and d.chance(0.85):
        first = max(lo, short[0] - p.duration - d.integer(0, EARLY))
        return min(first, hi)
    if d.chance(0.02):
        return d.integer(lo, hi)
    return None


def _force_one(d: Draft, inst: Instance, starts: dict[str, int | None], used: set[str]) -> None:
    """Schedule one optional project adding 10k-t berths, so the berth targets need it."""
    for p in inst.projects:
        if p.committed or not p.berths_10k() or p.requires:
            continue
        if p.group is not None and p.group in used:
            continue
        lo, hi = inst.start_window(p)
        hi = min(hi, d.y1 - p.duration + 1)
        if lo <= hi:
            starts[p.id] = d.integer(lo, hi)
            if p.group is not None:
                used.add(p.group)
            return


def _open_routes(
    d: Draft, inst: Instance, s: Sets, starts: dict[str, int | None]
) -> dict[str, int | None]:
    cap = s.cap0[:, CONTAINER][:, None] * np.ones(s.ny)
    deep_ready: dict[str, list[tuple[float, int]]] = {}
    for j, p in enumerate(inst.projects):
        t = starts[p.id]
        if t is None:
            continue
        on = s.years >= t + p.duration
        cap[s.area_index[p.area]] += s.p_cap[j, CONTAINER] * on
        if p.deepens_to_m is not None:
            deep_ready.setdefault(p.area, []).append((p.deepens_to_m, t + p.duration))
    usable = s.util[CONTAINER] * cap
    offered = s.offered0.copy()
    opens: dict[str, int | None] = {}
    for route in s.candidates:
        opens[route.id] = None
        lo, hi = inst.open_window(route)
        for call in route.calls:
            if inst.area_by_id[call.area].depth_m < route.min_depth_m:
                ready = [
                    y for depth, y in deep_ready.get(call.area, []) if depth >= route.min_depth_m
                ]
                lo = max(lo, min(ready)) if ready else hi + 1
        if lo > hi:
            continue
        t = d.integer(lo, hi)
        yi = t - d.y0
        rows = [s.area_index[c.area] for c in route.calls]
        room = min(
            usable[a, yi] - offered[a, yi] - 0.5 * c.teu * route.count
            for a, c in zip(rows, route.calls, strict=True)
        )
        if not d.chance(0.75 if room >= 0 else 0.2):
            continue
        opens[route.id] = t
        for a, c in zip(rows, route.calls, strict=True):
            grow = (1.0 + c.growth) ** np.maximum(s.years - t, 0)
            offered[a] += np.where(s.years >= t, route.count * c.teu * grow, 0.0)
    return opens

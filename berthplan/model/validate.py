"""Cross-record rules of an instance: references, ids, cycles, windows, budgets.

Pydantic checks each field; the rules here need several records at once. They run on a full
:class:`~berthplan.model.instance.Instance` or, when some fields failed, on the records that did
validate (:func:`~berthplan.model.validated.records_from_raw`), so one read reports every
error. Each rule yields ``(path, message)`` with ``path`` into the raw document (list positions
as ints).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from berthplan.errors import Path
from berthplan.model import records as rec
from berthplan.model.instance import Instance, open_window, spend_by_year, start_window
from berthplan.model.service_rules import service_levels
from berthplan.model.validated import Records, records_from_instance

Found = Iterator[tuple[Path, str]]
SPEND_TOL = 1e-6


# -- the rules -------------------------------------------------------------------------------


def duplicate_ids(r: Records) -> Found:
    sections: list[tuple[str, list[tuple[Path, str]]]] = [
        ("port", [(("ports", i, "id"), p.id) for i, p in r.ports]),
        ("area", [((*path, "id"), a.id) for path, a in r.areas]),
        ("berth", [(("berths", i, "id"), b.id) for i, b in r.berths]),
        ("project", [(("projects", i, "id"), p.id) for i, p in r.projects]),
        ("route", [(("routes", i, "id"), x.id) for i, x in r.routes]),
    ]
    for kind, items in sections:
        counts = Counter(ident for _, ident in items)
        seen: set[str] = set()
        folded: dict[str, str] = {}
        for path, ident in items:
            if counts[ident] > 1 and ident in seen:
                yield path, f"duplicate {kind} id '{ident}'"
            elif ident.casefold() in folded and folded[ident.casefold()] != ident:
                other = folded[ident.casefold()]
                yield path, f"{kind} id '{ident}' differs from '{other}' only in case"
            seen.add(ident)
            folded.setdefault(ident.casefold(), ident)


def unknown_references(r: Records) -> Found:
    for i, b in r.berths:
        if b.area not in r.area_ids:
            yield ("berths", i, "area"), f"unknown area '{b.area}'"
    for i, p in r.projects:
        if p.area not in r.area_ids:
            yield ("projects", i, "area"), f"unknown area '{p.area}'"
        for k, req in enumerate(p.requires):
            if req == p.id:
                yield ("projects", i, "requires", k), "a project cannot require itself"
            elif req not in r.project_ids:
                yield ("projects", i, "requires", k), f"unknown project '{req}'"
    for i, route in r.routes:
        for k, call in enumerate(route.calls):
            if call.area not in r.area_ids:
                yield ("routes", i, "calls", k, "area"), f"unknown area '{call.area}'"
    for i, d in r.demand:
        if d.port is not None and d.port not in r.port_ids:
            yield ("demand", i, "port"), f"unknown port '{d.port}'"
        if d.area is not None and d.area not in r.area_ids:
            yield ("demand", i, "area"), f"unknown area '{d.area}'"
    for i, t in r.targets:
        if t.port is not None and t.port not in r.port_ids:
            yield ("targets", i, "port"), f"unknown port '{t.port}'"


def requires_cycles(r: Records) -> Found:
    graph = {p.id: [q for q in p.requires if q != p.id] for _, p in r.projects}
    index = {p.id: i for i, p in r.projects}
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    reported: set[frozenset[str]] = set()

    def visit(start: str) -> Iterator[list[str]]:
        # Depth-first with an explicit stack: a chain of thousands of requires must not
        # overflow Python's recursion limit.
        state[start] = 1
        stack, todo = [start], [iter(graph.get(start, []))]
        while todo:
            for nxt in todo[-1]:
                if state.get(nxt) == 1:
                    yield [*stack[stack.index(nxt) :], nxt]
                elif nxt in graph and nxt not in state:
                    state[nxt] = 1
                    stack.append(nxt)
                    todo.append(iter(graph.get(nxt, [])))
                    break
            else:
                todo.pop()
                state[stack.pop()] = 2

    for start in graph:
        if start not in state:
            for cycle in visit(start):
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield (
                        ("projects", index[cycle[0]], "requires"),
                        "cycle in requires: " + _chain(cycle),
                    )


def _chain(cycle: list[str]) -> str:
    """A cycle as ``a -> b -> a``; a long one shortened to its ends (one line stays readable)."""
    if len(cycle) <= 12:
        return " -> ".join(cycle)
    hidden = len(cycle) - 10
    return " -> ".join([*cycle[:5], f"... ({hidden} more)", *cycle[-5:]])


def _default_window(p: rec.Project) -> bool:
    return (
        p.stage == "preliminary"
        and p.ready_year is None
        and p.earliest_start is None
        and p.latest_start is None
    )


def start_windows(r: Records) -> Found:
    h = r.horizon
    for i, p in r.projects:
        loc = ("projects", i)
        if p.stage == "ongoing":
            if p.start is None:
                yield (*loc, "start"), "an ongoing project needs its start year"
                continue
            if p.decision == "skip":
                yield (*loc, "decision"), "an ongoing project is committed; it cannot be skipped"
            for f in ("earliest_start", "latest_start", "ready_year"):
                if getattr(p, f) is not None:
                    yield (*loc, f), f"an ongoing project has a fixed start; {f} does not apply"
            if h is not None and p.start > h.end:
                yield (
                    (*loc, "start"),
                    f"ongoing project starts in {p.start}, after the horizon ends ({h.end})",
                )
            if h is not None and p.start + p.duration - 1 < h.start:
                yield (
                    (*loc, "start"),
                    (
                        f"completed in {p.start + p.duration - 1}, before the horizon starts ({h.start}): "
                        "list its berths under berths instead"
                    ),
                )
            continue
        if p.start is not None:
            yield (
                (*loc, "start"),
                f"start is for ongoing projects; a {p.stage} project uses earliest_start/latest_start",
            )
        if h is None:
            continue
        lo, hi = start_window(h, p)
        if lo > hi and _default_window(p) and h.end == h.start:
            continue  # a one-year horizon leaves a preliminary project no start: never built
        if lo > hi:
            yield (*loc, "latest_start"), f"empty start window: earliest {lo}, latest {hi}"
        elif lo < h.start or hi > h.end:
            yield (
                (*loc, "earliest_start" if lo < h.start else "latest_start"),
                (f"start window {lo}-{hi} is outside the horizon {h.start}-{h.end}"),
            )


def spend_profiles(r: Records) -> Found:
    for i, p in r.projects:
        if p.spend is None:
            continue
        loc = ("projects", i, "spend")
        if len(p.spend) != p.duration:
            yield loc, f"spend has {len(p.spend)} shares for a duration of {p.duration} years"
        if any(s < 0 for s in p.spend):
            yield loc, "spend shares must not be negative"
        if abs(sum(p.spend) - 1.0) > SPEND_TOL:
            yield loc, f"spend shares sum to {sum(p.spend):.6g}, not 1"


def groups(r: Records) -> Found:
    committed: dict[str, list[tuple[int, str]]] = {}
    for i, p in r.projects:
        if p.group is not None and p.committed:
            committed.setdefault(p.group, []).append((i, p.id))
    for g, members in committed.items():
        if len(members) > 1:
            names = ", ".join(pid for _, pid in members)
            yield (
                ("projects", members[1][0], "group"),
                f"group '{g}' has more than one committed project ({names})",
            )


def routes(r: Records) -> Found:
    h = r.horizon
    reach: dict[str, float] = {a.id: a.depth_m for _, a in r.areas}
    now = dict(reach)
    for _, p in r.projects:
        if p.deepens_to_m is not None and p.area in reach:
            reach[p.area] = max(reach[p.area], p.deepens_to_m)
    for i, route in r.routes:
        loc = ("routes", i)
        areas = Counter(c.area for c in route.calls)
        for k, call in enumerate(route.calls):
            if areas[call.area] > 1:
                yield (*loc, "calls", k, "area"), f"the route calls at '{call.area}' more than once"
                areas[call.area] = 1
        if route.status == "existing":
            if route.decision != "free":
                yield (
                    (*loc, "decision"),
                    "an existing route is open throughout; decision does not apply",
                )
            for f in ("earliest_open", "latest_open"):
                if getattr(route, f) is not None:
                    yield (*loc, f), f"an existing route is open throughout; {f} does not apply"
            for call in route.calls:
                if call.area in now and now[call.area] < route.min_depth_m:
                    yield (
                        (*loc, "min_depth_m"),
                        (
                            f"existing route needs {route.min_depth_m:g} m but area '{call.area}' "
                            f"is {now[call.area]:g} m deep"
                        ),
                    )
            continue
        for call in route.calls:
            if call.area in reach and reach[call.area] < route.min_depth_m:
                yield (
                    (*loc, "min_depth_m"),
                    (
                        f"needs {route.min_depth_m:g} m but area '{call.area}' can reach at most "
                        f"{reach[call.area]:g} m, even with its deepening projects: the route can never open"
                    ),
                )
        if h is not None:
            lo, hi = open_window(h, route)
            if lo > hi:
                yield (*loc, "latest_open"), f"empty opening window: earliest {lo}, latest {hi}"
            elif lo < h.start or hi > h.end:
                yield (
                    (*loc, "earliest_open" if lo < h.start else "latest_open"),
                    (f"opening window {lo}-{hi} is outside the horizon {h.start}-{h.end}"),
                )


def demand(r: Records) -> Found:
    scopes: set[tuple[str, str]] = set()
    seen: set[tuple[str | None, str | None, str, int]] = set()
    for i, d in r.demand:
        if d.cargo == "container":
            yield (
                ("demand", i, "cargo"),
                (
                    "container volumes come from routes; demand ceilings are for the other cargo classes"
                ),
            )
        key = (d.port, d.area, d.cargo, d.year)
        if key in seen:
            yield (
                ("demand", i, "year"),
                f"a second {d.cargo} demand point for {d.year} in the same scope",
            )
        seen.add(key)
        if d.port is not None:
            scopes.add((d.port, d.cargo))
    for i, d in r.demand:
        port = r.port_of_area.get(d.area) if d.area is not None else None
        if port is not None and (port, d.cargo) in scopes:
            yield (
                ("demand", i, "area"),
                (
                    f"{d.cargo} demand is given both for port '{port}' and its area '{d.area}'; give one scope"
                ),
            )


def targets(r: Records) -> Found:
    h = r.horizon
    seen: set[tuple[int, str, str | None]] = set()
    for i, t in r.targets:
        if h is not None and not h.start <= t.year <= h.end:
            yield (
                ("targets", i, "year"),
                f"target year {t.year} is outside the horizon {h.start}-{h.end}",
            )
        key = (t.year, t.metric, t.port)
        if key in seen:
            yield (
                ("targets", i, "metric"),
                f"a second {t.metric} target for {t.year} in the same scope",
            )
        seen.add(key)


def budget(r: Records) -> Found:
    h = r.horizon
    seen: set[int] = set()
    for i, b in r.budget:
        if h is not None and not h.start <= b.year <= h.end:
            yield (
                ("budget", i, "year"),
                f"budget year {b.year} is outside the horizon {h.start}-{h.end}",
            )
        if b.year in seen:
            yield ("budget", i, "year"), f"a second budget for {b.year}"
        seen.add(b.year)


def committed_overruns(inst: Instance) -> list[tuple[int, float, float]]:
    """Years whose budget the committed projects with a fixed start overspend by themselves.

    Not a validation error: a valid instance (or a what-if that cuts a budget or raises capex)
    may ask for it, and the answer is that no plan exists (exit 3) with this explanation.

    Returns
    -------
    list of (year, committed spend, budget)
    """
    fixed: dict[int, float] = {}
    for p in inst.projects:
        lo, hi = start_window(inst.horizon, p)
        if p.committed and lo == hi and (p.spend is None or len(p.spend) == p.duration):
            for y, amount in spend_by_year(p, lo).items():
                fixed[y] = fixed.get(y, 0.0) + amount
    return [
        (b.year, fixed.get(b.year, 0.0), b.capex)
        for b in inst.budget
        if fixed.get(b.year, 0.0) > b.capex * (1 + 1e-9) + 1e-9
    ]


RULES = (
    duplicate_ids,
    unknown_references,
    requires_cycles,
    start_windows,
    spend_profiles,
    groups,
    routes,
    demand,
    targets,
    budget,
    service_levels,
)


def cross_check(source: Instance | Records | None) -> list[tuple[Path, str]]:
    """Every cross-record problem of an instance (or of the records that validated)."""
    if source is None:
        return []
    r = records_from_instance(source) if isinstance(source, Instance) else source
    return [found for rule in RULES for found in rule(r)]

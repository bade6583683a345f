"""Construction projects: berths by area archetype, deepening, breakwaters, phases, options.

Structure mirrors the Liaoning plan: deepening projects that deep-sea routes need, channel
deepening that big crude and ore berths require, breakwaters that shelter later berths,
phase II / III projects that require the phase before (``requires`` only ever points to an
earlier project, so the chains are acyclic), and groups of mutually exclusive options at one
area (a new build or a cheaper conversion). Stages: ~10 % ongoing, ~8 % new (committed, never
in a group, never requiring anything), ~42 % preliminary, the rest candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

from berthplan.generator import calibration as cal
from berthplan.generator.draft import AreaInfo, Draft, Rec, step, whole
from berthplan.generator.network import container_capacity
from berthplan.model.instance import start_window
from berthplan.model.records import Horizon, Project

ROMAN = ("", "", " phase II", " phase III", " phase IV")


@dataclass
class Meta:
    """Generator-side facts of a project."""

    kind: str
    area: AreaInfo
    role: str  # base, deepening, channel, breakwater, phase, option


def _opex(
    d: Draft, capex: float, lo: float = cal.OPEX_SHARE[0], hi: float = cal.OPEX_SHARE[1]
) -> int:
    return max(1, round(capex * d.uniform(lo, hi)))


def _spend(d: Draft, duration: int) -> list[float] | None:
    profiles = cal.SPEND_PROFILES[duration]
    return None if duration == 1 else list(d.pick(profiles))


class Catalog:
    """Builds the project records of a draft, keeping each project's :class:`Meta`."""

    def __init__(self, d: Draft) -> None:
        self.d = d
        self.meta: list[Meta] = []
        self._serial: dict[str, int] = {}

    def _id(self, area: AreaInfo, kind: str) -> str:
        key = f"{area.id}-{kind}"
        self._serial[key] = self._serial.get(key, 0) + 1
        return f"{key}-{self._serial[key]}"

    def _name(self, area: AreaInfo, kind: str, phase: int = 1) -> str:
        port = self.d.port_names[area.port]
        return f"{port} {area.name} {cal.PROJECT_LABEL[kind]}{ROMAN[min(phase, 4)]}"

    def _add(self, rec: Rec, meta: Meta) -> Rec:
        self.d.projects.append(rec)
        self.meta.append(meta)
        return rec

    def berth_project(self, area: AreaInfo, kind: str, role: str = "base", phase: int = 1) -> Rec:
        d = self.d
        t = cal.BERTH_TYPES[kind]
        count = d.integer(*cal.PROJECT_COUNTS[kind])
        unit = 10e3 if t.cargo == "container" else 0.1e6
        capex = count * d.uniform(*t.cost)
        adds: list[Rec] = [
            {
                "cargo": t.cargo,
                "dwt": int(d.pick(t.dwt)),
                "count": count,
                "depth_m": whole(step(min(d.uniform(*t.depth), max(area.reach, t.depth[0])), 0.5)),
                "capacity": whole(step(d.uniform(*t.capacity), unit)),
            }
        ]
        if kind in ("grain", "general", "ct-large") and d.chance(0.2):
            small = cal.BERTH_TYPES["general-s"]
            n_small = d.integer(2, 6)
            capex += n_small * d.uniform(*small.cost)
            adds.append(
                {
                    "cargo": small.cargo,
                    "dwt": int(d.pick(small.dwt)),
                    "count": n_small,
                    "depth_m": whole(step(d.uniform(*small.depth), 0.5)),
                    "capacity": whole(step(d.uniform(*small.capacity), 0.01e6)),
                }
            )
        capex = step(capex, 10)
        duration = d.integer(*cal.PROJECT_DURATION[kind])
        rec: Rec = {
            "id": self._id(area, kind),
            "name": self._name(area, kind, phase),
            "area": area.id,
            "stage": "candidate",
            "duration": duration,
            "capex": whole(capex),
            "spend": _spend(d, duration),
            "opex": _opex(d, capex),
            "adds": adds,
            "requires": [],
        }
        return self._add(rec, Meta(kind, area, role))

    def deepening(self, area: AreaInfo, to: float, kind: str = "deepening") -> Rec:
        d = self.d
        capex = step(d.uniform(*cal.DEEPENING_COST), 10)
        duration = d.integer(*cal.PROJECT_DURATION["deepening"])
        rec: Rec = {
            "id": self._id(area, "deepen" if kind == "deepening" else "channel"),
            "name": f"{self._name(area, 'deepening')} to {to:g} m",
            "area": area.id,
            "stage": "preliminary",
            "duration": duration,
            "capex": whole(capex),
            "spend": _spend(d, duration),
            "opex": _opex(d, capex, 0.005, 0.01),
            "deepens_to_m": whole(to),
            "requires": [],
        }
        area.reach = max(area.reach, to)
        return self._add(rec, Meta("deepening", area, kind))

    def breakwater(self, area: AreaInfo) -> Rec:
        d = self.d
        capex = step(d.uniform(*cal.BREAKWATER_COST), 10)
        duration = d.integer(*cal.PROJECT_DURATION["breakwater"])
        rec: Rec = {
            "id": self._id(area, "breakwater"),
            "name": self._name(area, "breakwater"),
            "area": area.id,
            "stage": "preliminary",
            "duration": duration,
            "capex": whole(capex),
            "spend": _spend(d, duration),
            "requires": [],
        }
        return self._add(rec, Meta("breakwater", area, "breakwater"))


def _structural(c: Catalog, budget: int) -> None:
    """Deepening of container areas (for deep-sea routes) and channels for big bulk ships."""
    d = c.d
    has_ct = container_capacity(d)
    deep_min = cal.TRADES["deep-sea"].min_depth
    order = [int(i) for i in d.rng.permutation(len(d.areas))]
    made = 0
    for i in order:
        area = d.areas[i]
        if made >= budget:
            break
        container_area = area.archetype == "container" or has_ct.get(area.id, 0.0) > 0
        if container_area and area.depth < deep_min[1] - 0.5 and d.chance(0.6):
            to = step(d.uniform(max(area.depth + 1.5, deep_min[0] + 1.0), deep_min[1] + 0.5), 0.5)
            c.deepening(area, to)
            made += 1
        elif area.archetype in ("energy", "bulk") and d.chance(0.15):
            c.deepening(area, step(area.depth + d.uniform(2.0, 3.0), 0.5), kind="channel")
            made += 1


def build_projects(d: Draft) -> list[Meta]:
    """Every project record (stage and windows set), returning their :class:`Meta`."""
    c = Catalog(d)
    n = d.knobs.projects
    _structural(c, max(1, round(0.08 * n)) if n >= 6 else 0)
    weights = [a.weight for a in d.areas]
    while len(d.projects) < n:
        area = d.areas[d.weighted(weights)]
        arch = cal.ARCHETYPES[area.archetype]
        kind = arch.projects[d.weighted([w for _, w in arch.projects])][0]
        room = n - len(d.projects)
        shelter = None
        if room >= 2 and d.chance(0.05):
            shelter = c.breakwater(area)
            room -= 1
        base = c.berth_project(area, kind)
        if shelter is not None:
            base["requires"].append(shelter["id"])
        channel = [
            p
            for p, m in zip(d.projects, c.meta, strict=True)
            if m.role == "channel" and m.area is area
        ]
        if channel and kind in ("crude", "ore") and d.chance(0.7):
            base["requires"].append(channel[0]["id"])
        room -= 1
        if room >= 1 and kind in ("ct-large", "ct", "general", "bulk", "oil") and d.chance(0.22):
            prev = base
            for phase in (2, 3):
                if room < 1 or (phase == 3 and not d.chance(0.3)):
                    break
                nxt = c.berth_project(area, kind, role="phase", phase=phase)
                nxt["requires"].append(prev["id"])
                prev, room = nxt, room - 1
        elif room >= 1 and d.chance(0.15):
            alt_kind = {"ct-large": "ct", "ct": "ct-large", "ore": "bulk", "crude": "oil"}.get(
                kind, kind
            )
            alt = c.berth_project(area, alt_kind, role="option")
            alt["requires"] = list(base["requires"])
            base["group"] = alt["group"] = f"{base['id']}-options"
    _stages(d, c.meta)
    _windows(d)
    return c.meta


def _stages(d: Draft, meta: list[Meta]) -> None:
    n = len(d.projects)
    n_on = max(1, round(0.10 * n)) if n >= 3 else 0
    n_new = max(1, round(0.08 * n)) if n >= 3 else 0
    eligible = [
        j
        for j in (int(i) for i in d.rng.permutation(n))
        if not d.projects[j]["requires"] and "group" not in d.projects[j]
    ]
    ongoing = [j for j in eligible if d.projects[j]["duration"] >= 2][:n_on]
    new = [j for j in eligible if j not in ongoing][:n_new]
    optional = n - len(ongoing) - len(new)
    p_pre = min(1.0, 0.42 * n / max(optional, 1))
    for j, rec in enumerate(d.projects):
        if j in ongoing:
            rec["stage"] = "ongoing"
        elif j in new:
            rec["stage"] = "new"
        elif rec["requires"]:
            rec["stage"] = "preliminary" if d.chance(0.3) else "candidate"
        elif meta[j].role in ("deepening", "channel", "breakwater"):
            rec["stage"] = "preliminary" if d.chance(0.8) else "candidate"
        else:
            rec["stage"] = "preliminary" if d.chance(p_pre) else "candidate"


def _windows(d: Draft) -> None:
    y0, y1 = d.y0, d.y1
    horizon = Horizon(start=y0, end=y1)
    window: dict[str, tuple[int, int]] = {}
    duration = {rec["id"]: int(rec["duration"]) for rec in d.projects}
    for rec in d.projects:
        stage = rec["stage"]
        dur = rec["duration"]
        if stage == "ongoing":
            rec["start"] = y0 - d.integer(1, dur - 1)
        elif stage == "new":
            if y1 > y0 and d.chance(0.3):
                rec["latest_start"] = y0 + 1
        elif stage == "preliminary":
            rec["ready_year"] = min(y1, y0 + (1 if d.chance(0.6) else 2))
            if d.chance(0.3):
                rec["latest_start"] = min(y1, rec["ready_year"] + d.integer(2, 5))
        else:
            first = y0 + d.integer(0, min(3, y1 - y0))
            if first > y0:
                rec["earliest_start"] = first
            if d.chance(0.2):
                rec["latest_start"] = min(y1, first + d.integer(2, 6))
        kept = []
        for req in rec["requires"]:
            ready = window[req][0] + duration[req]
            lo, hi = _window(horizon, rec)
            if ready > hi:
                continue
            kept.append(req)
            if ready > lo:
                rec["earliest_start"] = ready
        rec["requires"] = kept
        window[rec["id"]] = _window(horizon, rec)


def _window(horizon: Horizon, rec: Rec) -> tuple[int, int]:
    fields = ("stage", "start", "earliest_start", "latest_start", "ready_year")
    probe = Project(
        id=rec["id"],
        area=rec["area"],
        duration=rec["duration"],
        capex=rec["capex"],
        **{k: rec[k] for k in fields if k in rec},
    )
    return start_window(horizon, probe)

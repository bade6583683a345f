"""Ports, areas, existing berths and existing liner routes."""

from __future__ import annotations

import numpy as np

from berthplan.generator import calibration as cal
from berthplan.generator.draft import AreaInfo, Draft, Rec, step, whole


def _port_names(d: Draft, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        name = ""
        for _ in range(50):
            name = d.pick(cal.SYLLABLES_A) + d.pick(cal.SYLLABLES_B)
            if name not in seen:
                break
        if name in seen:
            name = f"{name} {i + 1}"
        seen.add(name)
        names.append(name)
    return names


def build_ports(d: Draft) -> None:
    """Ports with a size scale (a few hubs, many small ports) and their areas.

    The first port is the largest; scales fall as a power of the rank, like Liaoning's six
    ports (two ~5 M TEU hubs, then 1.4, 0.45, 0.27 and 0.11 M TEU).
    """
    k = d.knobs
    noise = d.rng.lognormal(0.0, 0.15, size=k.ports)
    scale = np.clip(1.5 * np.arange(1, k.ports + 1) ** -0.6 * noise, 0.35, 1.6)
    d.port_scale = [round(float(s), 3) for s in scale]
    d.port_names = _port_names(d, k.ports)
    extra = d.rng.multinomial(k.areas - k.ports, scale / scale.sum())
    width = max(2, len(str(k.ports)))
    for i in range(k.ports):
        pid = f"p{i + 1:0{width}d}"
        n_areas = 1 + int(extra[i])
        hub = scale[i] >= cal.HUB_SCALE or i == 0
        mains = ("container", "multi") if hub else ("multi", "container")
        area_recs: list[Rec] = []
        used: set[str] = set()
        for a in range(n_areas):
            if a == 0:
                kind = mains[0] if i == 0 or d.chance(0.85) else mains[1]
            else:
                kind = cal.ARCHETYPE_MIX[d.weighted([w for _, w in cal.ARCHETYPE_MIX])][0]
            arch = cal.ARCHETYPES[kind]
            depth = step(d.uniform(*arch.depth), 0.5)
            name = d.pick(cal.AREA_NAMES)
            while name in used and len(used) < len(cal.AREA_NAMES):
                name = d.pick(cal.AREA_NAMES)
            used.add(name)
            aid = f"{pid}-a{a + 1}"
            d.areas.append(
                AreaInfo(aid, name, i, kind, depth, float(scale[i]) * arch.weight, depth)
            )
            area_recs.append(
                {
                    "id": aid,
                    "name": name,
                    "depth_m": whole(depth),
                    "description": arch.label,
                }
            )
        d.ports.append(
            {
                "id": pid,
                "name": f"{d.port_names[i]} Port",
                "description": f"synthetic port, scale {d.port_scale[i]:g}",
                "areas": area_recs,
            }
        )


def _berth_group(d: Draft, key: str) -> tuple[int, float, float]:
    t = cal.BERTH_TYPES[key]
    unit = 10e3 if t.cargo == "container" else 0.1e6
    capacity = step(d.uniform(*t.capacity), unit)
    return int(d.pick(t.dwt)), step(d.uniform(*t.depth), 0.5), capacity


def build_berths(d: Draft) -> None:
    """Existing berth groups per area from its archetype, counts scaled by the port size."""
    for area in d.areas:
        arch = cal.ARCHETYPES[area.archetype]
        scale = d.port_scale[area.port]
        groups = [(key, lo, hi) for key, p, (lo, hi) in arch.berths if d.chance(p)]
        if area.archetype == "container" and not any(k.startswith("ct") for k, _, _ in groups):
            groups.insert(0, ("ct-large", 2, 4))
        if not groups:
            groups = [("general-s", 4, 10)]
        for key, lo, hi in groups:
            count = max(1, round(d.integer(lo, hi) * scale))
            dwt, depth, capacity = _berth_group(d, key)
            t = cal.BERTH_TYPES[key]
            d.berths.append(
                {
                    "id": f"{area.id}-{key}",
                    "area": area.id,
                    "cargo": t.cargo,
                    "dwt": dwt,
                    "count": count,
                    "depth_m": whole(depth),
                    "capacity": whole(capacity),
                }
            )


def container_capacity(d: Draft) -> dict[str, float]:
    """Existing container capacity (TEU/yr) per area."""
    out: dict[str, float] = {}
    for b in d.berths:
        if b["cargo"] == "container":
            out[b["area"]] = out.get(b["area"], 0.0) + b["count"] * b["capacity"]
    return out


def build_existing_routes(d: Draft) -> None:
    """Existing route groups per container area and trade, filling 80-97 % of usable capacity.

    Their volumes grow 3-6 %/yr, so container capacity runs short within a few years and the
    container targets need new berths (Liaoning: Dalian ran at 1.26 x design capacity).
    """
    u = cal.MAX_UTILIZATION["container"]
    cap = container_capacity(d)
    for area in d.areas:
        if cap.get(area.id, 0.0) <= 0:
            continue
        volume = d.uniform(0.8, 0.97) * u * cap[area.id]
        shares = dict(cal.EXISTING_SHARE)
        if area.depth < cal.TRADES["deep-sea"].min_depth[0]:
            deep = shares.pop("deep-sea")
            shares = {k: v / (1 - deep) for k, v in shares.items()}
        for trade_key, share in shares.items():
            trade = cal.TRADES[trade_key]
            target = volume * share
            per = d.uniform(*trade.teu)
            count = max(1, round(target / per))
            teu = step(target / count, 1000)
            if teu <= 0:
                continue
            depth = min(area.depth, step(d.uniform(*trade.min_depth), 0.5))
            d.routes.append(
                {
                    "id": f"{area.id}-{trade_key}",
                    "name": f"{d.port_names[area.port]} {area.name} {trade.label} services",
                    "status": "existing",
                    "count": count,
                    "calls": [
                        {
                            "area": area.id,
                            "teu": whole(teu),
                            "growth": step(d.uniform(*trade.growth), 0.005),
                        }
                    ],
                    "min_depth_m": whole(depth),
                }
            )

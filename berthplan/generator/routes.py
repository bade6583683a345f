"""Candidate liner routes: near-sea, domestic and deep-sea services, some calling at two ports.

Routes call where container capacity exists or a project may add it, weighted by that
capacity. A deep-sea route needs 15-17 m; where its area is shallower, the route's minimum
depth is one the area's deepening project reaches, so it can open only once that project is in
service (the ``depth`` constraint), as the Yingkou deep-sea candidates need the Bayuquan
basin deepened.
"""

from __future__ import annotations

from berthplan.generator import calibration as cal
from berthplan.generator.draft import AreaInfo, Draft, Rec, step, whole
from berthplan.generator.network import container_capacity


def _capable(d: Draft) -> tuple[list[AreaInfo], list[float]]:
    cap = container_capacity(d)
    addable: dict[str, float] = {}
    for p in d.projects:
        for b in p.get("adds", []):
            if b["cargo"] == "container":
                addable[p["area"]] = addable.get(p["area"], 0.0) + b["count"] * b["capacity"]
    areas = [a for a in d.areas if cap.get(a.id, 0.0) + addable.get(a.id, 0.0) > 0]
    weights = [cap.get(a.id, 0.0) + 0.5 * addable.get(a.id, 0.0) for a in areas]
    return areas, weights


def build_candidate_routes(d: Draft) -> None:
    """``knobs.routes`` candidate routes with opening windows, costs and depths."""
    areas, weights = _capable(d)
    if not areas:
        return
    y0, y1 = d.y0, d.y1
    width = max(3, len(str(d.knobs.routes)))
    deep = cal.TRADES["deep-sea"]
    deep_areas = [i for i, a in enumerate(areas) if a.reach >= deep.min_depth[0]]
    for r in range(d.knobs.routes):
        trade = cal.TRADES[cal.TRADE_MIX[d.weighted([w for _, w in cal.TRADE_MIX])][0]]
        if trade.key == "deep-sea":
            if not deep_areas:
                trade = cal.TRADES["near-sea"]
                first = areas[d.weighted(weights)]
            else:
                first = areas[deep_areas[d.weighted([weights[i] for i in deep_areas])]]
        else:
            first = areas[d.weighted(weights)]
        calls = [first]
        if trade.key != "deep-sea" and len({a.port for a in areas}) > 1 and d.chance(0.15):
            others = [i for i, a in enumerate(areas) if a.port != first.port]
            calls.append(areas[others[d.weighted([weights[i] for i in others])]])
        reach = min(a.reach for a in calls)
        shallow = min(a.depth for a in calls)
        lo, hi = trade.min_depth
        if trade.key == "deep-sea" and reach > shallow and d.chance(0.7):
            lo = max(lo, shallow + 0.5)  # needs the deepening project
        depth = step(d.uniform(lo, max(lo, min(hi, reach))), 0.5)
        depth = min(depth, reach if trade.key == "deep-sea" else shallow)
        teu = step(d.uniform(*trade.teu), 1000)
        split = [1.0] if len(calls) == 1 else [(f := step(d.uniform(0.5, 0.7), 0.05)), 1 - f]
        rec: Rec = {
            "id": f"r{r + 1:0{width}d}-{trade.key}",
            "name": f"{d.port_names[first.port]}-{d.pick(trade.destinations)} {trade.label}"
            + (f" via {d.port_names[calls[1].port]}" if len(calls) > 1 else ""),
            "status": "candidate",
            "count": 2 if d.chance(0.1) else 1,
            "calls": [
                {
                    "area": a.id,
                    "teu": whole(step(teu * share, 1000)),
                    "growth": step(d.uniform(*trade.growth), 0.005),
                }
                for a, share in zip(calls, split, strict=True)
            ],
            "min_depth_m": whole(depth),
            "opening_cost": whole(step(d.uniform(*trade.opening_cost), 0.5)),
            "annual_cost": whole(step(d.uniform(*trade.annual_cost), 0.5)),
        }
        first_year = y0 + d.integer(0, min(3, y1 - y0))
        if first_year > y0:
            rec["earliest_open"] = first_year
        if d.chance(0.15):
            rec["latest_open"] = min(y1, first_year + d.integer(2, 5))
        d.routes.append(rec)

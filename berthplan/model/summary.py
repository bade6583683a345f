"""A readable summary of a valid instance, for ``berthplan validate``."""

from __future__ import annotations

from collections import Counter

from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES, METRICS, TEN_THOUSAND_TON


def committed_berths_10k(inst: Instance) -> dict[int, int]:
    """10,000-ton-class berths at each year's end from existing berths and committed projects.

    A project counts from its completion year (start + duration - 1); committed projects with a
    start window are taken at their earliest start.
    """
    base = sum(b.count for b in inst.berths if b.dwt >= TEN_THOUSAND_TON)
    out = {}
    for y in inst.years:
        added = 0
        for p in inst.projects:
            if p.committed:
                start, _ = inst.start_window(p)
                if start + p.duration - 1 <= y:
                    added += p.berths_10k()
        out[y] = base + added
    return out


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 or v == int(v) else f"{v:g}"


def summarize(inst: Instance) -> str:
    lines = [
        f"instance {inst.name}: horizon {inst.horizon.start}-{inst.horizon.end}, money in {inst.money_unit} ({inst.price_year} prices)"
    ]
    areas = sum(len(p.areas) for p in inst.ports)
    lines.append(
        f"ports: {len(inst.ports)} ({', '.join(p.id for p in inst.ports)}); areas: {areas}"
    )
    by_cargo: Counter[str] = Counter()
    cap: dict[str, float] = {}
    for b in inst.berths:
        by_cargo[b.cargo] += b.count
        cap[b.cargo] = cap.get(b.cargo, 0.0) + b.count * b.capacity
    k10 = sum(b.count for b in inst.berths if b.dwt >= TEN_THOUSAND_TON)
    total = sum(by_cargo.values())
    lines.append(f"existing berths: {total}, of which {k10} of 10,000-ton class and above")
    levels = {s.cargo: s for s in inst.service_levels}
    for c in CARGO_CLASSES:
        if by_cargo[c]:
            unit = "TEU/yr" if c == "container" else "t/yr"
            line = f"  {c:<12} {by_cargo[c]:>5} berths  capacity {_fmt(cap[c])} {unit}"
            if c in levels:
                line += " (design; in service: queue pools by service level)"
            lines.append(line)
    for s in inst.service_levels:
        overrides = f", {len(s.areas)} area overrides" if s.areas else ""
        lines.append(
            f"service level {s.cargo}: {s.queue} queue pools per area, W/S <= "
            f"{s.max_wait_ratio:g}, {_fmt(s.hours_per_year)} h/yr, {s.service_hours:g} h and "
            f"{_fmt(s.call_size)} {'TEU' if s.cargo == 'container' else 't'} per call"
            f"{overrides}"
        )
    stages = Counter(p.stage for p in inst.projects)
    lines.append(
        f"projects: {len(inst.projects)} ("
        + ", ".join(f"{stages[s]} {s}" for s in ("ongoing", "new", "preliminary", "candidate"))
        + ")"
    )
    existing = [r for r in inst.routes if r.status == "existing"]
    cands = len(inst.routes) - len(existing)
    services = sum(r.count for r in existing)
    lines.append(
        f"routes: {len(existing)} existing records ({services} services), {cands} candidate"
    )
    lines.append(f"demand points: {len(inst.demand)}; budget years: {len(inst.budget)}")
    lines.append("targets:")
    for y in inst.target_years():
        parts = []
        for m in METRICS:
            for t in (t for t in inst.targets if t.year == y and t.metric == m):
                scope = f"@{t.port}" if t.port else ""
                kind = "hard" if t.hard else f"soft {t.penalty:g}/unit"
                parts.append(f"{m}{scope} {_fmt(t.value)} ({kind})")
        lines.append(f"  {y}: " + "; ".join(parts))
    counts = committed_berths_10k(inst)
    lines.append(
        "10,000-ton-class berths at year end, committed projects only: "
        + ", ".join(f"{y} {n}" for y, n in counts.items())
    )
    return "\n".join(lines)

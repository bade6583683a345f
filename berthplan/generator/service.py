"""Service levels for generated instances (``berthplan generate --service-levels``).

Container, dry bulk and liquid bulk berths become queue pools. The class parameters are those
of ``instances/README.md`` (queue model, W/S limit, hours, service time, waiting cost); the call
size of each area's pool is calibrated so that the pool's capacity at the service level, with
the berths the area has at the start (or, for an area that only projects create, the first
project's), equals that area's design capacity times the class's calibrated utilization. So a
service-level instance carries the same volumes as its design-capacity twin at the start, and
differs in what added berths are worth: pooled berths gain capacity faster than linearly.
Areas whose pool could exceed the largest pool size opt out (``pooled: false``) and keep
design capacity times utilization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from berthplan.capacity import max_occupancy
from berthplan.generator import calibration as cal
from berthplan.generator.draft import Draft
from berthplan.model.service_rules import MAX_POOL_BERTHS

CLASSES: dict[str, dict[str, Any]] = {
    "container": {
        "queue": "E2/E2/n",
        "max_wait_ratio": 0.10,
        "hours_per_year": 8000.0,
        "service_hours": 24.0,
        "waiting_cost": 0.02,
    },
    "dry_bulk": {
        "queue": "M/E2/n",
        "max_wait_ratio": 0.30,
        "hours_per_year": 8000.0,
        "service_hours": 48.0,
        "waiting_cost": 0.01,
    },
    "liquid_bulk": {
        "queue": "M/E2/n",
        "max_wait_ratio": 0.30,
        "hours_per_year": 8000.0,
        "service_hours": 36.0,
        "waiting_cost": 0.01,
    },
}
"""Class parameters [E]: PIANC (2014) and UNCTAD (1985) service levels (W/S <= 0.10 for
container terminals, bulk more tolerant); waiting cost in CNY million per ship-hour
(container ships about CNY 20,000 an hour, bulk carriers about 10,000)."""


@dataclass
class _Area:
    """One area's berths of a class: the count that calibrates its pool, and the most it reaches."""

    count: int = 0  # existing berths, or the first project's where none exist
    design: float = 0.0  # their design capacity
    existing: bool = False
    top: int = 0


def _areas(d: Draft, cargo: str) -> dict[str, _Area]:
    out: dict[str, _Area] = {}
    for b in d.berths:
        if b["cargo"] == cargo:
            a = out.setdefault(b["area"], _Area(existing=True))
            a.count += b["count"]
            a.design += b["count"] * b["capacity"]
            a.top += b["count"]
    for p in d.projects:
        for spec in p.get("adds", []):
            if spec["cargo"] == cargo:
                a = out.setdefault(p["area"], _Area())
                count = spec.get("count", 1)
                if not a.existing and a.count == 0:  # an area only projects create
                    a.count, a.design = count, count * spec["capacity"]
                a.top += count
    return out


def _call_size(params: dict[str, Any], n: int, design: float, cargo: str) -> float:
    rho = max_occupancy(str(params["queue"]), n, float(params["max_wait_ratio"]))
    calls = n * rho * float(params["hours_per_year"]) / float(params["service_hours"])
    size = cal.MAX_UTILIZATION[cargo] * design / calls
    unit = 10.0 if cargo == "container" else 1000.0
    return float(max(unit, round(size / unit) * unit))


def service_levels(d: Draft) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The ``service_levels`` records and the ``max_utilization`` left for unpooled berths."""
    records: list[dict[str, Any]] = []
    utilization = dict(cal.MAX_UTILIZATION)
    for cargo, params in CLASSES.items():
        overrides: list[dict[str, Any]] = []
        opted_out = False
        for area, a in sorted(_areas(d, cargo).items()):
            if a.top > MAX_POOL_BERTHS:
                overrides.append({"area": area, "pooled": False})
                opted_out = True
            else:
                size = _call_size(params, a.count, a.design, cargo)
                overrides.append({"area": area, "call_size": size})
        if not overrides:
            continue
        sizes = sorted(o["call_size"] for o in overrides if "call_size" in o)
        default = sizes[len(sizes) // 2] if sizes else 1000.0
        record = {"cargo": cargo, **params, "call_size": default, "estimate": True}
        record["areas"] = [o for o in overrides if o.get("call_size") != default]
        records.append(record)
        if not opted_out:
            utilization.pop(cargo)
    return records, utilization

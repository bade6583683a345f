"""Cross-record rules of the service levels (queue pools), run by :func:`~berthplan.model.validate.cross_check`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from berthplan.errors import Path

if TYPE_CHECKING:
    from berthplan.model.validated import Records

Found = Iterator[tuple[Path, str]]

MAX_POOL_BERTHS = 60
"""Most berths one pool may reach (existing plus every project); the MILP has one level per
reachable count, and the queue tables are computed per count."""


def service_levels(r: Records) -> Found:
    """One record per class; overrides name areas with pooled berths; no utilization on pools."""
    seen: dict[str, int] = {}
    for i, level in r.service_levels:
        loc: Path = ("service_levels", i)
        if level.cargo in seen:
            yield (*loc, "cargo"), f"a second service level for {level.cargo}"
            continue
        seen[level.cargo] = i
        counts = _pool_berths(r, level.cargo)
        if not counts:
            yield (*loc, "cargo"), f"no area has or can get {level.cargo} berths: no pool to size"
        for area, n in sorted(counts.items()):
            if n > MAX_POOL_BERTHS and level.pooled(area):
                yield (
                    (*loc, "cargo"),
                    f"the {level.cargo} pool of area '{area}' can reach {n} berths, above the "
                    f"{MAX_POOL_BERTHS} a pool may have (split the area, or give it an "
                    "override with pooled: false)",
                )
        named: set[str] = set()
        for k, o in enumerate(level.areas):
            where: Path = (*loc, "areas", k, "area")
            if o.area not in r.area_ids:
                yield where, f"unknown area '{o.area}'"
            elif o.area in named:
                yield where, f"a second override for area '{o.area}'"
            elif o.area not in counts:
                yield where, f"area '{o.area}' has and can get no {level.cargo} berths"
            named.add(o.area)
        if level.cargo in r.max_utilization and all(level.pooled(a) for a in counts):
            yield (
                ("max_utilization", level.cargo),
                f"{level.cargo} berths form queue pools sized by service level "
                f"(service_levels[{i}]) in every area; max_utilization does not apply to them",
            )


def _pool_berths(r: Records, cargo: str) -> dict[str, int]:
    """Per area, the most berths of ``cargo`` it can have (existing plus every project)."""
    counts: dict[str, int] = {}
    for _, b in r.berths:
        if b.cargo == cargo:
            counts[b.area] = counts.get(b.area, 0) + b.count
    for _, p in r.projects:
        k = sum(s.count for s in p.adds if s.cargo == cargo)
        if k:
            counts[p.area] = counts.get(p.area, 0) + k
    return counts

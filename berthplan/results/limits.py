"""Which queue pools hold a target back: those at their W/S limit, and what W/S they would need.

When a hard target cannot be met (an infeasible instance's closest plan), a planner asks
whether the service level is what binds. For a short ``container_teu`` or ``cargo_tons``
target, every pool in the target's scope that runs at its W/S limit that year is named, with
the W/S it would need to carry the whole shortfall with the berths it has (or that it cannot
at any waiting time: occupancy 1 or more).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from berthplan.model.pools import Pool
from berthplan.results.outcome import Outcome

AT_LIMIT = 1e-6
"""Relative closeness of throughput to capacity that counts as running at the limit."""


@dataclass(frozen=True)
class PoolLimit:
    """A pool at its W/S limit in a year, and the W/S it would need to carry a shortfall."""

    pool: str
    berths: int
    limit: float
    needed: float  # inf: the shortfall needs occupancy >= 1 with these berths

    def explain(self) -> str:
        need = (
            "cannot carry it at any waiting time (occupancy >= 1): more berths are needed"
            if math.isinf(self.needed)
            else f"would need W/S {self.needed:.3g} to carry it"
        )
        return f"{self.pool}: {self.berths} berths at its W/S limit {self.limit:g}; {need}"

    def record(self) -> dict[str, object]:
        """As solve.json lists it (``needed_wait_ratio`` null for occupancy >= 1)."""
        needed = None if math.isinf(self.needed) else self.needed
        return {
            "pool": self.pool,
            "berths": self.berths,
            "max_wait_ratio": self.limit,
            "needed_wait_ratio": needed,
        }


def pools_at_limit(
    outcome: Outcome, year: int, metric: str, port: str | None, shortfall: float
) -> list[PoolLimit]:
    """The pools of ``port`` (None: the province) at their limit in ``year`` for ``metric``."""
    s = outcome.s
    if metric not in ("container_teu", "cargo_tons") or not s.pools:
        return []
    yi = year - s.y0
    out = []
    for q, pool in enumerate(s.pools):
        if port is not None and pool.port != port:
            continue
        if metric == "container_teu" and pool.cargo != "container":
            continue
        if metric == "cargo_tons" and pool.cargo == "container" and s.inst.tons_per_teu <= 0:
            continue  # TEU then add no tonnes
        n, h = int(outcome.pool_berths[q, yi]), float(outcome.pool_throughput[q, yi])
        cap = pool.capacity(n)
        if n == 0 or h < cap * (1 - AT_LIMIT):
            continue
        extra = shortfall
        if metric == "cargo_tons" and pool.cargo == "container":
            extra = shortfall / s.inst.tons_per_teu  # a TEU counts tons_per_teu tonnes
        limit = float(pool.params.max_wait_ratio or 0)
        out.append(PoolLimit(pool.id, n, limit, _needed(pool, n, h + extra)))
    return out


def _needed(pool: Pool, n: int, throughput: float) -> float:
    rho = pool.occupancy(n, throughput)
    return math.inf if rho >= 1 else pool.wait_ratio(n, throughput)

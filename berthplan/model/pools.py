"""Queue pools of an instance: which berths share a queue, and what a pool of n berths can do.

For every :class:`~berthplan.model.service.ServiceLevel` and every area with berths of its
class (existing, or added by a project), one :class:`Pool`. A pool's capacity at ``n`` berths is

    capacity(n) = n * rho*(n) * hours_per_year / service_hours * call_size        (t or TEU / yr)

with ``rho*(n)`` the largest occupancy whose W/S stays within the limit; its ships wait

    wait_hours(n, h) = calls * service_hours * W/S(rho, n),   calls = h / call_size,
    rho = calls * service_hours / (n * hours_per_year)

ship-hours a year at throughput ``h``. ``wait_hours`` is convex in ``h`` for a given ``n``; the
MILP charges its piecewise-linear interpolant through :meth:`Pool.breakpoints` (exact at the
breakpoints, above the curve between them by at most ``WAIT_REL`` of the exact value plus
``WAIT_ABS`` of the waiting hours at the limit), and every output reports both. The data model
only: no solver is imported.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from berthplan.capacity import max_occupancy, wait_ratio_interp
from berthplan.model.instance import Instance
from berthplan.model.service import PoolParameters

FloatArray = NDArray[np.float64]

WAIT_REL = 0.02
WAIT_ABS = 0.001
"""The charged (interpolated) waiting hours exceed the exact ones by at most ``WAIT_REL`` of
the exact value plus ``WAIT_ABS`` of the waiting hours at the W/S limit (enforced on a grid of
``_GRID`` occupancies; tests/model/test_pools measure it on a grid ten times finer)."""
_GRID = 800


@dataclass(frozen=True)
class Pool:
    """The berths of one cargo class in one area, sharing one queue.

    Attributes
    ----------
    area, port, cargo : str
        Where the pool is and what it handles.
    params : PoolParameters
        The queue model, W/S limit, hours, service time, call size and waiting cost (all set).
    existing : int
        Berths of the class in the area before any project (existing berth records).
    adds : tuple of (str, int)
        Projects that add berths to the pool, with the number each adds.
    """

    area: str
    port: str
    cargo: str
    params: PoolParameters
    existing: int
    adds: tuple[tuple[str, int], ...]

    @property
    def id(self) -> str:
        """``area/cargo``: how rows, tables and messages name the pool."""
        return f"{self.area}/{self.cargo}"

    @property
    def max_berths(self) -> int:
        return self.existing + sum(k for _, k in self.adds)

    @property
    def levels(self) -> list[int]:
        """Every berth count the pool may have: existing plus any subset of the projects."""
        counts = {self.existing}
        for _, k in self.adds:
            counts |= {c + k for c in counts}
        return sorted(counts)

    def max_occupancy(self, n: int) -> float:
        """The largest occupancy with W/S within the limit at ``n`` berths (0 for none)."""
        return _rho_star(str(self.params.queue), n, float(self.params.max_wait_ratio or 0))

    def capacity(self, n: int) -> float:
        """Throughput per year at the W/S limit with ``n`` berths (TEU or t)."""
        return n * self.max_occupancy(n) * self._calls_per_berth() * self._size()

    def calls(self, throughput: float) -> float:
        return throughput / self._size()

    def occupancy(self, n: int, throughput: float) -> float:
        """Busy fraction of the berths: calls * service time / (n * hours)."""
        if n == 0:
            return 0.0
        return self.calls(throughput) / (n * self._calls_per_berth())

    def wait_ratio(self, n: int, throughput: float) -> float:
        """W/S at ``n`` berths and ``throughput`` (nan at occupancy 1 or more).

        From the cached table of :func:`berthplan.capacity.wait_ratio_interp`: within 3e-8 of
        the exact value (times max(W/S, 1)), far below the 6 decimals the tables print, and
        hundreds of times faster than an exact solve per pool and year.
        """
        rho = self.occupancy(n, throughput)
        if rho <= 0:
            return 0.0
        if rho >= 1:
            return float("nan")
        return float(wait_ratio_interp(str(self.params.queue), n, rho))

    def wait_hours(self, n: int, throughput: float, ratio: float | None = None) -> float:
        """Ship-hours of waiting a year (``ratio``: this W/S when already computed)."""
        ratio = self.wait_ratio(n, throughput) if ratio is None else ratio
        return self.calls(throughput) * self._hours() * ratio

    def breakpoints(self, n: int) -> tuple[FloatArray, FloatArray]:
        """Throughputs and waiting hours at which the charged waiting curve is exact.

        From 0 to :meth:`capacity` (``n``); the interpolant through them is convex, above the
        exact curve and within ``WAIT_REL`` and ``WAIT_ABS`` of it.
        """
        if n == 0:
            return np.zeros(1), np.zeros(1)
        rho, g = _wait_curve(str(self.params.queue), n, float(self.params.max_wait_ratio or 0))
        scale = n * self._calls_per_berth()
        return rho * scale * self._size(), g * scale * self._hours()

    def charged_wait_hours(self, n: int, throughput: float) -> float:
        """The waiting hours the MILP charges: the interpolant through :meth:`breakpoints`."""
        h, w = self.breakpoints(n)
        return float(np.interp(throughput, h, w))

    def _size(self) -> float:
        return float(self.params.call_size or 0)

    def _hours(self) -> float:
        return float(self.params.service_hours or 0)

    def _calls_per_berth(self) -> float:
        return float(self.params.hours_per_year or 0) / self._hours()


@functools.cache
def _rho_star(model: str, n: int, limit: float) -> float:
    return 0.0 if n == 0 else max_occupancy(model, n, limit)


@functools.cache
def _wait_curve(model: str, n: int, limit: float) -> tuple[FloatArray, FloatArray]:
    """Breakpoints (rho, rho * W/S) of the convex curve on [0, rho*], chosen greedily.

    Waiting ship-hours per berth-hour are ``rho * W/S(rho)``; each chord spans as many grid
    points as it can while staying within the tolerance of the exact values on the grid.
    """
    top = _rho_star(model, n, limit)
    rho = np.linspace(0.0, top, _GRID + 1)
    g = rho * np.asarray(wait_ratio_interp(model, n, rho), dtype=float)
    tol = WAIT_REL * g + WAIT_ABS * max(float(g[-1]), 1e-12)
    keep = [0]
    while keep[-1] < _GRID:
        i, j = keep[-1], keep[-1] + 1
        while j < _GRID and _chord_ok(rho, g, i, j + 1, tol):
            j += 1
        keep.append(j)
    return rho[keep], g[keep]


def _chord_ok(rho: FloatArray, g: FloatArray, i: int, j: int, tol: FloatArray) -> bool:
    line = g[i] + (g[j] - g[i]) * (rho[i : j + 1] - rho[i]) / (rho[j] - rho[i])
    return bool((line - g[i : j + 1] <= tol[i : j + 1]).all())


def pools(instance: Instance) -> list[Pool]:
    """The queue pools of ``instance``, in service-level order, then area order (ports' order).

    An area forms a pool for a class when it has berths of that class or a project adds some.
    """
    out = []
    area_order = [a.id for p in instance.ports for a in p.areas]
    for level in instance.service_levels:
        existing = dict.fromkeys(area_order, 0)
        for b in instance.berths:
            if b.cargo == level.cargo:
                existing[b.area] += b.count
        adds: dict[str, list[tuple[str, int]]] = {a: [] for a in area_order}
        for p in instance.projects:
            k = sum(spec.count for spec in p.adds if spec.cargo == level.cargo)
            if k:
                adds[p.area].append((p.id, k))
        for a in area_order:
            if (existing[a] or adds[a]) and level.pooled(a):
                out.append(
                    Pool(
                        a,
                        instance.port_of_area[a],
                        level.cargo,
                        level.for_area(a),
                        existing[a],
                        tuple(adds[a]),
                    )
                )
    return out

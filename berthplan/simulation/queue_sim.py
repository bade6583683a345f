"""Discrete-event simulation of one berth pool, to check analytic waiting-time figures.

A pool is ``n`` identical berths served first come, first served (a :class:`simpy.Resource`
of capacity ``n``). Ships arrive in a renewal stream with Erlang-``k`` interarrival times
(``k = 1``: Poisson arrivals) and occupy a berth for an Erlang-``k`` service time, or for
exactly E[S] with ``deterministic_service``, so one spec covers M/M/n, M/E2/n, E2/M/n, E2/E2/n
and M/D/n (or E2/D/n).

Design
------
Random numbers
    Each replication has its own :class:`numpy.random.SeedSequence`, the children of
    ``SeedSequence(seed).spawn(replications)`` (see :func:`replication_seeds`). A replication
    draws its interarrival and service times up front from two further sub-streams
    (:class:`numpy.random.PCG64`), so it depends on its own seed sequence only: replications
    can run in any order or in other processes and give the same floats. Separate arrival and
    service streams also give common random numbers when two specs with the same shapes are
    compared under one seed.
Warm-up
    A queue that starts empty waits less than in steady state. Each replication therefore runs
    a warm-up of ``warmup_hours`` (default :data:`WARMUP_FRACTION` × ``hours``) before the
    measured window ``[warmup, warmup + hours)``. Only ships *arriving* in the window are
    measured; arrivals stop at the window's end and the run continues until every measured
    ship has been served, so no measured wait is cut off (under FCFS later arrivals cannot
    change an earlier ship's wait). The remaining bias is of order (relaxation time − warm-up)
    / ``hours``; for a heavily loaded single berth (relaxation time about
    E[S] / (1 − √ρ)²) pass a longer ``warmup_hours``.
Statistics
    Each replication yields one mean wait per call; :mod:`berthplan.simulation.replications`
    holds what a replication measures and the summary over replications (a 95 % Student-t
    interval over at least two independent replications).

Example
-------
>>> spec = PoolSpec(berths=2, arrival_rate=1.0, service_hours=1.5, arrival_shape=1,
...                 service_shape=1, hours=2000.0)
>>> result = simulate_pool(spec, replications=5, seed=7)
>>> result.replications
5
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from berthplan.simulation.replications import ReplicationStats, SimResult, summarise

__all__ = [
    "WARMUP_FRACTION",
    "PoolSpec",
    "replication_seeds",
    "simulate_pool",
    "simulate_replication",
]

WARMUP_FRACTION = 0.1
"""Default warm-up as a fraction of the measured horizon ``hours``."""

_ARRIVAL_STREAM = 0
_SERVICE_STREAM = 1


def _is_int(value: object) -> bool:
    # bool is an int subclass but never a sensible count or shape.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True)
class PoolSpec:
    """One berth pool: ``n`` FCFS berths with Erlang interarrival and service times.

    Parameters
    ----------
    berths : int
        Number of berths ``n`` (at least 1).
    arrival_rate : float
        Calls per hour, λ.
    service_hours : float
        Mean service time E[S] in hours.
    arrival_shape : int
        Erlang shape of the interarrival times: 1 = Poisson arrivals (M), 2 = E2.
    service_shape : int
        Erlang shape of the service times: 1 = exponential (M), 2 = E2. Still validated, but
        unused when ``deterministic_service`` is set.
    hours : float
        Measured horizon of one replication in hours (e.g. operating hours per year).
    deterministic_service : bool, default False
        Every ship occupies its berth for exactly ``service_hours`` (D in Kendall notation).

    Raises
    ------
    ValueError
        If a count or shape is not an integer ≥ 1 or a rate or duration is not positive and
        finite. Stability (ρ < 1) is checked when simulating, so an overloaded pool can
        still be described and its :attr:`occupancy` reported.
    """

    berths: int
    arrival_rate: float
    service_hours: float
    arrival_shape: int
    service_shape: int
    hours: float
    deterministic_service: bool = False

    def __post_init__(self) -> None:
        for name in ("berths", "arrival_shape", "service_shape"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        _positive("arrival_rate", self.arrival_rate)
        _positive("service_hours", self.service_hours)
        _positive("hours", self.hours)
        if not isinstance(self.deterministic_service, bool):
            msg = f"deterministic_service must be a bool, got {self.deterministic_service!r}"
            raise ValueError(msg)

    @property
    def occupancy(self) -> float:
        """Offered occupancy ρ = λ·E[S]/n (the long-run busy fraction when ρ < 1)."""
        return self.arrival_rate * self.service_hours / self.berths

    def check_stable(self) -> None:
        """Raise :class:`ValueError` unless ρ < 1.

        Raises
        ------
        ValueError
            If ρ ≥ 1: the queue then grows without bound and has no steady-state wait.
        """
        rho = self.occupancy
        if rho >= 1:
            raise ValueError(
                f"unstable pool: occupancy rho = arrival_rate * service_hours / berths = "
                f"{self.arrival_rate:g} * {self.service_hours:g} / {self.berths} = {rho:.4f} "
                f">= 1, so the queue grows without bound; add berths or lower the load"
            )


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The seed sequences of replications ``0 … replications − 1`` for ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative master seed.
    replications : int
        Number of child sequences.

    Returns
    -------
    list of numpy.random.SeedSequence
        ``SeedSequence(seed).spawn(replications)``; child ``i`` is the same for any
        ``replications > i``, and each is picklable for running in another process.
    """
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not _is_int(replications) or replications < 0:
        raise ValueError(f"replications must be a non-negative integer, got {replications!r}")
    return np.random.SeedSequence(seed).spawn(replications)


def _substream(seq: np.random.SeedSequence, key: int) -> np.random.Generator:
    # Built by hand rather than seq.spawn(), which would mutate the caller's sequence and make
    # a second call with the same object draw different numbers.
    child = np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, key), pool_size=seq.pool_size
    )
    return np.random.Generator(np.random.PCG64(child))


def _arrival_gaps(rng: np.random.Generator, spec: PoolSpec, end: float) -> NDArray[np.float64]:
    """Erlang interarrival gaps whose running sum stays below ``end`` (the last arrival)."""
    k = spec.arrival_shape
    scale = 1.0 / (k * spec.arrival_rate)  # Erlang-k with mean 1/λ
    expected = spec.arrival_rate * end
    chunk = int(expected + 5.0 * math.sqrt(expected) + 16)  # rarely needs a second draw
    gaps = rng.standard_gamma(k, size=chunk) * scale
    times = np.cumsum(gaps)
    while times[-1] < end:
        more = rng.standard_gamma(k, size=chunk) * scale
        gaps = np.concatenate((gaps, more))
        times = np.cumsum(gaps)
    # np.cumsum adds sequentially, as SimPy advances its clock, so arrival i lands at times[i].
    return gaps[: int(np.searchsorted(times, end, side="left"))]


def simulate_replication(
    spec: PoolSpec,
    seed: int | np.random.SeedSequence,
    warmup_hours: float | None = None,
) -> ReplicationStats:
    """Simulate one replication: warm-up, then the measured window of ``spec.hours``.

    Parameters
    ----------
    spec : PoolSpec
        The pool.
    seed : int or numpy.random.SeedSequence
        This replication's seed sequence (normally one of :func:`replication_seeds`); an int
        ``s`` means ``SeedSequence(s)``, which is *not* replication 0 of master seed ``s``.
    warmup_hours : float, optional
        Discarded warm-up before the window; default ``WARMUP_FRACTION * spec.hours``.

    Returns
    -------
    ReplicationStats
        Calls, total wait and occupancy of the ships arriving in the window.

    Raises
    ------
    ValueError
        If the pool is unstable (ρ ≥ 1) or ``warmup_hours`` is negative or not finite.
    """
    spec.check_stable()
    warmup = _warmup(spec, warmup_hours)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    end = warmup + spec.hours

    gaps = _arrival_gaps(_substream(seq, _ARRIVAL_STREAM), spec, end)
    count = gaps.size
    k = spec.service_shape
    if spec.deterministic_service:
        service = np.full(count, float(spec.service_hours))
    else:
        service = _substream(seq, _SERVICE_STREAM).standard_gamma(k, size=count) * (
            spec.service_hours / k
        )

    arrived = np.empty(count)
    started = np.empty(count)
    env = simpy.Environment()
    berths = simpy.Resource(env, capacity=spec.berths)

    def ship(i: int, hours: float) -> Generator[simpy.Event, Any, None]:
        arrived[i] = env.now
        with berths.request() as request:
            yield request
            started[i] = env.now
            yield env.timeout(hours)

    def source() -> Generator[simpy.Event, Any, None]:
        for i, (gap, hours) in enumerate(zip(gaps.tolist(), service.tolist(), strict=True)):
            yield env.timeout(gap)
            env.process(ship(i, hours))

    env.process(source())
    env.run()  # until every ship has been served

    measured = arrived >= warmup  # all arrivals are < end by construction
    waits = started[measured] - arrived[measured]
    # Busy time clipped to the window; warm-up ships still berthed at its start count too.
    busy = np.minimum(started + service, end) - np.maximum(started, warmup)
    busy_hours = math.fsum(busy[busy > 0].tolist())
    return ReplicationStats(
        calls=int(measured.sum()),
        total_wait_hours=math.fsum(waits.tolist()),
        occupancy=busy_hours / (spec.berths * spec.hours),
    )


def _warmup(spec: PoolSpec, warmup_hours: float | None) -> float:
    if warmup_hours is None:
        return WARMUP_FRACTION * spec.hours
    if not (
        isinstance(warmup_hours, numbers.Real) and math.isfinite(warmup_hours) and warmup_hours >= 0
    ):
        raise ValueError(f"warmup_hours must be a finite number >= 0, got {warmup_hours!r}")
    return float(warmup_hours)


def simulate_pool(
    spec: PoolSpec,
    replications: int,
    seed: int,
    warmup_hours: float | None = None,
) -> SimResult:
    """Simulate ``replications`` independent replications of a pool and summarise them.

    Equivalent to :func:`summarise` over :func:`simulate_replication` for each of
    :func:`replication_seeds` ``(seed, replications)``; run those pieces yourself to spread
    replications over processes.

    Parameters
    ----------
    spec : PoolSpec
        The pool; must be stable (ρ < 1).
    replications : int
        Number of independent replications, at least 2.
    seed : int
        Non-negative master seed; same spec, replications and seed give identical floats.
    warmup_hours : float, optional
        Discarded warm-up per replication; default ``WARMUP_FRACTION * spec.hours``.

    Returns
    -------
    SimResult
        Mean wait (hours and ratio to E[S]) with 95 % intervals, calls and occupancy.

    Raises
    ------
    ValueError
        If the pool is unstable, ``replications < 2``, ``seed`` is negative, or
        ``warmup_hours`` is invalid.
    """
    spec.check_stable()
    if not _is_int(replications) or replications < 2:
        raise ValueError(
            f"replications must be an integer >= 2 (the interval is over replications), "
            f"got {replications!r}"
        )
    warmup = _warmup(spec, warmup_hours)
    seeds = replication_seeds(seed, replications)
    return summarise(spec, [simulate_replication(spec, s, warmup) for s in seeds])

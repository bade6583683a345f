"""What a replication measures, and the summary over replications with confidence intervals.

Each replication of :func:`~berthplan.simulation.queue_sim.simulate_replication` yields one
:class:`ReplicationStats` (calls, total wait and occupancy in its measured window);
:func:`summarise` merges them into a :class:`SimResult`: the mean over replications with a
95 % Student-t interval (``replications − 1`` degrees of freedom). At least two replications
are required (no batch means within one run): independent replications keep the interval
honest without choosing a batch size. The wait ratio divides by the spec's E[S], not by the
sampled service times. Sums over replications use :func:`math.fsum`, which is exactly rounded,
so merging replication results in any order gives identical floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scipy import stats

if TYPE_CHECKING:
    from berthplan.simulation.queue_sim import PoolSpec

CONFIDENCE = 0.95
"""Two-sided confidence level of the intervals in :class:`SimResult`."""


@dataclass(frozen=True)
class ReplicationStats:
    """What one replication measured in its window; merge several with :func:`summarise`.

    Attributes
    ----------
    calls : int
        Ships that arrived in the measured window.
    total_wait_hours : float
        Their total waiting time (arrival to berthing), ship-hours.
    occupancy : float
        Busy berth-hours in the window divided by ``berths × hours``.
    """

    calls: int
    total_wait_hours: float
    occupancy: float

    @property
    def mean_wait_hours(self) -> float:
        """Mean wait per measured call in hours (NaN when no call arrived)."""
        return self.total_wait_hours / self.calls if self.calls else math.nan


@dataclass(frozen=True)
class SimResult:
    """Summary over replications; intervals are 95 % Student-t over replications.

    Attributes
    ----------
    replications : int
        Number of replications merged.
    calls : float
        Mean number of measured calls per replication.
    wait_ratio, wait_ratio_low, wait_ratio_high : float
        Mean over replications of (mean wait / E[S]) and its confidence interval.
    wait_hours, wait_hours_low, wait_hours_high : float
        Mean wait per call in hours and its confidence interval.
    total_wait_hours : float
        Mean over replications of the total waiting ship-hours in the window.
    occupancy : float
        Mean simulated busy fraction of the berths.
    """

    replications: int
    calls: float
    wait_ratio: float
    wait_ratio_low: float
    wait_ratio_high: float
    wait_hours: float
    wait_hours_low: float
    wait_hours_high: float
    total_wait_hours: float
    occupancy: float


def _interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and two-sided Student-t interval, independent of the order of ``values``."""
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def summarise(spec: PoolSpec, replications: Sequence[ReplicationStats]) -> SimResult:
    """Merge replications (in any order, from any process) into a :class:`SimResult`.

    Parameters
    ----------
    spec : PoolSpec
        The pool the replications simulated (its E[S] scales the wait ratio).
    replications : sequence of ReplicationStats
        At least two replications, each with at least one measured call.

    Returns
    -------
    SimResult
        Means over replications with 95 % Student-t intervals for the wait.

    Raises
    ------
    ValueError
        With fewer than two replications or a replication without calls.
    """
    n = len(replications)
    if n < 2:
        raise ValueError(
            f"need at least 2 replications for a confidence interval, got {n}; "
            f"the interval is Student-t over independent replications"
        )
    if any(r.calls == 0 for r in replications):
        raise ValueError(
            "a replication had no calls in its window, so its mean wait is undefined; "
            f"lengthen hours (now {spec.hours:g}) or check arrival_rate"
        )
    wait, low, high = _interval([r.mean_wait_hours for r in replications])
    es = spec.service_hours
    return SimResult(
        replications=n,
        calls=math.fsum(r.calls for r in replications) / n,
        wait_ratio=wait / es,
        wait_ratio_low=low / es,
        wait_ratio_high=high / es,
        wait_hours=wait,
        wait_hours_low=low,
        wait_hours_high=high,
        total_wait_hours=math.fsum(r.total_wait_hours for r in replications) / n,
        occupancy=math.fsum(r.occupancy for r in replications) / n,
    )

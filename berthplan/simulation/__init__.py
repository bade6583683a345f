"""Discrete-event re-simulation of berth pools (SimPy), to check analytic waiting times."""

from __future__ import annotations

from berthplan.simulation.queue_sim import (
    PoolSpec,
    replication_seeds,
    simulate_pool,
    simulate_replication,
)
from berthplan.simulation.replications import ReplicationStats, SimResult, summarise

__all__ = [
    "PoolSpec",
    "ReplicationStats",
    "SimResult",
    "replication_seeds",
    "simulate_pool",
    "simulate_replication",
    "summarise",
]

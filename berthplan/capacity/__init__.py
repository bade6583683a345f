"""Queueing models of berth pools: waiting time over service time and capacity at a service level.

Pure numerics on numpy and scipy; nothing else from berthplan is imported. See
:mod:`berthplan.capacity.queues` for the models and their accuracy,
:mod:`berthplan.capacity.occupancy` for the inverse (capacity at a service level).

Examples
--------
>>> from berthplan.capacity import wait_ratio, max_occupancy
>>> round(wait_ratio("M/E2/n", 1, 0.5), 12)
0.75
>>> rho_star = max_occupancy("E2/E2/n", 7, 0.10)
"""

from berthplan.capacity.occupancy import max_occupancy, max_occupancy_curve
from berthplan.capacity.queues import (
    MAX_BERTHS,
    MODELS,
    TABLE_RHO_MAX,
    TABLE_STEP,
    erlang_c,
    mean_wait_hours,
    wait_ratio,
    wait_ratio_interp,
    wait_ratio_table,
)

__all__ = [
    "MAX_BERTHS",
    "MODELS",
    "TABLE_RHO_MAX",
    "TABLE_STEP",
    "erlang_c",
    "max_occupancy",
    "max_occupancy_curve",
    "mean_wait_hours",
    "wait_ratio",
    "wait_ratio_interp",
    "wait_ratio_table",
]

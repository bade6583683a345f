"""The service-level figure: occupancy and W/S against the limit, per queue pool and year.

Drawn from ``queues.csv`` of a plan with service levels. With many pools (generated national
instances have hundreds) only the ``MAX_PANELS`` pools closest to their limit are drawn, and
the title says how many were left out.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from berthplan.results.plan import Plan
from berthplan.viz.style import figure, style, years_axis

__all__ = ["MAX_PANELS", "queues_figure", "tightest_pools"]

MAX_PANELS = 12
OCCUPANCY, RATIO, LIMIT = "#8fb3d9", "#c44e52", "#555555"


def tightest_pools(queues: pd.DataFrame, count: int = MAX_PANELS) -> list[tuple[str, str]]:
    """The (area, cargo) pools whose W/S comes closest to the limit in some year, closest first."""
    q = queues.assign(
        _use=queues["wait_ratio"].astype(float) / queues["max_wait_ratio"].astype(float)
    )
    worst = q.groupby(["area", "cargo"], sort=False)["_use"].max()
    order = worst.sort_values(ascending=False, kind="stable")
    return [(str(a), str(c)) for a, c in order.index[:count]]


def queues_figure(plan: Plan) -> Figure:
    """Per queue pool: occupancy (bars) and W/S (line) per year, against the W/S limit (dashed).

    Raises
    ------
    KeyError
        When the plan has no queues table (an instance without service levels).
    """
    queues = plan.tables["queues"]
    pools = tightest_pools(queues)
    total = queues.groupby(["area", "cargo"]).ngroups
    with style():
        cols = 2 if len(pools) > 1 else 1
        rows = max(1, math.ceil(len(pools) / cols))
        fig = figure(2.4 * rows + 0.5)
        axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
        shown = (
            f" ({len(pools)} of {total} pools, closest to their limit)"
            if total > len(pools)
            else ""
        )
        fig.suptitle(
            f"Service levels: occupancy and W/S against the limit{shown}: {plan.get('instance.name')}"
        )
        handles: list[Any] = []
        for ax, (area, cargo) in zip(axes, pools, strict=False):
            rows_of = queues[(queues["area"] == area) & (queues["cargo"] == cargo)]
            handles = _panel(ax, rows_of, area, cargo) or handles
        for ax in axes[len(pools) :]:
            ax.set_axis_off()
        if handles:
            labels = ["occupancy (left axis)", "W/S (right axis)", "W/S limit (right axis)"]
            fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


def _panel(ax: Axes, rows: pd.DataFrame, area: str, cargo: str) -> list[Any]:
    years = [int(y) for y in rows["year"]]
    ax.bar(years, rows["occupancy"].astype(float), color=OCCUPANCY, label="occupancy")
    ax.set_ylim(0, 1)
    ax.set_ylabel("occupancy")
    right = ax.twinx()
    ratio = rows["wait_ratio"].astype(float)
    right.plot(years, ratio, color=RATIO, marker="o", markersize=3, label="W/S")
    limit = float(rows["max_wait_ratio"].iloc[0])
    right.axhline(limit, color=LIMIT, linestyle="--", linewidth=1, label=f"W/S limit {limit:g}")
    right.set_ylim(0, max(limit, float(ratio.max())) * 1.25)
    right.set_ylabel("W/S")
    berths = ", ".join(f"{int(n)}" for n in dict.fromkeys(rows["berths"]))
    ax.set_title(f"{area} / {cargo}: {rows['queue'].iloc[0]}, berths {berths}")
    years_axis(ax, years)
    return list(ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0])

"""The chart of an evaluation: the distribution of a plan's cost over demand scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from berthplan.viz.style import empty, figure, png_bytes, style


def cost_distribution_png(rows: pd.DataFrame, money_unit: str, title: str) -> bytes:
    """Cumulative distribution of cost (probability-weighted), with the mean and 5-95 %."""
    ok = rows[rows["status"].isin(["optimal", "feasible", "infeasible"])]
    with style():
        fig = figure(4.0)
        ax = fig.add_subplot()
        if ok.empty:
            empty(ax, "no scenario has a plan")
            return png_bytes(fig)
        cost = ok["cost"].to_numpy(dtype=float)
        p = ok["probability"].to_numpy(dtype=float)
        order = np.argsort(cost, kind="stable")
        cum = np.cumsum(p[order]) / p.sum()
        ax.step(cost[order], cum, where="post", color="C0", label="cost")
        mean = float(p @ cost / p.sum())
        ax.axvline(mean, color="C1", linestyle="--", label=f"mean {mean:,.1f}")
        for q in (0.05, 0.95):
            v = cost[order][min(int(np.searchsorted(cum, q - 1e-12)), len(cost) - 1)]
            ax.axvline(v, color="0.5", linestyle=":", label=f"p{round(q * 100):02d} {v:,.1f}")
        ax.set_xlabel(f"total discounted cost ({money_unit})", parse_math=False)
        ax.set_ylabel("probability cost is at most x")
        ax.set_ylim(0, 1.02)
        ax.set_title(title, loc="left", parse_math=False)
        ax.legend(loc="lower right", frameon=False)
        return png_bytes(fig)

"""The report's own charts: capex against budget, the objective, routes, ports, overlays.

Same conventions as :mod:`berthplan.viz.figures`: a :class:`~matplotlib.figure.Figure` with its
own Agg canvas, the fixed style, sizes that grow with the content but stay legible at a
1,400-pixel page (the ports' panels are capped; the rest of the ports are in a table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from berthplan.results.plan import Plan
from berthplan.viz.context import Context
from berthplan.viz.figures import HARD, SCALE, SOFT, targets_of
from berthplan.viz.style import WIDE, empty, figure, style, years_axis

__all__ = [
    "AT_BUDGET",
    "NEAR_BUDGET",
    "OVERLAY_METRICS",
    "budget_figure",
    "budget_state",
    "objective_figure",
    "overlay_figure",
    "ports_figure",
    "routes_figure",
]

AT_BUDGET = 1e-6
"""A year whose capex is within this share of its budget spends exactly its budget."""
NEAR_BUDGET = 0.95
"""A year spending at least this share of its budget is close to it."""
OVERLAY_METRICS: dict[str, tuple[str, str]] = {
    "cargo_tons": ("cargo handled (cargo_tons)", "Mt"),
    "container_teu": ("containers served (container_teu)", "M TEU"),
    "berths_10k": ("10,000-t-class berths (berths_10k)", "berths"),
    "new_routes": ("routes opened (new_routes)", "routes"),
    "capex": ("capex spent (undiscounted)", "money"),
    "discounted_cost": ("discounted cost per year", "money"),
}
"""The metrics of the comparison's overlaid charts (kpis.csv columns): title and unit."""
_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")


def budget_state(capex: float, budget: float | None) -> str:
    """``at budget``, ``near`` (>= 95 %), ``within`` or ``over``; ``""`` with no budget."""
    if budget is None or pd.isna(budget):
        return ""
    if capex > budget * (1 + AT_BUDGET) + 1e-9:
        return "over"
    if capex >= budget * (1 - AT_BUDGET) - 1e-9:
        return "at budget"
    return "near" if budget > 0 and capex >= NEAR_BUDGET * budget else "within"


def budget_figure(plan: Plan, ctx: Context) -> Figure:
    """Capex spent per year (kpis.csv, sunk spend excluded) against the budget line."""
    with style():
        k = plan.table("kpis")
        years = [int(y) for y in k["year"]]
        capex = k["capex"].astype(float).fillna(0.0).tolist()
        fig = figure(3.8)
        ax = fig.add_subplot()
        ax.set_title("Capex spent per year against the budget (undiscounted)")
        states = [budget_state(c, ctx.budget.get(y)) for y, c in zip(years, capex, strict=True)]
        color = {"at budget": HARD, "over": "#7f0000", "near": SOFT}
        ax.bar(years, capex, color=[color.get(s, "#4c72b0") for s in states], label="capex")
        if ctx.budget:
            by = sorted(ctx.budget)
            xs = [x for y in by for x in (y - 0.45, y + 0.45)]
            ys = [ctx.budget[y] for y in by for _ in (0, 1)]
            for i in range(0, len(xs), 2):  # one segment per year: a gap between years
                ax.plot(xs[i : i + 2], ys[i : i + 2], color="0.1", linewidth=2.2)
            ax.plot([], [], color="0.1", linewidth=2.2, label="budget")
        for y, c, s in zip(years, capex, states, strict=True):
            if s in ("at budget", "over"):
                ax.annotate(
                    s,
                    (y, c),
                    (0, 3),
                    textcoords="offset points",
                    ha="center",
                    color=color[s],
                    fontweight="bold",
                )
        handles, _ = ax.get_legend_handles_labels()
        handles += [Patch(color=HARD, label="year at its budget")]
        handles += [Patch(color=SOFT, label=f"year at {NEAR_BUDGET:.0%}+ of its budget")]
        years_axis(ax, years)
        ax.set_ylabel(ctx.money)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.margins(y=0.12)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def objective_figure(parts: Sequence[tuple[str, float]], money: str) -> Figure:
    """The objective's parts (discounted money) as horizontal bars, values written beside."""
    with style():
        fig = figure(0.9 + 0.32 * max(1, len(parts)))
        ax = fig.add_subplot()
        ax.set_title("Total discounted cost by part")
        if not parts:
            empty(ax, "no cost breakdown recorded")
            return fig
        labels = [p for p, _ in parts]
        values = [v for _, v in parts]
        ax.barh(
            range(len(parts)), values, color=["#55a868" if v < 0 else "#4c72b0" for v in values]
        )
        ax.set_yticks(range(len(parts)), labels=labels)
        ax.set_ylim(len(parts) - 0.5, -0.5)
        ax.axvline(0, color="0.3", linewidth=0.8)
        for i, v in enumerate(values):
            ax.annotate(
                f"{v:,.1f}", (max(v, 0), i), (4, 0), textcoords="offset points", va="center"
            )
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel(f"discounted {money}")
        ax.margins(x=0.15)
    return fig


def routes_figure(plan: Plan) -> Figure:
    """Candidate routes opened per year (routes.csv), with the TEU they offer."""
    with style():
        r = plan.table("routes")
        opened = r[r["decision"] == "open"]
        years = [int(y) for y in plan.table("kpis").dropna(subset=["cargo_tons"])["year"]]
        counts = opened.groupby("open_year").size().reindex(years, fill_value=0)
        fig = figure(3.2)
        ax = fig.add_subplot()
        ax.set_title("Candidate routes opened per year")
        if opened.empty:
            empty(ax, "no candidate route is opened")
            return fig
        ax.bar(years, counts.tolist(), color="#dd8452")
        for y, n in zip(years, counts.tolist(), strict=True):
            if n:
                ax.annotate(str(n), (y, n), (0, 2), textcoords="offset points", ha="center")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("routes opened")
        ax.margins(y=0.15)
        years_axis(ax, years)
    return fig


def ports_figure(plan: Plan, ports: Sequence[str], tons_per_teu: float) -> Figure:
    """One panel per port: throughput against capacity in tonnes (TEU at ``tons_per_teu``).

    Throughput bars are split into containers and other cargo; the capacity line is the
    capacity of capacity.csv in tonnes; port targets on ``cargo_tons`` are marked.
    """
    with style():
        cols = 3 if len(ports) > 2 else max(1, len(ports))
        rows = max(1, math.ceil(len(ports) / cols))
        fig = figure(2.3 * rows + 0.6, WIDE)
        axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
        fig.suptitle("Per port: throughput and capacity in Mt (containers at tons per TEU)")
        cap = plan.table("capacity")
        years = sorted({int(y) for y in cap["year"]})
        for ax, port in zip(axes, ports, strict=False):
            c = cap[cap["port"] == port]
            factor = c["unit"].map({"TEU": tons_per_teu}).fillna(1.0) * 1e-6
            box = (
                c[["capacity", "throughput"]]
                .mul(factor, axis=0)
                .assign(year=c["year"], teu=c["unit"] == "TEU")
            )
            teu = box[box["teu"]].groupby("year")["throughput"].sum().reindex(years, fill_value=0)
            rest = box[~box["teu"]].groupby("year")["throughput"].sum().reindex(years, fill_value=0)
            total = box.groupby("year")["capacity"].sum().reindex(years, fill_value=0)
            ax.bar(years, rest.tolist(), color="#8fb3d9", label="other cargo handled")
            ax.bar(
                years,
                teu.tolist(),
                bottom=rest.tolist(),
                color="#4c72b0",
                label="containers served (t)",
            )
            ax.plot(years, total.tolist(), "o-", color="0.15", ms=2.5, label="capacity")
            t = targets_of(plan, "cargo_tons", port)
            for hard, color in ((True, HARD), (False, SOFT)):
                sel = t[t["hard"] == hard]
                if not sel.empty:
                    ax.scatter(
                        sel["year"].astype(int),
                        sel["target"].astype(float) * 1e-6,
                        marker="_",
                        s=160,
                        linewidths=2.2,
                        color=color,
                        zorder=3,
                        label="cargo_tons target (" + ("hard)" if hard else "soft)"),
                    )
            ax.set_title(port)
            years_axis(ax, years, most=8)
            ax.tick_params(labelsize=7.5)
        for ax in axes[len(ports) :]:
            ax.set_axis_off()
        handles: dict[str, Artist] = {}
        for ax in axes:
            for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, h)
        fig.legend(
            list(handles.values()), list(handles.keys()), loc="outside lower center", ncols=5
        )
    return fig


def overlay_figure(labels: Sequence[str], plans: Sequence[Plan], money: str) -> Figure:
    """One panel per metric of :data:`OVERLAY_METRICS`, one line per plan (kpis.csv)."""
    with style():
        fig = figure(8.4)
        axes = fig.subplots(3, 2).ravel().tolist()
        fig.suptitle("The plans overlaid: one line per plan")
        for ax, (metric, (title, unit)) in zip(axes, OVERLAY_METRICS.items(), strict=True):
            scale = SCALE.get(metric, (1.0, unit))[0]
            every: set[int] = set()
            for i, (label, plan) in enumerate(zip(labels, plans, strict=True)):
                k = plan.table("kpis")
                k = k[k[metric].notna()]
                years = [int(y) for y in k["year"]]
                every |= set(years)
                style_ = "-" if i == 0 else ("--", "-.", ":")[(i - 1) % 3]
                ax.plot(
                    years,
                    k[metric].astype(float) * scale,
                    style_,
                    marker="o",
                    ms=3,
                    color=_COLORS[i % len(_COLORS)],
                    label=label,
                    linewidth=1.6,
                )
            ax.set_title(title)
            ax.set_ylabel(money if unit == "money" else unit)
            years_axis(ax, sorted(every), most=8)
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=min(4, len(names)))
    return fig

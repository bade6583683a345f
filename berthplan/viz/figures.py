"""Figures of a plan folder's tables: construction Gantt chart, capacity, KPIs, spending, targets.

Drawn headless without touching matplotlib's backend: every figure is a
:class:`matplotlib.figure.Figure` with its own Agg canvas, never made through pyplot, so a
notebook keeps its inline backend (a Figure displays inline as it is). Output is deterministic: matplotlib's default
style plus fixed rcParams (``svg.hashsalt`` included), fixed sizes and dpi, and PNGs without
the ``Software`` metadata (Agg writes no timestamp).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from berthplan.errors import UsageError
from berthplan.results import atomic
from berthplan.results.folder import read_plan, records
from berthplan.results.plan import Plan
from berthplan.viz.style import DPI, WIDE, empty, figure, png_bytes, style, years_axis

__all__ = [
    "DPI",
    "FIGURES",
    "capacity_figure",
    "gantt_figure",
    "kpi_figure",
    "number",
    "plot_plan",
    "png_bytes",
    "spending_figure",
    "target_rows",
    "targets_figure",
    "targets_of",
    "tons_per_teu",
]

CARGO_ORDER = ("container", "dry_bulk", "liquid_bulk", "lng", "grain", "general", "ro_ro")
STAGES = ("ongoing", "new", "preliminary", "candidate")
STAGE_COLORS = dict(zip(STAGES, ("#4c72b0", "#55a868", "#dd8452", "#8172b3"), strict=True))
HARD, SOFT = "#c44e52", "#e6a000"
METRICS = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
SCALE = {"cargo_tons": (1e-6, "Mt"), "container_teu": (1e-6, "M TEU"), "t": (1e-6, "Mt")}
SCALE |= {"TEU": (1e-6, "M TEU"), "berths_10k": (1.0, "berths"), "new_routes": (1.0, "routes")}


def _horizon(plan: Plan) -> list[int]:
    k = plan.table("kpis")
    return [int(y) for y in k.loc[k["cargo_tons"].notna(), "year"]]


def _built(plan: Plan) -> list[dict[str, Any]]:
    """The built projects, by port (in order of appearance), then start year."""
    p = plan.table("projects")
    rank = {port: i for i, port in enumerate(dict.fromkeys(p["port"]))}
    built = p[p["decision"] == "build"].assign(_rank=lambda d: d["port"].map(rank))
    return records(built.sort_values(["_rank", "start_year"], kind="stable"))


def _gantt_axes(ax: Axes, rows: list[dict[str, Any]], horizon: list[int]) -> None:
    """Labels, port separators, horizon shading, year ticks and the stage legend."""
    labels = [f"{r['port']}: {_short(r['name'] or r['project_id'], 42)}" for r in rows]
    ax.set_yticks(range(len(rows)), labels=labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    for i in range(1, len(rows)):
        if rows[i]["port"] != rows[i - 1]["port"]:
            ax.axhline(i - 0.5, color="0.6", linewidth=0.6)
    if horizon:
        ax.axvspan(horizon[0], horizon[-1] + 1, color="0.93", zorder=0)
    first = min([r["start_year"] for r in rows] + horizon[:1])
    years_axis(ax, list(range(first, max(r["completion_year"] for r in rows) + 1)), 0.5, 12)
    stages = {str(r["stage"]) for r in rows}
    handles = [Patch(color=c, label=f"stage {s}") for s, c in STAGE_COLORS.items() if s in stages]
    handles.append(Patch(color="0.93", label="planning horizon"))
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    ax.set_xlabel("construction years (bar: start year to completion year)")


def gantt_figure(plan: Plan, limit: int | None = None) -> Figure:
    """Construction of the built projects by port, coloured by stage.

    A bar per project covers its construction years, from ``start_year`` to
    ``completion_year`` (projects.csv); the planning horizon is shaded. With ``limit``, only
    the ``limit`` built projects of the largest capex are drawn (the title says so), so the
    chart stays legible for thousands of projects.
    """
    with style():
        rows = _built(plan)
        title = f"Construction schedule by port: {plan.get('instance.name')}"
        if limit is not None and len(rows) > limit:
            keep = sorted(range(len(rows)), key=lambda i: -float(rows[i]["capex"]))[:limit]
            title += f" (the {limit} largest by capex of {len(rows)} built projects)"
            rows = [rows[i] for i in sorted(keep)]
        fig = figure(max(2.4, 1.5 + 0.3 * len(rows)), WIDE)
        ax = fig.add_subplot()
        ax.set_title(title)
        if not rows:
            empty(ax, "no project is built")
            return fig
        for i, r in enumerate(rows):
            start, width = r["start_year"], r["completion_year"] - r["start_year"] + 1
            ax.barh(i, width, left=start, color=STAGE_COLORS.get(r["stage"], "0.5"))
        _gantt_axes(ax, rows, _horizon(plan))
    return fig


def _short(text: object, n: int = 40) -> str:
    text = text if isinstance(text, str) else ""  # an empty name reads back as missing
    return text if len(text) <= n else text[: n - 1] + "…"


def targets_of(plan: Plan, metric: str, port: str | None) -> pd.DataFrame:
    """The rows of targets.csv on ``metric`` for ``port`` (None: the province)."""
    t = plan.table("targets")
    scope = t["port"].isna() if port is None else t["port"] == port
    return t[(t["metric"] == metric) & scope]


def _draw_targets(ax: Axes, targets: pd.DataFrame, scale: float) -> None:
    """Each target as a short bar at its level, hard red, soft amber; a missed one gets a
    red triangle above it (a marker, not a word: words overlap when many years are short)."""
    width = 500 if len(set(targets["year"])) <= 16 else 150
    for hard, color, label in ((True, HARD, "target (hard)"), (False, SOFT, "target (soft)")):
        sel = targets[targets["hard"] == hard]
        if not sel.empty:
            x, y = [int(v) for v in sel["year"]], [float(v) * scale for v in sel["target"]]
            ax.scatter(
                x, y, marker="_", s=width, linewidths=2.5, color=color, label=label, zorder=3
            )
    short = targets[targets["shortfall"] > 0]
    if not short.empty:
        x, y = [int(v) for v in short["year"]], [float(v) * scale for v in short["target"]]
        ax.scatter(x, y, marker="v", s=28, color=HARD, label="target missed (short)", zorder=4)


def _legend(fig: Figure, axes: list[Axes]) -> None:
    """One legend for the figure, below the panels, with every label once."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if entries:
        fig.legend(entries.values(), entries.keys(), loc="outside lower center", ncols=6)


def _panel(
    ax: Axes, series: pd.DataFrame, unit: str, title: str, targets: pd.DataFrame | None = None
) -> None:
    """Throughput bars and capacity line per year (``series`` indexed by year), targets."""
    scale, label = SCALE[unit]
    years = [int(y) for y in series.index]
    ax.bar(years, series["throughput"] * scale, color="#8fb3d9", label="throughput")
    if "capacity" in series:
        ax.plot(years, series["capacity"] * scale, "o-", color="0.2", ms=3, label="capacity")
    if targets is not None:
        _draw_targets(ax, targets, scale)
    ax.set_title(title)
    ax.set_ylabel(label)
    years_axis(ax, years, most=8)


def tons_per_teu(plan: Plan) -> float:
    """``tons_per_teu`` of the instance, recovered from kpis.csv and capacity.csv (0 if no TEU)."""
    cap = plan.table("capacity")
    tons = cap[cap["unit"] != "TEU"].groupby("year")["throughput"].sum()
    for r in records(plan.table("kpis")):
        if pd.notna(r["container_teu"]) and r["container_teu"] > 0:
            return float((r["cargo_tons"] - tons.get(r["year"], 0.0)) / r["container_teu"])
    return 0.0


def _tonnage(plan: Plan, port: str | None) -> pd.DataFrame:
    """Capacity and throughput in tonnes of a port or the province, TEU at tons_per_teu."""
    cap = plan.table("capacity")
    cap = cap if port is None else cap[cap["port"] == port]
    factor = cap["unit"].map({"TEU": tons_per_teu(plan)}).fillna(1.0)
    cols = ["capacity", "throughput"]
    tonnes = cap[cols].mul(factor, axis=0).assign(year=cap["year"]).groupby("year").sum()
    return tonnes.reindex(_horizon(plan), fill_value=0.0)


def _class_series(plan: Plan, cargo: str, port: str | None = None) -> pd.DataFrame:
    cap = plan.table("capacity")
    cap = cap if port is None else cap[cap["port"] == port]
    return cap[cap["cargo"] == cargo].groupby("year")[["capacity", "throughput"]].sum()


Panel = tuple[str, pd.DataFrame, str, "pd.DataFrame | None"]


def _capacity_panels(plan: Plan, ports: bool = True) -> list[Panel]:
    """Title, series (capacity, throughput by year), unit and targets of every panel."""
    cap, t = plan.table("capacity"), plan.table("targets")
    present = set(cap["cargo"])
    classes = [c for c in CARGO_ORDER if c in present] + sorted(present - set(CARGO_ORDER))
    panels: list[Panel] = []
    for cargo in classes:
        unit, teu = (
            ("TEU", targets_of(plan, "container_teu", None))
            if cargo == "container"
            else ("t", None)
        )
        panels.append((f"{cargo} (province)", _class_series(plan, cargo), unit, teu))
    tons = _tonnage(plan, None)
    tons["throughput"] = plan.table("kpis").set_index("year")["cargo_tons"].reindex(tons.index)
    panels.append(
        ("all cargo, tonnes (cargo_tons)", tons, "t", targets_of(plan, "cargo_tons", None))
    )
    ported = t[t["port"].notna() & t["metric"].isin(["cargo_tons", "container_teu"]) & ports]
    for metric, port in dict.fromkeys(zip(ported["metric"], ported["port"], strict=True)):
        tonnes = metric == "cargo_tons"
        series = _tonnage(plan, port) if tonnes else _class_series(plan, "container", port)
        panels.append((f"{port}: {metric}", series, metric, targets_of(plan, metric, port)))
    return panels


def capacity_figure(plan: Plan, ports: bool = True) -> Figure:
    """Capacity vs throughput per cargo class and year, with the targets.

    One panel per cargo class of capacity.csv, province totals (container with the TEU
    targets); one for all cargo in tonnes (kpis.csv ``cargo_tons``, capacity with TEU at the
    instance's tons per TEU) against the ``cargo_tons`` targets; one per port target unless
    ``ports`` is false (the report shows ports in a view of their own).
    """
    with style():
        panels = _capacity_panels(plan, ports)
        cols = 2 if len(panels) > 1 else 1
        rows = math.ceil(len(panels) / cols)
        fig = figure(2.6 * rows + 0.4)
        axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
        fig.suptitle(f"Capacity, throughput and targets: {plan.get('instance.name')}")
        for ax, (title, series, unit, targets) in zip(axes, panels, strict=False):
            _panel(ax, series, unit, title, targets)
        for ax in axes[len(panels) :]:
            ax.set_axis_off()
        _legend(fig, axes)
    return fig


def kpi_figure(plan: Plan) -> Figure:
    """The four province KPIs per horizon year (kpis.csv) against their targets."""
    with style():
        k = plan.table("kpis")
        k = k[k["cargo_tons"].notna()]
        fig = figure(5.6)
        axes = fig.subplots(2, 2).ravel().tolist()
        fig.suptitle(f"KPIs against province targets: {plan.get('instance.name')}")
        years = [int(y) for y in k["year"]]
        for ax, metric in zip(axes, METRICS, strict=True):
            scale, unit = SCALE[metric]
            ax.bar(years, k[metric].astype(float) * scale, color="#8fb3d9", label="plan")
            _draw_targets(ax, targets_of(plan, metric, None), scale)
            ax.set_title(metric)
            ax.set_ylabel(unit)
            years_axis(ax, years, most=8)
        _legend(fig, axes)
    return fig


def spending_figure(plan: Plan) -> Figure:
    """Yearly spending (kpis.csv, undiscounted money) stacked: capex, opex, route cost."""
    with style():
        k = plan.table("kpis")
        years = [int(y) for y in k["year"]]
        fig = figure(3.6)
        ax = fig.add_subplot()
        ax.set_title(f"Yearly spending (undiscounted): {plan.get('instance.name')}")
        bottom = pd.Series(0.0, index=k.index)
        colors = {"capex": "#4c72b0", "opex": "#55a868", "route_cost": "#dd8452"}
        for column, color in colors.items():
            values = k[column].astype(float).fillna(0.0)
            ax.bar(years, values, bottom=bottom, color=color, label=column.replace("_", " "))
            bottom = bottom + values
        horizon = _horizon(plan)
        if horizon and years and years[-1] > horizon[-1]:
            ax.axvspan(horizon[-1] + 0.5, years[-1] + 0.5, color="0.93", zorder=0)
            where = ax.get_xaxis_transform()
            ax.text(horizon[-1] + 0.6, 0.98, "after the horizon", transform=where, va="top")
        years_axis(ax, years)
        unit, year = plan.get("instance.money_unit"), plan.get("instance.price_year")
        ax.set_ylabel(f"{unit}, {year} prices" if unit else "money (the instance's money_unit)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def number(metric: str, value: Any) -> str:
    """``value`` of ``metric`` as text in its display unit (Mt, M TEU, berths, routes)."""
    if value is None or pd.isna(value):
        return ""
    scale, unit = SCALE[metric]
    v = float(value) * scale
    return f"{v:,.0f}" if scale == 1.0 and v == round(v) else f"{v:,.3f} {unit}"


def target_rows(plan: Plan) -> tuple[list[str], list[list[str]], list[str]]:
    """The targets of targets.csv as text: header, rows, and per row ``met``/``tight``/``short``."""
    header = ["year", "metric", "scope", "target", "achieved", "shortfall", "kind", "status"]
    rows, status = [], []
    for r in plan.table("targets").to_dict("records"):
        m = str(r["metric"])
        state = "short" if float(r["shortfall"]) > 0 else "tight" if r["binding"] else "met"
        scope = "province" if pd.isna(r["port"]) else str(r["port"])
        cells = [number(m, r[c]) for c in ("target", "achieved", "shortfall")]
        rows.append([str(r["year"]), m, scope, *cells, "hard" if r["hard"] else "soft", state])
        status.append(state)
    return header, rows, status


def targets_figure(plan: Plan) -> Figure:
    """The KPI-vs-target table (targets.csv) as a figure; short rows red, tight rows yellow."""
    with style():
        header, rows, status = target_rows(plan)
        fig = figure(0.5 + 0.22 * (len(rows) + 1))
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_title(f"KPIs against targets: {plan.get('instance.name')}")
        if not rows:
            empty(ax, "no targets")
            return fig
        shade = {"short": "#f4c7c3", "tight": "#fff2cc", "met": "white"}
        colours = [[shade[s]] * len(header) for s in status]
        box = Bbox.from_bounds(0, 0, 1, 1)
        table = ax.table(cellText=rows, colLabels=header, cellColours=colours, bbox=box)
        table.auto_set_font_size(False)
        table.set_fontsize(8)
    return fig


FIGURES: dict[str, Callable[[Plan], Figure]] = {
    "gantt": gantt_figure,
    "capacity": capacity_figure,
    "kpis": kpi_figure,
    "spending": spending_figure,
    "targets": targets_figure,
}
"""The figures of a plan by file stem, in report order."""
TABLES = ("projects", "capacity", "kpis", "targets")


def plot_plan(plan: Plan | str | Path, out_dir: str | Path) -> list[Path]:
    """Write the figures of ``plan`` (in memory or a plan folder) as PNGs into ``out_dir``.

    Parameters
    ----------
    plan : Plan or path
        A plan, or a plan folder (``berthplan solve --out``).
    out_dir : path
        Where to write ``gantt.png``, ``capacity.png``, ``kpis.png``, ``spending.png``,
        ``targets.png`` and, for plans with service levels, ``queues.png`` (created if missing;
        each file replaced atomically).

    Returns
    -------
    list of Path
        The files written, in :data:`FIGURES` order.

    Raises
    ------
    UsageError
        When the plan folder or one of its tables is missing, or ``out_dir`` is a file.
    """
    plan = plan if isinstance(plan, Plan) else read_plan(plan, TABLES)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        written.append(atomic.write_bytes(out / f"{name}.png", png_bytes(draw(plan))))
    if "queues" in plan.tables:  # service levels: occupancy and W/S per pool
        from berthplan.viz.queues import queues_figure

        written.append(atomic.write_bytes(out / "queues.png", png_bytes(queues_figure(plan))))
    return written

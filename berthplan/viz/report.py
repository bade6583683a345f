"""Reports for people: a comparison as text, and a plan as one self-contained HTML file.

The HTML report embeds every chart as a base64 PNG data URI and its CSS inline: it loads no
external resource and can be mailed or archived as a single file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from berthplan.analysis.compare import DELTAS, Comparison, compare
from berthplan.results import atomic
from berthplan.results.folder import read_plan, records
from berthplan.results.plan import Plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PLAN_FIGURES", "SIDE_FIGURES", "render_comparison", "report_html", "write_report"]

PLAN_FIGURES = ("gantt", "capacity", "kpis", "spending")
"""The charts of the reported plan, in order."""
SIDE_FIGURES = ("kpis", "spending")
"""The charts shown side by side for every compared plan (baseline included)."""
_TEXT_CELL = ' class="text"'
_CSS = """
body { font-family: DejaVu Sans, Arial, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th { background: #f0f0f0; } td.text { text-align: left; }
tr.short td { background: #f4c7c3; } tr.tight td { background: #fff2cc; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; }
.side { display: grid; grid-template-columns: repeat(var(--n), 1fr); gap: 1em; }
figure { margin: 0; } figcaption { font-weight: bold; }
"""


# -- the comparison as text ----------------------------------------------------------------------
def render_comparison(c: Comparison) -> str:
    """A readable summary of ``c``: per plan the changed decisions, KPI deltas and cost delta.

    Parameters
    ----------
    c : Comparison
        The comparison (see :func:`berthplan.analysis.compare.compare`).

    Returns
    -------
    str
        Lines of text; the last says so when every plan is identical to the baseline.
    """
    base = c.totals.iloc[0]
    lines = [
        f"baseline {c.labels[0]}: {base['instance']}, {base['backend']}, {base['status']}, "
        f"total discounted cost {base['objective']:,.3f}"
    ]
    for label in c.labels[1:]:
        lines += _render_plan(c, label)
    if c.identical:
        lines.append("identical: every plan decides, achieves and costs the same as the baseline")
    return "\n".join(lines)


def _render_plan(c: Comparison, label: str) -> list[str]:
    pick = {name: records(t[t["plan"] == label]) for name, t in c.tables().items()}
    total, status = pick["totals.csv"][0], str(c.totals["status"].iloc[0])
    note = "" if total["status"] == status else f" (status {total['status']}, baseline {status})"
    head = f"{label} vs {c.labels[0]}{note}:"
    if c.same(label):
        return [f"{head} identical (same decisions, KPIs and costs)"]
    sections = {
        "projects:": [_change(r, "project_id", "start_year") for r in pick["projects_diff.csv"]],
        "routes:": [_change(r, "route_id", "open_year") for r in pick["routes_diff.csv"]],
        "KPI and cost deltas (plan - baseline):": list(map(_deltas, pick["kpis_diff.csv"])),
    }
    pct = "" if pd.isna(total["delta_pct"]) else f", {total['delta_pct']:+.2f}%"
    before = total["objective"] - total["delta_objective"]
    return [
        head,
        *(line for title, body in sections.items() if body for line in (f"  {title}", *body)),
        f"  total discounted cost: {before:,.3f} -> {total['objective']:,.3f} "
        f"({total['delta_objective']:+,.3f}{pct})",
    ]


def _years(what: str, old: Any, new: Any) -> str:
    if pd.isna(new):
        return "" if pd.isna(old) else f", was {what} {old}"
    return f", {what} {new}" if pd.isna(old) or old == new else f", {what} {old} -> {new}"


def _change(r: dict[str, Any], key: str, year: str) -> str:
    what = year.removesuffix("_year")
    text = f"    {r[key]} ({r['name']}): {r['change']}" + _years(what, r[f"base_{year}"], r[year])
    if pd.notna(r["delta_years"]) and r["delta_years"] != 0:
        text += f" ({int(r['delta_years']):+d} yr)"
    if "completion_year" in r:
        text += _years("completion", r["base_completion_year"], r["completion_year"])
    return text


def _signed(v: float) -> str:
    return f"{v:+,.0f}" if v.is_integer() else f"{v:+,.3f}"


def _deltas(r: dict[str, Any]) -> str:
    parts = [
        f"{col} {'n/a' if pd.isna(r[col]) else _signed(float(r[col]))}"
        for col in DELTAS
        if pd.isna(r[col]) or abs(r[col]) > 1e-6
    ]
    return f"    {r['year']}: " + ", ".join(parts)


# -- the HTML report ----------------------------------------------------------------------------
def _img(fig: Figure, alt: str) -> str:
    from berthplan.viz.figures import png_bytes

    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _cell(value: Any) -> tuple[str, bool]:
    """The text of a table cell and whether it is text (left-aligned)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", False
    if isinstance(value, bool | str):
        return str(value).lower() if isinstance(value, bool) else value, True
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}", False
    return f"{value:,.0f}" if isinstance(value, float) else str(value), False


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    classes: Sequence[str] = (),
    numeric: Sequence[int] = (),
) -> str:
    """An HTML table; ``classes`` per row, ``numeric`` columns of text right-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = [(s, t and j not in numeric) for j, (s, t) in enumerate(map(_cell, row))]
        tds = "".join(f"<td{_TEXT_CELL if t else ''}>{html.escape(s)}</td>" for s, t in cells)
        cls = f' class="{html.escape(classes[i])}"' if i < len(classes) else ""
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _frame(df: pd.DataFrame, empty: str) -> str:
    if df.empty:
        return f"<p>{html.escape(empty)}</p>"
    return _table([str(c) for c in df.columns], [list(r) for r in df.itertuples(index=False)])


def _plan_section(plan: Plan) -> list[str]:
    from berthplan.viz.figures import FIGURES, target_rows

    titles = {
        "gantt": "Construction schedule",
        "capacity": "Capacity, throughput and targets",
        "kpis": "KPIs against targets",
        "spending": "Yearly spending",
    }
    parts = []
    for name in PLAN_FIGURES:
        parts += [f"<h2>{titles[name]}</h2>", _img(FIGURES[name](plan), titles[name])]
        if name == "kpis":
            header, rows, status = target_rows(plan)
            table = _table(header, rows, status, numeric=(0, 3, 4, 5))
            parts.append(table if rows else "<p>No targets.</p>")
    if "queues" in plan.tables:
        parts += _queues_section(plan)
    return parts


def _queues_section(plan: Plan) -> list[str]:
    """Occupancy and W/S per pool against the limit, and the pool-years closest to it."""
    from berthplan.viz.queues import queues_figure

    title = "Service levels: ship waiting per queue pool"
    q = plan.tables["queues"]
    use = q["wait_ratio"].astype(float) / q["max_wait_ratio"].astype(float)
    top = q.assign(_use=use).sort_values("_use", ascending=False, kind="stable").head(10)
    header = ["year", "area", "cargo", "queue", "berths", "occupancy", "W/S", "W/S limit"]
    header += ["mean wait (h)", "waiting cost"]
    cols = ["year", "area", "cargo", "queue", "berths", "occupancy", "wait_ratio"]
    cols += ["max_wait_ratio", "wait_hours", "waiting_cost"]
    rows = [[r[c] for c in cols] for r in records(top)]
    note = (
        "<p>W/S is the ships' mean waiting time over their mean service time; a pool's "
        "capacity is its throughput at the W/S limit. The pool-years closest to their limit:</p>"
    )
    return [f"<h2>{title}</h2>", _img(queues_figure(plan), title), note, _table(header, rows)]


def _compare_section(c: Comparison) -> list[str]:
    from berthplan.viz.figures import FIGURES

    titles = {
        "totals.csv": "Totals",
        "projects_diff.csv": "Projects decided differently",
        "routes_diff.csv": "Routes decided differently",
        "kpis_diff.csv": "KPI and cost deltas per year (plan minus baseline)",
    }
    parts = [f"<h2>Comparison: {len(c.plans) - 1} plan(s) against this one</h2>"]
    parts.append(f"<pre>{html.escape(render_comparison(c))}</pre>")
    for name in ("totals.csv", "projects_diff.csv", "routes_diff.csv", "kpis_diff.csv"):
        parts += [f"<h3>{titles[name]}</h3>", _frame(c.tables()[name], "No differences.")]
    parts.append(f'<h3>Side by side</h3><div class="side" style="--n: {len(c.plans)}">')
    for label, plan in zip(c.labels, c.plans, strict=True):
        imgs = "".join(_img(FIGURES[n](plan), f"{label}: {n}") for n in SIDE_FIGURES)
        parts.append(f"<figure><figcaption>{html.escape(label)}</figcaption>{imgs}</figure>")
    parts.append("</div>")
    return parts


def report_html(plan: Plan | str | Path, compare_with: Sequence[Plan | str | Path] = ()) -> str:
    """The HTML report of ``plan`` (in memory or a plan folder; see :func:`write_report`)."""
    from berthplan.viz.figures import TABLES

    plan = plan if isinstance(plan, Plan) else read_plan(plan, TABLES)
    c = compare([plan, *compare_with]) if compare_with else None
    name = plan.get("instance.name")
    facts = [
        ["plan folder", "(in memory)" if plan.path is None else str(plan.path)],
        ["instance", name],
        ["instance hash", plan.get("instance.hash")],
        ["status", plan.get("status")],
        ["backend", plan.get("backend")],
        ["total discounted cost", f"{plan.objective:,.3f}"],
    ]
    body = [f"<h1>berthplan report: {html.escape(name)}</h1>", _table(["", ""], facts)]
    body += _plan_section(plan) + (_compare_section(c) if c else [])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>berthplan report: {html.escape(name)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_report(
    plan: Plan | str | Path,
    out_html: str | Path,
    compare: Sequence[Plan | str | Path] = (),
) -> Path:
    """Write one self-contained HTML report of ``plan``, atomically.

    Parameters
    ----------
    plan : Plan or path
        The plan reported (in memory or a plan folder), and the baseline of the comparison.
    out_html : path
        The HTML file to write (written to a temporary sibling, then renamed).
    compare : sequence of Plan or path, optional
        Plans of the same instance (or its scenarios) to compare with: their
        differences as tables, and the KPI and spending charts of every plan side by side.

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    UsageError
        When a folder or table is missing, or the plans are of unrelated instances.
    """
    text = report_html(plan, compare)
    return atomic.write_text(out_html, text)

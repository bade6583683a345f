"""The report's comparison section: overlaid charts, the differences, and when not to compare.

Discounted costs are comparable only between plans with the same discount rate, money unit and
price year; where those differ the section opens with a warning that says which, and the
totals table marks the cost deltas as not comparable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from berthplan.analysis.compare import DELTAS, Comparison
from berthplan.results.folder import records
from berthplan.viz.charts import overlay_figure
from berthplan.viz.context import Context, rates_differ
from berthplan.viz.markup import esc, frame, img, table, warning

__all__ = ["comparability", "compare_section", "render_comparison"]

_TITLES = {
    "projects_diff.csv": "Projects decided differently",
    "routes_diff.csv": "Routes decided differently",
    "kpis_diff.csv": "KPI and cost deltas per year (plan minus baseline)",
}


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


# -- the comparison in the report -------------------------------------------------------------
def _rate(ctx: Context) -> str:
    return "unknown" if ctx.discount_rate is None else f"{ctx.discount_rate:.2%}"


def comparability(labels: Sequence[str], contexts: Sequence[Context]) -> list[str]:
    """What makes the plans' discounted costs incomparable: one sentence per difference."""
    out = []
    pairs = list(zip(labels, contexts, strict=True))
    if rates_differ(list(contexts)):
        rates = ", ".join(f"{label} {_rate(c)}" for label, c in pairs)
        out.append(f"discount rates differ ({rates})")
    if len({c.money_unit for c in contexts}) > 1:
        out.append(
            "money units differ (" + ", ".join(f"{x} {c.money_unit}" for x, c in pairs) + ")"
        )
    if len({c.price_year for c in contexts}) > 1:
        out.append(
            "price years differ (" + ", ".join(f"{x} {c.price_year}" for x, c in pairs) + ")"
        )
    return out


def compare_section(c: Comparison, contexts: Sequence[Context]) -> list[str]:
    """The comparison of ``c`` (baseline first); ``contexts`` in the order of ``c.plans``."""
    labels = list(c.labels)
    differ = comparability(labels, contexts)
    parts: list[str] = []
    if differ:
        parts.append(
            warning(
                "The plans' discounted costs are not comparable: " + esc("; ".join(differ)) + ". "
                "Compare their decisions, KPIs and undiscounted spending instead."
            )
        )
    parts.append(f"<p>{len(c.plans) - 1} plan(s) against the baseline {esc(labels[0])}.</p>")
    parts.append(img(overlay_figure(labels, c.plans, contexts[0].money), "The plans overlaid"))
    parts.append("<h3>Totals</h3>")
    base = c.plans[0].objective
    header = [
        "plan",
        "status",
        "discount rate",
        "money",
        "total discounted cost",
        "delta vs baseline",
    ]
    rows = []
    for label, plan, ctx in zip(labels, c.plans, contexts, strict=True):
        if differ and label != labels[0]:
            delta: object = "not comparable"
        elif label == labels[0] or math.isnan(plan.objective):
            delta = None
        else:
            delta = plan.objective - base
        rows.append([label, plan.get("status"), _rate(ctx), ctx.money, plan.objective, delta])
    parts.append(table(header, rows, numeric=(5,), scroll=False))
    parts.append("<h3>What changes</h3>")
    parts.append(f"<pre>{esc(render_comparison(c))}</pre>")
    tables = c.tables()
    for name, title in _TITLES.items():
        parts += [f"<h3>{esc(title)}</h3>", frame(tables[name], "No differences.")]
    return parts

"""The sections of the plan report: what a port planner asks first, in that order.

Each function returns the HTML of one section's body (see :mod:`berthplan.viz.markup`); the
headings and ids are in :data:`SECTIONS`. Every section reads the plan's tables (and, for the
budget, demand and skipped projects' costs, the :class:`~berthplan.viz.context.Context`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from berthplan.results.folder import records
from berthplan.results.plan import Plan
from berthplan.viz.charts import budget_figure, budget_state, objective_figure, routes_figure
from berthplan.viz.context import Context
from berthplan.viz.markup import esc, img, note, table, warning

__all__ = ["GANTT_LIMIT", "PART_LABELS", "SECTIONS", "breakdown", "build_sections"]

GANTT_LIMIT = 40
"""At most this many projects in the construction chart (the largest by capex); all in the table."""
SECTIONS = {
    "summary": "Summary",
    "targets": "KPIs against targets",
    "projects": "Projects built and skipped",
    "routes": "Routes opened by year",
    "ports": "Per port: capacity, throughput, demand and targets",
    "capacity": "Capacity and throughput by cargo class",
    "budget": "Capex against budget per year",
    "objective": "Objective breakdown",
    "shortfalls": "Shortfalls",
}
"""Section id -> heading, in report order (service levels and the comparison follow)."""
PART_LABELS = {
    "capex": "capex",
    "opex": "opex",
    "route_cost": "route costs",
    "waiting_cost": "ship waiting cost",
    "unserved_teu": "penalty: unserved TEU",
    "unserved_tons": "penalty: unserved tonnes",
    "shortfall": "penalty: soft targets' shortfall",
    "residual_value": "residual value (credit)",
}
"""The parts of solve.json's ``breakdown`` (discounted money), as the report names them."""


def _horizon(plan: Plan) -> list[int]:
    k = plan.table("kpis")
    return [int(y) for y in k.loc[k["cargo_tons"].notna(), "year"]]


def _money(v: Any) -> str:
    """Money to one decimal (the tables' columns then align on the point)."""
    return "" if v is None or pd.isna(v) else f"{float(v):,.1f}"


def _whole(v: Any) -> float | None:
    """A volume rounded to a whole number (TEU, tonnes)."""
    return None if v is None or pd.isna(v) else float(round(float(v)))


def _no_budget(ctx: Context) -> str:
    return "no budget" if ctx.known else ""


def breakdown(plan: Plan) -> list[tuple[str, float]]:
    """The objective's parts (discounted) in :data:`PART_LABELS` order, as solve.json has them."""
    parts = plan.record.get("breakdown") or {}
    return [(PART_LABELS[k], float(parts[k])) for k in PART_LABELS if k in parts]


def _card(value: str, label: str) -> str:
    return f'<div class="kpi"><b>{esc(value)}</b><span>{esc(label)}</span></div>'


def summary(plan: Plan, ctx: Context) -> list[str]:
    """The cost with its unit, status, gap, solver; decision counts; how the targets fare."""
    p, r, t = plan.table("projects"), plan.table("routes"), plan.table("targets")
    gap = plan.record.get("gap")
    years = _horizon(plan)
    rate = "unknown" if ctx.discount_rate is None else f"{ctx.discount_rate:.2%} per year"
    if ctx.rate_source == "kpis.csv":
        rate += " (read off kpis.csv)"
    short = t[t["shortfall"] > 0]
    cards = [
        _card(f"{plan.objective:,.1f}", f"total discounted cost, {ctx.money}"),
        _card(plan.get("status") or "?", "solve status"),
        _card("n/a" if gap is None else f"{float(gap):.4%}", "optimality gap"),
        _card(plan.get("backend") or "?", "solver"),
        _card(f"{(p['decision'] == 'build').sum()} / {len(p)}", "projects built / all"),
        _card(str((r["decision"] == "open").sum()), "candidate routes opened"),
        _card(f"{len(short)} ({int(short['hard'].sum())} hard)", "targets missed"),
    ]
    facts = [
        ["instance", plan.get("instance.name")],
        ["horizon", f"{years[0]}–{years[-1]}" if years else ""],
        ["money", f"{ctx.money}; costs of year y discounted to {years[0] if years else ''}"],
        ["discount rate", rate],
        ["plan folder", "(in memory)" if plan.path is None else str(plan.path)],
        ["instance hash", plan.get("instance.hash")],
        [
            "overrides",
            "; ".join(map(str, plan.record["instance"].get("overrides") or [])) or "none",
        ],
    ]
    parts = [f'<div class="kpis">{"".join(cards)}</div>', table(["", ""], facts, scroll=False)]
    parts += ["<h3>KPIs against targets, first and last year</h3>", _kpi_summary(plan)]
    if not ctx.known:
        parts.append(
            note(
                f"{esc(ctx.missing)}: the budget, the demand ceilings and what skipped projects "
                "would have cost are not shown (they are in the instance, not the plan folder)."
            )
        )
    return parts


def _kpi_summary(plan: Plan) -> str:
    """Per province KPI: its unit, first and last horizon year's value, targets met of all."""
    from berthplan.viz.figures import METRICS, SCALE, number

    k = plan.table("kpis")
    k = k[k["cargo_tons"].notna()]
    t = plan.table("targets")
    t = t[t["port"].isna()]
    header = ["KPI", "unit", f"{k['year'].iloc[0]}", f"{k['year'].iloc[-1]}"]
    header += ["province targets met", "missed in"]
    rows = []
    for m in METRICS:
        mine = t[t["metric"] == m]
        short = mine[mine["shortfall"] > 0]
        missed = ", ".join(str(y) for y in short["year"]) or "–"
        first, last = (number(m, k[m].iloc[i]) for i in (0, -1))
        unit = SCALE[m][1]
        rows.append([m, unit, first.split(" ")[0], last.split(" ")[0]])
        rows[-1] += [f"{len(mine) - len(short)} of {len(mine)}", missed]
    classes = ["short" if r[-1] != "–" else "" for r in rows]
    return table(header, rows, classes, numeric=(2, 3, 4), scroll=False)


def targets(plan: Plan) -> list[str]:
    from berthplan.viz.figures import kpi_figure, target_rows

    header, rows, status = target_rows(plan)
    body = table(header, rows, status, numeric=(0, 3, 4, 5)) if rows else "<p>No targets.</p>"
    legend = note("Rows: red = target missed, yellow = met exactly (tight), white = met with room.")
    return [img(kpi_figure(plan), "KPIs against targets"), legend, body]


def projects(plan: Plan, ctx: Context) -> list[str]:
    """The construction chart (capped), then every built and every skipped project."""
    from berthplan.viz.figures import gantt_figure

    p = plan.table("projects")
    built = p[p["decision"] == "build"].sort_values(["start_year", "port"], kind="stable")
    parts = [img(gantt_figure(plan, GANTT_LIMIT), "Construction schedule")]
    if len(built) > GANTT_LIMIT:
        parts.append(
            note(
                f"The chart shows the {GANTT_LIMIT} largest projects by capex; the "
                f"table lists all {len(built)} built projects."
            )
        )
    cols = ["project_id", "name", "port", "stage", "start_year", "in_service_year", "capex"]
    header = [
        "project",
        "name",
        "port",
        "stage",
        "start",
        "in service",
        f"capex ({ctx.money_unit})",
    ]
    header.append("berths")
    rows = [[r[c] for c in cols] + [r.get("berths_added")] for r in records(built)]
    total = float(built["capex"].astype(float).sum())
    rows.append(["total", f"{len(built)} projects", "", "", None, None, total, None])
    classes = [""] * (len(rows) - 1) + ["total"]
    parts += [f"<h3>Built: {len(built)} projects</h3>", table(header, rows, classes)]
    parts += _skipped(p[p["decision"] == "skip"], ctx)
    return parts


def _skipped(skipped: pd.DataFrame, ctx: Context) -> list[str]:
    head = f"<h3>Skipped: {len(skipped)} projects</h3>"
    if skipped.empty:
        return [head, "<p>Every project is built.</p>"]
    would = [ctx.skipped.get(str(j), (None, None)) for j in skipped["project_id"]]
    capex = pd.Series([w[0] for w in would], index=skipped.index, dtype="Float64")
    berths = pd.Series([w[1] for w in would], index=skipped.index, dtype="Int64")
    frame = skipped.assign(_capex=capex, _berths=berths)
    frame = frame.sort_values("_capex", ascending=False, kind="stable", na_position="last")
    header = ["project", "name", "port", "stage", f"capex it would cost ({ctx.money_unit})"]
    header.append("berths it would add")
    cols = ["project_id", "name", "port", "stage", "_capex", "_berths"]
    rows = [[r[c] for c in cols] for r in records(frame)]
    parts = [head]
    if ctx.known:
        total = sum(w[0] or 0.0 for w in would)
        rows.append(["total", f"{len(skipped)} projects", "", "", total, None])
        parts.append(
            note(
                f"Building every skipped project would cost {total:,.1f} "
                f"{esc(ctx.money_unit)} more capex (undiscounted)."
            )
        )
    classes = [""] * len(skipped) + (["total"] if ctx.known else [])
    return [*parts, table(header, rows, classes)]


def routes(plan: Plan, ctx: Context) -> list[str]:
    r = plan.table("routes")
    opened = r[r["decision"] == "open"].sort_values(["open_year", "route_id"], kind="stable")
    header = ["year", "route", "name", "TEU offered in its first year"]
    header.append(f"discounted cost ({ctx.money_unit})")
    cols = ["open_year", "route_id", "name", "teu_offered", "discounted_cost"]
    rows = [[x.get(c) for c in cols] for x in records(opened)]
    skipped = r[r["decision"] == "skip"]
    text = (
        f"{len(opened)} candidate routes opened, {len(skipped)} not opened; "
        f"{(r['decision'] == 'existing').sum()} existing routes run throughout."
    )
    parts = [img(routes_figure(plan), "Routes opened per year"), f"<p>{esc(text)}</p>"]
    if rows:
        parts.append(table(header, rows, numeric=(0,)))
    if not skipped.empty:
        names = ", ".join(f"{x['route_id']}" for x in records(skipped.head(30)))
        more = f" and {len(skipped) - 30} more" if len(skipped) > 30 else ""
        parts.append(f"<p>Not opened: {esc(names)}{esc(more)}.</p>")
    return parts


def budget(plan: Plan, ctx: Context) -> list[str]:
    """Capex per year against the budget; a year spending exactly its budget is flagged."""
    k = plan.table("kpis")
    rows, classes = [], []
    for r in records(k):
        year, capex = int(r["year"]), float(r["capex"] or 0.0)
        limit = ctx.budget.get(year)
        state = budget_state(capex, limit)
        share = None if not limit else f"{capex / limit:.1%}"
        rows.append([year, _money(capex), _money(limit), share, state or _no_budget(ctx)])
        classes.append(
            {"at budget": "at-budget", "over": "at-budget", "near": "near"}.get(state, "")
        )
    header = ["year", f"capex ({ctx.money_unit})", f"budget ({ctx.money_unit})", "share", "state"]
    at = [str(r[0]) for r, c in zip(rows, classes, strict=True) if c == "at-budget"]
    parts = [img(budget_figure(plan, ctx), "Capex against budget")]
    if not ctx.known:
        parts.append(note(f"No budget shown: {esc(ctx.missing)}."))
    elif at:
        parts.append(
            warning(
                f"Spending exactly its budget: {', '.join(at)}. The budget binds "
                "there: a higher budget could change the plan."
            )
        )
    else:
        parts.append(note("No year spends its whole budget."))
    parts.append(
        note(
            "Capex is undiscounted, sunk spend of ongoing projects excluded, as the "
            "budget counts it. Years after the horizon carry the capex of projects "
            "still under construction."
        )
    )
    return [*parts, table(header, rows, classes, numeric=(0, 1, 2, 3))]


def objective(plan: Plan, ctx: Context) -> list[str]:
    """The objective's parts (discounted) and the yearly costs (undiscounted) behind them."""
    parts_ = breakdown(plan)
    rows = [
        [label, v, f"{v / plan.objective:.1%}" if plan.objective else ""] for label, v in parts_
    ]
    rows.append(["total discounted cost", plan.objective, "100.0%"])
    out = [img(objective_figure(parts_, ctx.money), "Objective breakdown")]
    out.append(
        table(
            ["part", f"discounted {ctx.money}", "share"],
            rows,
            [""] * len(parts_) + ["total"],
            numeric=(2,),
            scroll=False,
        )
    )
    k = plan.table("kpis")
    cols = [
        c
        for c in (
            "capex",
            "opex",
            "route_cost",
            "penalty_cost",
            "waiting_cost",
            "residual_value",
            "discounted_cost",
        )
        if c in k.columns
    ]
    header = ["year", *[f"{c.replace('_', ' ')}" for c in cols]]
    out.append(f"<h3>Per year ({esc(ctx.money)}; undiscounted except the last column)</h3>")
    rows_ = [[r["year"], *(_money(r[c]) for c in cols)] for r in records(k)]
    out.append(table(header, rows_, numeric=tuple(range(len(header)))))
    return out


def shortfalls(plan: Plan, ctx: Context) -> list[str]:
    """Targets missed, and volume not served (unserved TEU and tonnes) per year."""
    from berthplan.viz.figures import target_rows

    header, rows, status = target_rows(plan)
    missed = [r for r, s in zip(rows, status, strict=True) if s == "short"]
    out = []
    if missed:
        hard = sum(1 for r in missed if r[6] == "hard")
        out.append(warning(f"{len(missed)} targets missed ({hard} hard)."))
        out.append(table(header, missed, ["short"] * len(missed), numeric=(0, 3, 4, 5)))
    else:
        out.append("<p>Every target is met.</p>")
    k = plan.table("kpis")
    k = k[k["cargo_tons"].notna()]
    unserved = k[(k["unserved_teu"] > 0) | (k["unserved_tons"] > 0)]
    if not unserved.empty:
        out.append("<h3>Volume not served</h3>")
        out.append(
            note(
                "Unserved TEU: offered by open routes beyond the container capacity; "
                "unserved tonnes: demand (ceilings) beyond the capacity. Both are priced "
                "as penalties in the objective."
            )
        )
        rows2 = [
            [
                r["year"],
                _whole(r["unserved_teu"]),
                _whole(r["unserved_tons"]),
                _money(r["penalty_cost"]),
            ]
            for r in records(unserved)
        ]
        out.append(
            table(
                ["year", "unserved TEU", "unserved t", f"penalties ({ctx.money_unit})"],
                rows2,
                numeric=(0, 3),
            )
        )
    pools = [s for s in plan.record.get("shortfalls") or [] if s.get("pools_at_limit")]
    if pools:
        out.append(
            note(
                f"{len(pools)} shortfalls fall where queue pools are at their W/S "
                "limit: more berths there, not more utilisation, would close them."
            )
        )
    return out


def build_sections(plan: Plan, ctx: Context) -> list[tuple[str, list[str]]]:
    """(id, body parts) of every plan section except per-port and capacity (see report)."""
    return [
        ("summary", summary(plan, ctx)),
        ("targets", targets(plan)),
        ("projects", projects(plan, ctx)),
        ("routes", routes(plan, ctx)),
        ("budget", budget(plan, ctx)),
        ("objective", objective(plan, ctx)),
        ("shortfalls", shortfalls(plan, ctx)),
    ]

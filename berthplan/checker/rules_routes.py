"""Rules on routes: opening windows, depth along the calls, routes.csv columns."""

from __future__ import annotations

from berthplan.checker.context import Context, integer, number, text
from berthplan.checker.report import Violation, show
from berthplan.checker.tables import Row
from berthplan.model.records import Route

DEPTH_TOL = 1e-9
"""Depths are the instance's own numbers, compared almost exactly (metres)."""


def _route_decision(ctx: Context, r: Route, row: Row) -> list[Violation]:
    rule, record = "route_windows", r.id
    if r.status == "existing":
        return text(rule, f"{record}.decision", None, "existing", row["decision"]) + integer(
            rule, f"{record}.open_year", None, None, row["open_year"]
        )
    if row["decision"] == "skip":
        forced = (
            [Violation(rule, record, None, "open (forced by the scenario)", "skip")]
            if r.decision == "open"
            else []
        )
        return forced + integer(rule, f"{record}.open_year", None, None, row["open_year"])
    if r.decision == "skip":
        return [Violation(rule, record, None, "skip (forbidden by the scenario)", "open")]
    if row["decision"] != "open":
        return [Violation(rule, f"{record}.decision", None, "open or skip", row["decision"])]
    year = ctx.decisions.opens.get(r.id)
    if year is None:
        return [Violation(rule, f"{record}.open_year", None, "an opening year", row["open_year"])]
    lo, hi = ctx.instance.open_window(r)
    if lo <= year <= hi:
        return []
    return [Violation(rule, record, year, f"open in {lo}-{hi}", year)]


def route_windows(ctx: Context) -> list[Violation]:
    """Opened candidates open within their windows; existing routes are ``existing``.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Bad decisions, opening years outside the window, years on existing or skipped routes.
    """
    out: list[Violation] = []
    for r in ctx.instance.routes:
        row = ctx.decisions.routes.get(r.id)
        if row is not None:
            out += _route_decision(ctx, r, row)
    return out


def depth(ctx: Context) -> list[Violation]:
    """Every call area of an open candidate route is deep enough in every open horizon year.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        One per (route, area, year) where the area's depth (its own, or that of a deepening
        project in service) is below the route's ``min_depth_m``.
    """
    facts, out = ctx.facts, []
    for r in ctx.instance.routes:
        if r.id not in facts.opens:
            continue
        for y in ctx.instance.years:
            if y < facts.opens[r.id]:
                continue
            for call in r.calls:
                have = facts.depth(call.area, y)
                if have < r.min_depth_m - DEPTH_TOL:
                    need = f">= {show(r.min_depth_m)} m"
                    out.append(Violation("depth", f"{r.id}@{call.area}", y, need, have))
    return out


def route_rows(ctx: Context) -> list[Violation]:
    """The columns of routes.csv derived from the instance and the decisions.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Mismatches of status, teu_offered (all calls, first open year, ``count`` included;
        0 if skipped) and discounted_cost (opening and annual costs within the horizon).
    """
    out: list[Violation] = []
    for r in ctx.instance.routes:
        row = ctx.decisions.routes.get(r.id)
        if row is None:
            continue
        offers = r.status == "existing" or r.id in ctx.facts.opens
        teu = r.count * sum(c.teu for c in r.calls) if offers else 0.0
        out += text("route_rows", f"{r.id}.status", None, r.status, row["status"])
        out += text("route_rows", f"{r.id}.name", None, r.name, row["name"])
        out += number("route_rows", f"{r.id}.teu_offered", None, teu, row["teu_offered"])
        cost = ctx.facts.route_discounted(r)
        out += number("route_rows", f"{r.id}.discounted_cost", None, cost, row["discounted_cost"])
    return out

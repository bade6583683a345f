"""Rules on projects: table coverage, start windows, prerequisites, groups, budget, row columns."""

from __future__ import annotations

from collections import Counter

from berthplan.checker.context import Context, integer, number, text
from berthplan.checker.report import Violation, at_most, show
from berthplan.checker.tables import Row, to_bool, to_int
from berthplan.model.records import Project


def _cover(rows: list[Row], column: str, known: list[str], table: str) -> list[Violation]:
    counts = Counter(row[column] for row in rows)
    out = [
        Violation("coverage", ident, None, "an id of the instance", f"a row in {table}")
        for ident in counts
        if ident not in known
    ]
    for ident in known:
        if counts[ident] != 1:
            found = "no row" if counts[ident] == 0 else f"{counts[ident]} rows"
            out.append(Violation("coverage", ident, None, f"one row in {table}", found))
    order = [row[column] for row in rows]
    if not out and order != known:  # the contract: instance order
        first = next(i for i, (a, b) in enumerate(zip(order, known, strict=True)) if a != b)
        out.append(
            Violation("coverage", table, None, f"row {first + 2}: {known[first]}", order[first])
        )
    return out


def coverage(ctx: Context) -> list[Violation]:
    """projects.csv and routes.csv have exactly one row per project and route of the instance.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Unknown ids, and ids without a row or with several.
    """
    inst, tables = ctx.instance, ctx.tables
    projects = [p.id for p in inst.projects]
    routes = [r.id for r in inst.routes]
    return _cover(tables.projects, "project_id", projects, "projects.csv") + _cover(
        tables.routes, "route_id", routes, "routes.csv"
    )


def _built_years(ctx: Context, p: Project, row: Row, start: int) -> list[Violation]:
    lo, hi = ctx.instance.start_window(p)
    out = []
    if not lo <= start <= hi:
        window = f"start in {lo}" if lo == hi else f"start in {lo}-{hi}"
        out.append(Violation("start_windows", p.id, start, window, start))
    done = start + p.duration - 1
    out += integer("start_windows", f"{p.id}.completion_year", start, done, row["completion_year"])
    out += integer(
        "start_windows", f"{p.id}.in_service_year", start, done + 1, row["in_service_year"]
    )
    return out


def _unbuilt_years(p: Project, row: Row) -> list[Violation]:
    out = []
    if row["decision"] == "build":
        out.append(
            Violation(
                "start_windows", f"{p.id}.start_year", None, "a start year", row["start_year"]
            )
        )
    if p.committed:
        out.append(Violation("start_windows", p.id, None, f"build ({p.stage})", row["decision"]))
    if row["decision"] == "skip":
        for col in ("start_year", "completion_year", "in_service_year"):
            out += integer("start_windows", f"{p.id}.{col}", None, None, row[col])
    return out


def start_windows(ctx: Context) -> list[Violation]:
    """Built projects start within their windows, committed ones are built, years agree.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Bad decisions, starts outside the window, committed projects skipped, completion and
        in-service years other than start + duration - 1 and start + duration, skipped
        projects with years.
    """
    out: list[Violation] = []
    for p in ctx.instance.projects:
        row = ctx.decisions.projects.get(p.id)
        if row is None:
            if p.committed:
                out.append(Violation("start_windows", p.id, None, f"build ({p.stage})", "no row"))
            continue
        if row["decision"] not in ("build", "skip"):
            out.append(
                Violation(
                    "start_windows", f"{p.id}.decision", None, "build or skip", row["decision"]
                )
            )
        start = ctx.decisions.starts.get(p.id)
        out += _unbuilt_years(p, row) if start is None else _built_years(ctx, p, row, start)
        if start is not None and p.decision == "skip":
            out.append(
                Violation("start_windows", p.id, start, "skip (forbidden by the scenario)", "build")
            )
    return out


def requires(ctx: Context) -> list[Violation]:
    """Every built project's prerequisites are built and completed by the year before its start.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        One per prerequisite not built, or completed too late.
    """
    facts, out = ctx.facts, []
    for p in facts.built:
        start = facts.starts[p.id]
        for pid in p.requires:
            need = f"{pid} completed by {start - 1}"
            pre = ctx.instance.project_by_id[pid]
            if pid not in facts.starts:
                out.append(Violation("requires", p.id, start, need, f"{pid} not built"))
            elif facts.completion(pre) > start - 1:
                found = f"{pid} completed in {facts.completion(pre)}"
                out.append(Violation("requires", p.id, start, need, found))
    return out


def groups(ctx: Context) -> list[Violation]:
    """At most one project of each group is built.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        One per group with several members built.
    """
    members: dict[str, list[str]] = {}
    for p in ctx.facts.built:
        if p.group is not None:
            members.setdefault(p.group, []).append(p.id)
    return [
        Violation("groups", g, None, "at most one built", f"{len(ids)} built: {', '.join(ids)}")
        for g, ids in members.items()
        if len(ids) > 1
    ]


def _spend_rows(ctx: Context) -> list[Violation]:
    y0, expected = ctx.instance.horizon.start, ctx.facts.spend
    seen: set[tuple[str, int]] = set()
    out = []
    for row in ctx.tables.spend:
        pid, year = row["project_id"], to_int(row["year"])
        record = f"{pid}.spend"
        if year is None:
            out.append(Violation("budget", record, None, "a year", row["year"]))
            continue
        if pid not in expected or (pid, year) in seen:
            why = "one row" if pid in expected else "no row (project not built)"
            out.append(Violation("budget", record, year, why, row["capex"]))
            continue
        seen.add((pid, year))
        out += number("budget", record, year, expected[pid].get(year, 0.0), row["capex"])
        sunk = "true" if year < y0 else "false"
        if to_bool(row["sunk"]) != (year < y0):
            out.append(Violation("budget", f"{pid}.sunk", year, sunk, row["sunk"]))
    for pid, years in expected.items():
        for year, amount in years.items():
            if (pid, year) not in seen and amount > 0:
                out.append(Violation("budget", f"{pid}.spend", year, amount, "no row"))
    return out


def budget(ctx: Context) -> list[Violation]:
    """Non-sunk capex of each budget year is within the budget; spend.csv matches the spend.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Years over budget (capex recomputed from the start years and spend profiles), and
        spend.csv rows that are missing, extra, or disagree in amount or sunk flag.
    """
    out = []
    for b in ctx.instance.budget:
        spent = ctx.facts.capex(b.year)
        if not at_most(spent, b.capex):
            out.append(Violation("budget", "capex", b.year, f"<= {show(b.capex)}", spent))
    return out + _spend_rows(ctx)


def _row_columns(ctx: Context, p: Project, row: Row) -> list[Violation]:
    facts, rule = ctx.facts, "project_rows"
    built = p.id in facts.starts
    spend = facts.spend.get(p.id, {})
    in_horizon = sum(a for y, a in spend.items() if y in ctx.instance.years)
    expected_numbers = {
        "capex": p.capex if built else 0.0,
        "capex_in_horizon": in_horizon,
        "discounted_cost": facts.project_cost(p),
    }
    out = []
    inst = ctx.instance
    for col, label in (
        ("name", p.name),
        ("port", inst.port_of_area.get(p.area, "")),
        ("area", p.area),
        ("stage", p.stage),
    ):
        out += text(rule, f"{p.id}.{col}", None, label, row[col])
    for col, value in expected_numbers.items():
        out += number(rule, f"{p.id}.{col}", None, value, row[col])
    out += integer(
        rule, f"{p.id}.berths_added", None, p.berths() if built else 0, row["berths_added"]
    )
    out += integer(
        rule,
        f"{p.id}.berths_10k_added",
        None,
        p.berths_10k() if built else 0,
        row["berths_10k_added"],
    )
    return out


def project_rows(ctx: Context) -> list[Violation]:
    """The columns of projects.csv derived from the instance and the decisions.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Mismatches of port, area, stage, capex, capex_in_horizon, discounted_cost,
        berths_added and berths_10k_added.
    """
    out: list[Violation] = []
    for p in ctx.instance.projects:
        row = ctx.decisions.projects.get(p.id)
        if row is None:
            continue
        out += _row_columns(ctx, p, row)  # name, port, area, stage and the numbers, once each
    return out

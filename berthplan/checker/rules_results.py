"""Rules on the reported results: kpis.csv, targets.csv, the objective and the instance hash."""

from __future__ import annotations

from typing import Any

from berthplan.checker import costs
from berthplan.checker.context import Context, empty_or_zero, integer, number, text
from berthplan.checker.report import Violation, at_most, close, show
from berthplan.checker.tables import Row, json_number, to_float, to_int
from berthplan.model.records import Target

KPI_COLUMNS = (
    "cargo_tons",
    "container_teu",
    "berths_10k",
    "new_routes",
    "unserved_teu",
    "unserved_tons",
)
"""kpis.csv columns that are empty after the horizon."""


def _by_year(ctx: Context) -> tuple[dict[int, Row], list[Violation]]:
    rows: dict[int, Row] = {}
    out = []
    for i, row in enumerate(ctx.tables.kpis):
        year = to_int(row["year"])
        if year is None:
            out.append(Violation("kpis", f"kpis.csv:{i + 2}", None, "a year", row["year"]))
        elif year in rows:
            out.append(Violation("kpis", "kpis.csv", year, "one row", "several rows"))
        else:
            rows[year] = row
    facts = ctx.facts
    required = facts.cost_years()
    later = {y for s in facts.spend.values() for y in s if y > facts.y1}
    allowed = set(required) | later
    out += [Violation("kpis", "kpis.csv", y, "a row", "no row") for y in required if y not in rows]
    out += [Violation("kpis", "kpis.csv", y, "no row", "a row") for y in rows if y not in allowed]
    return rows, out


def _horizon_row(ctx: Context, year: int, row: Row) -> list[Violation]:
    facts = ctx.facts
    cost = costs.year_cost(facts, year)
    expected = {m: costs.kpi(facts, m, year) for m in KPI_COLUMNS[:4]}
    expected |= {
        "unserved_teu": facts.unserved_teu(year),
        "unserved_tons": facts.unserved_tons(year),
        "capex": cost.capex,
        "opex": cost.opex,
        "route_cost": cost.route_cost,
        "penalty_cost": cost.penalty_cost,
        "discounted_cost": ctx.instance.discount(year) * cost.total,
    }
    if ctx.facts.pools:
        expected["waiting_cost"] = cost.waiting_cost
    scale = ctx.scale(year)
    out = []
    for col, value in expected.items():
        cell = row.get(col)
        if cell is None:
            out.append(Violation("kpis", col, year, "a kpis.csv column", "no column"))
            continue
        out += number("kpis", col, year, value, cell, scale)
    return out


def _later_row(ctx: Context, year: int, row: Row) -> list[Violation]:
    out = []
    for col in KPI_COLUMNS:
        out += integer("kpis", col, year, None, row[col])
    for col in ("opex", "route_cost", "penalty_cost", "waiting_cost"):
        if col in row:
            out += empty_or_zero("kpis", col, year, row[col])
    capex = ctx.facts.capex(year)
    out += number("kpis", "capex", year, capex, row["capex"])
    discounted = ctx.instance.discount(year) * capex
    return out + number("kpis", "discounted_cost", year, discounted, row["discounted_cost"])


def kpis(ctx: Context) -> list[Violation]:
    """Every kpis.csv row is the year's KPIs and costs recomputed from decisions and throughputs.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Missing, extra or duplicated years; each column that disagrees (after the horizon the
        KPI columns must be empty and opex, route_cost, penalty_cost empty or 0).
    """
    rows, out = _by_year(ctx)
    for year, row in sorted(rows.items()):
        if year in ctx.instance.years:
            out += _horizon_row(ctx, year, row)
        elif year > ctx.facts.y1:
            out += _later_row(ctx, year, row)
    return out


def target_record(t: Target) -> str:
    """How violations name a target: ``metric`` (province) or ``metric[port]``."""
    return t.metric if t.port is None else f"{t.metric}[{t.port}]"


def _target_rows(ctx: Context) -> tuple[dict[tuple[int, str, str], Row], list[Violation]]:
    known = {(t.year, t.metric, t.port or "") for t in ctx.instance.targets}
    rows: dict[tuple[int, str, str], Row] = {}
    out = []
    for i, row in enumerate(ctx.tables.targets):
        year = to_int(row["year"])
        key = (year if year is not None else -1, row["metric"], row["port"])
        name = row["metric"] if row["port"] == "" else f"{row['metric']}[{row['port']}]"
        if key not in known or key in rows:
            why = "one row" if key in known else "a target of the instance"
            out.append(Violation("targets", name, year, why, f"targets.csv:{i + 2}"))
        else:
            rows[key] = row
    return rows, out


def _target_row(ctx: Context, t: Target, row: Row) -> list[Violation]:
    record = target_record(t)
    achieved = costs.kpi(ctx.facts, t.metric, t.year, t.port)
    scale = ctx.scale(t.year)
    out = number("targets", f"{record}.target", t.year, t.value, row["target"])
    out += number("targets", f"{record}.achieved", t.year, achieved, row["achieved"], scale)
    short = costs.shortfall(ctx.facts, t)
    out += number("targets", f"{record}.shortfall", t.year, short, row["shortfall"], scale)
    out += text("targets", f"{record}.hard", t.year, show(t.hard), row["hard"])
    if not close(achieved, t.value, scale):  # near the target either answer is right
        binding = show(achieved <= t.value)
        out += text("targets", f"{record}.binding", t.year, binding, row["binding"])
    return out


def missed_hard_targets(ctx: Context) -> list[Violation]:
    """The hard targets the plan misses, as violations of ``targets``.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        One per hard target whose KPI is below its value (expected ``>= value``).
    """
    out = []
    for t in ctx.instance.targets:
        achieved = costs.kpi(ctx.facts, t.metric, t.year, t.port)
        if t.hard and not at_most(t.value, achieved, ctx.scale(t.year)):
            out.append(
                Violation("targets", target_record(t), t.year, f">= {show(t.value)}", achieved)
            )
    return out


def _listed_target(ctx: Context, entry: Any) -> Target | None:
    if not isinstance(entry, dict):
        return None
    key = (entry.get("year"), entry.get("metric"), entry.get("port"))
    return next((t for t in ctx.instance.targets if (t.year, t.metric, t.port) == key), None)


def _listed_shortfall(ctx: Context, t: Target, entry: dict[str, Any]) -> list[Violation]:
    found = json_number(entry.get("shortfall"))
    short = costs.shortfall(ctx.facts, t)
    if found is not None and close(found, short, ctx.scale(t.year)):
        return []
    record = f"solve.json:shortfalls.{target_record(t)}"
    return [
        Violation(
            "targets",
            record,
            t.year,
            short,
            str(entry.get("shortfall")) if found is None else found,
        )
    ]


def _listed_shortfalls(ctx: Context) -> list[Violation]:
    listed = ctx.tables.solve.get("shortfalls")
    if not isinstance(listed, list):
        return []
    out: list[Violation] = []
    seen: set[tuple[str, int | None]] = set()
    for entry in listed:
        t = _listed_target(ctx, entry)
        if t is None:
            out.append(Violation("targets", "solve.json:shortfalls", None, "a target", str(entry)))
        else:
            seen.add((target_record(t), t.year))
            out += _listed_shortfall(ctx, t, entry)
    missed = missed_hard_targets(ctx) if ctx.status == "infeasible" else []
    return out + [
        Violation("targets", f"solve.json:shortfalls.{v.record}", v.year, "listed", "not listed")
        for v in missed
        if (v.record, v.year) not in seen
    ]


def targets(ctx: Context) -> list[Violation]:
    """Hard targets are met and targets.csv agrees with the recomputed KPIs.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Hard targets missed (not for an ``infeasible`` plan, whose misses are the diagnosed
        shortfalls and go to the report's notes); targets.csv rows missing, extra,
        duplicated, or disagreeing in target, achieved, shortfall, hard or binding; entries
        of solve.json's ``shortfalls`` (where given) that name no target or disagree, and
        (for an ``infeasible`` plan) hard targets short that it does not list.
    """
    out = [] if ctx.status == "infeasible" else missed_hard_targets(ctx)
    rows, bad = _target_rows(ctx)
    out += bad
    for t in ctx.instance.targets:
        row = rows.get((t.year, t.metric, t.port or ""))
        if row is None:
            out.append(Violation("targets", target_record(t), t.year, "a row", "no row"))
        else:
            out += _target_row(ctx, t, row)
    return out + _listed_shortfalls(ctx)


def _breakdown(ctx: Context, expected: dict[str, float], scale: float) -> list[Violation]:
    given = ctx.tables.solve.get("breakdown")
    if not isinstance(given, dict):
        return []
    out = []
    for key, value in expected.items():
        if key in given:
            found = json_number(given[key])
            if found is None or not close(found, value, scale):
                shown = found if found is not None else str(given[key])
                out.append(
                    Violation("objective", f"solve.json:breakdown.{key}", None, value, shown)
                )
    return out


SOLVER_REL_TOL = 1e-5
"""How close the solver's own objective must be to the recomputed one (solver tolerance)."""


def _solver_objective(ctx: Context, total: float, scale: float) -> list[Violation]:
    found = json_number(ctx.tables.solve.get("solver_objective"))
    if found is None or ctx.status not in ("optimal", "feasible", "infeasible"):
        return []
    slack = SOLVER_REL_TOL * max(abs(found), abs(total)) + 1e-6 * scale
    record = "solve.json:solver_objective"
    if ctx.status == "feasible":  # an incumbent: the optimal continuous values cost no more
        ok = total <= found + slack
        return [] if ok else [Violation("objective", record, None, f">= {show(total)}", found)]
    return (
        [] if abs(found - total) <= slack else [Violation("objective", record, None, total, found)]
    )


def objective(ctx: Context) -> list[Violation]:
    """The recomputed objective equals solve.json's and the sum of kpis.csv discounted_cost.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        A mismatch of solve.json's ``objective`` (1e-6 relative), of the kpis.csv column sum,
        or of a component of solve.json's ``breakdown`` (where given); a ``solver_objective``
        (where given) other than the recomputed objective (1e-5 relative; for a ``feasible``
        plan, below it): the tables do not state the decisions the solver found.
    """
    breakdown = costs.breakdown(ctx.facts)
    total = sum(breakdown.values())
    scale = float(len(ctx.facts.cost_years()))
    out = []
    raw = ctx.tables.solve.get("objective")
    reported = json_number(raw)
    if reported is None or not close(reported, total, scale):
        found = reported if reported is not None else str(raw)
        out.append(Violation("objective", "solve.json:objective", None, total, found))
    column = [to_float(row["discounted_cost"]) for row in ctx.tables.kpis]
    summed = sum(v for v in column if v is not None)
    if not close(summed, total, scale + len(column)):
        out.append(Violation("objective", "kpis.csv:discounted_cost", None, total, summed))
    return out + _breakdown(ctx, breakdown, scale) + _solver_objective(ctx, total, scale)


def instance(ctx: Context) -> list[Violation]:
    """solve.json names this instance: its canonical hash (and name), where it gives them.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        A hash or name other than the instance's: the plan was solved for another instance.
    """
    given = ctx.tables.solve.get("instance")
    if not isinstance(given, dict):
        return []
    out = []
    if "hash" in given and given["hash"] != ctx.instance.canonical_hash():
        out.append(
            Violation(
                "instance",
                "solve.json:instance.hash",
                None,
                ctx.instance.canonical_hash(),
                str(given["hash"]),
            )
        )
    if "name" in given and given["name"] != ctx.instance.name:
        found = str(given["name"])
        out.append(
            Violation("instance", "solve.json:instance.name", None, ctx.instance.name, found)
        )
    return out

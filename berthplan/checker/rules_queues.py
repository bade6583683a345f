"""The ``queues`` rule: queues.csv recomputed per pool and year, and every W/S within its limit."""

from __future__ import annotations

import math

from berthplan.checker.context import Context, integer, number, text
from berthplan.checker.report import Violation, at_most, show
from berthplan.checker.tables import Row, to_int
from berthplan.model.pools import Pool

RULE = "queues"


def _expected(ctx: Context, pool: Pool, year: int) -> dict[str, float]:
    facts = ctx.facts
    n, h = facts.pool_berths(pool, year), facts.pool_throughput(pool, year)
    ratio = pool.wait_ratio(n, h)
    charged = facts.charged_wait_hours(pool, year)
    return {
        "max_wait_ratio": float(pool.params.max_wait_ratio or 0),
        "capacity": pool.capacity(n),
        "throughput": h,
        "calls": pool.calls(h),
        "occupancy": pool.occupancy(n, h),
        "wait_ratio": ratio,
        "wait_hours": ratio * float(pool.params.service_hours or 0),
        "total_wait_hours": pool.wait_hours(n, h, ratio),
        "charged_wait_hours": charged,
        "waiting_cost": charged * float(pool.params.waiting_cost or 0),
    }


def _row(ctx: Context, pool: Pool, year: int, row: Row) -> list[Violation]:
    record = pool.id
    out = text(RULE, f"{record}.port", year, pool.port, row["port"])
    out += text(
        RULE, f"{record}.unit", year, "TEU" if pool.cargo == "container" else "t", row["unit"]
    )
    out += text(RULE, f"{record}.queue", year, str(pool.params.queue), row["queue"])
    out += integer(RULE, f"{record}.berths", year, ctx.facts.pool_berths(pool, year), row["berths"])
    for col, value in _expected(ctx, pool, year).items():
        if math.isnan(value):  # above occupancy 1: the limit rule below reports it
            continue
        out += number(RULE, f"{record}.{col}", year, value, row[col])
    return out


def _limit(ctx: Context, pool: Pool, year: int) -> list[Violation]:
    """W/S within the pool's limit: equivalently, throughput within capacity at the limit."""
    facts = ctx.facts
    n, h = facts.pool_berths(pool, year), facts.pool_throughput(pool, year)
    if h <= 0:
        return []
    cap = pool.capacity(n)
    if at_most(h, cap):
        return []
    ratio = pool.wait_ratio(n, h) if n else math.inf
    shown = "unbounded (occupancy >= 1)" if not math.isfinite(ratio) else show(ratio)
    bound = f"W/S <= {show(float(pool.params.max_wait_ratio or 0))} (throughput <= {show(cap)})"
    return [Violation(RULE, f"{pool.id}.wait_ratio", year, bound, f"{shown} at {show(h)}")]


def queues(ctx: Context) -> list[Violation]:
    """queues.csv holds every pool and year, recomputed, and no pool exceeds its W/S limit.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        A missing or unexpected queues.csv; rows with a bad key, duplicated or missing; each
        column that disagrees with its recomputation from the berths in service and the
        throughput of capacity.csv; every pool and year whose W/S exceeds its limit.
    """
    pools = ctx.facts.pools
    rows = ctx.tables.queues
    if not pools:  # no table, or a header alone, is right
        return [Violation(RULE, "queues.csv", None, "no rows", f"{len(rows)} rows")] if rows else []
    if rows is None:
        need = "the table (the instance has queue pools)"
        return [Violation(RULE, "queues.csv", None, need, "no file")]
    by_key = {(q.area, q.cargo): q for q in pools}
    out: list[Violation] = []
    seen: set[tuple[int, str, str]] = set()
    for i, row in enumerate(rows):
        year = to_int(row["year"])
        pool = by_key.get((row["area"], row["cargo"]))
        if year is None or year not in ctx.instance.years or pool is None:
            need = "a horizon year and a queue pool (area, cargo)"
            found = f"year {row['year']!r}, area {row['area']!r}, cargo {row['cargo']!r}"
            out.append(Violation(RULE, f"queues.csv:{i + 2}", None, need, found))
        elif (year, pool.area, pool.cargo) in seen:
            out.append(Violation(RULE, pool.id, year, "one row", "several rows"))
        else:
            seen.add((year, pool.area, pool.cargo))
            out += _row(ctx, pool, year, row)
    for year in ctx.instance.years:
        for pool in pools:
            if (year, pool.area, pool.cargo) not in seen:
                out.append(Violation(RULE, pool.id, year, "a row", "no row"))
            out += _limit(ctx, pool, year)
    return out

"""The ``capacity`` rule: capacity.csv's capacities, and its throughputs within every bound."""

from __future__ import annotations

from berthplan.checker.context import Context, integer, number, text
from berthplan.checker.decisions import Key, capacity_key
from berthplan.checker.report import Violation, at_most, show
from berthplan.checker.tables import Row, to_float

RULE = "capacity"


def _throughput(ctx: Context, key: Key, row: Row) -> list[Violation]:
    year, area, cargo = key
    record = f"{area}/{cargo}"
    value = to_float(row["throughput"])
    if value is None:
        return [Violation(RULE, f"{record}.throughput", year, "a number", row["throughput"])]
    cap = ctx.facts.cap(year, area, cargo)
    u = ctx.facts.utilization(area, cargo)
    out = []
    if value < -1e-6:
        out.append(Violation(RULE, record, year, ">= 0", value))
    if not at_most(value, u * cap):
        bound = f"<= {show(u * cap)} ({show(u)} x capacity)"
        out.append(Violation(RULE, record, year, bound, value))
    if cap > 0:
        out += number(RULE, f"{record}.utilization", year, value / cap, row["utilization"])
    else:
        out += integer(RULE, f"{record}.utilization", year, None, row["utilization"])
    return out


def _row(ctx: Context, key: Key, row: Row) -> list[Violation]:
    year, area, cargo = key
    record = f"{area}/{cargo}"
    unit = "TEU" if cargo == "container" else "t"
    port = ctx.instance.port_of_area[area]
    out = text(RULE, f"{record}.port", year, port, row["port"])
    out += text(RULE, f"{record}.unit", year, unit, row["unit"])
    cap = ctx.facts.cap(year, area, cargo)
    out += number(RULE, f"{record}.capacity", year, cap, row["capacity"])
    return out + _throughput(ctx, key, row)


def _rows(ctx: Context) -> tuple[list[Violation], set[Key]]:
    out: list[Violation] = []
    seen: set[Key] = set()
    for i, row in enumerate(ctx.tables.capacity):
        key = capacity_key(ctx.instance, row)
        if key is None:
            found = f"year {row['year']!r}, area {row['area']!r}, cargo {row['cargo']!r}"
            need = "a horizon year, an area and a cargo class"
            out.append(Violation(RULE, f"capacity.csv:{i + 2}", None, need, found))
        elif key in seen:
            out.append(Violation(RULE, f"{key[1]}/{key[2]}", key[0], "one row", "several rows"))
        else:
            seen.add(key)
            out += _row(ctx, key, row)
    return out, seen


def _presence(ctx: Context, seen: set[Key]) -> list[Violation]:
    pairs = sorted({(a, c) for (_, a, c) in ctx.facts.capacity})
    return [
        Violation(RULE, f"{a}/{c}", y, "a row (the pair has capacity)", "no row")
        for a, c in pairs
        for y in ctx.instance.years
        if (y, a, c) not in seen
    ]


def _served(ctx: Context) -> list[Violation]:
    facts, out = ctx.facts, []
    areas = sorted(
        {a for (_, a) in facts.offered} | {a for (_, a, c) in facts.throughput if c == "container"}
    )
    for y in ctx.instance.years:
        for a in areas:
            served = facts.throughput.get((y, a, "container"), 0.0)
            offered = facts.offered.get((y, a), 0.0)
            if not at_most(served, offered):
                bound = f"<= {show(offered)} (TEU offered)"
                out.append(Violation(RULE, f"{a}/container", y, bound, served))
    return out


def _ceilings(ctx: Context) -> list[Violation]:
    facts, out = ctx.facts, []
    for s in facts.scopes:
        for y in ctx.instance.years:
            handled = facts.handled(y, s.areas, s.cargo)
            ceiling = s.ceiling(y)
            if not at_most(handled, ceiling, scale=len(s.areas)):
                bound = f"<= {show(ceiling)} (demand)"
                out.append(Violation(RULE, s.label, y, bound, handled))
    return out


def capacity(ctx: Context) -> list[Violation]:
    """capacity.csv's capacities are the recomputed ones and its throughputs are feasible.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        Rows with a bad key or duplicated; port, unit, capacity and utilization mismatches;
        throughputs negative or above max_utilization x capacity; pairs with capacity but
        without a row in some year; TEU served above TEU offered at an area; throughput of a
        demand scope above its (interpolated) ceiling.
    """
    out, seen = _rows(ctx)
    return out + _presence(ctx, seen) + _served(ctx) + _ceilings(ctx)

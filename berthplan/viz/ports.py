"""The report's per-port view and the capacity section, with what "capacity" means here.

capacity.csv's capacity is the design capacity of the berths in service, except for queue pools
(service levels), where it is the throughput at the pool's W/S limit. Throughput may exceed a
design capacity where the instance allows ``max_utilization`` above 1; it never exceeds a pool's
capacity. :func:`capacity_note` says which applies to the plan at hand, with its numbers.
"""

from __future__ import annotations

import math

from berthplan.results.folder import records
from berthplan.results.plan import Plan
from berthplan.viz.charts import ports_figure
from berthplan.viz.context import Context
from berthplan.viz.figures import number as _number
from berthplan.viz.markup import esc, img, note, table

__all__ = ["PORT_PANELS", "capacity", "capacity_note", "over_capacity", "port_rows", "ports"]

PORT_PANELS = 12
"""At most this many ports get a chart panel (the busiest); the table lists every port."""


def over_capacity(plan: Plan) -> dict[str, float]:
    """Per cargo class, the largest throughput / capacity of any area and year above 1."""
    cap = plan.table("capacity")
    cap = cap[cap["capacity"].astype(float) > 0]
    ratio = cap["throughput"].astype(float) / cap["capacity"].astype(float)
    worst = ratio.groupby(cap["cargo"]).max()
    return {str(c): float(v) for c, v in worst.items() if v > 1 + 1e-9}


def capacity_note(plan: Plan, ctx: Context) -> str:
    """Why throughput may be above the capacity line, with the plan's own figures."""
    text = (
        "<b>How to read capacity.</b> For berths sized by design capacity, <i>capacity</i> is the "
        "design capacity of the berths in service (per berth, per year); the plan may handle up "
        "to <code>max_utilization</code> × that capacity, so with a utilisation above 1 "
        "throughput runs above the capacity line by design. For berths that form a queue pool "
        "(service levels: W/S, the ships' mean wait over their mean service time, within a limit "
        "per class), capacity is the throughput at which the waiting reaches that limit, and "
        "throughput never exceeds it. "
    )
    if "queues" in plan.tables:
        q = plan.table("queues")
        pooled = ", ".join(sorted({str(c) for c in q["cargo"]}))
        text += f"This plan's pooled classes: {esc(pooled)}. "
    over = over_capacity(plan)
    if over:
        parts = []
        for cargo, ratio in sorted(over.items()):
            allowed = ctx.utilization.get(cargo)
            limit = f", max_utilization {allowed:g}" if allowed is not None else ""
            parts.append(f"{esc(cargo)} up to {ratio:.0%} of capacity{limit}")
        text += "Here throughput exceeds design capacity for: " + "; ".join(parts) + "."
    else:
        text += "In this plan no area's throughput exceeds its capacity."
    return note(text)


def _busiest(plan: Plan, tons_per_teu: float) -> list[str]:
    cap = plan.table("capacity")
    last = cap[cap["year"] == cap["year"].max()]
    tonnes = last["throughput"] * last["unit"].map({"TEU": tons_per_teu}).fillna(1.0)
    order = tonnes.groupby(last["port"], sort=False).sum().sort_values(ascending=False)
    return [str(p) for p in order.index]


def _mega(v: float | None) -> float | None:
    """Millions, to 3 decimals (a whole number stays one: 0 reads "0")."""
    return None if v is None or math.isnan(v) else round(float(v) * 1e-6, 3)


def port_rows(plan: Plan, ctx: Context) -> tuple[list[str], list[list[object]]]:
    """Per port and year: container and other-cargo capacity and throughput, demand, targets."""
    cap = plan.table("capacity")
    teu = cap["unit"] == "TEU"
    group = ["port", "year"]
    box = cap[teu].groupby(group, sort=False)[["capacity", "throughput"]].sum()
    rest = cap[~teu].groupby(group, sort=False)[["capacity", "throughput"]].sum()
    frame = box.add_suffix("_teu").join(rest.add_suffix("_t"), how="outer")
    frame = frame.fillna(0.0).reset_index()
    if ctx.demand is not None:
        demand = ctx.demand.groupby(group)["demand"].sum()
        frame = frame.join(demand, on=group)
    t = plan.table("targets")
    t = t[t["port"].notna()]
    said: dict[tuple[str, int], list[str]] = {}
    for r in records(t):
        state = "short" if r["shortfall"] > 0 else "met"
        said.setdefault((str(r["port"]), int(r["year"])), []).append(
            f"{r['metric']} {_number(str(r['metric']), r['target'])} ({state})"
        )
    order = {p: i for i, p in enumerate(dict.fromkeys(cap["port"]))}
    frame = frame.assign(_o=frame["port"].map(order)).sort_values(["_o", "year"], kind="stable")
    header = ["port", "year", "container capacity (M TEU)", "containers served (M TEU)"]
    header += ["other cargo capacity (Mt)", "other cargo handled (Mt)"]
    header += ["demand ceilings (Mt)"] if ctx.demand is not None else []
    header.append("port targets")
    rows = []
    for r in records(frame):
        row: list[object] = [r["port"], r["year"]]
        row += [
            _mega(r[c]) for c in ("capacity_teu", "throughput_teu", "capacity_t", "throughput_t")
        ]
        if ctx.demand is not None:
            row.append(_mega(r["demand"]))
        row.append("; ".join(said.get((str(r["port"]), int(r["year"])), [])))
        rows.append(row)
    return header, rows


def ports(plan: Plan, ctx: Context) -> list[str]:
    """Panels of the busiest ports (tonnes) and a table of every port and year."""
    from berthplan.viz.figures import tons_per_teu

    tpt = tons_per_teu(plan)
    order = _busiest(plan, tpt)
    shown = order[:PORT_PANELS]
    out = [img(ports_figure(plan, shown, tpt), "Per port throughput and capacity")]
    if len(order) > len(shown):
        out.append(
            note(
                f"The chart shows the {len(shown)} busiest of {len(order)} ports "
                "(tonnes handled in the last year); the table lists every port."
            )
        )
    out.append(
        note(
            f"Containers count at {tpt:g} t per TEU in the chart. Demand ceilings "
            "apply to non-container cargo; container demand is what open routes offer "
            "(unserved TEU: see Shortfalls). Throughput above the capacity line: see "
            "How to read capacity, below."
        )
    )
    header, rows = port_rows(plan, ctx)
    return [*out, table(header, rows, numeric=(1,))]


def capacity(plan: Plan, ctx: Context) -> list[str]:
    from berthplan.viz.figures import capacity_figure

    fig = capacity_figure(plan, ports=False)
    return [capacity_note(plan, ctx), img(fig, "Capacity, throughput and targets")]

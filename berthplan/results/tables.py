"""The tables of the results contract (docs/results.md), computed from a plan's outcome."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES, METRICS
from berthplan.model.sets import CONTAINER
from berthplan.results.outcome import Outcome

TABLES = ("projects", "routes", "capacity", "spend", "kpis", "targets")
OPTIONAL_TABLES = ("queues",)
"""Tables written only when the instance has them (queues: with service levels)."""

PROJECT_COLUMNS = [
    "project_id",
    "name",
    "port",
    "area",
    "stage",
    "decision",
    "start_year",
    "completion_year",
    "in_service_year",
    "capex",
    "capex_in_horizon",
    "discounted_cost",
    "berths_added",
    "berths_10k_added",
]
ROUTE_COLUMNS = [
    "route_id",
    "name",
    "status",
    "decision",
    "open_year",
    "teu_offered",
    "discounted_cost",
]


def projects_table(instance: Instance, outcome: Outcome) -> pd.DataFrame:
    """projects.csv: one row per project, in instance order."""
    o, inst = outcome, instance
    rows = []
    for j, p in enumerate(inst.projects):
        built = bool(o.built[j])
        start = int(o.start[j]) if built else None
        spent = o.spend().get(p.id, {})
        rows.append(
            {
                "project_id": p.id,
                "name": p.name,
                "port": inst.port_of_area[p.area],
                "area": p.area,
                "stage": p.stage,
                "decision": "build" if built else "skip",
                "start_year": start,
                "completion_year": None if start is None else start + p.duration - 1,
                "in_service_year": None if start is None else start + p.duration,
                "capex": p.capex if built else 0.0,
                "capex_in_horizon": sum(
                    (a for y, a in spent.items() if inst.horizon.start <= y <= inst.horizon.end),
                    0.0,
                ),
                "discounted_cost": o.project_discounted(j),
                "berths_added": p.berths() if built else 0,
                "berths_10k_added": p.berths_10k() if built else 0,
            }
        )
    df = _frame(rows, ["start_year", "completion_year", "in_service_year"], PROJECT_COLUMNS)
    if inst.residual_value:  # the column exists only with the switch on (outputs unchanged off)
        df["residual_value"] = o.residual_values()
    return df


def routes_table(instance: Instance, outcome: Outcome) -> pd.DataFrame:
    """routes.csv: one row per route, in instance order."""
    inst, s = instance, outcome.s
    rows = []
    delta = s.discount
    for route in inst.routes:
        if route.status == "existing":
            decision, t = "existing", None
            teu = route.count * sum(c.teu for c in route.calls)
            cost = float((route.count * route.annual_cost * delta).sum())
        else:
            t = outcome.d.opens.get(route.id)
            decision = "open" if t is not None else "skip"
            teu = route.count * sum(c.teu for c in route.calls) if t is not None else 0.0
            cost = 0.0
            if t is not None:
                on = s.years >= t
                cost = route.count * (
                    route.opening_cost * inst.discount(t)
                    + route.annual_cost * float(delta[on].sum())
                )
        rows.append(
            {
                "route_id": route.id,
                "name": route.name,
                "status": route.status,
                "decision": decision,
                "open_year": t,
                "teu_offered": teu,
                "discounted_cost": cost,
            }
        )
    return _frame(rows, ["open_year"], ROUTE_COLUMNS)


def capacity_table(outcome: Outcome) -> pd.DataFrame:
    """capacity.csv: per year, area and cargo class with capacity or throughput."""
    o, s = outcome, outcome.s
    cap, thr = o.capacity, o.throughput
    present = (cap > 0).any(axis=2) | (thr > 0).any(axis=2)
    port_rank = {p: i for i, p in enumerate(s.ports)}
    keys = sorted(
        ((a, c) for a, c in zip(*np.nonzero(present), strict=True)),
        key=lambda ac: (port_rank[s.ports[s.area_port[ac[0]]]], ac[0], ac[1]),
    )
    rows = []
    for yi, y in enumerate(s.years):
        for a, c in keys:
            capacity = float(cap[a, c, yi])
            rows.append(
                {
                    "year": int(y),
                    "port": s.ports[s.area_port[a]],
                    "area": s.areas[a],
                    "cargo": CARGO_CLASSES[c],
                    "unit": "TEU" if c == CONTAINER else "t",
                    "capacity": capacity,
                    "throughput": float(thr[a, c, yi]),
                    "utilization": float(thr[a, c, yi]) / capacity if capacity > 0 else None,
                }
            )
    columns = ["year", "port", "area", "cargo", "unit", "capacity", "throughput", "utilization"]
    return _frame(rows, [], columns)


def spend_table(instance: Instance, outcome: Outcome) -> pd.DataFrame:
    """spend.csv: per project and year its capex (sunk before the horizon)."""
    y0 = instance.horizon.start
    rows = [
        {"project_id": pid, "year": y, "capex": amount, "sunk": y < y0}
        for pid, per_year in outcome.spend().items()
        for y, amount in sorted(per_year.items())
    ]
    return _frame(rows, [], ["project_id", "year", "capex", "sunk"])


def kpis_table(instance: Instance, outcome: Outcome) -> pd.DataFrame:
    """kpis.csv: per year the KPIs and costs (post-horizon capex rows last)."""
    o, s, inst = outcome, outcome.s, instance
    capex = o.capex_by_year()
    opex, routes, penalty = o.opex(), o.route_cost(), o.penalty_cost()
    waiting = o.waiting_cost()
    pooled = bool(s.pools)  # the waiting_cost column exists only with queue pools
    kpi = {m: o.kpi(m) for m in METRICS}
    rows = []
    for yi, year in enumerate(s.years.tolist()):
        y = int(year)
        cost = capex.get(y, 0.0) + opex[yi] + routes[yi] + penalty[yi]
        cost += waiting[yi] if pooled else 0.0
        rows.append(
            {"year": y, **{m: kpi[m][yi] for m in METRICS}}
            | {
                "unserved_teu": o.unserved_teu[yi],
                "unserved_tons": o.unserved_tons[yi],
                "capex": capex.get(y, 0.0),
                "opex": opex[yi],
                "route_cost": routes[yi],
                "penalty_cost": penalty[yi],
            }
            | ({"waiting_cost": waiting[yi]} if pooled else {})
            | {"discounted_cost": inst.discount(y) * cost}
        )
    for y, amount in capex.items():
        if y > s.y1:  # spend after the horizon: cost columns only
            rows.append(
                {
                    "year": y,
                    "capex": amount,
                    "opex": 0.0,
                    "route_cost": 0.0,
                    "penalty_cost": 0.0,
                }
                | ({"waiting_cost": 0.0} if pooled else {})
                | {"discounted_cost": inst.discount(y) * amount}
            )
    columns = [
        "year",
        *METRICS,
        "unserved_teu",
        "unserved_tons",
        "capex",
        "opex",
        "route_cost",
        "penalty_cost",
        *(["waiting_cost"] if pooled else []),
        "discounted_cost",
    ]
    df = _frame(rows, ["berths_10k", "new_routes"], columns)
    return _with_residual(inst, o, df) if inst.residual_value else df


def _with_residual(inst: Instance, o: Outcome, df: pd.DataFrame) -> pd.DataFrame:
    """kpis.csv with the residual value column: the assets' value after the horizon, in the
    last horizon year's row, and that row's discounted_cost net of its credit (discounted
    from the year after the horizon, as the objective credits it)."""
    value = float(o.residual_values().sum())
    last = df.index[df["year"] == o.s.y1]
    df.insert(list(df.columns).index("discounted_cost"), "residual_value", 0.0)
    df.loc[last, "residual_value"] = value
    df.loc[last, "discounted_cost"] -= inst.discount(o.s.y1 + 1) * value
    return df


QUEUE_COLUMNS = [
    "year",
    "port",
    "area",
    "cargo",
    "unit",
    "queue",
    "berths",
    "max_wait_ratio",
    "capacity",
    "throughput",
    "calls",
    "occupancy",
    "wait_ratio",
    "wait_hours",
    "total_wait_hours",
    "charged_wait_hours",
    "waiting_cost",
]


def queues_table(outcome: Outcome) -> pd.DataFrame:
    """queues.csv: per year and queue pool its berths, occupancy, W/S and ship waiting."""
    o, s = outcome, outcome.s
    rows = []
    for yi, y in enumerate(s.years.tolist()):
        for q, pool in enumerate(s.pools):
            n, h = int(o.pool_berths[q, yi]), float(o.pool_throughput[q, yi])
            ratio = pool.wait_ratio(n, h)
            charged = float(o.pool_wait_charged[q, yi])
            rows.append(
                {
                    "year": int(y),
                    "port": pool.port,
                    "area": pool.area,
                    "cargo": pool.cargo,
                    "unit": "TEU" if pool.cargo == "container" else "t",
                    "queue": pool.params.queue,
                    "berths": n,
                    "max_wait_ratio": pool.params.max_wait_ratio,
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
            )
    return _frame(rows, ["berths"], QUEUE_COLUMNS)


def targets_table(instance: Instance, outcome: Outcome) -> pd.DataFrame:
    """targets.csv: per target its achievement, sorted by year, metric and port."""
    o = outcome
    rows = []
    for t in instance.targets:
        achieved = o.achieved(t)
        rows.append(
            {
                "year": t.year,
                "metric": t.metric,
                "port": t.port,
                "target": t.value,
                "achieved": achieved,
                "shortfall": o.shortfall(t),
                "hard": t.hard,
                "binding": achieved <= t.value * (1 + 1e-9) + 1e-9,
            }
        )
    df = _frame(
        rows,
        [],
        ["year", "metric", "port", "target", "achieved", "shortfall", "hard", "binding"],
    )
    order = {m: i for i, m in enumerate(METRICS)}
    df["_m"] = df["metric"].map(order)
    df["_p"] = df["port"].fillna("")
    return (
        df.sort_values(["year", "_m", "_p"], kind="stable")
        .drop(columns=["_m", "_p"])
        .reset_index(drop=True)
    )


def _frame(
    rows: list[dict[str, Any]], int_cols: list[str], columns: list[str] | None = None
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)
    for c in int_cols:
        df[c] = pd.array([None if pd.isna(v) else int(v) for v in df[c]], dtype="Int64")
    return df

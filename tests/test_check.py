"""The solver-free plan checker, on a plan folder written by hand for the example instance.

The hand plan (every number derived in the comments below, independently of the checker):

- p1e-ct-3 (ongoing) starts 2021, d=3: spend 900 (2021, sunk), 1200 (2022, sunk), 900 (2023);
  completed 2023 (+2 berths >= 10k), in service 2024 (+2 x 600000 TEU at p1-east, opex 30).
- p2-ore-1 (new) starts 2023, d=2: spend 700, 700 (2023, 2024); completed 2024 (+1 berth >= 10k),
  in service 2025 (+15 Mt dry bulk at p2-main).
- p1w-channel (preliminary, window 2024-2026) starts 2024, d=1: spend 800 (2024); in service
  2025 (p1-west 15 m).
- p1w-ct-a (candidate, window 2024-2026) starts 2026, d=2: spend 1300, 1300 (2026, 2027); the
  channel is completed 2024 <= 2026 - 1; completed 2027, in service 2028 (after the horizon).
- p1w-ct-b skipped (group p1w-ct: one member built).
- dom-south opens 2023 (window 2023-2026; depths 15 >= 12 at p1-east, 12.5 >= 12 at p2-main);
  deep-sea-europe skipped.
- Budget 2024: 700 + 800 = 1500 <= 4000.

Discount factors 1.06 ** -(y - 2023): 2023 1, 2024 0.943396226, 2025 0.889996440,
2026 0.839619283, 2027 0.792093663.
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from berthplan.checker import CheckReport, PlanFolderError, Violation, check_plan, costs
from berthplan.checker.core import context
from berthplan.checker.report import at_most, close, show
from berthplan.checker.tables import read_plan
from berthplan.cli.check import register
from berthplan.model.instance import Instance
from berthplan.model.io import load, loads

EXAMPLE = Path(__file__).parent / "data" / "check" / "example.yaml"

# Capacity (design, u = 1 unless said): p1-east container 4 x 500000 = 2,000,000 TEU, from 2024
# + 2 x 600000 = 3,200,000. p1-west general 6 x 800000 = 4,800,000 t (no demand: handled in
# full). p2-main dry bulk 2 x 9,000,000 = 18,000,000 t, from 2025 + 15,000,000 = 33,000,000,
# u = 1.3. P2 dry-bulk ceiling: 16,000,000 (2023) to 30,000,000 (2026), linear: 2024
# 20,666,666.67, 2025 25,333,333.33. The plan handles 16,000,000 / 20,000,000 (below the
# ceiling: 666,666.666667 t unserved) / 25,333,333.333333 / 30,000,000 t.
# Served TEU = capacity (offered is far above it). Utilization = throughput / capacity:
# 16/18 = 0.888889, 20/18 = 1.111111, 25.333333/33 = 0.767677, 30/33 = 0.909091.
CAPACITY = """\
year,port,area,cargo,unit,capacity,throughput,utilization
2023,P1,p1-east,container,TEU,2000000.000000,2000000.000000,1.000000
2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000
2023,P2,p2-main,dry_bulk,t,18000000.000000,16000000.000000,0.888889
2024,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000
2024,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000
2024,P2,p2-main,dry_bulk,t,18000000.000000,20000000.000000,1.111111
2025,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000
2025,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000
2025,P2,p2-main,dry_bulk,t,33000000.000000,25333333.333333,0.767677
2026,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000
2026,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000
2026,P2,p2-main,dry_bulk,t,33000000.000000,30000000.000000,0.909091
"""

# discounted_cost: p1e-ct-3 900 + 30 x (0.943396 + 0.889996 + 0.839619) = 980.190358;
# p2-ore-1 700 + 700 x 0.943396 = 1360.377358; p1w-channel 800 x 0.943396 = 754.716981;
# p1w-ct-a 1300 x 0.839619 + 1300 x 0.792094 = 2121.226830 (capex in horizon: 1300 of 2026).
PROJECTS = """\
project_id,name,port,area,stage,decision,start_year,completion_year,in_service_year,capex,capex_in_horizon,discounted_cost,berths_added,berths_10k_added
p1e-ct-3,East container terminal phase III,P1,p1-east,ongoing,build,2021,2023,2024,3000.000000,900.000000,980.190358,2,2
p2-ore-1,Main area ore berth,P2,p2-main,new,build,2023,2024,2025,1400.000000,1400.000000,1360.377358,1,1
p1w-channel,West channel deepening,P1,p1-west,preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0
p1w-ct-a,"West container berths, option A",P1,p1-west,candidate,build,2026,2027,2028,2600.000000,1300.000000,2121.226830,2,2
p1w-ct-b,"West container berths, option B",P1,p1-west,candidate,skip,,,,0.000000,0.000000,0.000000,0,0
"""

# teu_offered: existing 8 x 1,500,000 = 12,000,000; dom-south 90,000 + 20,000 = 110,000.
# dom-south cost: 5 (opening) + 2 x (1 + 0.943396 + 0.889996 + 0.839619) = 12.346024; the
# existing route has no annual cost.
ROUTES = """\
route_id,name,status,decision,open_year,teu_offered,discounted_cost
near-sea-existing,Existing near-sea services,existing,existing,,12000000.000000,0.000000
dom-south,Weekly domestic service to the south,candidate,open,2023,110000.000000,12.346024
deep-sea-europe,Weekly Europe service (large ships),candidate,skip,,0.000000,0.000000
"""

SPEND = """\
project_id,year,capex,sunk
p1e-ct-3,2021,900.000000,true
p1e-ct-3,2022,1200.000000,true
p1e-ct-3,2023,900.000000,false
p2-ore-1,2023,700.000000,false
p2-ore-1,2024,700.000000,false
p1w-channel,2024,800.000000,false
p1w-ct-a,2026,1300.000000,false
p1w-ct-a,2027,1300.000000,false
"""

# TEU offered: p1-east 12,000,000 x 1.04^k + 90,000; p2-main 20,000 x 1.02^k (k = y - 2023):
# 2023 12,090,000 + 20,000; 2024 12,570,000 + 20,400; 2025 13,069,200 + 20,808;
# 2026 13,588,368 + 21,224.16. Unserved TEU = offered - served: 10,110,000; 9,390,400;
# 9,890,008; 10,409,592.16. cargo_tons = general 4.8 Mt + dry bulk + 10 x TEU served:
# 4.8 + 16 + 20 = 40.8 Mt; 4.8 + 20 + 32 = 56.8 Mt; 4.8 + 25.333333 + 32 = 62.133333 Mt;
# 4.8 + 30 + 32 = 66.8 Mt. berths_10k: 6 existing + 2 (2023) + 1 (2024) = 8, 9, 9, 9.
# capex: 900 + 700 = 1600; 700 + 800 = 1500; 0; 1300; 1300 (2027). opex 30 from 2024.
# route_cost: 5 + 2 = 7, then 2. penalty: 0.0004 x unserved TEU (4044; 3756.16; 3956.0032;
# 4163.836864) + 0.00002 x 666,666.666667 t in 2024 (13.333333); the soft target is met.
# discounted: 5651; 5301.493333 x 0.943396 = 5001.408805; 3988.0032 x 0.889996 = 3549.308651;
# 5495.836864 x 0.839619 = 4614.410607; 1300 x 0.792094 = 1029.721762 (2027, post-horizon).
KPIS = """\
year,cargo_tons,container_teu,berths_10k,new_routes,unserved_teu,unserved_tons,capex,opex,route_cost,penalty_cost,discounted_cost
2023,40800000.000000,2000000.000000,8,1,10110000.000000,0.000000,1600.000000,0.000000,7.000000,4044.000000,5651.000000
2024,56800000.000000,3200000.000000,9,0,9390400.000000,666666.666667,1500.000000,30.000000,2.000000,3769.493333,5001.408805
2025,62133333.333333,3200000.000000,9,0,9890008.000000,0.000000,0.000000,30.000000,2.000000,3956.003200,3549.308651
2026,66800000.000000,3200000.000000,9,0,10409592.160000,0.000000,1300.000000,30.000000,2.000000,4163.836864,4614.410607
2027,,,,,,,1300.000000,,,,1029.721762
"""

# P2 cargo 2026 = 30 Mt dry bulk (no container berths at p2-main) >= 28 Mt.
TARGETS = """\
year,metric,port,target,achieved,shortfall,hard,binding
2023,berths_10k,,8.000000,8.000000,0.000000,true,true
2023,new_routes,,1.000000,1.000000,0.000000,true,true
2026,cargo_tons,P2,28000000.000000,30000000.000000,0.000000,false,false
2026,container_teu,,2000000.000000,3200000.000000,0.000000,true,false
"""

# objective = 5651 + 5001.408805 + 3549.308651 + 4614.410607 + 1029.721762 = 19845.849825;
# capex 1600 + 1500 x 0.943396 + 1300 x (0.839619 + 0.792094) = 5136.321170;
# opex 30 x 2.673012 = 80.190358; routes 12.346024; unserved TEU 4044 + 3756.16 x 0.943396 +
# 3956.0032 x 0.889996 + 4163.836864 x 0.839619 = 14604.413657; unserved t 13.333333 x
# 0.943396 = 12.578616.
OBJECTIVE = 19845.849825
BREAKDOWN = {
    "capex": 5136.321170,
    "opex": 80.190358,
    "route_cost": 12.346024,
    "unserved_teu": 14604.413657,
    "unserved_tons": 12.578616,
    "shortfall": 0.0,
}

Tables = dict[str, str]


def hand_tables() -> Tables:
    return {
        "projects": PROJECTS,
        "routes": ROUTES,
        "capacity": CAPACITY,
        "spend": SPEND,
        "kpis": KPIS,
        "targets": TARGETS,
    }


def hand_solve(instance: Instance, status: str = "optimal") -> dict[str, Any]:
    return {
        "schema_version": 1,
        "instance": {
            "name": instance.name,
            "hash": instance.canonical_hash(),
            "money_unit": instance.money_unit,
            "price_year": instance.price_year,
        },
        "status": status,
        "objective": OBJECTIVE,
        "breakdown": dict(BREAKDOWN),
    }


def write_plan(folder: Path, tables: Tables, solve: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        (folder / f"{name}.csv").write_text(content, encoding="utf-8")
    (folder / "solve.json").write_text(json.dumps(solve), encoding="utf-8")
    return folder


def edit(content: str, old: str, new: str) -> str:
    """Replace the one occurrence of ``old`` (a tamper must hit exactly one place)."""
    assert content.count(old) == 1, old
    return content.replace(old, new)


def keys(report: CheckReport) -> set[tuple[str, str, int | None]]:
    return {(v.rule, v.record, v.year) for v in report.violations}


def variant(change: Callable[[dict[str, Any]], None]) -> Instance:
    """The example instance with ``change`` applied to its raw data (validated again)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    return loads(yaml.safe_dump(data), "variant.yaml")


def check_variant(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], table: str, old: str, new: str
) -> CheckReport:
    """The hand plan, ``old`` made ``new`` in ``table``, checked against :func:`variant`."""
    inst = variant(change)
    tables = hand_tables()
    tables[table] = edit(tables[table], old, new)
    return check_plan(inst, write_plan(tmp_path / "variant", tables, hand_solve(inst)))


@pytest.fixture
def instance() -> Instance:
    return load(EXAMPLE)


@pytest.fixture
def plan(tmp_path: Path, instance: Instance) -> Path:
    return write_plan(tmp_path / "plan", hand_tables(), hand_solve(instance))


def check_tampered(
    tmp_path: Path, instance: Instance, table: str, old: str, new: str
) -> CheckReport:
    tables = hand_tables()
    tables[table] = edit(tables[table], old, new)
    return check_plan(instance, write_plan(tmp_path / "tampered", tables, hand_solve(instance)))


# -- the hand plan is accepted -----------------------------------------------------------------


def test_hand_plan_is_accepted(instance: Instance, plan: Path) -> None:
    report = check_plan(instance, plan)
    assert report.violations == []
    assert report.ok
    assert report.objective == pytest.approx(OBJECTIVE, rel=1e-9)
    assert report.reported_objective == OBJECTIVE
    assert report.summary().startswith("plan ok: objective 19845.849825")


def test_post_horizon_cost_columns_may_be_zero(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path, instance, "kpis", "2027,,,,,,,1300.000000,,,,", "2027,,,,,,,1300.000000,0,0,0,"
    )
    assert report.ok, report.violations


# -- tampered plans ----------------------------------------------------------------------------


def test_start_before_window(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path, instance, "projects", "build,2024,2024,2025", "build,2023,2023,2024"
    )
    assert ("start_windows", "p1w-channel", 2023) in keys(report)
    [v] = [v for v in report.violations if v.record == "p1w-channel"]
    assert str(v) == "start_windows: p1w-channel 2023: expected start in 2024-2026, found 2023"


def test_prerequisite_built_too_late(tmp_path: Path, instance: Instance) -> None:
    # The channel starts 2026, completed 2026: p1w-ct-a (start 2026) needs it by 2025.
    report = check_tampered(
        tmp_path, instance, "projects", "build,2024,2024,2025", "build,2026,2026,2027"
    )
    [v] = [v for v in report.violations if v.rule == "requires"]
    assert (v.record, v.year) == ("p1w-ct-a", 2026)
    assert (v.expected, v.found) == (
        "p1w-channel completed by 2025",
        "p1w-channel completed in 2026",
    )


def test_served_teu_above_capacity(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path,
        instance,
        "capacity",
        "2024,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000",
        "2024,P1,p1-east,container,TEU,3200000.000000,3300000.000000,1.031250",
    )
    assert ("capacity", "p1-east/container", 2024) in keys(report)
    assert ("kpis", "container_teu", 2024) in keys(report)


def west_feeder(data: dict[str, Any]) -> None:
    data["routes"].append(
        {
            "id": "west-feeder",
            "status": "candidate",
            "calls": [{"area": "p1-west", "teu": 50000}],
            "min_depth_m": 14.0,
            "earliest_open": 2024,
        }
    )


@pytest.mark.parametrize(("year", "shallow"), [(2024, True), (2025, False)])
def test_route_too_shallow(tmp_path: Path, year: int, shallow: bool) -> None:
    # p1-west is 11 m until the channel (in service 2025) deepens it to 15 m; the feeder needs 14.
    inst = variant(west_feeder)
    tables = hand_tables()
    tables["routes"] += f"west-feeder,,candidate,open,{year},50000.000000,0.000000\n"
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    depth = [v for v in report.violations if v.rule == "depth"]
    assert [(v.record, v.year, v.found) for v in depth] == (
        [("west-feeder@p1-west", 2024, 11.0)] if shallow else []
    )


def test_a_depth_within_its_tolerance_is_deep_enough(tmp_path: Path) -> None:
    # The feeder needs 11 m + 1e-9 (DEPTH_TOL) at p1-west, 11 m in 2024: enough, exactly.
    def shallow_feeder(data: dict[str, Any]) -> None:
        west_feeder(data)
        data["routes"][-1]["min_depth_m"] = 11.000000001

    inst = variant(shallow_feeder)
    tables = hand_tables()
    tables["routes"] += "west-feeder,,candidate,open,2024,50000.000000,0.000000\n"
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert [v for v in report.violations if v.rule == "depth"] == []


def test_an_existing_berth_of_exactly_10000_dwt_counts(tmp_path: Path) -> None:
    # p1w-gc's six general cargo berths at 10,000 dwt: the 10,000-ton class includes them, so
    # berths_10k is 6 more than the hand plan's every year (2023: 6 + 2 + 6 = 14).
    def ten_thousand(data: dict[str, Any]) -> None:
        next(b for b in data["berths"] if b["id"] == "p1w-gc")["dwt"] = 10000

    inst = variant(ten_thousand)
    report = check_plan(inst, write_plan(tmp_path / "p", hand_tables(), hand_solve(inst)))
    assert [m for m in messages(report, "kpis") if "berths_10k" in m] == [
        "kpis: berths_10k 2023: expected 14, found 8",
        "kpis: berths_10k 2024: expected 15, found 9",
        "kpis: berths_10k 2025: expected 15, found 9",
        "kpis: berths_10k 2026: expected 15, found 9",
    ]


def test_a_port_new_routes_target_counts_the_routes_calling_there(tmp_path: Path) -> None:
    # dom-south calls only p1-east here: it is no new route of P2, whose soft target of one
    # new route in 2023 is missed by 1 (the other rules' findings are not asserted here).
    def p1_only(data: dict[str, Any]) -> None:
        route = next(r for r in data["routes"] if r["id"] == "dom-south")
        route["calls"] = [c for c in route["calls"] if c["area"] == "p1-east"]
        target = {"year": 2023, "metric": "new_routes", "port": "P2", "value": 1, "penalty": 1}
        data["targets"].append(target)

    inst = variant(p1_only)
    tables = hand_tables()
    tables["targets"] += "2023,new_routes,P2,1.000000,0.000000,1.000000,false,true\n"
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert messages(report, "targets") == []


def free_target(
    row: str = "31000000.000000,30000000.000000,1000000.000000",
) -> tuple[Instance, Tables]:
    """The example with P2's 2026 cargo target at 31 Mt and penalty 0, and the hand tables
    with its targets.csv row (target, achieved, shortfall) given by ``row``."""

    def change(data: dict[str, Any]) -> None:
        target = next(t for t in data["targets"] if t["metric"] == "cargo_tons")
        target.update(value=31000000, penalty=0)

    tables = hand_tables()
    tables["targets"] = edit(
        tables["targets"],
        "28000000.000000,30000000.000000,0.000000,false,false",
        f"{row},false,true",
    )
    return variant(change), tables


def test_a_soft_target_at_penalty_zero_costs_nothing(tmp_path: Path) -> None:
    # P2's cargo target raised to 31 Mt at penalty 0: missed by 1 Mt in 2026, at no cost.
    inst, tables = free_target()
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert report.violations == []
    assert report.objective == pytest.approx(OBJECTIVE, abs=1e-6)


@pytest.mark.parametrize("where", ["solve.json", "shortfall", "achieved"])
@pytest.mark.parametrize(("excess", "ok"), [(0.00002, True), (0.00004, False)])
def test_a_shortfall_within_the_years_tolerance(
    tmp_path: Path, where: str, excess: float, ok: bool
) -> None:
    # P2's 2026 cargo target raised to 31 Mt at penalty 0: 30 Mt achieved, 1 Mt short, the
    # shortfall listed in solve.json or given in targets.csv, or the achieved figure given
    # there. The tolerance is 1e-6 relative (1 t of the shortfall, 30 t of the achieved) plus
    # 1e-6 absolute per unit of 2026's scale, 1 + 3 capacity rows x 10 t per TEU = 31: 3.1e-5.
    exact = 30000000 if where == "achieved" else 1000000
    given = round(exact / (1 - 1e-6) + excess, 6)  # relative to the larger of the two
    row = ["31000000.000000", "30000000.000000", "1000000.000000"]
    if where != "solve.json":
        row[1 if where == "achieved" else 2] = f"{given:.6f}"
    inst, tables = free_target(",".join(row))
    solve = hand_solve(inst)
    entry = {"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": given}
    solve["shortfalls"] = [entry] if where == "solve.json" else []
    report = check_plan(inst, write_plan(tmp_path / "p", tables, solve))
    record = {"solve.json": "solve.json:shortfalls.cargo_tons[P2]"}.get(
        where, f"cargo_tons[P2].{where}"
    )
    expected = f"targets: {record} 2026: expected {exact}, found {show(given)}"
    assert [str(v) for v in report.violations] == ([] if ok else [expected])


def test_hard_berths_target_missed(tmp_path: Path) -> None:
    # 2026: 6 existing + 2 + 1 = 9 berths; p1w-ct-a completes only in 2027.
    def more_berths(data: dict[str, Any]) -> None:
        data["targets"].append({"year": 2026, "metric": "berths_10k", "value": 11})

    inst = variant(more_berths)
    tables = hand_tables()
    tables["targets"] += "2026,berths_10k,,11.000000,9.000000,2.000000,true,true\n"
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert report.violations == [Violation("targets", "berths_10k", 2026, ">= 11", 9.0)]
    # An optimal plan's miss is a violation, not a diagnosed shortfall: no note, and the
    # summary does not call the instance infeasible.
    assert report.notes == []
    assert "infeasible" not in report.summary()
    # nor is a shortfall list without it wrong: only an infeasible plan must list its misses
    solve = hand_solve(inst) | {"shortfalls": []}
    again = check_plan(inst, write_plan(tmp_path / "q", tables, solve))
    assert again.violations == report.violations


def test_a_hard_target_met_within_its_tolerance(tmp_path: Path) -> None:
    # 8 berths in 2023 against a hard target of 8.00002: 2e-5 short, within 2023's tolerance
    # (1e-6 x 8 + 1e-6 x (1 + 3 capacity rows x 10 t per TEU) = 3.9e-5). Met, and so near
    # the target that binding may be written either way.
    def near(data: dict[str, Any]) -> None:
        data["targets"][0]["value"] = 8.00002

    old = "2023,berths_10k,,8.000000,8.000000,0.000000,true,true"
    new = "2023,berths_10k,,8.000020,8.000000,0.000000,true,false"
    assert check_variant(tmp_path, near, "targets", old, new).violations == []


@pytest.mark.parametrize(
    ("listed", "found"),
    [
        (None, set()),
        (2.0, set()),
        (1.0, {("targets", "solve.json:shortfalls.berths_10k", 2026)}),
        ("absent", {("targets", "solve.json:shortfalls.berths_10k", 2026)}),
    ],
)
def test_infeasible_plan_diagnoses_hard_targets(
    tmp_path: Path, listed: float | str | None, found: set[tuple[str, str, int]]
) -> None:
    # An infeasible plan reports the miss as its diagnosed shortfall, not as a violation;
    # solve.json's `shortfalls` (where given) must list it with the recomputed shortfall 2.
    def more_berths(data: dict[str, Any]) -> None:
        data["targets"].append({"year": 2026, "metric": "berths_10k", "value": 11})

    inst = variant(more_berths)
    tables = hand_tables()
    tables["targets"] += "2026,berths_10k,,11.000000,9.000000,2.000000,true,true\n"
    solve = hand_solve(inst, "infeasible")
    if isinstance(listed, float):
        entry = {"year": 2026, "metric": "berths_10k", "port": None, "shortfall": listed}
        solve["shortfalls"] = [entry]
    elif listed == "absent":
        solve["shortfalls"] = []
    report = check_plan(inst, write_plan(tmp_path / "i", tables, solve))
    assert keys(report) == found
    assert report.notes == [Violation("targets", "berths_10k", 2026, ">= 11", 9.0)]
    assert "1 hard target short (infeasible instance)" in report.summary()


def test_wrong_objective(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve["objective"] = OBJECTIVE * (1 + 1e-5)
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert keys(report) == {("objective", "solve.json:objective", None)}
    assert not report.ok


def test_objective_within_tolerance(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve["objective"] = OBJECTIVE * (1 + 5e-7)
    assert check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve)).ok


@pytest.mark.parametrize(
    ("status", "factor", "bad"),
    [
        ("optimal", 1.0, False),
        ("optimal", 1.0 - 1e-6, False),
        ("optimal", 0.98, True),
        ("feasible", 1.02, False),
        ("feasible", 0.98, True),
        ("infeasible", 1.02, True),
    ],
)
def test_solver_objective(
    tmp_path: Path, instance: Instance, status: str, factor: float, bad: bool
) -> None:
    # The solver's own objective is the recomputed one for an optimal (or infeasible, phase 2)
    # plan, and at least it for a feasible incumbent.
    solve = hand_solve(instance, status)
    solve["solver_objective"] = OBJECTIVE * factor
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    expected = {("objective", "solve.json:solver_objective", None)} if bad else set()
    assert keys(report) == expected


def test_row_missing_from_projects(tmp_path: Path, instance: Instance) -> None:
    row = next(line for line in PROJECTS.splitlines() if line.startswith("p1w-ct-b,"))
    report = check_tampered(tmp_path, instance, "projects", row + "\n", "")
    assert report.violations == [
        Violation("coverage", "p1w-ct-b", None, "one row in projects.csv", "no row")
    ]


def test_budget_exceeded(tmp_path: Path) -> None:
    def tight(data: dict[str, Any]) -> None:
        data["budget"] = [{"year": 2024, "capex": 1200}]

    inst = variant(tight)
    report = check_plan(inst, write_plan(tmp_path / "p", hand_tables(), hand_solve(inst)))
    assert report.violations == [Violation("budget", "capex", 2024, "<= 1200", 1500.0)]


def test_unknown_and_duplicate_routes(tmp_path: Path, instance: Instance) -> None:
    extra = "ghost,,candidate,open,2024,1.000000,0.000000\n"
    dup = "deep-sea-europe,Weekly Europe service (large ships),candidate,skip,,0.000000,0.000000\n"
    report = check_tampered(tmp_path, instance, "routes", dup, dup + dup + extra)
    assert keys(report) == {("coverage", "ghost", None), ("coverage", "deep-sea-europe", None)}


def test_the_first_row_of_a_project_decides(tmp_path: Path, instance: Instance) -> None:
    # p1w-ct-b twice: skipped, then built in 2024. The first row is the decision (the second
    # is a coverage violation only), so the recomputed objective is the hand plan's.
    skip = "candidate,skip,,,,0.000000,0.000000,0.000000,0,0\n"
    build = "candidate,build,2024,2025,2026,2400.000000,2400.000000,2264.150943,2,2\n"
    row = 'p1w-ct-b,"West container berths, option B",P1,p1-west,'
    report = check_tampered(tmp_path, instance, "projects", row + skip, row + skip + row + build)
    assert keys(report) == {("coverage", "p1w-ct-b", None)}
    assert report.objective == pytest.approx(OBJECTIVE, abs=1e-6)


def test_committed_project_skipped(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path,
        instance,
        "projects",
        "new,build,2023,2024,2025,1400.000000,1400.000000,1360.377358,1,1",
        "new,skip,,,,0.000000,0.000000,0.000000,0,0",
    )
    assert ("start_windows", "p2-ore-1", None) in keys(report)


def test_two_of_a_group(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path, instance, "projects", "skip,,,,0.000000", "build,2025,2027,2028,0.000000"
    )
    assert ("groups", "p1w-ct", None) in keys(report)
    assert ("project_rows", "p1w-ct-b.capex", None) in keys(report)
    assert ("budget", "p1w-ct-b.spend", 2025) in keys(report)  # spend.csv lacks its rows


def test_demand_ceiling_exceeded(tmp_path: Path, instance: Instance) -> None:
    # 21 Mt is within 1.3 x 18 Mt but above the 2024 ceiling of 20.67 Mt.
    report = check_tampered(
        tmp_path, instance, "capacity", "20000000.000000,1.111111", "21000000.000000,1.166667"
    )
    assert ("capacity", "P2/dry_bulk", 2024) in keys(report)
    assert ("capacity", "p2-main/dry_bulk", 2024) not in keys(report)


def test_capacity_row_missing(tmp_path: Path, instance: Instance) -> None:
    row = "2025,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000\n"
    report = check_tampered(tmp_path, instance, "capacity", row, "")
    assert ("capacity", "p1-west/general", 2025) in keys(report)
    assert ("kpis", "cargo_tons", 2025) in keys(report)


def test_capacity_column_wrong(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path,
        instance,
        "capacity",
        "2025,P2,p2-main,dry_bulk,t,33000000",
        "2025,P2,p2-main,dry_bulk,t,18000000",
    )
    assert ("capacity", "p2-main/dry_bulk.capacity", 2025) in keys(report)


def test_kpi_and_target_rows_compared(tmp_path: Path, instance: Instance) -> None:
    tables = hand_tables()
    tables["kpis"] = edit(tables["kpis"], "62133333.333333", "62000000.000000")
    tables["targets"] = edit(tables["targets"], "true,false", "true,true")
    tables["spend"] = edit(
        tables["spend"], "p1e-ct-3,2022,1200.000000,true", "p1e-ct-3,2022,1200.000000,false"
    )
    report = check_plan(instance, write_plan(tmp_path / "p", tables, hand_solve(instance)))
    assert keys(report) == {
        ("kpis", "cargo_tons", 2025),
        ("targets", "container_teu.binding", 2026),
        ("budget", "p1e-ct-3.sunk", 2022),
    }


def test_route_row_and_kpi_year_rows(tmp_path: Path, instance: Instance) -> None:
    tables = hand_tables()
    tables["routes"] = edit(tables["routes"], "110000.000000", "90000.000000")
    tables["kpis"] = edit(tables["kpis"], "2027,,,,,,,1300.000000,,,,1029.721762\n", "")
    report = check_plan(instance, write_plan(tmp_path / "p", tables, hand_solve(instance)))
    assert keys(report) == {
        ("route_rows", "dom-south.teu_offered", None),
        ("kpis", "kpis.csv", 2027),
        ("objective", "kpis.csv:discounted_cost", None),
    }


def test_unparsable_cells_are_violations(tmp_path: Path, instance: Instance) -> None:
    tables = hand_tables()
    tables["projects"] = edit(tables["projects"], "build,2024,2024,2025", "build,20x4,2024,2025")
    tables["capacity"] = edit(tables["capacity"], "2025,P1,p1-west", "2O25,P1,p1-west")
    tables["kpis"] = edit(tables["kpis"], "9890008.000000", "lots")
    report = check_plan(instance, write_plan(tmp_path / "p", tables, hand_solve(instance)))
    assert Violation("start_windows", "p1w-channel.start_year", None, "a start year", "20x4") in (
        report.violations
    )
    assert ("capacity", "capacity.csv:9", None) in keys(report)
    [bad] = [
        v for v in report.violations if (v.rule, v.record, v.year) == ("kpis", "unserved_teu", 2025)
    ]
    assert bad.expected == pytest.approx(9890008.0)
    assert bad.found == "lots"


def test_plan_of_another_instance(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve["instance"]["hash"] = "0" * 64
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert keys(report) == {("instance", "solve.json:instance.hash", None)}


# -- unreadable folders ------------------------------------------------------------------------


def test_read_plan_keeps_its_folder_and_rows(plan: Path) -> None:
    tables = read_plan(plan)
    assert tables.folder == plan
    assert [row["project_id"] for row in tables.projects] == [
        "p1e-ct-3",
        "p2-ore-1",
        "p1w-channel",
        "p1w-ct-a",
        "p1w-ct-b",
    ]
    assert tables.queues is None  # the hand plan has no queue pools


def test_facts_cost_nothing_outside_the_horizon(plan: Path, instance: Instance) -> None:
    # 2023-2026; p1e-ct-3 spent 1200 (sunk) in 2022, p1w-ct-a spends 1300 in 2027.
    facts = context(instance, plan).facts
    assert (facts.capex(2022), facts.capex(2023), facts.capex(2027)) == (0.0, 1600.0, 1300.0)
    assert (facts.opex(2023), facts.opex(2026), facts.opex(2027)) == (0.0, 30.0, 0.0)
    assert (facts.waiting_cost(2026), facts.waiting_cost(2027)) == (0.0, 0.0)  # no pools
    assert costs.volume_penalty(facts, 2027) == (0.0, 0.0)


def test_no_residual_value_unbuilt_or_switched_off(plan: Path, instance: Instance) -> None:
    # The example has residual_value off; p1w-ct-b is skipped, p1w-ct-a built.
    facts = context(instance, plan).facts
    assert not instance.residual_value and costs.residual_total(facts) == 0.0
    projects = {p.id: p for p in instance.projects}
    assert costs.project_residual(facts, projects["p1w-ct-b"]) == 0.0
    assert costs.project_residual(facts, projects["p1w-ct-a"]) > 0.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # 0.8 in 2026 and 0.8 in 2027: the year after the horizon still needs its row
        ({"capex": 1.6}, ["kpis: kpis.csv 2027: expected a row, found no row"]),
        # all 2600 in 2026, a share of 0 in 2027: no spending after the horizon, no row needed
        ({"spend": [1.0, 0.0]}, []),
    ],
)
def test_a_later_year_needs_a_kpis_row_when_it_spends(
    tmp_path: Path, change: dict[str, Any], expected: list[str]
) -> None:
    def p1w_ct_a(data: dict[str, Any]) -> None:
        next(p for p in data["projects"] if p["id"] == "p1w-ct-a").update(change)

    inst = variant(p1w_ct_a)
    tables = hand_tables()
    tables["kpis"] = edit(tables["kpis"], "2027,,,,,,,1300.000000,,,,1029.721762\n", "")
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert [m for m in messages(report, "kpis") if "2027" in m] == expected


def test_no_waiting_cost_after_the_horizon(tmp_path: Path, instance: Instance) -> None:
    # kpis.csv with a waiting_cost column (0 in the horizon): the 2027 row may not charge any
    lines = KPIS.splitlines()
    rows = [f"{line},0.000000" for line in lines[1:5]] + [f"{lines[5]},5.000000"]
    tampered = "\n".join([f"{lines[0]},waiting_cost", *rows]) + "\n"
    report = check_tampered(tmp_path, instance, "kpis", KPIS, tampered)
    assert messages(report, "kpis") == [
        "kpis: waiting_cost 2027: expected empty or 0, found 5.000000"
    ]
    report = check_tampered(
        tmp_path / "zero", instance, "kpis", KPIS, tampered.replace(",5.000000\n", ",0\n")
    )
    assert report.ok


def test_a_spend_share_of_zero_needs_no_row(tmp_path: Path) -> None:
    # p1w-ct-a spends all 2600 in 2026 and a share of 0 in 2027: spend.csv without a 2027 row
    def p1w_ct_a(data: dict[str, Any]) -> None:
        next(p for p in data["projects"] if p["id"] == "p1w-ct-a").update(spend=[1.0, 0.0])

    old = "p1w-ct-a,2026,1300.000000,false\np1w-ct-a,2027,1300.000000,false\n"
    report = check_variant(tmp_path, p1w_ct_a, "spend", old, "p1w-ct-a,2026,2600.000000,false\n")
    assert [m for m in messages(report, "budget") if "spend" in m] == []


def test_missing_folder(tmp_path: Path, instance: Instance) -> None:
    with pytest.raises(PlanFolderError) as missing:
        check_plan(instance, tmp_path / "absent")
    assert str(missing.value) == f"{tmp_path / 'absent'}: no such folder"
    (tmp_path / "plan.csv").write_text("a file\n", encoding="utf-8")
    with pytest.raises(PlanFolderError) as a_file:
        check_plan(instance, tmp_path / "plan.csv")
    assert str(a_file.value) == f"{tmp_path / 'plan.csv'}: is not a folder"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kpis.csv", None, "kpis.csv: no such file"),
        ("spend.csv", "project_id,year,capex\n", "spend.csv: missing column sunk"),
        ("spend.csv", "project_id,year\n", "spend.csv: missing columns capex, sunk"),
        ("targets.csv", "", "targets.csv: cannot read the table"),
        ("solve.json", "{oops", "solve.json: cannot read JSON"),
        ("solve.json", "[]", "solve.json: expected a JSON object"),
        ("solve.json", None, "solve.json: no such file"),
        ("solve.json", '{"gap": 0, "gap": 1}', "solve.json: duplicate key 'gap'"),
    ],
)
def test_unreadable_table(
    plan: Path, instance: Instance, name: str, content: str | None, message: str
) -> None:
    if content is None:
        (plan / name).unlink()
    else:
        (plan / name).write_text(content, encoding="utf-8")
    with pytest.raises(PlanFolderError, match=message):
        check_plan(instance, plan)


# -- the command -------------------------------------------------------------------------------


def run_check(*args: str) -> Any:
    group = click.Group()
    register(group)
    return CliRunner().invoke(group, ["check", *args])


def test_command_ok(plan: Path) -> None:
    result = run_check(str(EXAMPLE), str(plan))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        "plan ok: objective 19845.849825 (solve.json: 19845.849825)"
    ]


def test_command_violations(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve["objective"] = 20000.5
    folder = write_plan(tmp_path / "p", hand_tables(), solve)
    result = run_check(str(EXAMPLE), str(folder))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "objective: solve.json:objective: expected 19845.849825, found 20000.5",
        "1 violation (objective): objective 19845.849825 (solve.json: 20000.5)",
    ]


@pytest.mark.parametrize("missing", ["folder", "table", "instance"])
def test_command_unreadable_input(plan: Path, tmp_path: Path, missing: str) -> None:
    instance_file, folder = str(EXAMPLE), str(plan)
    if missing == "folder":
        folder = str(tmp_path / "absent")
    elif missing == "table":
        (plan / "routes.csv").unlink()
    else:
        instance_file = str(tmp_path / "absent.yaml")
    result = run_check(instance_file, folder)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    expected = {"folder": "no such folder", "table": "routes.csv: no such file"}
    assert expected.get(missing, "no such file") in result.output


def test_command_registered_on_main(plan: Path) -> None:
    from berthplan.cli import main

    assert "check" in main.commands
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), str(plan)])
    assert result.exit_code == 0, result.output


# -- independence ------------------------------------------------------------------------------

FORBIDDEN = (
    "berthplan.optimization",
    "berthplan.results",
    "berthplan.analysis",
    "berthplan.viz",
    "berthplan.cli",
    "berthplan.optimization.formulation",
    "berthplan.results.plan",
    "berthplan.optimization.sparse",
    "berthplan.backends",
    "berthplan.solve",
    "berthplan.optimization.solve",
    "berthplan.model.sets",
    "berthplan.results.outcome",
    "berthplan.optimization.infeasibility",
    "berthplan.optimization.export",
    "highspy",
    "pulp",
    "ortools",
)


def test_imports_no_model_or_solver(plan: Path) -> None:
    code = (
        "import sys\n"
        "from berthplan.checker import check_plan\n"
        "from berthplan.model.io import load\n"
        "assert check_plan(load(sys.argv[1]), sys.argv[2]).ok\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE), str(plan)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_solve_json_is_read_as_utf8_in_any_locale(plan: Path) -> None:
    # The C locale without UTF-8 mode reads text as ASCII by default; solve.json is UTF-8.
    solve = json.loads((plan / "solve.json").read_text(encoding="utf-8"))
    solve["note"] = "planifié à Zhànjiāng"
    text = json.dumps(solve, ensure_ascii=False)
    (plan / "solve.json").write_text(text, encoding="utf-8")
    code = (
        "import sys\n"
        "from berthplan.checker import check_plan\n"
        "from berthplan.model.io import load\n"
        "print(check_plan(load(sys.argv[1]), sys.argv[2]).summary())\n"
    )
    env = os.environ | {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE), str(plan)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.startswith("plan ok: objective 19845.849825")


# -- plans written by the solver ----------------------------------------------------------------


def solved(instance: Instance, folder: Path) -> Path:
    from berthplan.optimization import (
        solve,  # imported here: the module-level imports stay solver-free
    )

    plan = solve.solve(instance)
    plan.write(folder)
    return folder


def test_solved_plan_is_accepted(tmp_path: Path, instance: Instance) -> None:
    folder = solved(instance, tmp_path / "solved")
    report = check_plan(instance, folder)
    assert report.violations == []
    assert report.reported_objective == pytest.approx(report.objective, rel=1e-9)


def test_solved_plan_spending_after_the_horizon(tmp_path: Path) -> None:
    # p1w-ct-a committed to start in 2026: it spends in 2027 and needs the channel by 2025.
    def late(data: dict[str, Any]) -> None:
        ct_a = next(p for p in data["projects"] if p["id"] == "p1w-ct-a")
        ct_a.update(stage="new", earliest_start=2026)
        del ct_a["latest_start"]

    inst = variant(late)
    report = check_plan(inst, solved(inst, tmp_path / "solved"))
    assert report.violations == []


def test_solved_infeasible_plan(tmp_path: Path) -> None:
    def unreachable(data: dict[str, Any]) -> None:
        data["targets"].append({"year": 2024, "metric": "berths_10k", "value": 12})

    inst = variant(unreachable)
    report = check_plan(inst, solved(inst, tmp_path / "solved"))
    assert report.status == "infeasible"
    assert report.violations == []
    assert [(v.record, v.year) for v in report.notes] == [("berths_10k", 2024)]


def test_solved_plan_tampered(tmp_path: Path, instance: Instance) -> None:
    folder = solved(instance, tmp_path / "solved")
    capacity = (folder / "capacity.csv").read_text(encoding="utf-8")
    row = "2026,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000"
    (folder / "capacity.csv").write_text(
        edit(capacity, row, row.replace(",3200000.000000,1.0", ",3300000.000000,1.0")),
        encoding="utf-8",
    )
    projects = (folder / "projects.csv").read_text(encoding="utf-8")
    (folder / "projects.csv").write_text(
        edit(projects, "new,build,2023,", "new,build,2022,"), encoding="utf-8"
    )
    report = check_plan(instance, folder)
    assert ("capacity", "p1-east/container", 2026) in keys(report)
    assert ("start_windows", "p2-ore-1", 2022) in keys(report)
    assert "objective" in report.rules()


# -- rules the mutation run found loose (docs/testing.md, "The checker") -------------------------


def test_post_horizon_kpi_must_be_empty(tmp_path: Path, instance: Instance) -> None:
    # 2027 is after the horizon: its volume columns must be empty, and the message says so.
    report = check_tampered(
        tmp_path, instance, "kpis", "2027,,,,,,,1300.000000", "2027,1,,,,,,1300.000000"
    )
    assert report.violations == [Violation("kpis", "cargo_tons", 2027, "", "1")]
    assert str(report.violations[0]) == "kpis: cargo_tons 2027: expected empty, found 1"


def test_existing_route_has_no_open_year(tmp_path: Path, instance: Instance) -> None:
    report = check_tampered(
        tmp_path, instance, "routes", "existing,existing,,", "existing,existing,2023,"
    )
    assert report.violations == [
        Violation("route_windows", "near-sea-existing.open_year", None, "", "2023")
    ]


def test_gap_must_be_the_one_bound_and_objective_imply(tmp_path: Path, instance: Instance) -> None:
    # A feasible plan 1 % above its bound: gap 0.01. 0.015 is off by half the gap itself.
    solve = hand_solve(instance, "feasible")
    solve |= {"solver_objective": OBJECTIVE, "best_bound": OBJECTIVE * 0.99, "gap": 0.015}
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    [v] = report.violations
    assert (v.rule, v.record, v.year, v.found) == ("record", "solve.json:gap", None, "0.015")
    assert v.expected == pytest.approx(0.01, rel=1e-9)
    solve["gap"] = 0.01
    assert check_plan(instance, write_plan(tmp_path / "q", hand_tables(), solve)).ok


def messages(report: CheckReport, rule: str) -> list[str]:
    """The rule's messages in order, a message reported twice included."""
    return [str(v) for v in report.violations if v.rule == rule]


_P = PROJECTS.splitlines()
ROWS = (f"{_P[1]}\n{_P[2]}\n", f"{_P[2]}\n{_P[1]}\n")  # two rows of projects.csv, swapped

PORT_TARGET = "2026,cargo_tons,P2,28000000.000000,30000000.000000,0.000000,false,false\n"

# One cell changed in one table of the hand plan, and what the rule it breaks prints (the
# other rules that follow from the change are not asserted here).
MESSAGES = [
    pytest.param(
        "routes",
        "candidate,open,2023,",
        "candidate,open,,",
        "route_windows",
        ["route_windows: dom-south.open_year: expected an opening year, found empty"],
        id="route-without-year",
    ),
    pytest.param(
        "routes",
        "candidate,skip,,0.000000",
        "candidate,skip,2024,0.000000",
        "route_windows",
        ["route_windows: deep-sea-europe.open_year: expected empty, found 2024"],
        id="skipped-route-with-a-year",
    ),
    pytest.param(
        # no row for the first route: the next routes are still compared
        "routes",
        "near-sea-existing,Existing near-sea services,existing,existing,,12000000.000000,0.000000\n"
        "dom-south,Weekly domestic service to the south,candidate,open,2023,110000.000000",
        "dom-south,Weekly domestic service to the south,candidate,open,2023,120000.000000",
        "route_rows",
        ["route_rows: dom-south.teu_offered: expected 110000, found 120000"],
        id="route-row-after-a-missing-one",
    ),
    pytest.param(
        "routes",
        "2023,110000.000000,12.346024",
        "2023,110000.000000,12.5",
        "route_rows",
        ["route_rows: dom-south.discounted_cost: expected 12.346024, found 12.5"],
        id="route-discounted-cost",
    ),
    pytest.param(
        "projects",
        "1360.377358,1,1",
        "1360.377358,2,0",
        "project_rows",
        [
            "project_rows: p2-ore-1.berths_added: expected 1, found 2",
            "project_rows: p2-ore-1.berths_10k_added: expected 1, found 0",
        ],
        id="berths-added",
    ),
    pytest.param(
        "projects",
        "1360.377358,1,1",
        "1360.377358,02,1.0",
        "project_rows",
        [
            "project_rows: p2-ore-1.berths_added: expected 1, found 2",
            "project_rows: p2-ore-1.berths_10k_added: expected 1, found 1.0",
        ],
        id="berths-added-read-as-integers",
    ),
    pytest.param(
        # 1e-6 relative plus 1e-6 absolute: 800 may be off by 801.0008e-6, not 801.5e-6
        "projects",
        "2025,800.000000,800.000000",
        "2025,800.0008015,800.000000",
        "project_rows",
        ["project_rows: p1w-channel.capex: expected 800, found 800.000801"],
        id="capex-just-beyond-the-tolerance",
    ),
    pytest.param(
        # a bound's tolerance: 1e-6 relative plus 1e-6 absolute (4.800001), not 4.8000015
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,4800004.8000015,1.000000",
        "capacity",
        [
            "capacity: p1-west/general 2023: expected <= 4800000 (1 x capacity), found 4800004.800002"
        ],
        id="throughput-just-above-capacity",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,-0.500000,0.000000",
        "capacity",
        ["capacity: p1-west/general 2023: expected >= 0, found -0.5"],
        id="throughput-negative",
    ),
    pytest.param(
        # -1e-6 is zero within the absolute tolerance
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,-0.000001,0.000000",
        "capacity",
        [],
        id="throughput-zero-within-its-tolerance",
    ),
    pytest.param(
        # half a TEU at p1-west, where no route calls (offered 0, not a missing figure)
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000\n"
        "2023,P1,p1-west,container,TEU,0.000000,0.500000,",
        "capacity",
        [
            "capacity: p1-west/container 2023: expected <= 0 (1 x capacity), found 0.5",
            "capacity: p1-west/container 2023: expected <= 0 (TEU offered), found 0.5",
        ],
        id="containers-where-no-route-calls",
    ),
    pytest.param(
        "projects",
        "p1w-channel,West channel deepening,P1,p1-west,preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0\n",
        "p1w-channel,West channel deepening,P1,p1-west,preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0\n"
        * 2,
        "coverage",
        ["coverage: p1w-channel: expected one row in projects.csv, found 2 rows"],
        id="project-row-twice",
    ),
    pytest.param(
        # p1e-ct-3 is ongoing, its start fixed at 2021: a window of one year
        "projects",
        "p1e-ct-3,East container terminal phase III,P1,p1-east,ongoing,build,2021,2023,2024",
        "p1e-ct-3,East container terminal phase III,P1,p1-east,ongoing,build,2022,2024,2025",
        "start_windows",
        ["start_windows: p1e-ct-3 2022: expected start in 2021, found 2022"],
        id="start-outside-a-one-year-window",
    ),
    pytest.param(
        # p1w-channel's row missing (not committed: nothing to say here), p1w-ct-a after it
        # started outside its window: still checked
        "projects",
        "p1w-channel,West channel deepening,P1,p1-west,preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0"
        "\n"
        'p1w-ct-a,"West container berths, option A",P1,p1-west,candidate,build,2026,2027,2028,2600.000000,1300.000000,2121.226830,2,2',
        'p1w-ct-a,"West container berths, option A",P1,p1-west,candidate,build,2030,2031,2032,2600.000000,1300.000000,2121.226830,2,2',
        "start_windows",
        ["start_windows: p1w-ct-a 2030: expected start in 2024-2026, found 2030"],
        id="project-row-after-a-missing-one",
    ),
    pytest.param(
        # the same, p1w-ct-a's capex changed: its columns are still checked
        "projects",
        "p1w-channel,West channel deepening,P1,p1-west,preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0"
        "\n"
        'p1w-ct-a,"West container berths, option A",P1,p1-west,candidate,build,2026,2027,2028,2600.000000,1300.000000,2121.226830,2,2',
        'p1w-ct-a,"West container berths, option A",P1,p1-west,candidate,build,2026,2027,2028,2500.000000,1300.000000,2121.226830,2,2',
        "project_rows",
        ["project_rows: p1w-ct-a.capex: expected 2600, found 2500"],
        id="project-columns-after-a-missing-row",
    ),
    pytest.param(
        "routes",
        "dom-south,Weekly domestic service to the south,candidate,open,2023,110000.000000,12.346024\n",
        "",
        "coverage",
        ["coverage: dom-south: expected one row in routes.csv, found no row"],
        id="route-row-missing",
    ),
    pytest.param(
        # after the horizon capex is still recomputed (p1w-ct-a's second 1300 in 2027)
        "kpis",
        "2027,,,,,,,1300.000000,",
        "2027,,,,,,,1200.000000,",
        "kpis",
        ["kpis: capex 2027: expected 1300, found 1200"],
        id="capex-after-the-horizon",
    ),
    pytest.param(
        # 8 berths against a target of 8: met exactly, so binding may be either
        "targets",
        "2023,berths_10k,,8.000000,8.000000,0.000000,true,true",
        "2023,berths_10k,,8.000000,8.000000,0.000000,true,false",
        "targets",
        [],
        id="binding-either-way-at-the-target",
    ),
    pytest.param(
        "spend",
        "p2-ore-1,2023,700.000000,false\n",
        "p2-ore-1,2023,700.000000,false\n" * 2,
        "budget",
        ["budget: p2-ore-1.spend 2023: expected one row, found 700.000000"],
        id="spend-row-twice",
    ),
    pytest.param(
        # 2023 is the horizon's first year: spending in it is not sunk
        "spend",
        "p2-ore-1,2023,700.000000,false",
        "p2-ore-1,2023,700.000000,true",
        "budget",
        ["budget: p2-ore-1.sunk 2023: expected false, found true"],
        id="spend-sunk-in-the-first-year",
    ),
    pytest.param(
        # a row of 0 in a year the project spends nothing is true, and accepted
        "spend",
        "p2-ore-1,2024,700.000000,false\n",
        "p2-ore-1,2024,700.000000,false\np2-ore-1,2025,0.000000,false\n",
        "budget",
        [],
        id="spend-row-of-zero",
    ),
    pytest.param(
        "projects",
        "p2-ore-1,Main area ore berth,P2,p2-main,new",
        "p2-ore-1,Main ore berth,P1,p2-east,old",
        "project_rows",
        [
            "project_rows: p2-ore-1.name: expected Main area ore berth, found Main ore berth",
            "project_rows: p2-ore-1.port: expected P2, found P1",
            "project_rows: p2-ore-1.area: expected p2-main, found p2-east",
            "project_rows: p2-ore-1.stage: expected new, found old",
        ],
        id="project-labels",
    ),
    pytest.param(
        "projects",
        "1400.000000,1400.000000,1360.377358",
        "1500.000000,1300.000000,1360.000000",
        "project_rows",
        [
            "project_rows: p2-ore-1.capex: expected 1400, found 1500",
            "project_rows: p2-ore-1.capex_in_horizon: expected 1400, found 1300",
            "project_rows: p2-ore-1.discounted_cost: expected 1360.377358, found 1360",
        ],
        id="project-costs",
    ),
    pytest.param(
        "projects",
        "new,build,2023,",
        "new,maybe,2023,",
        "start_windows",
        [
            "start_windows: p2-ore-1.decision: expected build or skip, found maybe",
            "start_windows: p2-ore-1: expected build (new), found maybe",
        ],
        id="project-decision",
    ),
    pytest.param(
        "projects",
        ROWS[0],
        ROWS[0].split("\n")[0] + "\n",
        "start_windows",
        ["start_windows: p2-ore-1: expected build (new), found no row"],
        id="committed-without-row",
    ),
    pytest.param(
        "routes",
        "existing,existing,,12000000.000000",
        "planned,existing,,12000000.000000",
        "route_rows",
        ["route_rows: near-sea-existing.status: expected existing, found planned"],
        id="route-status",
    ),
    pytest.param(
        "routes",
        "dom-south,Weekly domestic service to the south",
        "dom-south,Weekly service",
        "route_rows",
        [
            "route_rows: dom-south.name: expected Weekly domestic service to the south, found"
            " Weekly service"
        ],
        id="route-name",
    ),
    pytest.param(
        "targets",
        "P2,28000000.000000,30000000.000000,",
        "P2,27000000.000000,29000000.000000,",
        "targets",
        [
            "targets: cargo_tons[P2].target 2026: expected 28000000, found 27000000",
            "targets: cargo_tons[P2].achieved 2026: expected 30000000, found 29000000",
        ],
        id="port-target-values",
    ),
    pytest.param(
        "targets",
        PORT_TARGET,
        PORT_TARGET * 2,
        "targets",
        ["targets: cargo_tons[P2] 2026: expected one row, found targets.csv:5"],
        id="target-row-twice",
    ),
    pytest.param(
        "targets",
        "0.000000,false,false",
        "0.000000,true,false",
        "targets",
        ["targets: cargo_tons[P2].hard 2026: expected false, found true"],
        id="soft-target-made-hard",
    ),
    pytest.param(
        "targets",
        "3200000.000000,0.000000,true",
        "3200000.000000,5.000000,true",
        "targets",
        ["targets: container_teu.shortfall 2026: expected 0, found 5"],
        id="target-shortfall",
    ),
    pytest.param(
        "kpis",
        "1029.721762",
        "1129.721762",
        "objective",
        ["objective: kpis.csv:discounted_cost: expected 19845.849825, found 19945.849825"],
        id="kpis-sum",
    ),
    pytest.param(
        "projects",
        ROWS[0],
        ROWS[1],
        "coverage",
        ["coverage: projects.csv: expected row 2: p1e-ct-3, found p2-ore-1"],
        id="rows-out-of-order",
    ),
    pytest.param(
        "projects",
        "skip,,,,0.000000",
        "build,2025,2027,2028,0.000000",
        "groups",
        ["groups: p1w-ct: expected at most one built, found 2 built: p1w-ct-a, p1w-ct-b"],
        id="two-of-a-group",
    ),
    pytest.param(
        "projects",
        "new,build,2023,2024,2025,1400.000000,1400.000000,1360.377358,1,1",
        "new,skip,,,,0.000000,0.000000,0.000000,0,0",
        "start_windows",
        ["start_windows: p2-ore-1: expected build (new), found skip"],
        id="committed-skipped",
    ),
    pytest.param(
        "capacity",
        "2024,P1,p1-east,container,TEU,3200000.000000,3200000.000000,1.000000",
        "2024,P1,p1-east,container,TEU,3200000.000000,3300000.000000,1.031250",
        "capacity",
        ["capacity: p1-east/container 2024: expected <= 3200000 (1 x capacity), found 3300000"],
        id="served-above-capacity",
    ),
    pytest.param(
        "capacity",
        "20000000.000000,1.111111",
        "21000000.000000,1.166667",
        "capacity",
        ["capacity: P2/dry_bulk 2024: expected <= 20666666.666667 (demand), found 21000000"],
        id="above-demand",
    ),
    pytest.param(
        "capacity",
        "2025,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000\n",
        "",
        "capacity",
        ["capacity: p1-west/general 2025: expected a row (the pair has capacity), found no row"],
        id="capacity-row-missing",
    ),
    pytest.param(
        "capacity",
        "2025,P1,p1-west",
        "2O25,P1,p1-west",
        "capacity",
        [
            "capacity: capacity.csv:9: expected a horizon year, an area and a cargo class, found"
            " year '2O25', area 'p1-west', cargo 'general'",
            "capacity: p1-west/general 2025: expected a row (the pair has capacity), found no row",
        ],
        id="capacity-bad-year",
    ),
    pytest.param(
        "capacity",
        "2025,P1,p1-west",
        "2099,P1,p1-west",
        "capacity",
        [
            "capacity: capacity.csv:9: expected a horizon year, an area and a cargo class, found"
            " year '2099', area 'p1-west', cargo 'general'",
            "capacity: p1-west/general 2025: expected a row (the pair has capacity), found no row",
        ],
        id="capacity-year-after-the-horizon",
    ),
    pytest.param(
        "capacity",
        "2025,P1,p1-west",
        "2025,P1,p1-north",
        "capacity",
        [
            "capacity: capacity.csv:9: expected a horizon year, an area and a cargo class, found"
            " year '2025', area 'p1-north', cargo 'general'",
            "capacity: p1-west/general 2025: expected a row (the pair has capacity), found no row",
        ],
        id="capacity-unknown-area",
    ),
    pytest.param(
        "capacity",
        "2025,P1,p1-west,general",
        "2025,P1,p1-west,grain",
        "capacity",
        [
            "capacity: p1-west/grain.capacity 2025: expected 0, found 4800000",
            "capacity: p1-west/grain 2025: expected <= 0 (1 x capacity), found 4800000",
            "capacity: p1-west/grain.utilization 2025: expected empty, found 1.000000",
            "capacity: p1-west/general 2025: expected a row (the pair has capacity), found no row",
        ],
        id="capacity-other-class",
    ),
    pytest.param(
        "capacity",
        "3200000.000000,1.000000\n2024,P1,p1-west",
        "3200000.000000,1.100000\n2024,P1,p1-west",
        "capacity",
        ["capacity: p1-east/container.utilization 2024: expected 1, found 1.1"],
        id="utilization",
    ),
    pytest.param(
        "capacity",
        "2024,P1,p1-east,container,TEU",
        "2024,P1,p1-east,container,t",
        "capacity",
        ["capacity: p1-east/container.unit 2024: expected TEU, found t"],
        id="capacity-unit",
    ),
    pytest.param(
        "capacity",
        "2024,P1,p1-east",
        "2024,P2,p1-east",
        "capacity",
        ["capacity: p1-east/container.port 2024: expected P1, found P2"],
        id="capacity-port",
    ),
    pytest.param(
        "spend",
        "p1e-ct-3,2022,1200.000000,true",
        "p1e-ct-3,2022,1200.000000,false",
        "budget",
        ["budget: p1e-ct-3.sunk 2022: expected true, found false"],
        id="sunk-flag",
    ),
    pytest.param(
        "spend",
        "p1w-ct-a,2027,1300.000000,false",
        "p1w-ct-a,2027,1300.000000,maybe",
        "budget",
        ["budget: p1w-ct-a.sunk 2027: expected false, found maybe"],
        id="sunk-not-a-flag",
    ),
    pytest.param(
        "spend",
        "p1w-ct-a,2027,1300.000000,false\n",
        "p1w-ct-a,2027,1300.000000,false\np1w-ct-b,2027,1.000000,false\n",
        "budget",
        ["budget: p1w-ct-b.spend 2027: expected no row (project not built), found 1.000000"],
        id="spend-of-skipped",
    ),
    pytest.param(
        "projects",
        "p1w-ct-b,",
        "p1w-ct-z,",
        "coverage",
        [
            "coverage: p1w-ct-z: expected an id of the instance, found a row in projects.csv",
            "coverage: p1w-ct-b: expected one row in projects.csv, found no row",
        ],
        id="unknown-project",
    ),
    pytest.param(
        "projects",
        "preliminary,build,2024,",
        "preliminary,build,,",
        "start_windows",
        ["start_windows: p1w-channel.start_year: expected a start year, found empty"],
        id="build-without-start",
    ),
    pytest.param(
        "projects",
        "candidate,skip,,,,",
        "candidate,skip,,2027,,",
        "start_windows",
        ["start_windows: p1w-ct-b.completion_year: expected empty, found 2027"],
        id="skip-with-completion",
    ),
    pytest.param(
        "projects",
        "new,build,2023,2024,2025",
        "new,build,2023,2025,2025",
        "start_windows",
        ["start_windows: p2-ore-1.completion_year 2023: expected 2024, found 2025"],
        id="wrong-completion",
    ),
    pytest.param(
        "projects",
        "preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0",
        "preliminary,skip,,,,0.000000,0.000000,0.000000,0,0",
        "requires",
        [
            "requires: p1w-ct-a 2026: expected p1w-channel completed by 2025, found"
            " p1w-channel not built"
        ],
        id="prerequisite-skipped",
    ),
    pytest.param(
        "projects",
        "preliminary,build,2024,2024,2025,800.000000,800.000000,754.716981,0,0",
        "preliminary,skip,,,,0.000000,0.000000,0.000000,0,0",
        "budget",
        ["budget: p1w-channel.spend 2024: expected no row (project not built), found 800.000000"],
        id="spend-of-unbuilt",
    ),
    pytest.param(
        "routes",
        "candidate,open,2023,",
        "candidate,maybe,2023,",
        "route_windows",
        ["route_windows: dom-south.decision: expected open or skip, found maybe"],
        id="route-decision",
    ),
    pytest.param(
        "routes",
        "candidate,open,2023,",
        "candidate,open,2022,",
        "route_windows",
        ["route_windows: dom-south 2022: expected open in 2023-2026, found 2022"],
        id="route-before-window",
    ),
    pytest.param(
        "routes",
        "existing,existing,,",
        "existing,open,,",
        "route_windows",
        ["route_windows: near-sea-existing.decision: expected existing, found open"],
        id="existing-route-opened",
    ),
    pytest.param(
        "spend",
        "p2-ore-1,2024,700.000000,false",
        "p2-ore-1,20x4,700.000000,false",
        "budget",
        [
            "budget: p2-ore-1.spend: expected a year, found 20x4",
            "budget: p2-ore-1.spend 2024: expected 700, found no row",
        ],
        id="spend-year",
    ),
    pytest.param(
        "spend",
        "p2-ore-1,2024,700.000000,false",
        "p2-ore-1,2024,750.000000,false",
        "budget",
        ["budget: p2-ore-1.spend 2024: expected 700, found 750"],
        id="spend-amount",
    ),
    pytest.param(
        "kpis",
        "1029.721762\n",
        "1029.721762\n2028,,,,,,,0,,,,0\n",
        "kpis",
        ["kpis: kpis.csv 2028: expected no row, found a row"],
        id="kpis-extra-year",
    ),
    pytest.param(
        "kpis",
        "2027,,,,,,,1300.000000,,,,1029.721762\n",
        "2027,,,,,,,1300.000000,,,,1029.721762\n2027,,,,,,,1300.000000,,,,1029.721762\n",
        "kpis",
        ["kpis: kpis.csv 2027: expected one row, found several rows"],
        id="kpis-duplicate-year",
    ),
    pytest.param(
        "kpis",
        "1029.721762\n",
        "1029.721762\nyear,,,,,,,,,,,\n",
        "kpis",
        ["kpis: kpis.csv:7: expected a year, found year"],
        id="kpis-bad-year",
    ),
    pytest.param(
        "kpis",
        "2027,,,,,,,1300.000000,,",
        "2027,,,,,,,1300.000000,5,",
        "kpis",
        ["kpis: opex 2027: expected empty or 0, found 5"],
        id="kpis-post-horizon-opex",
    ),
    pytest.param(
        "kpis",
        "1300.000000,,,,1029.721762",
        "1300.000000,,,,1030.721762",
        "kpis",
        ["kpis: discounted_cost 2027: expected 1029.721762, found 1030.721762"],
        id="kpis-post-horizon-discounted",
    ),
    pytest.param(
        "projects",
        "new,build,2023,2024,2025",
        "new,build,2023,2024,2026",
        "start_windows",
        ["start_windows: p2-ore-1.in_service_year 2023: expected 2025, found 2026"],
        id="in-service-year",
    ),
    pytest.param(
        "kpis",
        "2025,62133333.333333,3200000.000000,9,0,9890008.000000,0.000000,0.000000,30.000000,"
        "2.000000,3956.003200,3549.308651\n",
        "",
        "kpis",
        ["kpis: kpis.csv 2025: expected a row, found no row"],
        id="kpis-year-missing",
    ),
    pytest.param(
        "kpis",
        "2027,,,,,,,1300.000000,,,,",
        "2027,,,,,,,1300.000000,0,2,3,",
        "kpis",
        [
            "kpis: route_cost 2027: expected empty or 0, found 2",
            "kpis: penalty_cost 2027: expected empty or 0, found 3",
        ],
        id="kpis-post-horizon-costs",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,-4800000.000000,-1.000000",
        "capacity",
        ["capacity: p1-west/general 2023: expected >= 0, found -4800000"],
        id="throughput-negative",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,4900000.000000,1.020833",
        "capacity",
        ["capacity: p1-west/general 2023: expected <= 4800000 (1 x capacity), found 4900000"],
        id="throughput-above-capacity",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,many,1.000000",
        "capacity",
        ["capacity: p1-west/general.throughput 2023: expected a number, found many"],
        id="throughput-not-a-number",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000",
        "2023,P1,p1-west,general,t,4800000.000000,inf,1.000000",
        "capacity",
        ["capacity: p1-west/general.throughput 2023: expected a number, found inf"],
        id="throughput-infinite",
    ),
    pytest.param(
        "capacity",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000\n",
        "2023,P1,p1-west,general,t,4800000.000000,4800000.000000,1.000000\n" * 2,
        "capacity",
        ["capacity: p1-west/general 2023: expected one row, found several rows"],
        id="capacity-duplicate-row",
    ),
    pytest.param(
        "targets",
        "2023,new_routes,,1.000000,1.000000,0.000000,true,true\n",
        "",
        "targets",
        ["targets: new_routes 2023: expected a row, found no row"],
        id="target-row-missing",
    ),
    pytest.param(
        "targets",
        "2023,new_routes,,1.000000,1.000000,0.000000,true,true\n",
        "2023,new_routes,,1.000000,1.000000,0.000000,true,true\n"
        "2024,new_routes,,1.000000,1.000000,0.000000,true,true\n",
        "targets",
        ["targets: new_routes 2024: expected a target of the instance, found targets.csv:4"],
        id="target-row-unknown",
    ),
    pytest.param(
        "targets",
        "3200000.000000,0.000000,true,false",
        "3200000.000000,0.000000,false,false",
        "targets",
        ["targets: container_teu.hard 2026: expected true, found false"],
        id="target-hard-flag",
    ),
]


@pytest.mark.parametrize(("table", "old", "new", "rule", "expected"), MESSAGES)
def test_violation_messages(
    tmp_path: Path,
    instance: Instance,
    table: str,
    old: str,
    new: str,
    rule: str,
    expected: list[str],
) -> None:
    report = check_tampered(tmp_path, instance, table, old, new)
    assert messages(report, rule) == expected


# solve.json changed, and the one violation it must give (status optimal unless said).
BOUND = {"solver_objective": OBJECTIVE, "best_bound": OBJECTIVE * 0.99}
SOLVE_MESSAGES = [
    pytest.param(
        {"status": "great"},
        "record: solve.json:status: expected optimal or feasible or infeasible, found great",
        id="status",
    ),
    pytest.param(
        {"instance": [1]},
        "record: solve.json:instance: expected a record of the instance (name, hash, money unit,"
        " price year), found [1]",
        id="instance-not-a-record",
    ),
    pytest.param(
        {"instance": {"name": "example-two-ports", "hash": "-", "price_year": 2023}},
        "record: solve.json:instance.money_unit: expected CNY million, found no field",
        id="no-money-unit",
    ),
    pytest.param(
        {"price_year": 1999},
        "record: solve.json:instance.price_year: expected 2023, found 1999",
        id="price-year",
    ),
    pytest.param(
        {"name": "other"},
        "instance: solve.json:instance.name: expected example-two-ports, found other",
        id="name",
    ),
    pytest.param(
        {"gap": "wide"},
        "record: solve.json:gap: expected a finite number or null, found wide",
        id="gap-text",
    ),
    pytest.param(
        {"best_bound": "low", "solver_objective": OBJECTIVE},
        "record: solve.json:best_bound: expected a finite number or null, found low",
        id="bound-text",
    ),
    pytest.param(
        {"best_bound": OBJECTIVE * 1.01, "solver_objective": OBJECTIVE},
        "record: solve.json:best_bound: expected <= 19845.849825 (a lower bound), found"
        " 20044.308323",
        id="bound-above",
    ),
    pytest.param(
        {"gap": -0.5},
        "record: solve.json:gap: expected >= 0, found -0.5",
        id="gap-negative-without-bound",
    ),
    pytest.param(
        {**BOUND, "gap": 0.01, "options": {"gap": 0.0001}},
        "record: solve.json:status: expected a gap within 0.0001 for optimal (bound"
        " 19647.391327), found optimal at gap 0.01",
        id="optimal-beyond-its-gap",
    ),
    pytest.param(
        {"breakdown": {**BREAKDOWN, "opex": "lots"}},
        "objective: solve.json:breakdown.opex: expected 80.190358, found lots",
        id="breakdown-text",
    ),
    pytest.param(
        {"breakdown": {**BREAKDOWN, "capex": 5000.0}},
        "objective: solve.json:breakdown.capex: expected 5136.32117, found 5000",
        id="breakdown-term",
    ),
    pytest.param(
        {"solver_objective": OBJECTIVE * 0.98},
        "objective: solve.json:solver_objective: expected 19845.849825, found 19448.932829",
        id="solver-objective",
    ),
    pytest.param(
        {"objective": 19000.1234567},
        "objective: solve.json:objective: expected 19845.849825, found 19000.123457",
        id="objective-wrong",
    ),
    pytest.param(
        {"solver_objective": OBJECTIVE + 2},
        "objective: solve.json:solver_objective: expected 19845.849825, found 19847.849825",
        id="solver-objective-off-by-2",
    ),
    pytest.param(
        {"objective": "abc"},
        "objective: solve.json:objective: expected 19845.849825, found abc",
        id="objective-text",
    ),
    pytest.param(
        # a bad entry before a good one is still reported
        {
            "shortfalls": [
                "junk",
                {"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": 0},
            ]
        },
        "targets: solve.json:shortfalls: expected a target, found junk",
        id="shortfall-entry-before-a-good-one",
    ),
    pytest.param(
        {"shortfalls": ["junk"]},
        "targets: solve.json:shortfalls: expected a target, found junk",
        id="shortfall-entry-not-a-record",
    ),
    pytest.param(
        {"shortfalls": [{"year": 2030, "metric": "cargo_tons", "port": None, "shortfall": 1}]},
        "targets: solve.json:shortfalls: expected a target, found {'year': 2030, 'metric':"
        " 'cargo_tons', 'port': None, 'shortfall': 1}",
        id="shortfall-of-no-target",
    ),
    pytest.param(
        {"shortfalls": [{"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": 1}]},
        "targets: solve.json:shortfalls.cargo_tons[P2] 2026: expected 0, found 1",
        id="shortfall-value",
    ),
    pytest.param(
        {"shortfalls": [{"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": "x"}]},
        "targets: solve.json:shortfalls.cargo_tons[P2] 2026: expected 0, found x",
        id="shortfall-text",
    ),
    pytest.param(
        # 30 digits are still read as a number, 1e29 as a float (a longer integer stays text)
        {"shortfalls": [{"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": 10**29}]},
        "targets: solve.json:shortfalls.cargo_tons[P2] 2026: expected 0, found 99999999999999991433150857216",
        id="shortfall-of-30-digits",
    ),
    pytest.param(
        {"shortfalls": [{"year": 2026, "metric": "cargo_tons", "port": "P2", "shortfall": 10**30}]},
        f"targets: solve.json:shortfalls.cargo_tons[P2] 2026: expected 0, found {10**30}",
        id="shortfall-of-31-digits",
    ),
]


@pytest.mark.parametrize(("change", "expected"), SOLVE_MESSAGES)
def test_solve_json_messages(
    tmp_path: Path, instance: Instance, change: dict[str, Any], expected: str
) -> None:
    solve, change = hand_solve(instance), copy.deepcopy(change)
    for key in ("name", "price_year"):
        if key in change:
            solve["instance"][key] = change.pop(key)
    if isinstance(change.get("instance"), dict):
        change["instance"]["hash"] = instance.canonical_hash()
    solve |= change
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert [str(v) for v in report.violations] == [expected]


def test_optimal_within_its_gap(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve |= {"solver_objective": OBJECTIVE, "best_bound": OBJECTIVE * (1 - 5e-5)}
    solve |= {"gap": 5e-5, "options": {"gap": 1e-4}}
    assert check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve)).ok


def _edge(total: float, rel: float, absolute: float, excess: float) -> float:
    """A value above ``total`` by its tolerance (``rel`` of the larger, plus ``absolute``)
    and ``excess`` more."""
    return (total + absolute) / (1 - rel) + excess


@pytest.mark.parametrize(("excess", "ok"), [(-2e-6, True), (2e-6, False)])
@pytest.mark.parametrize("where", ["objective", "breakdown", "solver_objective"])
def test_objective_figures_within_their_tolerance(
    tmp_path: Path, instance: Instance, plan: Path, where: str, excess: float, ok: bool
) -> None:
    # Every objective figure is compared with an absolute tolerance of 1e-6 per cost year
    # (2023-2027: 5e-6), plus 1e-6 relative (solve.json's objective and breakdown) or 1e-5
    # (the solver's own objective: solver tolerances). 2e-6 inside it passes, 2e-6 beyond
    # it does not; with the absolute part 1e-6 alone both would fail.
    facts = context(instance, plan).facts
    capex = costs.breakdown(facts)["capex"]
    total = check_plan(instance, plan).objective
    assert total is not None
    solve = hand_solve(instance)
    if where == "objective":
        solve["objective"] = _edge(total, 1e-6, 5e-6, excess)
    elif where == "breakdown":
        solve["breakdown"] = dict(BREAKDOWN, capex=_edge(capex, 1e-6, 5e-6, excess))
    else:
        solve["solver_objective"] = _edge(total, 1e-5, 5e-6, excess)
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert report.ok is ok, [str(v) for v in report.violations]


def test_a_feasible_plan_exactly_at_its_solver_objectives_tolerance(
    tmp_path: Path, instance: Instance, plan: Path
) -> None:
    # feasible: the recomputed cost may exceed the solver's by its tolerance, 1e-5 x the cost
    # + 5e-6; this solver objective sits exactly on it in floating point (total == found +
    # slack), the closest case there is.
    total = check_plan(instance, plan).objective
    assert total == 19845.84982542045
    found = 19845.651361922195
    assert total == found + (1e-5 * max(found, total) + 1e-6 * 5)
    solve = hand_solve(instance, "feasible") | {"solver_objective": found}
    assert check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve)).ok
    solve["solver_objective"] = found - 1e-6
    assert not check_plan(instance, write_plan(tmp_path / "q", hand_tables(), solve)).ok


def test_feasible_objective_below_the_plan(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance, "feasible")
    solve["solver_objective"] = OBJECTIVE * 0.98
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert [str(v) for v in report.violations] == [
        "objective: solve.json:solver_objective: expected >= 19845.849825, found 19448.932829"
    ]


def _decide(kind: str, ident: str, decision: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        next(x for x in data[kind] if x["id"] == ident)["decision"] = decision

    return change


@pytest.mark.parametrize(
    ("kind", "ident", "decision", "expected"),
    [
        (
            "projects",
            "p1w-ct-a",
            "skip",
            "start_windows: p1w-ct-a 2026: expected skip (forbidden by the scenario), found build",
        ),
        (
            "routes",
            "dom-south",
            "skip",
            "route_windows: dom-south: expected skip (forbidden by the scenario), found open",
        ),
        (
            "routes",
            "deep-sea-europe",
            "open",
            "route_windows: deep-sea-europe: expected open (forced by the scenario), found skip",
        ),
    ],
)
def test_scenario_decisions(
    tmp_path: Path, kind: str, ident: str, decision: str, expected: str
) -> None:
    # A scenario's decision (build/open forced, skip forbidden) that the hand plan breaks.
    inst = variant(_decide(kind, ident, decision))
    report = check_plan(inst, write_plan(tmp_path / "p", hand_tables(), hand_solve(inst)))
    rule = expected.split(":")[0]
    assert messages(report, rule) == [expected]


def test_route_too_shallow_message(tmp_path: Path) -> None:
    inst = variant(west_feeder)
    tables = hand_tables()
    tables["routes"] += "west-feeder,,candidate,open,2024,50000.000000,0.000000\n"
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert messages(report, "depth") == [
        "depth: west-feeder@p1-west 2024: expected >= 14 m, found 11"
    ]


def test_another_instances_hash_message(tmp_path: Path, instance: Instance) -> None:
    solve = hand_solve(instance)
    solve["instance"]["hash"] = "0" * 64
    report = check_plan(instance, write_plan(tmp_path / "p", hand_tables(), solve))
    assert [str(v) for v in report.violations] == [
        f"instance: solve.json:instance.hash: expected {instance.canonical_hash()}, found {'0' * 64}"
    ]


def test_infeasible_plan_must_list_its_shortfalls(tmp_path: Path) -> None:
    def more_berths(data: dict[str, Any]) -> None:
        data["targets"].append({"year": 2026, "metric": "berths_10k", "value": 11})

    inst = variant(more_berths)
    tables = hand_tables()
    tables["targets"] += "2026,berths_10k,,11.000000,9.000000,2.000000,true,true\n"
    solve = hand_solve(inst, "infeasible") | {"shortfalls": []}
    report = check_plan(inst, write_plan(tmp_path / "i", tables, solve))
    assert [str(v) for v in report.violations] == [
        "targets: solve.json:shortfalls.berths_10k 2026: expected listed, found not listed"
    ]


def test_kpis_cost_column_within_the_rounding_of_its_cells(
    tmp_path: Path, instance: Instance
) -> None:
    # Each discounted_cost cell raised by just under its own tolerance (1e-6 relative plus
    # 1e-6 x its scale: 31 for a horizon year with three capacity rows, 1 for 2027): the cells
    # pass, and their sum, 0.019851 above the objective, is within the sum's tolerance
    # (1e-6 x 19845.869676 + 1e-6 x (5 cost years + 5 cells) = 0.019855870), not within
    # 1e-6 x 19845.869676 + 1e-6 (0.019846870).
    raised = {
        "5651.000000": "5651.005660",
        "5001.408805": "5001.413815",
        "3549.308651": "3549.312211",
        "4614.410607": "4614.415227",
        "1029.721762": "1029.722763",
    }
    tables = hand_tables()
    for old, new in raised.items():
        tables["kpis"] = edit(tables["kpis"], old, new)
    report = check_plan(instance, write_plan(tmp_path / "p", tables, hand_solve(instance)))
    assert report.violations == []
    tables["kpis"] = edit(tables["kpis"], "5651.005660", "5651.005670")  # 1e-5 more
    report = check_plan(instance, write_plan(tmp_path / "q", tables, hand_solve(instance)))
    assert keys(report) == {("objective", "kpis.csv:discounted_cost", None)}


def test_a_small_spend_row_missing(tmp_path: Path) -> None:
    # The channel costs 0.8 (not 800): its one spend row, 0.8 in 2024, must still be listed.
    def cheap_channel(data: dict[str, Any]) -> None:
        next(p for p in data["projects"] if p["id"] == "p1w-channel")["capex"] = 0.8

    inst = variant(cheap_channel)
    tables = hand_tables()
    tables["spend"] = edit(tables["spend"], "p1w-channel,2024,800.000000,false\n", "")
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert messages(report, "budget") == [
        "budget: p1w-channel.spend 2024: expected 0.8, found no row"
    ]


@pytest.mark.parametrize(("cell", "ok"), [("7.000011", True), ("7.000012", False)])
def test_kpis_tolerance_scales_with_the_capacity_rows(tmp_path: Path, cell: str, ok: bool) -> None:
    # tons_per_teu 1: a kpis cell of 2023 (three capacity rows) may be off by 1e-6 relative
    # plus 1e-6 x (1 + 3 rows x max(1, tons_per_teu)) = 4e-6 absolute: route_cost 7 may read
    # 7.000011 (within 11.000011e-6) but not 7.000012. cargo_tons = tonnes + 1 x TEU served.
    def one_ton_per_teu(data: dict[str, Any]) -> None:
        data["tons_per_teu"] = 1.0

    inst = variant(one_ton_per_teu)
    tables = hand_tables()
    for old, new in [
        ("40800000.000000", "22800000.000000"),
        ("56800000.000000", "28000000.000000"),
        ("62133333.333333", "33333333.333333"),
        ("66800000.000000", "38000000.000000"),
        (
            "1,10110000.000000,0.000000,1600.000000,0.000000,7.000000",
            f"1,10110000.000000,0.000000,1600.000000,0.000000,{cell}",
        ),
    ]:
        tables["kpis"] = edit(tables["kpis"], old, new)
    report = check_plan(inst, write_plan(tmp_path / "p", tables, hand_solve(inst)))
    assert [str(v) for v in report.violations] == (
        [] if ok else [f"kpis: route_cost 2023: expected 7, found {cell}"]
    )


def test_kpis_tolerance_of_a_year_without_capacity_rows(tmp_path: Path, instance: Instance) -> None:
    # capacity.csv without its 2025 rows: kpis cells of 2025 sum no rounded throughput, so
    # their tolerance is 1e-6 relative plus 1e-6 absolute; route_cost 2 (independent of the
    # throughputs) may not read 2.000005.
    tables = hand_tables()
    lines = tables["capacity"].splitlines(keepends=True)
    tables["capacity"] = "".join(line for line in lines if not line.startswith("2025,"))
    old = "0.000000,30.000000,2.000000,3956.003200"
    tables["kpis"] = edit(tables["kpis"], old, "0.000000,30.000000,2.000005,3956.003200")
    report = check_plan(instance, write_plan(tmp_path / "p", tables, hand_solve(instance)))
    assert "kpis: route_cost 2025: expected 2, found 2.000005" in messages(report, "kpis")


def test_show_prints_values_as_the_cli_does() -> None:
    # Six decimals at most, trailing zeros dropped, -0 as 0; a non-finite float as Python
    # prints it (no rule reports one today: every cell and JSON number is read as finite).
    values: list[float | int | str] = [math.inf, -math.inf, math.nan, 2.5, 3.0, -1e-7, 7, True, ""]
    shown = ["inf", "-inf", "nan", "2.5", "3", "0", "7", "true", "empty"]
    assert [show(v) for v in values] == shown


def test_a_non_finite_number_is_never_close_nor_within_a_bound() -> None:
    assert at_most(1.0, 1.0) and close(1.0, 1.0)
    assert not at_most(1.0, math.inf)
    assert not at_most(-math.inf, 0.0)
    assert not at_most(math.nan, 1.0)
    assert not close(math.inf, math.inf)
    assert not close(math.inf, 1.0)
    assert not close(1.0, math.nan)


def test_the_absolute_tolerance_is_1e6_times_the_scale_at_least_1() -> None:
    # At 0 the relative part is 0: the bound is met up to 1e-6 x max(scale, 1), inclusive.
    assert at_most(1e-6, 0.0) and not at_most(1.5e-6, 0.0)
    assert at_most(2e-6, 0.0, 4.0) and not at_most(1.5e-6, 0.0, 0.5)
    assert close(1e-6, 0.0) and not close(1.5e-6, 0.0)
    assert close(1.000001000001e-6, 0.0)  # the gap equals 1e-6 x itself + 1e-6 exactly
    assert close(2e-6, 0.0, 4.0) and not close(1.5e-6, 0.0, 0.5)


def test_summary_counts_rules_violations_and_short_targets() -> None:
    budget = Violation("budget", "capex", 2024, "<= 1200", 1500.0)
    groups = Violation("groups", "west", None, "at most 1", 2)
    short = [Violation("targets", m, 2026, ">= 11", 9.0) for m in ("berths_10k", "new_routes")]
    assert CheckReport([], 12.5).summary() == "plan ok: objective 12.5 (solve.json: none)"
    assert CheckReport([budget], 12.5, 13.0).summary() == (
        "1 violation (budget): objective 12.5 (solve.json: 13)"
    )
    assert CheckReport([budget, groups, budget], 12.5, None, "infeasible", short).summary() == (
        "3 violations (budget, groups): objective 12.5 (solve.json: none); "
        "2 hard targets short (infeasible instance)"
    )

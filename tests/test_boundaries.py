"""Boundary tiny instances: the optimum of every constraint family exactly on its boundary.

Each file in ``tests/data/boundary`` puts the optimum exactly on the boundary of one family (or
a few): a budget spent to the unit, a route's minimum depth reached exactly, capacity, demand
and a target all equal, a window's first and last year, a prerequisite completed exactly the
year before, a queue pool at its W/S limit. Beside the optimum each file has a schedule that
misses the boundary by a hair (1,000 t, 1 %, one year), so a comparison made strict, a bound
loosened or tightened, or an index shifted by one changes the optimum. The header of each file
gives the model, the enumeration of schedules with their costs and the optimum; the numbers
below are copied from those headers, not from solver output.

For each instance and both exact backends:

- the status, the decisions, the objective recomputed from the decisions and the solver's own
  objective all equal the hand values;
- a few table values show the boundary reached;
- the independent checker accepts the plan folder;
- every schedule one step over the boundary is infeasible for the formulation (the model with
  its binaries fixed to the schedule: an LP, or a small MILP where pool levels stay integer) and
  rejected by the checker, by the rule named.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from helpers import feasible_fixed

import berthplan
from berthplan.checker import check_plan
from berthplan.model.instance import Instance
from berthplan.model.scenario import overridden
from berthplan.model.sets import Sets
from berthplan.optimization.formulation import build
from berthplan.results.outcome import Decisions, Outcome
from berthplan.results.plan import Plan

BOUNDARY = Path(__file__).parent / "data" / "boundary"
BACKENDS = ["highs", "pulp:cbc"]
REL = 1e-9
SOLVER_REL = 1e-7  # the solver's own objective: within its feasibility tolerances


@functools.cache
def instance(name: str) -> Instance:
    return berthplan.load(BOUNDARY / f"{name}.yaml")


@functools.cache
def solved(name: str, backend: str) -> Plan:
    return berthplan.solve(instance(name), backend)


@dataclass(frozen=True)
class Over:
    """A schedule one step over the boundary: what differs from the optimum, and the rule."""

    starts: dict[str, int | None] = field(default_factory=dict)
    opens: dict[str, int | None] = field(default_factory=dict)
    rule: str = ""


@dataclass(frozen=True)
class Case:
    objective: float
    starts: dict[str, int | None]
    opens: dict[str, int | None] = field(default_factory=dict)
    over: tuple[Over, ...] = ()


CASES: dict[str, Case] = {
    "budget-exact": Case(
        2505.0,
        {"p": 2030, "q": 2031},
        over=(Over({"q": 2030}, rule="budget"), Over({"p": 2031}, rule="budget")),
    ),
    "depth-exact": Case(
        225.0,
        {"dredge-14": 2031, "dredge-15": None, "ct-a": None},
        {"deep": 2032},
        over=(
            Over({"dredge-14": 2032}, rule="depth"),  # in service 2033, after the opening
            Over({"dredge-14": None}, rule="depth"),  # 12 m at A
            Over({"dredge-14": None, "ct-a": 2031}, rule="depth"),  # ct-a deepens nothing
        ),
    ),
    "volumes-exact": Case(
        150.0,
        {"exact": 2030, "short": None},
        over=(Over({"exact": None, "short": 2030}, rule="targets"),),
    ),
    "containers-exact": Case(
        131.0,
        {"ct": 2030, "ct-small": None},
        {"r": 2031, "r-small": None},
        over=(
            Over({"ct": None, "ct-small": 2030}, rule="targets"),  # capacity 199,000 TEU
            Over(opens={"r": None, "r-small": 2031}, rule="targets"),  # offered 199,000 TEU
        ),
    ),
    "requires-exact": Case(
        3410.0,
        {"channel": 2030, "permit": 2030, "terminal": 2032},
        over=(
            Over({"terminal": 2031}, rule="requires"),  # channel completed 2031, not by 2030
            Over({"channel": 2031}, rule="requires"),  # completed 2032, not by 2031
            Over({"permit": None}, rule="requires"),  # the second prerequisite
        ),
    ),
    "scopes-exact": Case(
        100 + 64 + 20.8,
        {"gc": 2030, "gc-small": None, "b-berth": 2031},
        {"r-a": None, "r-b": 2031},
        over=(
            Over({"gc": None, "gc-small": 2030}, rule="targets"),  # P1 cargo 2,100,000
            Over({"b-berth": None}, rule="targets"),  # P1's berths do not count for P2
            Over(opens={"r-a": 2031, "r-b": None}, rule="targets"),  # r-a calls at P1 only
            Over(opens={"r-b": 2030}, rule="targets"),  # not new in 2031
            Over({"gc-small": 2030}, rule="groups"),  # both layouts of quay
        ),
    ),
    "windows-exact": Case(
        1880 + 800 + 109.44 + 41.44,
        {"early": 2031, "late": 2031},
        {"r-first": 2031, "r-last": 2031},
        over=(
            Over({"early": 2030}, rule="start_windows"),
            Over({"late": 2032}, rule="start_windows"),
            Over(opens={"r-first": 2030}, rule="route_windows"),
            Over(opens={"r-last": 2032}, rule="route_windows"),
        ),
    ),
    "pool-levels-exact": Case(
        200.0,
        {"a-2": 2024, "a-3": 2024},
        over=(Over({"a-3": None}, rule="targets"),),  # two berths: 1,000 t short
    ),
    "pool-exact": Case(
        100 + 0.8 * 54 + 16.2,
        {"b-gen": None, "a-2": 2024},
        over=(Over({"a-2": None, "b-gen": 2024}, rule="targets"),),
    ),
    "pool-containers-exact": Case(
        100 + 0.8 * 54 + 16.2,
        {"a-ct": None, "c-2": 2024},
        over=(Over({"c-2": None, "a-ct": 2024}, rule="targets"),),  # 239,000 TEU
    ),
    "containers-one-year": Case(
        31.0,
        {},
        {"r": 2030, "r-small": None},
        over=(Over(opens={"r": None, "r-small": 2030}, rule="targets"),),  # 199,000 TEU
    ),
    "route-last-year": Case(
        31 * 0.64,
        {},
        {"r": 2032, "r-small": None},
        over=(Over(opens={"r": None, "r-small": 2032}, rule="targets"),),  # 199,000 TEU
    ),
    "demand-second-pair": Case(
        10.0,
        {"db": 2030, "gc": None},
        over=(Over({"db": None, "gc": 2030}, rule="targets"),),  # general capped at demand
    ),
    "depth-second-area": Case(
        225.0,
        {"a-ct": None, "b-ct": None, "dredge-b": 2031},
        {"deep": 2032},
        over=(
            Over({"dredge-b": 2032}, rule="depth"),  # in service 2033, after the opening
            Over({"dredge-b": None}, rule="depth"),  # 12 m at B
            Over({"dredge-b": None, "b-ct": 2031}, rule="depth"),  # b-ct deepens nothing
        ),
    ),
    "demand-port-areas": Case(
        10.0,
        {"gc": 2030, "gc-small": None},
        over=(Over({"gc": None, "gc-small": 2030}, rule="targets"),),  # 2,490,000 t
    ),
    "containers-only-tons": Case(
        13.0,
        {"ct": 2030, "ct-small": None},
        over=(Over({"ct": None, "ct-small": 2030}, rule="targets"),),  # 1,490,000 t
    ),
}


# -- table helpers ------------------------------------------------------------------------


def one(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    rows = df[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {where}"
    return rows.iloc[0]


def by_year(plan: Plan, column: str) -> dict[int, float]:
    k = plan.tables["kpis"]
    years = plan.instance.years
    pairs = zip(k["year"].tolist(), k[column].tolist(), strict=True)
    return {int(y): float(v) for y, v in pairs if y in years}


def approx(value: object) -> object:
    return pytest.approx(value, rel=REL, abs=1e-9)


TABLE_CHECKS: dict[str, Callable[[Plan], None]] = {}


def checks(name: str) -> Callable[[Callable[[Plan], None]], Callable[[Plan], None]]:
    def register(fn: Callable[[Plan], None]) -> Callable[[Plan], None]:
        TABLE_CHECKS[name] = fn
        return fn

    return register


@checks("budget-exact")
def _budget(plan: Plan) -> None:
    assert by_year(plan, "capex") == approx({2030: 500, 2031: 5, 2032: 0})
    assert by_year(plan, "unserved_tons") == approx({2030: 1.5e6, 2031: 5e5, 2032: 0})
    assert by_year(plan, "penalty_cost") == approx({2030: 1500, 2031: 500, 2032: 0})


@checks("depth-exact")
def _depth(plan: Plan) -> None:
    assert by_year(plan, "container_teu") == approx({2030: 0, 2031: 0, 2032: 1e5})
    assert by_year(plan, "opex") == approx({2030: 0, 2031: 0, 2032: 10})
    assert one(plan.tables["projects"], project_id="dredge-14")["in_service_year"] == 2032
    served = plan.tables["capacity"]
    for area in ("A", "B"):
        row = one(served, year=2032, area=area, cargo="container")
        assert float(row["throughput"]) == approx(5e4)


@checks("volumes-exact")
def _volumes(plan: Plan) -> None:
    row = one(plan.tables["capacity"], year=2031, area="A", cargo="general")
    assert float(row["capacity"]) == approx(1.875e6)
    assert float(row["throughput"]) == approx(1.5e6)
    assert float(row["utilization"]) == approx(0.8)
    assert by_year(plan, "unserved_tons") == approx({2030: 5e5, 2031: 0})
    t = one(plan.tables["targets"], year=2031, metric="cargo_tons")
    assert float(t["achieved"]) == approx(1.5e6)
    assert float(t["shortfall"]) == 0 and bool(t["binding"])


@checks("containers-exact")
def _containers(plan: Plan) -> None:
    assert by_year(plan, "container_teu") == approx({2030: 1e5, 2031: 2e5})
    assert by_year(plan, "route_cost") == approx({2030: 0, 2031: 31})
    assert by_year(plan, "new_routes") == {2030: 0, 2031: 1}
    row = one(plan.tables["capacity"], year=2031, area="A", cargo="container")
    assert (float(row["capacity"]), float(row["throughput"])) == approx((2e5, 2e5))
    assert bool(one(plan.tables["targets"], year=2031, metric="container_teu")["binding"])


@checks("requires-exact")
def _requires(plan: Plan) -> None:
    assert by_year(plan, "capex") == approx({2030: 60, 2031: 50, 2032: 300, 2033: 0})
    channel = one(plan.tables["projects"], project_id="channel")
    assert channel["completion_year"] == 2031
    assert one(plan.tables["projects"], project_id="terminal")["in_service_year"] == 2033
    unserved = {2030: 1e6, 2031: 1e6, 2032: 1e6, 2033: 0}
    assert by_year(plan, "unserved_tons") == approx(unserved)


@checks("scopes-exact")
def _scopes(plan: Plan) -> None:
    targets = plan.tables["targets"]
    achieved = dict(zip(targets["metric"].tolist(), targets["achieved"].tolist(), strict=True))
    assert achieved == approx({"cargo_tons": 2.2e6, "berths_10k": 1, "new_routes": 1})
    assert bool(targets["binding"].all())
    assert by_year(plan, "container_teu") == approx({2030: 1e5, 2031: 1e5})
    assert by_year(plan, "unserved_teu") == approx({2030: 0, 2031: 5e4})
    assert by_year(plan, "berths_10k") == {2030: 4, 2031: 5}  # province: 3 + gc, + b-berth
    # b-berth, in service only from 2032, adds no tonnes in the horizon
    assert by_year(plan, "cargo_tons") == approx({2030: 1.7e6, 2031: 2.2e6})
    row = one(plan.tables["capacity"], year=2031, area="A1", cargo="general")
    assert (float(row["capacity"]), float(row["throughput"])) == approx((1e6, 1e6))


@checks("windows-exact")
def _windows(plan: Plan) -> None:
    assert by_year(plan, "capex") == approx({2030: 0, 2031: 1100, 2032: 0})
    assert by_year(plan, "unserved_tons") == approx({2030: 1e6, 2031: 1e6, 2032: 0})
    assert by_year(plan, "new_routes") == {2030: 0, 2031: 2, 2032: 0}
    soft = one(plan.tables["targets"], year=2030, metric="container_teu")
    assert float(soft["shortfall"]) == approx(1e5)
    assert by_year(plan, "penalty_cost") == approx({2030: 1100, 2031: 1000, 2032: 0})


@checks("pool-levels-exact")
def _pool_levels(plan: Plan) -> None:
    q = one(plan.tables["queues"], year=2025)
    assert int(q["berths"]) == 3
    assert float(q["throughput"]) == approx(float(q["capacity"]))  # no demand ceiling
    assert float(q["capacity"]) > 21e6
    assert int(one(plan.tables["queues"], year=2024)["berths"]) == 1


@checks("pool-exact")
def _pool(plan: Plan) -> None:
    q = one(plan.tables["queues"], year=2025)
    assert int(q["berths"]) == 2
    assert float(q["capacity"]) == approx(1.2e7)
    assert float(q["throughput"]) == approx(1.2e7)
    assert float(q["occupancy"]) == approx(0.6)
    assert float(q["wait_ratio"]) == approx(0.5625)  # exactly the limit
    assert float(q["total_wait_hours"]) == approx(5400)
    assert float(q["waiting_cost"]) == approx(54)
    first = one(plan.tables["queues"], year=2024)  # one berth, at its limit too
    assert int(first["berths"]) == 1
    assert float(first["capacity"]) == approx(3.6e6)
    assert float(first["throughput"]) == approx(3.6e6)
    assert float(first["wait_ratio"]) == approx(0.5625)
    assert float(first["total_wait_hours"]) == approx(1620)
    t = one(plan.tables["targets"], year=2025, metric="cargo_tons")
    assert float(t["achieved"]) == approx(1.2e7)


@checks("pool-containers-exact")
def _pool_containers(plan: Plan) -> None:
    queues = plan.tables["queues"]
    for year, berths, teu, hours, cost in (
        (2024, 1, 7.2e4, 1620, 16.2),
        (2025, 2, 2.4e5, 5400, 54),
    ):
        q = one(queues, year=year, area="C", cargo="container")
        assert int(q["berths"]) == berths
        assert (float(q["capacity"]), float(q["throughput"])) == approx((teu, teu))
        assert float(q["wait_ratio"]) == approx(0.5625)  # exactly the limit
        assert float(q["total_wait_hours"]) == approx(hours)
        assert float(q["waiting_cost"]) == approx(cost)
        idle = one(queues, year=year, area="B", cargo="container")  # no route calls at B
        assert (int(idle["berths"]), float(idle["throughput"])) == (1, 0.0)
        assert float(idle["waiting_cost"]) == 0.0
    assert by_year(plan, "container_teu") == approx({2024: 7.2e4, 2025: 2.4e5})
    assert float(one(queues, year=2025, area="C")["occupancy"]) == approx(0.6)
    t = one(plan.tables["targets"], year=2025, metric="container_teu")
    assert float(t["achieved"]) == approx(2.4e5) and bool(t["binding"])


@checks("containers-one-year")
def _containers_one_year(plan: Plan) -> None:
    row = one(plan.tables["capacity"], year=2030, area="A", cargo="container")
    assert (float(row["capacity"]), float(row["throughput"])) == approx((2e5, 2e5))
    assert by_year(plan, "container_teu") == approx({2030: 2e5})
    assert by_year(plan, "route_cost") == approx({2030: 31})
    assert by_year(plan, "new_routes") == {2030: 1}


@checks("route-last-year")
def _route_last_year(plan: Plan) -> None:
    assert by_year(plan, "container_teu") == approx({2030: 1e5, 2031: 1e5, 2032: 2e5})
    assert by_year(plan, "unserved_teu") == approx({2030: 0, 2031: 0, 2032: 0})
    assert by_year(plan, "route_cost") == approx({2030: 0, 2031: 0, 2032: 31})
    assert by_year(plan, "discounted_cost") == approx({2030: 0, 2031: 0, 2032: 19.84})


@checks("demand-second-pair")
def _demand_second_pair(plan: Plan) -> None:
    capacity = plan.tables["capacity"]
    general = one(capacity, year=2031, area="A", cargo="general")
    assert (float(general["capacity"]), float(general["throughput"])) == approx((3e6, 2e6))
    bulk = one(capacity, year=2031, area="A", cargo="dry_bulk")
    assert (float(bulk["capacity"]), float(bulk["throughput"])) == approx((1e6, 1e6))
    assert by_year(plan, "cargo_tons") == approx({2030: 2.9e6, 2031: 3e6})
    t = one(plan.tables["targets"], year=2031, metric="cargo_tons")
    assert float(t["achieved"]) == approx(3e6) and bool(t["binding"])


@checks("depth-second-area")
def _depth_second_area(plan: Plan) -> None:
    assert by_year(plan, "container_teu") == approx({2030: 0, 2031: 0, 2032: 1e5})
    assert by_year(plan, "opex") == approx({2030: 0, 2031: 0, 2032: 10})
    assert one(plan.tables["projects"], project_id="dredge-b")["in_service_year"] == 2032
    for area in ("A", "B"):
        row = one(plan.tables["capacity"], year=2032, area=area, cargo="container")
        assert float(row["throughput"]) == approx(5e4)


@checks("demand-port-areas")
def _demand_port_areas(plan: Plan) -> None:
    capacity = plan.tables["capacity"]
    general = one(capacity, year=2031, area="B", cargo="general")
    assert (float(general["capacity"]), float(general["throughput"])) == approx((2e6, 2e6))
    bulk = one(capacity, year=2031, area="A", cargo="dry_bulk")
    assert (float(bulk["capacity"]), float(bulk["throughput"])) == approx((5e5, 5e5))
    assert by_year(plan, "cargo_tons") == approx({2030: 1.5e6, 2031: 2.5e6})
    t = one(plan.tables["targets"], year=2031, metric="cargo_tons")
    assert float(t["achieved"]) == approx(2.5e6) and bool(t["binding"])


@checks("containers-only-tons")
def _containers_only_tons(plan: Plan) -> None:
    assert by_year(plan, "container_teu") == approx({2030: 1e5, 2031: 1.5e5})
    assert by_year(plan, "cargo_tons") == approx({2030: 1e6, 2031: 1.5e6})
    assert set(plan.tables["capacity"]["cargo"]) == {"container"}
    targets = plan.tables["targets"]
    tons = one(targets, year=2031, metric="cargo_tons")
    assert float(tons["achieved"]) == approx(1.5e6) and bool(tons["binding"])
    routes = one(targets, year=2031, metric="new_routes")
    assert (float(routes["achieved"]), float(routes["shortfall"])) == (0.0, 1.0)
    assert by_year(plan, "penalty_cost") == approx({2030: 0, 2031: 3})


# -- the tests ------------------------------------------------------------------------------


# Every family of rows and block of columns, with the label prefix of its rows (docs/formulation.md):
# the names are what an infeasibility diagnosis and an exported model show.
FAMILIES = {
    "commit": "commit[",
    "open_once": "open_once[",
    "in_service": "in_service[",
    "capacity": "capacity[",
    "demand": "demand[",
    "served_offered": "served_offered[",
    "served_capacity": "served_capacity[",
    "pool_level": "pool_level[",
    "pool_berths": "pool_berths[",
    "pool_split": "pool_split[",
    "pool_capacity": "pool_capacity[",
    "pool_wait": "pool_wait[",
    "depth": "depth[",
    "requires": "requires[",
    "group": "group[",
    "budget": "budget[",
    "target": "target[",
}
BLOCKS = ["x", "z", "served", "handled", "shortfall", "service", "level", "flow", "wait"]


def test_every_family_and_block_is_built_and_named() -> None:
    families: dict[str, set[str]] = {}
    blocks: set[str] = set()
    for name in CASES:
        model = build(instance(name)).model
        assert model.name == instance(name).name
        for fam in model.families.values():
            if fam.size:
                families.setdefault(fam.name, set()).update(fam.labels)
        for block in model.blocks.values():
            assert all(label.startswith(f"{block.name}[") for label in block.labels), block.name
            assert len(set(block.labels)) == block.size, block.name
            blocks.add(block.name)
        rows = {f.name: f.labels for f in model.families.values()}
        for row_labels in rows.values():
            assert len(set(row_labels)) == len(row_labels)
        if "pool_level" not in rows:  # no pool: served within capacity at every call, every year
            offered = [lab.removeprefix("served_offered") for lab in rows.get("served_offered", [])]
            capped = [
                lab.removeprefix("served_capacity") for lab in rows.get("served_capacity", [])
            ]
            assert capped == offered
    assert sorted(families) == sorted(FAMILIES)
    assert sorted(blocks) == sorted(BLOCKS)
    for name, labels in families.items():
        assert all(label.startswith(FAMILIES[name]) for label in labels), name
    # one row of each boundary, by its label
    expected = {
        "budget": "budget[2031]",
        "depth": "depth[deep,A,2032]",
        "requires": "requires[terminal,permit,2032]",
        "group": "group[quay]",
        "target": "target[berths_10k,P2,2031]",
        "demand": "demand[P1,general,2031]",
        "capacity": "capacity[A,general,2031]",
        "served_offered": "served_offered[B1,2031]",
        "served_capacity": "served_capacity[A,2031]",
        "in_service": "in_service[p,2033]",
        "pool_capacity": "pool_capacity[A/dry_bulk,2,2025]",
    }
    for name, label in expected.items():
        assert label in families[name], (name, sorted(families[name])[:5])
    assert "target[cargo_tons,province,2031]" in families["target"]
    # in service from the horizon start to one year after its end (budget-exact: 2030-2032)
    years = {int(lab.split(",")[-1].rstrip("]")) for lab in families["in_service"] if "[p," in lab}
    assert years == {2030, 2031, 2032, 2033}
    service = build(instance("budget-exact")).model.blocks["service"].labels
    assert [lab for lab in service if lab.startswith("service[p,")] == [
        f"service[p,{y}]" for y in (2030, 2031, 2032, 2033)
    ]


def test_a_route_skipped_by_a_scenario_is_never_opened() -> None:
    # containers-exact without r: r-small offers 199,000 TEU, 1,000 short of the hard target;
    # the closest plan opens r-small and reports the shortfall (status infeasible).
    inst, _ = overridden(instance("containers-exact"), None, ["routes[r].decision=skip"])
    plan = berthplan.solve(inst)
    assert plan.status == "infeasible"
    assert plan.decisions.opens == {"r": None, "r-small": 2031}
    short = one(plan.tables["targets"], year=2031, metric="container_teu")
    assert float(short["shortfall"]) == approx(1000)


def test_every_boundary_file_has_a_case_and_a_table_check() -> None:
    names = sorted(p.stem for p in BOUNDARY.glob("*.yaml"))
    assert names == sorted(CASES) == sorted(TABLE_CHECKS)


def _params() -> list[object]:
    return [pytest.param(n, b, id=f"{n}-{b}") for n in CASES for b in BACKENDS]


@pytest.mark.parametrize(("name", "backend"), _params())
def test_optimum_on_the_boundary(name: str, backend: str) -> None:
    case = CASES[name]
    plan = solved(name, backend)
    assert plan.status == "optimal"
    assert plan.decisions.starts == case.starts
    assert plan.decisions.opens == case.opens
    assert plan.objective == pytest.approx(case.objective, rel=REL)
    assert plan.info.solver_objective == pytest.approx(case.objective, rel=SOLVER_REL)
    TABLE_CHECKS[name](plan)


@pytest.mark.parametrize("name", list(CASES))
def test_checker_accepts_the_optimum(name: str, tmp_path: Path) -> None:
    report = check_plan(instance(name), solved(name, "highs").write(tmp_path / "plan"))
    assert report.violations == []
    assert report.objective == pytest.approx(CASES[name].objective, rel=REL)


def _over_params() -> list[object]:
    return [
        pytest.param(name, k, id=f"{name}-{over.rule}-{k}")
        for name, case in CASES.items()
        for k, over in enumerate(case.over)
    ]


@pytest.mark.parametrize(("name", "k"), _over_params())
def test_one_step_over_the_boundary_is_refused(name: str, k: int, tmp_path: Path) -> None:
    case, over = CASES[name], CASES[name].over[k]
    inst = instance(name)
    optimum = Decisions(dict(case.starts), dict(case.opens))
    assert feasible_fixed(inst, optimum)  # the optimum itself is on the feasible side
    beyond = Decisions({**case.starts, **over.starts}, {**case.opens, **over.opens})
    assert not feasible_fixed(inst, beyond)
    plan = Plan(inst, beyond)
    report = check_plan(inst, plan.write(tmp_path / "over"))
    assert over.rule in report.rules(), [str(v) for v in report.violations]
    if over.rule == "targets":  # the results layer, too, recomputes a hard target missed
        t = plan.tables["targets"]
        assert (t["hard"].astype(bool) & (t["shortfall"] > 0)).any()


# The hard target each "targets" schedule above misses, and by how much, from the headers:
# (metric, port, year, shortfall). scopes-exact's berths_10k and new_routes are one unit short.
MISSED: dict[tuple[str, int], tuple[str, str | None, int, float]] = {
    ("volumes-exact", 0): ("cargo_tons", None, 2031, 1000),  # 1,499,000 t
    ("containers-exact", 0): ("container_teu", None, 2031, 1000),  # capacity 199,000 TEU
    ("containers-exact", 1): ("container_teu", None, 2031, 1000),  # offered 199,000 TEU
    ("scopes-exact", 0): ("cargo_tons", "P1", 2031, 1e5),  # P1 cargo 2,100,000 t
    ("scopes-exact", 1): ("berths_10k", "P2", 2031, 1),  # P2 without b-berth
    ("scopes-exact", 2): ("new_routes", "P2", 2031, 1),  # r-a calls at P1 only
    ("scopes-exact", 3): ("new_routes", "P2", 2031, 1),  # r-b new in 2030
    ("pool-levels-exact", 0): ("cargo_tons", None, 2025, 1000),  # two berths: 12,000,000 t
    ("pool-exact", 0): ("cargo_tons", None, 2025, 1000),  # 11,999,000 t
    ("pool-containers-exact", 0): ("container_teu", None, 2025, 1000),  # 239,000 TEU
    ("containers-one-year", 0): ("container_teu", None, 2030, 1000),  # 199,000 TEU
    ("route-last-year", 0): ("container_teu", None, 2032, 1000),  # 199,000 TEU
    ("demand-second-pair", 0): ("cargo_tons", None, 2031, 1e5),  # 2,900,000 t
    ("demand-port-areas", 0): ("cargo_tons", None, 2031, 1e4),  # 2,490,000 t
    ("containers-only-tons", 0): ("cargo_tons", "P", 2031, 1e4),  # 1,490,000 t
}


def test_every_targets_schedule_names_its_missed_target() -> None:
    overs = {(n, k) for n, c in CASES.items() for k, o in enumerate(c.over) if o.rule == "targets"}
    assert overs == set(MISSED)


@pytest.mark.parametrize(("name", "k"), sorted(MISSED))
def test_the_outcome_names_the_hard_target_missed(name: str, k: int) -> None:
    # Outcome.missed, what baseline, rolling and evaluate report as infeasible: nothing at the
    # optimum, exactly the target the header names one step over (a miss of one unit too).
    case, over = CASES[name], CASES[name].over[k]
    inst = instance(name)
    optimum = Outcome(Sets(inst), Decisions(dict(case.starts), dict(case.opens)))
    assert optimum.missed() == []
    beyond = Decisions({**case.starts, **over.starts}, {**case.opens, **over.opens})
    outcome = Outcome(Sets(inst), beyond)
    missed = [(t.metric, t.port, t.year) for t in outcome.missed()]
    metric, port, year, short = MISSED[(name, k)]
    assert missed == [(metric, port, year)]
    assert outcome.shortfall(outcome.missed()[0]) == pytest.approx(short, rel=1e-9)


def _pool_exact_with_flows(flow_2025: float) -> Plan:
    # pool-exact's optimum (a-2 from 2024: two berths at A in 2025, capacity 12,000,000 t) with
    # the pool's throughput decided, as a solve passes it for a pool that charges waiting.
    flows: dict[tuple[str, str], tuple[float, ...]] = {("A", "dry_bulk"): (3.6e6, flow_2025)}
    return Plan(instance("pool-exact"), Decisions({"b-gen": None, "a-2": 2024}, {}, flows))


def test_a_waiting_pool_handles_its_decided_throughput() -> None:
    # 6,000,000 t decided in 2025, half the capacity: that is what A handles, and the hard
    # 12,000,000 t target is 6,000,000 t short, not met by the capacity left unused.
    plan = _pool_exact_with_flows(6e6)
    q = one(plan.tables["queues"], year=2025)
    assert (float(q["capacity"]), float(q["throughput"])) == approx((1.2e7, 6e6))
    assert by_year(plan, "cargo_tons") == approx({2024: 3.6e6, 2025: 6e6})
    t = one(plan.tables["targets"], year=2025, metric="cargo_tons")
    assert (float(t["achieved"]), float(t["shortfall"])) == approx((6e6, 6e6))
    assert [(t.metric, t.year) for t in plan.outcome.missed()] == [("cargo_tons", 2025)]


def test_a_solver_flow_a_hair_below_the_target_meets_it() -> None:
    # A solver's flow carries noise: 12,000,000 x (1 - 1e-10), 0.0012 t below the 2025 target,
    # is within 1e-9 x 12,000,000 = 0.012 t of it: no shortfall and nothing missed.
    plan = _pool_exact_with_flows(1.2e7 * (1 - 1e-10))
    t = one(plan.tables["targets"], year=2025, metric="cargo_tons")
    assert float(t["achieved"]) < 1.2e7
    assert float(t["shortfall"]) == 0.0
    assert plan.outcome.missed() == []

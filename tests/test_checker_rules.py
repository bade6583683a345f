"""The checker's queues rule on a tampered plan folder: each change names its rule and says why.

The plan is the optimum of ``tests/data/boundary/pool-exact.yaml`` (its header has the model):
one dry bulk M/M/n pool at A, W/S <= 0.5625, 8,000 h/yr, 40 h and 50,000 t per call (200
calls per berth-year at occupancy 1); 2024 one berth at its limit (3,600,000 t), 2025 two
berths at theirs (rho = 0.6, 12,000,000 t, 240 calls, W/S 0.5625, 22.5 h of waiting per call,
5,400 ship-hours, 54 at 0.01 per ship-hour). Each test changes one cell or row of that folder
and asserts the exact violations of the rule it breaks.

Above the limit (2025 at 12,100,000 t): 242 calls, occupancy 242 x 40 / (2 x 8,000) = 0.605,
M/M/2 W/S = rho^2 / (1 - rho^2) = 0.366025 / 0.633975 = 0.577349, 23.093971 h per call,
5,588.740881 ship-hours. The charged waiting is the interpolant through the breakpoints, which
end at the capacity: beyond it, it stays at 5,400 (and 54), so those two columns agree.
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

import berthplan
from berthplan.checker import check_plan
from berthplan.checker.report import show
from berthplan.model.instance import Instance
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan

BOUNDARY = Path(__file__).parent / "data" / "boundary"


@functools.cache
def instance(name: str) -> Instance:
    return berthplan.load(BOUNDARY / f"{name}.yaml")


@pytest.fixture(scope="module")
def pool_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pool") / "plan"
    berthplan.solve(instance("pool-exact")).write(folder)
    assert check_plan(instance("pool-exact"), folder).ok
    return folder


QUEUES_2025 = (
    "2025,P,A,dry_bulk,t,M/M/n,2,0.562500,12000000.000000,12000000.000000,240.000000,"
    "0.600000,0.562500,22.500000,5400.000000,5400.000000,54.000000\n"
)


def tampered(plan: Path, tmp_path: Path, table: str, old: str, new: str | None) -> list[str]:
    """The checker's messages for ``plan`` with ``old`` replaced by ``new`` in ``table``
    (``new`` None: the table removed)."""
    folder = tmp_path / "tampered"
    shutil.copytree(plan, folder)
    path = folder / table
    if new is None:
        path.unlink()
    else:
        content = path.read_text(encoding="utf-8")
        assert content.count(old) == 1, old
        path.write_text(content.replace(old, new), encoding="utf-8")
    return [str(v) for v in check_plan(instance("pool-exact"), folder).violations]


def test_the_rows_of_the_optimum_are_the_hand_values(pool_plan: Path) -> None:
    assert QUEUES_2025 in (pool_plan / "queues.csv").read_text(encoding="utf-8")


def q(column: str, expected: str, found: str) -> str:
    return f"queues: A/dry_bulk.{column} 2025: expected {expected}, found {found}"


CASES = [
    pytest.param(
        QUEUES_2025,
        None,
        ["queues: queues.csv: expected the table (the instance has queue pools), found no file"],
        id="no-file",
    ),
    pytest.param(
        QUEUES_2025, "", ["queues: A/dry_bulk 2025: expected a row, found no row"], id="row-missing"
    ),
    pytest.param(
        QUEUES_2025,
        QUEUES_2025 * 2,
        ["queues: A/dry_bulk 2025: expected one row, found several rows"],
        id="row-twice",
    ),
    pytest.param(
        QUEUES_2025,
        QUEUES_2025 + QUEUES_2025.replace("2025", "2026", 1),
        [
            "queues: queues.csv:4: expected a horizon year and a queue pool (area, cargo), found"
            " year '2026', area 'A', cargo 'dry_bulk'"
        ],
        id="year-outside-the-horizon",
    ),
    pytest.param(
        QUEUES_2025,
        QUEUES_2025 + QUEUES_2025.replace(",A,", ",B,"),
        [
            "queues: queues.csv:4: expected a horizon year and a queue pool (area, cargo), found"
            " year '2025', area 'B', cargo 'dry_bulk'"
        ],
        id="not-a-pool",
    ),
    pytest.param("2025,P,", "2025,Q,", [q("port", "P", "Q")], id="port"),
    pytest.param(",t,M/M/n,2,", ",TEU,M/M/n,2,", [q("unit", "t", "TEU")], id="unit"),
    pytest.param(",M/M/n,2,", ",M/E2/n,2,", [q("queue", "M/M/n", "M/E2/n")], id="queue-model"),
    pytest.param(",M/M/n,2,", ",M/M/n,3,", [q("berths", "2", "3")], id="berths"),
    pytest.param(
        "5400.000000,5400.000000,54.000000",
        "5400.000000,5300.000000,53.000000",
        [q("charged_wait_hours", "5400", "5300"), q("waiting_cost", "54", "53")],
        id="charged-waiting",
    ),
    pytest.param(
        "0.562500,12000000.000000,12000000.000000",
        "0.562500,12000000.000000,12000000.000000",
        [],
        id="unchanged",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_queues_rows(
    pool_plan: Path, tmp_path: Path, old: str, new: str | None, expected: list[str]
) -> None:
    messages = tampered(pool_plan, tmp_path, "queues.csv", old, new)
    assert [m for m in messages if m.startswith("queues:")] == expected
    assert messages == expected  # nothing else follows from a queues.csv cell


def test_throughput_above_the_pools_limit(pool_plan: Path, tmp_path: Path) -> None:
    # capacity.csv's 2025 throughput raised by 100,000 t: the pool's W/S limit is broken, and
    # queues.csv (left as it was) no longer matches the throughput.
    old = "2025,P,A,dry_bulk,t,12000000.000000,12000000.000000,1.000000"
    new = "2025,P,A,dry_bulk,t,12000000.000000,12100000.000000,1.008333"
    messages = tampered(pool_plan, tmp_path, "capacity.csv", old, new)
    assert [m for m in messages if m.startswith("queues:")] == [
        q("throughput", "12100000", "12000000"),
        q("calls", "242", "240"),
        q("occupancy", "0.605", "0.6"),
        q("wait_ratio", "0.577349", "0.5625"),
        q("wait_hours", "23.093971", "22.5"),
        q("total_wait_hours", "5588.740881", "5400"),
        "queues: A/dry_bulk.wait_ratio 2025: expected W/S <= 0.5625 (throughput <= 12000000),"
        " found 0.577349 at 12100000",
    ]
    assert (
        "capacity: A/dry_bulk 2025: expected <= 12000000 (1 x capacity), found 12100000" in messages
    )


def test_queues_table_of_an_instance_without_pools(tmp_path: Path, pool_plan: Path) -> None:
    inst = instance("budget-exact")
    folder = tmp_path / "plan"
    berthplan.solve(inst).write(folder)
    assert not (folder / "queues.csv").exists()
    assert check_plan(inst, folder).ok
    header, first = (pool_plan / "queues.csv").read_text(encoding="utf-8").splitlines()[:2]
    (folder / "queues.csv").write_text(f"{header}\n", encoding="utf-8")
    assert check_plan(inst, folder).ok  # a header alone: no rows
    (folder / "queues.csv").write_text(f"{header}\n{first}\n", encoding="utf-8")
    assert [str(v) for v in check_plan(inst, folder).violations] == [
        "queues: queues.csv: expected no rows, found 1 rows"
    ]


def test_served_teu_above_the_teu_offered(tmp_path: Path) -> None:
    # containers-one-year with r-small opened: 199,000 TEU offered at A, 200,000 of container
    # capacity. capacity.csv claiming 200,000 served stays within capacity, not within the offer.
    inst = instance("containers-one-year")
    folder = tmp_path / "plan"
    Plan(inst, Decisions({}, {"r": None, "r-small": 2030})).write(folder)
    path = folder / "capacity.csv"
    row = "2030,P,A,container,TEU,200000.000000,199000.000000,0.995000"
    content = path.read_text(encoding="utf-8")
    assert row in content
    served = row.replace("199000.000000,0.995000", "200000.000000,1.000000")
    path.write_text(content.replace(row, served), encoding="utf-8")
    capacity = [str(v) for v in check_plan(inst, folder).violations if v.rule == "capacity"]
    assert capacity == [
        "capacity: A/container 2030: expected <= 199000 (TEU offered), found 200000"
    ]


def test_kpis_without_the_waiting_cost_column(pool_plan: Path, tmp_path: Path) -> None:
    # With a pool that charges waiting, kpis.csv must carry waiting_cost (16.2 and 54).
    folder = tmp_path / "plan"
    shutil.copytree(pool_plan, folder)
    path = folder / "kpis.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[11] == "waiting_cost"
    assert [line.split(",")[11] for line in lines[1:]] == ["16.200000", "54.000000"]
    cut = [",".join(c for k, c in enumerate(line.split(",")) if k != 11) for line in lines]
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    assert [str(v) for v in check_plan(instance("pool-exact"), folder).violations] == [
        f"kpis: waiting_cost {y}: expected a kpis.csv column, found no column" for y in (2024, 2025)
    ]


def test_solve_json_waiting_cost_compared(pool_plan: Path, tmp_path: Path) -> None:
    # breakdown.waiting_cost (discounted money) raised by 1: the objective rule names it.
    folder = tmp_path / "tampered"
    shutil.copytree(pool_plan, folder)
    solve = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    waiting = solve["breakdown"]["waiting_cost"]
    assert waiting > 0
    solve["breakdown"]["waiting_cost"] = waiting + 1
    (folder / "solve.json").write_text(json.dumps(solve), encoding="utf-8")
    violations = check_plan(instance("pool-exact"), folder).violations
    assert [str(v) for v in violations] == [
        f"objective: solve.json:breakdown.waiting_cost: expected {show(waiting)}, "
        f"found {show(waiting + 1)}"
    ]


def test_solve_json_residual_value_compared(tmp_path: Path) -> None:
    # tests/data/residual/choice.yaml's optimum (residual value on): its breakdown's credit
    # (negative, discounted) made 1 larger is named by the objective rule.
    inst = berthplan.load(Path(__file__).parent / "data" / "residual" / "choice.yaml")
    folder = berthplan.solve(inst).write(tmp_path / "plan")
    solve = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    credit = solve["breakdown"]["residual_value"]
    assert credit < 0
    solve["breakdown"]["residual_value"] = credit + 1
    (folder / "solve.json").write_text(json.dumps(solve), encoding="utf-8")
    assert [str(v) for v in check_plan(inst, folder).violations] == [
        f"objective: solve.json:breakdown.residual_value: expected {show(credit)}, "
        f"found {show(credit + 1)}"
    ]


# One port P with areas A and B, general cargo only; no projects, routes or targets.
TWO_AREAS = """\
schema_version: 1
name: two-areas
horizon: {start: 2030, end: 2030}
discount_rate: 0.0
price_year: 2030
ports:
  - id: P
    areas:
      - {id: A, depth_m: 15.0}
      - {id: B, depth_m: 15.0}
berths:
  - {id: a-gc, area: A, cargo: general, dwt: 20000, capacity: CAP_A}
  - {id: b-gc, area: B, cargo: general, dwt: 20000, capacity: 1000000}
"""


def capacity_messages(inst: Instance, folder: Path) -> list[str]:
    return [str(v) for v in check_plan(inst, folder).violations if v.rule == "capacity"]


def test_a_capacity_below_one_still_has_a_utilization(tmp_path: Path) -> None:
    # A's berth handles 0.5 t/yr: utilization 0.5 / 0.5 = 1, not empty (empty is for 0).
    inst = berthplan.loads(TWO_AREAS.replace("CAP_A", "0.5"), "two-areas.yaml")
    folder = tmp_path / "plan"
    Plan(inst, Decisions({}, {})).write(folder)
    rows = (folder / "capacity.csv").read_text(encoding="utf-8").splitlines()
    assert "2030,P,A,general,t,0.500000,0.500000,1.000000" in rows
    assert check_plan(inst, folder).ok


def test_a_ceiling_over_two_areas_allows_each_area_its_rounding(tmp_path: Path) -> None:
    # Demand for P's general cargo 1,500,000 t: A (1,000,000 t) and B (1,000,000 t) handle
    # 750,000 t each. The ceiling's tolerance is 1e-6 relative (1.5 t) plus 1e-6
    # absolute per area (two areas): 1,500,001.500002 passes, 1,500,001.500003 does not.
    text = TWO_AREAS.replace("CAP_A", "1000000")
    text += "demand:\n  - {port: P, cargo: general, year: 2030, value: 1500000}\n"
    inst = berthplan.loads(text, "two-areas.yaml")
    folder = tmp_path / "plan"
    Plan(inst, Decisions({}, {})).write(folder)
    path = folder / "capacity.csv"
    content = path.read_text(encoding="utf-8")
    row = "2030,P,B,general,t,1000000.000000,750000.000000,0.750000"
    assert row in content
    assert check_plan(inst, folder).ok
    for extra, expected in [("1.5000015", []), ("1.5000030", ["1500001.500003"])]:
        handled = f"{750000 + float(extra):.7f}"
        path.write_text(content.replace(row, row.replace("750000.000000", handled)), "utf-8")
        found = [m.rsplit(" ", 1)[1] for m in capacity_messages(inst, folder)]
        assert found == expected
    assert capacity_messages(inst, folder) == [
        "capacity: P/general 2030: expected <= 1500000 (demand), found 1500001.500003"
    ]


def test_containers_at_an_area_no_route_calls_at(tmp_path: Path) -> None:
    # B's berth is a container berth and no route calls anywhere: B serves nothing, and
    # capacity.csv claiming half a TEU there is beyond the TEU offered (none).
    text = TWO_AREAS.replace("CAP_A", "1000000").replace(
        "{id: b-gc, area: B, cargo: general", "{id: b-ct, area: B, cargo: container"
    )
    inst = berthplan.loads(text, "two-areas.yaml")
    folder = tmp_path / "plan"
    Plan(inst, Decisions({}, {})).write(folder)
    path = folder / "capacity.csv"
    row = "2030,P,B,container,TEU,1000000.000000,0.000000,0.000000"
    content = path.read_text(encoding="utf-8")
    assert row in content
    assert check_plan(inst, folder).ok
    path.write_text(content.replace(row, row.replace(",0.000000,", ",0.500000,")), "utf-8")
    assert capacity_messages(inst, folder) == [
        "capacity: B/container 2030: expected <= 0 (TEU offered), found 0.5"
    ]


def test_a_pool_above_occupancy_one_still_has_its_charged_waiting_checked(
    pool_plan: Path, tmp_path: Path
) -> None:
    # 2025 at 20,000,000 t: 400 calls on two berths, occupancy 400 x 40 / 16,000 = 1, so W/S
    # and the hours that follow from it are not numbers (the limit says so); the charged
    # waiting is still the interpolant (5,400 beyond the capacity), and 5,000 is not it.
    folder = tmp_path / "plan"
    shutil.copytree(pool_plan, folder)
    for table, old, new in [
        ("capacity.csv", ",12000000.000000,12000000.000000,1.000000", ",12000000.000000,20000000.000000,1.666667"),
        ("queues.csv", "5400.000000,5400.000000,54.000000", "5400.000000,5000.000000,54.000000"),
    ]:  # fmt: skip
        path = folder / table
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    messages = [str(v) for v in check_plan(instance("pool-exact"), folder).violations]
    assert q("charged_wait_hours", "5400", "5000") in messages
    assert (
        "queues: A/dry_bulk.wait_ratio 2025: expected W/S <= 0.5625 (throughput <= 12000000),"
        " found unbounded (occupancy >= 1) at 20000000"
    ) in messages


def test_a_pool_without_berths_cannot_handle_half_a_tonne(tmp_path: Path) -> None:
    # pool-exact without its existing berth and its targets, nothing built: the pool at A has
    # no berth in either year. capacity.csv claiming 0.5 t there is beyond any W/S.
    text = (BOUNDARY / "pool-exact.yaml").read_text(encoding="utf-8")
    text = text[text.index("schema_version") : text.index("\ntargets:") + 1]
    text = text.replace(
        "berths:\n  - {id: a1, area: A, cargo: dry_bulk, dwt: 50000, capacity: 1}\n", ""
    )
    inst = berthplan.loads(text, "no-berth.yaml")
    folder = tmp_path / "plan"
    Plan(inst, Decisions({}, {})).write(folder)
    assert check_plan(inst, folder).ok
    path = folder / "capacity.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "2025,P,A,dry_bulk,t,0.000000,0.500000,\n",
        encoding="utf-8",
    )
    queues = [str(v) for v in check_plan(inst, folder).violations if v.rule == "queues"]
    assert (
        "queues: A/dry_bulk.wait_ratio 2025: expected W/S <= 0.5625 (throughput <= 0), found"
        " unbounded (occupancy >= 1) at 0.5"
    ) in queues

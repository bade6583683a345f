"""Queue pools sized by service level: hand-solved instances, enumeration, the checker's rule.

The hand-solved instances are ``tests/data/tiny/19-*`` and ``20-*`` and
``tests/data/pools/waiting-cost.yaml``; each header
gives the model, the enumeration of schedules with their costs and the optimum, computed from
closed forms (M/M/1: W/S = rho / (1 - rho); M/M/2: W/S = rho^2 / (1 - rho^2)).
"""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import berthplan
from berthplan.capacity import wait_ratio
from berthplan.checker import check_plan
from berthplan.checker.report import show
from berthplan.model.instance import Instance
from berthplan.model.pools import WAIT_ABS, WAIT_REL, pools
from berthplan.model.sets import Sets
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan

TINY = Path(__file__).parent / "data" / "tiny"
POOLS = Path(__file__).parent / "data" / "pools"
BACKENDS = ["highs", "pulp:cbc"]
CAP1 = 1 / 3 * 200 * 50_000  # M/M/1 at W/S <= 0.5
CAP2 = 2 / math.sqrt(3) * 200 * 50_000  # M/M/2 at W/S <= 0.5


def solve(name: str, backend: str = "highs") -> Plan:
    folder = POOLS if name == "waiting-cost" else TINY
    return berthplan.solve(berthplan.load(folder / f"{name}.yaml"), backend)


def row(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    assert int(mask.sum()) == 1, where
    return df[mask].iloc[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_pool_levels(backend: str) -> None:
    plan = solve("19-pool-levels", backend)
    assert plan.status == "optimal"
    assert plan.decisions.starts == {"j1": 2024}
    assert plan.objective == pytest.approx(4766.666666667, rel=1e-9)
    assert plan.info.solver_objective == pytest.approx(4766.666666667, rel=1e-7)
    q = plan.tables["queues"]
    assert row(q, year=2024)["berths"] == 1
    assert row(q, year=2024)["capacity"] == pytest.approx(CAP1, rel=1e-9)
    assert row(q, year=2025)["capacity"] == pytest.approx(CAP2, rel=1e-9)
    assert row(q, year=2025)["occupancy"] == pytest.approx(0.4, rel=1e-12)
    assert row(q, year=2025)["wait_ratio"] == pytest.approx(0.16 / 0.84, rel=1e-9)
    cap = plan.tables["capacity"]
    assert row(cap, year=2024)["utilization"] == pytest.approx(1.0)  # at the W/S limit


@pytest.mark.parametrize("backend", BACKENDS)
def test_pooling_beats_a_cheaper_berth_elsewhere(backend: str) -> None:
    plan = solve("20-pooling", backend)
    assert plan.decisions.starts == {"a-2": 2024, "b-1": None}
    assert plan.objective == pytest.approx(100.0, rel=1e-12)
    assert plan.info.solver_objective == pytest.approx(100.0, rel=1e-7)
    kpis = plan.tables["kpis"]
    assert row(kpis, year=2025)["cargo_tons"] == pytest.approx(CAP2, rel=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_waiting_cost_pays_for_a_berth(backend: str) -> None:
    plan = solve("waiting-cost", backend)
    assert plan.decisions.starts == {"j1": 2024}
    q = plan.tables["queues"]
    exact = {2024: 400.0, 2025: 1600 / 99, 2026: 1600 / 99}  # hand values, header
    limit = {1: 8000 * 0.5, 2: 2 * 8000 * math.sqrt(0.5)}  # n H rho* (W/S = 1 at the limit)
    for year, hours in exact.items():
        r = row(q, year=year)
        assert r["total_wait_hours"] == pytest.approx(hours, rel=1e-9)
        bound = WAIT_REL * hours + WAIT_ABS * limit[int(r["berths"])]
        assert hours <= r["charged_wait_hours"] <= hours + bound + 1e-9
        assert r["waiting_cost"] == pytest.approx(0.1 * r["charged_wait_hours"], rel=1e-12)
    charged = float(q["waiting_cost"].sum())
    assert plan.objective == pytest.approx(50 + charged, rel=1e-9)
    assert plan.info.solver_objective == pytest.approx(plan.objective, rel=1e-7)
    berths = {2024: 1, 2025: 2, 2026: 2}
    bound = sum(WAIT_REL * exact[y] + WAIT_ABS * limit[berths[y]] for y in exact)
    assert 93.232 <= plan.objective <= 93.233 + 0.1 * bound
    assert plan.record["breakdown"]["waiting_cost"] == pytest.approx(charged, rel=1e-9)


def test_waiting_can_make_serving_less_the_cheaper_plan(tmp_path: Path) -> None:
    # waiting-cost.yaml with unserved tonnes nearly free and waiting dear: serving every ship
    # costs more than turning some away, so throughput is a decision read from the solver.
    text = (POOLS / "waiting-cost.yaml").read_text(encoding="utf-8")
    text = text.replace("unserved_ton: 0.01", "unserved_ton: 0.000001")
    text = text.replace("waiting_cost: 0.1", "waiting_cost: 10.0")
    inst = berthplan.loads(text, "served-less.yaml")
    plan = berthplan.solve(inst)
    thr = plan.tables["queues"]["throughput"]
    assert (thr < 2_000_000 - 1).all()
    assert plan.info.solver_objective == pytest.approx(plan.objective, rel=1e-6)
    plan.write(tmp_path / "plan")
    report = check_plan(inst, tmp_path / "plan")
    assert report.ok, [str(v) for v in report.violations]


def test_files_without_service_levels_have_no_queue_outputs() -> None:
    plan = berthplan.solve(berthplan.load(Path("instances/example.yaml")))
    assert "queues" not in plan.tables
    assert "waiting_cost" not in plan.tables["kpis"].columns
    assert "waiting_cost" not in plan.record["breakdown"]


# -- the pool model -------------------------------------------------------------------------


def test_levels_are_the_reachable_counts() -> None:
    text = (TINY / "20-pooling.yaml").read_text(encoding="utf-8")
    text = text.replace("id: b-1, area: B", "id: b-1, area: A").replace("capex: 80,", "capex: 80,")
    (pool,) = pools(berthplan.loads(text))
    assert pool.levels == [1, 2, 3]
    assert [pool.capacity(n) > 0 for n in pool.levels] == [True] * 3
    per_berth = [pool.capacity(n) / n for n in pool.levels]
    assert per_berth == sorted(per_berth)  # pooling: capacity per berth grows with n


@pytest.mark.parametrize("model", ["M/M/n", "M/E2/n", "E2/E2/n"])
@pytest.mark.parametrize("n", [1, 3, 12])
@pytest.mark.parametrize("limit", [0.1, 0.5])
def test_charged_waiting_within_its_bound_on_a_finer_grid(model: str, n: int, limit: float) -> None:
    text = (TINY / "19-pool-levels.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "queue: M/M/n, max_wait_ratio: 0.5", f"queue: {model}, max_wait_ratio: {limit}"
    )
    (pool,) = pools(berthplan.loads(text))
    top = pool.capacity(n)
    at_limit = pool.wait_hours(n, top)
    assert pool.wait_ratio(n, top) == pytest.approx(limit, rel=1e-6)
    h = np.linspace(0.0, top * (1 - 1e-9), 8001)  # ten times the grid the breakpoints use
    rho = np.array([pool.occupancy(n, v) for v in h])
    exact = h / 50_000 * 40 * np.asarray(wait_ratio(model, n, rho))  # calls x S x W/S
    charged = np.array([pool.charged_wait_hours(n, v) for v in h])
    # breakpoints come from the interpolated W/S table (absolute error below 1e-7)
    assert (charged >= exact - 1e-6 * at_limit).all()
    assert (charged <= exact * (1 + WAIT_REL) + 1.01 * WAIT_ABS * at_limit).all()


# -- enumeration -------------------------------------------------------------------------


def random_pool_instance(seed: int) -> Instance:
    """Two areas, dry bulk and container pools, three optional projects, hard and soft targets."""
    rng = np.random.default_rng(seed)
    queue = ["M/E2/n", "E2/E2/n", "M/M/n"][seed % 3]
    adds = [int(rng.integers(1, 3)) for _ in range(3)]
    text = f"""
name: pools-{seed}
horizon: {{start: 2030, end: 2032}}
discount_rate: 0.05
price_year: 2030
tons_per_teu: 10
penalties: {{unserved_ton: {float(rng.uniform(0.00001, 0.0001)):.6f}, unserved_teu: 0.001}}
service_levels:
  - {{cargo: dry_bulk, queue: {queue}, max_wait_ratio: {float(rng.choice([0.2, 0.3, 0.5]))},
     service_hours: 40, call_size: 50000}}
  - {{cargo: container, queue: E2/E2/n, max_wait_ratio: 0.1, service_hours: 24,
     call_size: {int(rng.integers(8, 15)) * 100}}}
ports:
  - id: P
    areas:
      - {{id: a, depth_m: 15}}
      - {{id: b, depth_m: 15}}
berths:
  - {{id: a-bulk, area: a, cargo: dry_bulk, dwt: 50000, count: {int(rng.integers(1, 3))}, capacity: 1}}
  - {{id: b-ct, area: b, cargo: container, dwt: 50000, count: 1, capacity: 1}}
projects:
  - {{id: p0, area: a, stage: candidate, duration: 1, capex: {int(rng.integers(80, 200))},
     adds: [{{cargo: dry_bulk, dwt: 50000, count: {adds[0]}, capacity: 1}}]}}
  - {{id: p1, area: b, stage: candidate, duration: {int(rng.integers(1, 3))},
     capex: {int(rng.integers(80, 200))}, opex: 5,
     adds: [{{cargo: container, dwt: 50000, count: {adds[1]}, capacity: 1}}]}}
  - {{id: p2, area: b, stage: candidate, duration: 1, capex: {int(rng.integers(150, 300))},
     adds: [{{cargo: dry_bulk, dwt: 50000, count: {adds[2]}, capacity: 1}}]}}
routes:
  - {{id: r, status: existing, calls: [{{area: b, teu: {int(rng.integers(150, 400)) * 1000}}}], min_depth_m: 10}}
demand:
  - {{port: P, cargo: dry_bulk, year: 2030, value: {int(rng.integers(4, 16)) * 1_000_000}}}
targets:
  - {{year: 2032, metric: cargo_tons, value: {int(rng.integers(6, 14)) * 1_000_000}, penalty: 0.00005}}
  - {{year: 2032, metric: container_teu, value: {int(rng.integers(100, 300)) * 1000}}}
"""
    return berthplan.loads(text, f"pools-{seed}.yaml")


def schedules(inst: Instance) -> list[dict[str, int | None]]:
    options = [[None, *inst.years] for _ in inst.projects]
    return [
        dict(zip([p.id for p in inst.projects], combo, strict=True))
        for combo in itertools.product(*options)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_optimum_is_the_best_enumerated_schedule(seed: int, tmp_path: Path) -> None:
    inst = random_pool_instance(seed)
    sets = Sets(inst)
    best: tuple[float, dict[str, int | None]] | None = None
    for i, starts in enumerate(schedules(inst)):
        plan = Plan(inst, Decisions(starts, {}), sets=sets)
        t = plan.tables["targets"]
        if (t["hard"].astype(bool) & (t["shortfall"] > 1e-6)).any():
            continue
        if best is None or plan.objective < best[0] - 1e-9:
            best = (plan.objective, starts)
        if i % 16 == 0:  # the checker agrees with the results layer on a sample of schedules
            folder = plan.write(tmp_path / f"s{i}")
            assert check_plan(inst, folder).ok
            shutil.rmtree(folder)
    solved = berthplan.solve(inst)
    if best is None:
        assert solved.status == "infeasible"
        return
    assert solved.status == "optimal"
    assert solved.objective == pytest.approx(best[0], rel=1e-7)
    assert solved.info.solver_objective == pytest.approx(best[0], rel=1e-6)
    # the same berth counts per pool and year (an alternative optimum must match them too)
    counts = Plan(inst, Decisions(best[1], {}), sets=sets).tables["queues"]["berths"].tolist()
    assert solved.tables["queues"][
        "berths"
    ].tolist() == counts or solved.objective == pytest.approx(best[0], rel=1e-9)


# -- the checker ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def waiting_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Instance, Path]:
    inst = berthplan.load(POOLS / "waiting-cost.yaml")
    folder = tmp_path_factory.mktemp("pools") / "plan"
    berthplan.solve(inst).write(folder)
    assert check_plan(inst, folder).ok
    return inst, folder


def tampered(src: Path, dst: Path, table: str, year: int, column: str, value: str) -> Path:
    shutil.copytree(src, dst)
    df = pd.read_csv(dst / f"{table}.csv", dtype=str, keep_default_na=False)
    df.loc[df["year"] == str(year), column] = value
    df.to_csv(dst / f"{table}.csv", index=False)
    return dst


@pytest.mark.parametrize(
    ("table", "column", "value", "rule"),
    [
        ("queues", "occupancy", "0.25", "queues"),
        ("queues", "wait_ratio", "0.2", "queues"),
        ("queues", "total_wait_hours", "390", "queues"),
        ("queues", "charged_wait_hours", "400", "queues"),
        ("queues", "berths", "2", "queues"),
        ("kpis", "waiting_cost", "4.0", "kpis"),
        ("capacity", "capacity", "6000000.000000", "capacity"),
    ],
)
def test_checker_rejects_tampered_queue_figures(
    waiting_plan: tuple[Instance, Path],
    tmp_path: Path,
    table: str,
    column: str,
    value: str,
    rule: str,
) -> None:
    inst, folder = waiting_plan
    bad = tampered(folder, tmp_path / "bad", table, 2024, column, value)
    report = check_plan(inst, bad)
    assert any(v.rule == rule for v in report.violations), [str(v) for v in report.violations]


def test_checker_rejects_a_pool_beyond_its_wait_limit(
    waiting_plan: tuple[Instance, Path], tmp_path: Path
) -> None:
    inst, folder = waiting_plan
    # 2024 has one berth: capacity at W/S <= 1 is 5,000,000 t; 6,000,000 t is occupancy 0.6
    bad = tampered(folder, tmp_path / "bad", "capacity", 2024, "throughput", "6000000")
    report = check_plan(inst, bad)
    limit = [v for v in report.violations if v.rule == "queues" and "wait_ratio" in v.record]
    assert any("W/S <= 1" in str(v) for v in limit), [str(v) for v in report.violations]


def test_checker_requires_queues_csv(waiting_plan: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, folder = waiting_plan
    shutil.copytree(folder, tmp_path / "bad")
    (tmp_path / "bad" / "queues.csv").unlink()
    report = check_plan(inst, tmp_path / "bad")
    assert any(v.rule == "queues" and "no file" in str(v) for v in report.violations)


def test_an_area_can_opt_out_of_pooling(tmp_path: Path) -> None:
    # 20-pooling with area B opted out: b-1's berth counts at design capacity x max_utilization
    # (4,000,000 x 2 = 8,000,000 t), so b-1 alone now meets the 10 Mt target (3.33 + 8 Mt)
    # more cheaply (80) than a-2 (100).
    text = (TINY / "20-pooling.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "call_size: 50000}",
        "call_size: 50000, areas: [{area: B, pooled: false}]}",
    ).replace("service_levels:", "max_utilization: {dry_bulk: 2.0}\nservice_levels:")
    inst = berthplan.loads(text, "opt-out.yaml")
    assert [p.area for p in pools(inst)] == ["A"]
    plan = berthplan.solve(inst)
    assert plan.decisions.starts == {"a-2": None, "b-1": 2024}
    assert plan.objective == pytest.approx(80.0)
    kpis = plan.tables["kpis"]
    assert row(kpis, year=2025)["cargo_tons"] == pytest.approx(CAP1 + 8_000_000, rel=1e-9)
    plan.write(tmp_path / "plan")
    assert check_plan(inst, tmp_path / "plan").ok
    # A stays a pool, where max_utilization (2.0 for B's dry bulk) does not apply: A's
    # throughput at 1.5 x its capacity is beyond it.
    path = tmp_path / "plan" / "capacity.csv"
    capacity = pd.read_csv(path, dtype=str, keep_default_na=False)
    at_a = (capacity["area"] == "A") & (capacity["year"] == "2025")
    cap = float(capacity.loc[at_a, "capacity"].iloc[0])
    capacity.loc[at_a, ["throughput", "utilization"]] = [f"{1.5 * cap:.6f}", "1.500000"]
    capacity.to_csv(path, index=False)
    found = [str(v) for v in check_plan(inst, tmp_path / "plan").violations if v.rule == "capacity"]
    assert found == [
        f"capacity: A/dry_bulk 2025: expected <= {show(cap)} (1 x capacity), found {show(1.5 * cap)}"
    ]


# -- views --------------------------------------------------------------------------------


def test_plots_and_report_show_the_service_levels(tmp_path: Path) -> None:
    from berthplan.viz.figures import plot_plan, png_bytes
    from berthplan.viz.queues import queues_figure
    from berthplan.viz.report import report_html

    plan = solve("waiting-cost")
    folder = plan.write(tmp_path / "plan")
    written = [p.name for p in plot_plan(folder, tmp_path / "png")]
    assert written[-1] == "queues.png"
    in_memory = png_bytes(queues_figure(plan))
    assert in_memory == (tmp_path / "png" / "queues.png").read_bytes()
    html = report_html(plan)
    assert "Service levels: ship waiting per queue pool" in html
    assert "a/dry_bulk" not in html or "W/S limit" in html
    plain = berthplan.solve(berthplan.load(Path("instances/example.yaml")))
    assert "Service levels" not in report_html(plain)
    assert "queues.png" not in [p.name for p in plot_plan(plain, tmp_path / "plain")]


def test_the_commented_example_block_is_a_valid_service_level() -> None:
    # instances/example.yaml documents service_levels in a commented block: uncommented (and the
    # pooled class's max_utilization removed, as the comment says) it validates and solves.
    text = Path("instances/example.yaml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("# service_levels:"):
            line = "service_levels:"
        elif line.startswith(("#   - ", "#     ", "#       - ")):
            line = line[1:]
        elif line.strip().startswith("dry_bulk: 1.3"):
            continue
        lines.append(line)
    inst = berthplan.loads("\n".join(lines), "example-with-pools.yaml")
    (pool,) = pools(inst)
    assert (pool.area, pool.params.service_hours, pool.params.queue) == ("p2-main", 40, "M/E2/n")
    plan = berthplan.solve(inst)
    assert plan.status == "optimal" and "queues" in plan.tables


def test_infeasibility_names_the_pool_year_and_needed_wait_ratio(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from berthplan.cli import main

    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["solve", str(POOLS / "at-limit.yaml"), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "cargo_tons (province) in 2025" in result.output
    assert (
        "queue pool a/dry_bulk: 1 berths at its W/S limit 0.5; would need W/S 0.667"
        in result.output
    )
    import json

    (short,) = json.loads((out / "solve.json").read_text(encoding="utf-8"))["shortfalls"]
    (limit,) = short["pools_at_limit"]
    assert limit["needed_wait_ratio"] == pytest.approx(0.4 / 0.6, rel=1e-9)
    assert check_plan(berthplan.load(POOLS / "at-limit.yaml"), out).ok


WAITING_WITH_CEILINGS = """
name: waiting-and-ceilings
horizon: {start: 2024, end: 2027}
discount_rate: 0.05
price_year: 2024
penalties: {unserved_ton: 0.001}
service_levels:
  - {cargo: dry_bulk, queue: M/M/n, max_wait_ratio: 0.5, service_hours: 40, call_size: 50000,
     waiting_cost: 0.01}
ports:
  - id: P
    areas: [{id: a, depth_m: 15}, {id: b, depth_m: 10}]
berths:
  - {id: b1, area: a, cargo: dry_bulk, dwt: 50000, capacity: 1, count: 6}
  - {id: g1, area: b, cargo: general, dwt: 5000, capacity: 2000000}
demand:
  - {port: P, cargo: dry_bulk, year: 2024, value: 15000000}
  - {port: P, cargo: dry_bulk, year: 2027, value: 25000000}
targets:
  - {year: 2024, metric: cargo_tons, value: 17000000.0004}
"""


def test_waiting_pools_decide_their_flows_and_nothing_else(tmp_path: Path) -> None:
    # Review findings: an interpolated ceiling (21,666,666.667 t in 2026) met exactly by the
    # solver's flow, a hard target with decimals, and an unpooled general-cargo berth with no
    # demand record: the plan must pass its check, show no phantom shortfall, and the general
    # berth must handle its whole capacity (only waiting pools' throughput is a decision).
    inst = berthplan.loads(WAITING_WITH_CEILINGS, "waiting-and-ceilings.yaml")
    plan = berthplan.solve(inst)
    assert plan.status == "optimal"
    assert (plan.tables["targets"]["shortfall"] == 0).all()
    assert plan.record["shortfalls"] == []
    cap = plan.tables["capacity"]
    general = cap[cap["cargo"] == "general"]
    assert (general["throughput"] == 2_000_000).all()
    assert plan.info.solver_objective == pytest.approx(plan.objective, rel=1e-7)
    assert check_plan(inst, plan.write(tmp_path / "plan")).ok


def test_typos_in_service_levels_get_the_right_suggestion() -> None:
    text = (
        (TINY / "19-pool-levels.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "service_hours: 40, call_size: 50000}",
            "servce_hours: 40, call_size: 50000, areas: [{area: a, cal_size: 3}]}",
        )
    )
    with pytest.raises(berthplan.InstanceError) as info:
        berthplan.loads(text, "typo.yaml")
    rendered = info.value.render()
    assert "servce_hours: unknown field 'servce_hours' (did you mean 'service_hours'?)" in rendered
    assert "areas[0].cal_size: unknown field 'cal_size' (did you mean 'call_size'?)" in rendered

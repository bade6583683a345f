"""Exhaustive search on random tiny instances: the solver's optimum is the best feasible schedule.

Each instance is small enough to enumerate every schedule (every start year or skip of every
optional project, every opening year or skip of every candidate route). For each schedule:

- feasibility by the formulation: the MILP with the binaries fixed to the schedule is solved as
  an LP by HiGHS;
- feasibility by the independent checker: the schedule's plan folder (the results layer's
  tables) is checked, solver-free.

The two verdicts must agree on every schedule, and the cheapest feasible schedule's recomputed
cost must equal the solver's optimum.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from helpers import FixedSchedules

import berthplan
import berthplan.optimization.solve
from berthplan.checker import check_plan
from berthplan.model.instance import Instance
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan

SEEDS = range(6)
CHECK_EVERY = 8


def random_instance(seed: int) -> str:
    """A tiny random instance: 2 ports, 3 areas, 3 optional projects, 2 candidate routes."""
    rng = np.random.default_rng(seed)
    y0 = 2030
    years = [y0, y0 + 1, y0 + 2]
    projects: list[str] = []
    kinds = [("container", 200_000, 500), ("dry_bulk", 3_000_000, 400), ("container", 150_000, 300)]
    for j, (cargo, cap, capex) in enumerate(kinds):
        lo = int(rng.integers(y0, y0 + 2))
        hi = min(lo + int(rng.integers(0, 2)), y0 + 2)
        area = ["a1", "a2", "b1"][j]
        extra = ""
        if j == 2 and rng.random() < 0.5:
            extra = ", requires: [p0]"
        if j == 1 and rng.random() < 0.5:
            extra = ", group: g"
        if j == 0 and "group: g" not in "".join(projects) and rng.random() < 0.3:
            extra = ", group: g"
        projects.append(
            f"  - {{id: p{j}, area: {area}, stage: candidate, earliest_start: {lo}, latest_start: {hi},"
            f" duration: {int(rng.integers(1, 3))}, capex: {capex + int(rng.integers(0, 200))},"
            f" opex: {int(rng.integers(0, 20))}, adds: [{{cargo: {cargo}, dwt: 50000, capacity: {cap}}}]{extra}}}"
        )
    deep = int(rng.integers(0, 2))
    projects.append(
        f"  - {{id: deepen, area: b1, stage: candidate, duration: 1, capex: {100 + 50 * deep},"
        f" deepens_to_m: 16, latest_start: {y0 + 1}}}"
    )
    routes = [
        f"  - {{id: r0, status: candidate, calls: [{{area: a1, teu: {int(rng.integers(50, 250)) * 1000}}}],"
        f" min_depth_m: 12, opening_cost: {int(rng.integers(1, 10))}, annual_cost: 2}}",
        f"  - {{id: r1, status: candidate, calls: [{{area: b1, teu: {int(rng.integers(50, 150)) * 1000},"
        f" growth: 0.1}}], min_depth_m: 15, opening_cost: 3, annual_cost: 1, earliest_open: {y0 + 1}}}",
    ]
    targets = [
        f"  - {{year: {y0 + 2}, metric: container_teu, value: {int(rng.integers(100, 400)) * 1000}}}",
        f"  - {{year: {y0 + 1}, metric: new_routes, value: {int(rng.integers(0, 2))}}}",
        f"  - {{year: {y0 + 2}, metric: cargo_tons, value: {int(rng.integers(1, 8)) * 1_000_000},"
        f" penalty: 0.0001}}",
        f"  - {{year: {y0 + 2}, metric: berths_10k, value: {int(rng.integers(3, 6))}, port: P1}}",
    ]
    return "\n".join(
        [
            f"name: exhaustive-{seed}",
            f"horizon: {{start: {y0}, end: {years[-1]}}}",
            "discount_rate: 0.1",
            f"price_year: {y0}",
            "penalties: {unserved_teu: 0.0002, unserved_ton: 0.00001}",
            "max_utilization: {dry_bulk: 1.2}",
            "ports:",
            "  - {id: P1, areas: [{id: a1, depth_m: 13}, {id: a2, depth_m: 10}]}",
            "  - {id: P2, areas: [{id: b1, depth_m: 12}]}",
            "berths:",
            "  - {id: e1, area: a1, cargo: container, dwt: 30000, count: 2, capacity: 60000}",
            "  - {id: e2, area: a2, cargo: dry_bulk, dwt: 8000, count: 3, capacity: 500000}",
            "  - {id: e3, area: b1, cargo: general, dwt: 20000, count: 2, capacity: 800000}",
            "projects:",
            *projects,
            "routes:",
            "  - {id: base, status: existing, count: 2, calls: [{area: a1, teu: 40000, growth: 0.05}], min_depth_m: 10}",
            *routes,
            "demand:",
            f"  - {{port: P1, cargo: dry_bulk, year: {y0}, value: 1000000}}",
            f"  - {{port: P1, cargo: dry_bulk, year: {y0 + 2}, value: 6000000}}",
            "targets:",
            *targets,
            "budget:",
            f"  - {{year: {y0 + 1}, capex: {int(rng.integers(300, 900))}}}",
            "",
        ]
    )


def schedules(inst: Instance) -> list[Decisions]:
    """Every combination of start year (or skip) and opening year (or skip)."""
    p_options = [[None, *range(lo, hi + 1)] for lo, hi in map(inst.start_window, inst.projects)]
    cands = [r for r in inst.routes if r.status == "candidate"]
    r_options = [[None, *range(lo, hi + 1)] for lo, hi in map(inst.open_window, cands)]
    out = []
    for starts in itertools.product(*p_options):
        for opens in itertools.product(*r_options):
            out.append(
                Decisions(
                    dict(zip([p.id for p in inst.projects], starts, strict=True)),
                    dict(zip([r.id for r in cands], opens, strict=True)),
                )
            )
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_solver_optimum_is_the_best_enumerated_schedule(seed: int, tmp_path: Path) -> None:
    inst = berthplan.loads(random_instance(seed), f"exhaustive-{seed}.yaml")
    try:
        solved: Plan | None = berthplan.solve(inst, "highs")
    except berthplan.optimization.solve.InfeasibleError:
        solved = None
    optimum = np.inf if solved is None or solved.status == "infeasible" else solved.objective
    model = FixedSchedules(inst)  # built once per seed; each schedule only fixes its binaries
    sets = model.built.sets
    best = np.inf
    checked = 0
    for n, decisions in enumerate(schedules(inst)):
        plan = Plan(inst, decisions, sets=sets)
        feasible = model.feasible(decisions)
        if feasible:
            best = min(best, plan.objective)
        # The checker's verdict must agree on every feasible schedule, on every schedule that
        # could beat the solver's optimum (a loosened rule shows there; for an infeasible
        # instance that would be every one) and on every CHECK_EVERY-th of the others.
        cheaper = np.isfinite(optimum) and plan.objective <= optimum + 1e-6
        if feasible or cheaper or n % CHECK_EVERY == 0:
            report = check_plan(inst, plan.write(tmp_path / f"s{n}"))
            assert report.ok == feasible, (decisions, [str(v) for v in report.violations])
            checked += 1
    assert checked >= n / CHECK_EVERY
    if np.isinf(optimum):
        assert best == np.inf
    else:
        assert solved is not None and solved.status == "optimal"
        assert optimum == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert solved.info.solver_objective == pytest.approx(best, rel=1e-7)

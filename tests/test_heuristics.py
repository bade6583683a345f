"""The RENS heuristic before the full solve (berthplan.optimization.primal).

The small rungs' proven optima (instances/bench/README.md) must come out the same with the
heuristic on and off; the plan is checked by the solve pipeline; the bound never exceeds
the objective; two runs write the same bytes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from berthplan.backends import Backend, Options, Result, Status, get
from berthplan.backends.start import feasible
from berthplan.errors import UsageError
from berthplan.model.io import load
from berthplan.optimization import primal
from berthplan.optimization.formulation import build
from berthplan.optimization.profiles import Profile, read_profile
from berthplan.optimization.solve import solve
from berthplan.optimization.sparse import Arrays

BENCH = Path(__file__).parents[1] / "instances" / "bench"
OPTIMA = {"small-0": 21_846.023098, "small-1": 14_963.260864, "small-2": 16_414.448623}


def _profile(heuristic: str) -> Profile:
    return Profile(backend="highs", heuristic=heuristic, verbose=False)


@pytest.mark.parametrize("name", sorted(OPTIMA))
@pytest.mark.parametrize("heuristic", ["on", "off"])
def test_same_proven_optimum_with_and_without(name: str, heuristic: str) -> None:
    plan = solve(load(BENCH / f"{name}.yaml"), _profile(heuristic))  # checked inside solve
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(OPTIMA[name], rel=1e-8)
    assert plan.info.best_bound is not None
    assert plan.info.best_bound <= plan.objective * (1 + 1e-9)
    assert plan.info.best_bound <= OPTIMA[name] * (1 + 1e-8)  # never above the proven optimum


def test_small_0_trap_case_heuristic_plan_is_never_better_than_the_optimum() -> None:
    # the heuristic runs here (it finds a plan on small-0) and the full solve proves it
    plan = solve(load(BENCH / "small-0.yaml"), _profile("on"))
    assert "heuristic_s" in plan.info.timings
    assert plan.objective >= OPTIMA["small-0"] * (1 - 1e-9)
    assert plan.info.solver_objective is not None
    assert plan.info.solver_objective >= OPTIMA["small-0"] * (1 - 1e-9)


def test_rens_plan_is_feasible_and_no_better_than_the_optimum() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    found = primal.rens(get("highs"), arrays, Options())
    assert found is not None
    assert feasible(arrays, found.x)
    assert found.lp_bound <= OPTIMA["small-0"] <= found.objective * (1 + 1e-9)


def test_restricted_fixes_only_integral_lp_values() -> None:
    # columns: x0 integer at LP 1.0 (fixed), x1 integer at 0.4 (free), x2 continuous at 0.0
    import scipy.sparse as sp

    arrays = Arrays(
        c=np.ones(3),
        offset=0.0,
        lb=np.zeros(3),
        ub=np.ones(3),
        integer=np.array([True, True, False]),
        A=sp.csr_matrix(np.ones((1, 3))),
        row_lo=np.array([1.0]),
        row_hi=np.array([np.inf]),
        col_names=["x0", "x1", "x2"],
        row_names=["r"],
    )
    sub = primal.restricted(arrays, np.array([1.0, 0.4, 0.0]))
    assert sub.lb.tolist() == [1.0, 0.0, 0.0]
    assert sub.ub.tolist() == [1.0, 1.0, 1.0]


def test_wanted_by_mode_and_size() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    highs = get("highs")
    assert not primal.wanted("auto", arrays, highs)  # 121 integers < MIN_INTEGERS
    assert primal.wanted("on", arrays, highs)
    assert not primal.wanted("off", arrays, highs)
    lp = replace(arrays, integer=np.zeros_like(arrays.integer))
    assert not primal.wanted("on", lp, highs)
    # a backend that takes a start but no node limit: its restricted MIPs would be bounded
    # only by time, and the plan could differ between runs
    for caps in (
        replace(highs.capabilities, node_limit=False),
        replace(highs.capabilities, warm_start=False),
    ):
        other = cast(Backend, SimpleNamespace(name="other", capabilities=caps))
        assert not primal.wanted("on", arrays, other)


def test_same_bytes_twice_with_the_heuristic(tmp_path: Path) -> None:
    inst = load(BENCH / "small-0.yaml")  # where RENS finds a plan
    plans = [solve(inst, _profile("on")) for _ in range(2)]
    assert all("heuristic_s" in p.info.timings for p in plans)
    folders = [p.write(tmp_path / f"run{i}") for i, p in enumerate(plans)]
    names = sorted(p.name for p in folders[0].glob("*.csv"))
    assert "projects.csv" in names
    for csv in names:
        assert (folders[0] / csv).read_bytes() == (folders[1] / csv).read_bytes(), csv


def test_profile_heuristic_option(tmp_path: Path) -> None:
    good = tmp_path / "p.toml"
    good.write_text('backend = "highs"\nheuristic = "off"\n')
    assert read_profile(good).heuristic == "off"
    assert "heuristic" not in read_profile(good).options().as_dict()
    bad = tmp_path / "bad.toml"
    bad.write_text('backend = "highs"\nheuristic = "sometimes"\n')
    with pytest.raises(UsageError):
        read_profile(bad)


def test_local_search_keeps_a_feasible_plan_and_only_improves() -> None:
    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()
    highs = get("highs")
    worse = highs.solve(arrays, Options(gap=0.3))
    assert worse.x is not None and worse.objective is not None
    start = primal.Incumbent(worse.x, worse.objective, 0.0, 0.0, None)
    groups = primal.by_area(built, start)
    assert groups and all(len(g) for g in groups)
    assert all(np.all(arrays.integer[g]) for g in groups)  # only integer columns are freed
    found = primal.improve(highs, arrays, Options(), start, groups)
    assert feasible(arrays, found.x)
    assert OPTIMA["small-0"] * (1 - 1e-9) <= found.objective <= worse.objective
    # everything free in one neighbourhood: the local search is the whole MIP, solved to
    # its gap of 1e-4 (a plan is only replaced by one at least that much better)
    whole = primal.improve(highs, arrays, Options(), start, [np.flatnonzero(arrays.integer)])
    assert OPTIMA["small-0"] * (1 - 1e-9) <= whole.objective <= OPTIMA["small-0"] * (1 + 1e-4)


class _NoFullSolve:
    """HiGHS, except that the full solve (the one given a cutoff) hands back nothing."""

    name = "highs"

    def __init__(self) -> None:
        self.inner = get("highs")
        self.capabilities = self.inner.capabilities

    def solve(self, model: Arrays, options: Options) -> Result:
        if options.cutoff is not None:
            return Result(Status.NO_SOLUTION, message="stopped past the limit")
        return self.inner.solve(model, options)


def test_plan_kept_with_a_true_bound_when_the_full_solve_hands_back_nothing() -> None:
    from berthplan.optimization.solve import _solve_model

    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()
    result, seconds = _solve_model(built, _NoFullSolve(), arrays, Options(), "on")  # type: ignore[arg-type]
    assert seconds is not None
    assert result.status == Status.FEASIBLE and result.x is not None
    assert feasible(arrays, result.x)
    assert result.objective is not None and result.bound is not None
    assert result.objective >= OPTIMA["small-0"] * (1 - 1e-9)
    assert result.bound <= OPTIMA["small-0"]  # the LP relaxation's bound: a true one


class _WeakBoundFullSolve(_NoFullSolve):
    """HiGHS, except that the full solve stops before its root: it hands back the start
    with a solver's trivial bound (as HiGHS did on national-sl, -10.6 M)."""

    def solve(self, model: Arrays, options: Options) -> Result:
        if options.cutoff is not None and options.start is not None:
            value = float(model.c @ options.start + model.offset)
            return Result(Status.FEASIBLE, options.start, value, -1e7, None, message="limit")
        return self.inner.solve(model, options)


def test_a_full_solve_stopped_early_keeps_the_heuristics_bound() -> None:
    from berthplan.backends.base import relative_gap
    from berthplan.optimization.solve import _solve_model

    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()
    lp = get("highs").solve(replace(arrays, integer=np.zeros_like(arrays.integer)), Options())
    assert lp.objective is not None
    result, _ = _solve_model(built, _WeakBoundFullSolve(), arrays, Options(), "on")  # type: ignore[arg-type]
    assert result.status == Status.FEASIBLE and result.objective is not None
    assert result.bound is not None
    assert result.bound == pytest.approx(lp.objective, rel=1e-9)  # not -1e7
    assert result.bound <= OPTIMA["small-0"] <= result.objective * (1 + 1e-9)
    assert result.gap == relative_gap(result.objective, result.bound)
    assert result.gap is not None and result.gap < 0.5


def test_local_search_frees_the_queue_pools_of_its_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    # A pool's level is its berth count and must equal the berths in service: a neighbourhood
    # that freed an area's starts but kept its pools' levels fixed could not build or drop a
    # pooled berth. small-0 with service levels (78 levels): from a plan within 30 %
    # (26,751.096), one neighbourhood of every area reaches the optimum 25,645.928; with the
    # levels left fixed it stopped at 26,504.081.
    from berthplan.generator.generate import construct

    built = build(construct("small", 0, service_levels=True).instance)
    arrays = built.model.arrays()
    highs = get("highs")
    worse = highs.solve(arrays, Options(gap=0.3))
    assert worse.x is not None and worse.objective is not None
    assert worse.objective > 26_000
    monkeypatch.setattr(primal, "LNS_COLUMNS", 10**9)
    start = primal.Incumbent(worse.x, worse.objective, 0.0, 0.0, None)
    (group,) = primal.by_area(built, start)
    assert set(built.pools.level.cols.tolist()) <= set(group.tolist())
    found = primal.improve(highs, arrays, Options(), start, [group])
    assert found.objective == pytest.approx(25_645.927707, rel=1e-4)


def test_each_neighbourhood_frees_exactly_its_areas_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    from berthplan.generator.generate import construct

    monkeypatch.setattr(primal, "LNS_COLUMNS", 200)

    built = build(construct("medium", 0, service_levels=True).instance)
    arrays = built.model.arrays()
    x = np.zeros(arrays.lb.shape)
    groups = primal.by_area(built, primal.Incumbent(x, 0.0, 0.0, 0.0, None))
    assert len(groups) > 1
    s = built.sets
    xj, _ = s.x_cols
    level_cols = built.pools.level.cols
    level_area = np.array([s.pool_pairs[lv.pool][0] for lv in built.pools.levels])
    no_projects = set(range(len(s.areas))) - set(s.p_area.tolist())
    seen: set[int] = set()
    for g in groups:
        areas = set(s.p_area[xj[np.isin(built.x.cols, g)]].tolist())
        want = set(level_cols[np.isin(level_area, list(areas))].tolist())
        freed = set(g[np.isin(g, level_cols)].tolist())
        assert want <= freed  # every pool of an area whose starts are freed
        others = level_area[np.isin(level_cols, list(freed - want))]
        assert set(others.tolist()) <= no_projects  # and only pools of areas in the group
        assert not freed & seen
        seen |= freed


def test_rens_leaves_the_queue_pools_levels_free() -> None:
    # small-1 with service levels, optimum 17,174.889 (highs, gap 0): fixing the levels the LP
    # left integral demands berth counts the fixed starts cannot make, and the restricted
    # MIP is infeasible (so were small-3, medium-8 to -12; small-0 before the pools' capacity
    # was capped by year); with the levels free, a plan (17,232.240).
    from berthplan.generator.generate import construct

    built = build(construct("small", 1, service_levels=True).instance)
    arrays = built.model.arrays()
    highs = get("highs")
    assert primal.rens(highs, arrays, Options()) is None
    found = primal.rens(highs, arrays, Options(), free=built.pools.level.cols)
    assert found is not None and feasible(arrays, found.x)
    assert found.lp_bound <= 17_174.889124 <= found.objective * (1 + 1e-9)
    plan = solve(construct("small", 1, service_levels=True).instance, _profile("on"))
    assert "heuristic_s" in plan.info.timings
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(17_174.889124, rel=1e-8)

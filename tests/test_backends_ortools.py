"""The OR-Tools backends: ``ortools:scip``, ``ortools:cbc``, ``ortools:highs`` and ``ortools:cpsat``.

The classes are instantiated directly; a backend whose ``available()`` is False is skipped.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import berthplan
from berthplan.backends.base import Options, Result, Status
from berthplan.backends.cpsat import CpSatBackend
from berthplan.backends.cpsat_scaling import implied_bounds, scale
from berthplan.backends.highs import HighsBackend
from berthplan.backends.ortools import OrToolsBackend, sanitize_names, to_ortools
from berthplan.errors import UsageError
from berthplan.optimization.formulation import build
from berthplan.optimization.sparse import Arrays

EXAMPLE = Path(__file__).parents[1] / "instances" / "example.yaml"
INF = np.inf

Backend = OrToolsBackend | CpSatBackend
EXACT: dict[str, Callable[[], OrToolsBackend]] = {
    "ortools:scip": lambda: OrToolsBackend("ortools:scip", "SCIP"),
    "ortools:cbc": lambda: OrToolsBackend("ortools:cbc", "CBC"),
    "ortools:highs": lambda: OrToolsBackend("ortools:highs", "HIGHS"),
}
ALL: dict[str, Callable[[], Backend]] = {**EXACT, "ortools:cpsat": CpSatBackend}


def _backend(name: str) -> Backend:
    backend = ALL[name]()
    ok, why = backend.available()
    if not ok:
        pytest.skip(f"{name} not available: {why}")
    return backend


def arrays(c, A, lo, hi, lb, ub, integer, offset=0.0) -> Arrays:  # type: ignore[no-untyped-def]
    """A hand-written model: min c'x + offset, lo <= A x <= hi, lb <= x <= ub."""
    matrix = sp.csr_matrix(np.asarray(A, dtype=float))
    n, m = len(c), matrix.shape[0]
    return Arrays(
        c=np.asarray(c, dtype=float),
        offset=float(offset),
        lb=np.asarray(lb, dtype=float),
        ub=np.asarray(ub, dtype=float),
        integer=np.asarray(integer, dtype=bool),
        A=matrix,
        row_lo=np.asarray(lo, dtype=float),
        row_hi=np.asarray(hi, dtype=float),
        col_names=[f"x[{j}]" for j in range(n)],
        row_names=[f"row[{i}]" for i in range(m)],
    )


# max 10a + 13b + 7c  s.t.  4a + 6b + 3c <= 9,  a, b, c binary.
# {b, c} weighs 9 and is worth 20; {a, c} is worth 17; {a, b} is too heavy: optimum -20.
KNAPSACK = arrays([-10, -13, -7], [[4, 6, 3]], [-INF], [9], [0, 0, 0], [1, 1, 1], [1, 1, 1])
# min 1 - x  s.t.  2x <= 3,  x >= 0 continuous: x = 1.5, optimum -0.5.
LP = arrays([-1], [[2]], [-INF], [3], [0], [INF], [0], offset=1.0)
# x + y >= 3 with x, y binary: infeasible.
INFEASIBLE = arrays([1, 1], [[1, 1]], [3], [INF], [0, 0], [1, 1], [1, 1])
# min 100 + 3x + 5y  s.t.  x + 2y >= 3.5,  x integer in [0, 10], y binary.
# y = 1 needs x >= 1.5 (x = 2: 111); y = 0 needs x >= 3.5 (x = 4: 112): optimum 111.
OFFSET_MIP = arrays([3, 5], [[1, 2]], [3.5], [INF], [0, 0], [10, 1], [1, 1], offset=100.0)
# min -x  s.t.  x - y <= 1,  x integer >= 0, y continuous >= 0: unbounded.
UNBOUNDED = arrays([-1, 0], [[1, -1]], [-INF], [1], [0, 0], [INF, INF], [1, 0])


def market_split(m: int = 6, n: int = 50, seed: int = 1) -> Arrays:
    """Cornuejols-Dawande market split: a x + s+ - s- = floor(sum(a) / 2), min sum(s).

    Tiny and very hard for branch and bound: no solver proves the optimum in half a second.
    The slacks have finite bounds so that CP-SAT can take the model too.
    """
    a = np.random.default_rng(seed).integers(0, 100, (m, n))
    rhs = (a.sum(axis=1) // 2).astype(float)
    A = np.hstack([a, np.eye(m), -np.eye(m)])
    ub = np.r_[np.ones(n), rhs, a.sum(axis=1) - rhs]
    c = np.r_[np.zeros(n), np.ones(2 * m)]
    return arrays(c, A, rhs, rhs, np.zeros(n + 2 * m), ub, np.r_[np.ones(n), np.zeros(2 * m)])


def example() -> Arrays:
    return build(berthplan.load(EXAMPLE)).model.arrays()


@pytest.fixture(scope="module")
def example_arrays() -> Arrays:
    return example()


@pytest.fixture(scope="module")
def highs_example(example_arrays: Arrays) -> Result:
    result = HighsBackend().solve(example_arrays, Options())
    assert result.status == Status.OPTIMAL and result.objective is not None
    return result


def assert_feasible(model: Arrays, x: np.ndarray, tol: float = 1e-6) -> None:
    activity = model.A @ x
    assert np.all(activity >= model.row_lo - tol * np.maximum(1, np.abs(model.row_lo)))
    assert np.all(activity <= model.row_hi + tol * np.maximum(1, np.abs(model.row_hi)))
    assert np.all(x >= model.lb - tol) and np.all(x <= model.ub + tol)
    xi = x[model.integer]
    assert np.allclose(xi, np.round(xi), atol=1e-6)


# --- tiny models, solved exactly by every backend ----------------------------------------------


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize(
    ("model", "optimum"), [(KNAPSACK, -20.0), (OFFSET_MIP, 111.0)], ids=["knapsack", "offset"]
)
def test_tiny_mips_solved_exactly(name: str, model: Arrays, optimum: float) -> None:
    result = _backend(name).solve(model, Options())
    assert result.status == Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(optimum, abs=1e-9)
    assert result.bound == pytest.approx(optimum, abs=1e-6)
    assert result.gap is not None and result.gap <= 1e-9
    assert result.x is not None
    assert_feasible(model, result.x)


@pytest.mark.parametrize("name", list(ALL))
def test_lp_with_one_continuous_variable(name: str) -> None:
    # CP-SAT needs a grid fine enough for its rounding bound (see test_cpsat_refuses_coarse_grid)
    extra = {"precision": 1e-7} if name == "ortools:cpsat" else {}
    result = _backend(name).solve(LP, Options(extra=extra))
    assert result.status == Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(-0.5, abs=1e-6)
    assert result.x is not None and result.x[0] == pytest.approx(1.5, abs=1e-6)


@pytest.mark.parametrize("name", list(ALL))
def test_infeasible(name: str) -> None:
    result = _backend(name).solve(INFEASIBLE, Options())
    assert result.status == Status.INFEASIBLE
    assert result.x is None and result.objective is None and not result.has_solution


@pytest.mark.parametrize("name", list(EXACT))
def test_unbounded(name: str) -> None:
    # HiGHS answers "infeasible or unbounded" for a MIP; berthplan reports that as infeasible
    result = _backend(name).solve(UNBOUNDED, Options())
    assert result.status in (Status.UNBOUNDED, Status.INFEASIBLE)
    assert result.x is None


# --- the example instance ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXACT))
def test_example_matches_highs(name: str, example_arrays: Arrays, highs_example: Result) -> None:
    result = _backend(name).solve(example_arrays, Options(verbose=True))
    assert result.status == Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(highs_example.objective, rel=1e-6)
    assert result.objective == pytest.approx(16957.327, abs=1e-3)
    assert result.bound is not None and result.gap is not None and result.gap <= 1e-6
    assert result.x is not None
    assert_feasible(example_arrays, result.x)
    keyword = {"ortools:scip": "SCIP", "ortools:cbc": "CBC", "ortools:highs": "HiGHS"}[name]
    assert keyword in result.log


@pytest.mark.parametrize("name", list(ALL))
def test_quiet_solve_has_no_log(name: str, example_arrays: Arrays) -> None:
    result = _backend(name).solve(example_arrays, Options(verbose=False))
    assert result.has_solution and result.log.strip() == ""


def test_cpsat_example_within_its_rounding_bound(
    example_arrays: Arrays, highs_example: Result
) -> None:
    backend = _backend("ortools:cpsat")
    scaled = scale(example_arrays)
    result = backend.solve(example_arrays, Options(verbose=True))
    assert result.objective is not None and highs_example.objective is not None
    assert f"rounding bound {scaled.rounding_bound:.6g}" in result.message
    assert 0 < scaled.rounding_bound < 1.0  # 0.001-grid on 17 continuous columns
    assert abs(result.objective - highs_example.objective) <= scaled.rounding_bound
    assert result.objective >= highs_example.objective - 1e-6  # the grid only restricts
    assert result.bound is not None and result.bound <= highs_example.objective + 1e-6
    # proven optimal for the scaled model only: the rounding bound exceeds gap 0
    assert result.status == Status.FEASIBLE and "optimal for the scaled model" in result.message
    assert result.x is not None
    assert_feasible(example_arrays, result.x)
    assert "CP-SAT" in result.log


def test_cpsat_implies_the_example_bounds(example_arrays: Arrays) -> None:
    assert np.isinf(example_arrays.ub).any()
    lb, ub = implied_bounds(example_arrays)
    assert np.isfinite(lb).all() and np.isfinite(ub).all()
    assert np.all(ub >= example_arrays.lb)
    # shortfall[cargo_tons,...] only helps its >= row: capped where it alone satisfies it
    j = example_arrays.col_names.index("shortfall[cargo_tons,P2,2026]")
    assert ub[j] == pytest.approx(28.0)


def test_cpsat_refuses_coarse_grid(example_arrays: Arrays) -> None:
    with pytest.raises(UsageError, match=r"rounding bound .* exceeds rounding_tol"):
        _backend("ortools:cpsat").solve(example_arrays, Options(extra={"precision": 1.0}))
    with pytest.raises(UsageError, match="rounding bound"):
        _backend("ortools:cpsat").solve(LP, Options())


# --- CP-SAT scaling ----------------------------------------------------------------------------


def test_cpsat_integer_model_scales_exactly() -> None:
    scaled = scale(OFFSET_MIP)
    assert scaled.rounding_bound == 0 and scaled.row_error == 0
    assert "rows exact" in scaled.describe()


def test_cpsat_rounds_a_row_it_cannot_scale_exactly() -> None:
    # max x + y  s.t.  x/3 + y <= 2.5,  x, y integer in [0, 10]: x = 7, y = 0
    model = arrays([-1, -1], [[1 / 3, 1]], [-INF], [2.5], [0, 0], [10, 10], [1, 1])
    scaled = scale(model)
    assert 0 < scaled.row_error < 1e-9
    result = _backend("ortools:cpsat").solve(model, Options())
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(-7)
    assert "violated by at most" in result.message


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (UNBOUNDED, "without finite bounds"),
        (arrays([1], [[1e20]], [-INF], [1e20], [0], [1], [1]), "beyond 2\\^53"),
        (arrays([1], [[1]], [1 / 3], [1 / 3], [0], [1], [0]), "no grid point satisfies row"),
        (arrays([1], [[1]], [0], [1], [0.2], [0.2001], [1]), "no grid point"),
    ],
    ids=["free-variable", "huge-coefficient", "off-grid-equality", "empty-integer-domain"],
)
def test_cpsat_refuses_models_it_cannot_scale(model: Arrays, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        _backend("ortools:cpsat").solve(model, Options())


def test_cpsat_grid_infeasibility_is_explained() -> None:
    # 3x = 1 with x in [0, 1] (no cost): x = 1/3 is not on the 0.001 grid
    model = arrays([0], [[3]], [1], [1], [0], [1], [0])
    result = _backend("ortools:cpsat").solve(model, Options())
    assert result.status == Status.INFEASIBLE and "grid" in result.message


# --- limits and options ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ALL))
def test_time_limit_is_not_optimal(name: str) -> None:
    model = market_split()
    extra = {"num_workers": 1} if name == "ortools:cpsat" else {}
    result = _backend(name).solve(model, Options(time_limit=0.5, extra=extra))
    # market_split is chosen so that no solver proves its optimum within the limit: a solver
    # that does makes the model too easy for this test (a failure to fix, never a skip).
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION), result.message
    assert result.wall_time < 10
    if result.status == Status.FEASIBLE:
        assert result.x is not None and result.objective is not None
        assert_feasible(model, result.x)
        assert result.bound is None or result.bound < result.objective
        assert result.gap is None or result.gap > 0
    else:
        assert result.x is None


@pytest.mark.parametrize(
    ("name", "extra", "match"),
    [
        ("ortools:scip", {"no/such/parameter": 1}, r"rejected parameter.*no/such/parameter"),
        # OR-Tools' CBC interface passes nothing through
        ("ortools:cbc", {"maxNodes": 10}, r"no solver-specific parameters.*maxNodes"),
        ("ortools:highs", {"no_such_option": 1}, r"bad option.*no_such_option"),
        ("ortools:highs", {"mip_rel_gap": "abc"}, r"bad option.*mip_rel_gap to value:abc"),
        ("ortools:cpsat", {"no_such_field": 1}, r"unknown CP-SAT parameter 'no_such_field'"),
        ("ortools:cpsat", {"num_workers": "many"}, r"bad value .* num_workers: 'many'"),
    ],
)
def test_unknown_or_bad_option_is_a_usage_error(
    name: str, extra: dict[str, object], match: str
) -> None:
    with pytest.raises(UsageError, match=f"^{name}: .*{match}"):
        _backend(name).solve(KNAPSACK, Options(extra=extra))


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("ortools:scip", {"limits/nodes": 100000, "presolving/maxrounds": 0}),
        ("ortools:highs", {"mip_heuristic_effort": 0.1, "presolve": "off"}),
        ("ortools:cpsat", {"cp_model_presolve": False, "search_branching": "FIXED_SEARCH"}),
    ],
)
def test_extra_options_pass_through(name: str, extra: dict[str, object]) -> None:
    result = _backend(name).solve(KNAPSACK, Options(extra=extra, seed=3))
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(-20)


@pytest.mark.parametrize("name", list(EXACT))
def test_threads_beyond_one_are_refused(name: str) -> None:
    backend = _backend(name)
    with pytest.raises(UsageError, match="single-threaded"):
        backend.solve(KNAPSACK, Options(threads=2))
    assert backend.solve(KNAPSACK, Options(threads=1)).status == Status.OPTIMAL


def test_cbc_refuses_a_seed() -> None:
    with pytest.raises(UsageError, match="seed"):
        _backend("ortools:cbc").solve(KNAPSACK, Options(seed=1))


def test_cpsat_takes_the_common_options() -> None:
    backend = _backend("ortools:cpsat")
    result = backend.solve(KNAPSACK, Options(time_limit=5, threads=1, seed=7, gap=0.0))
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(-20)
    assert backend.capabilities.integer_only


def test_unknown_solver_id() -> None:
    with pytest.raises(UsageError, match="unknown OR-Tools solver"):
        OrToolsBackend("ortools:glpk", "GLPK")


def test_version_and_availability() -> None:
    for name in ALL:
        backend = ALL[name]()
        ok, why = backend.available()
        assert ok or why
        assert backend.version().startswith("ortools 9.")


def test_highs_survives_pulp_in_the_same_process() -> None:
    # PuLP 3.3 loads highspy RTLD_GLOBAL on import; OR-Tools' HiGHS then runs in a subprocess
    # instead of crashing on the other HiGHS version's symbols (a fresh interpreter: pulp's
    # import cannot be undone here)
    code = (
        "import pulp, berthplan\n"
        "from berthplan.backends.base import Options\n"
        "from berthplan.backends.ortools import OrToolsBackend\n"
        "from berthplan.optimization.formulation import build\n"
        f"model = build(berthplan.load({str(EXAMPLE)!r})).model.arrays()\n"
        "r = OrToolsBackend('ortools:highs', 'HIGHS').solve(model, Options(verbose=True))\n"
        "print(r.status.value, round(r.objective, 3), 'HiGHS' in r.log)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["optimal", "16957.327", "True"]


# --- the pywraplp model for researchers --------------------------------------------------------


def test_sanitize_names() -> None:
    names = sanitize_names(["x[p1e-ct-3,2021]", "x[p1e_ct_3,2021]", "1st", "a b", ""])
    assert names == ["x[p1e_ct_3,2021]", "x[p1e_ct_3,2021]#1", "_1st", "a_b", "v"]


def test_to_ortools_add_a_constraint_and_solve(
    example_arrays: Arrays, highs_example: Result
) -> None:
    solver, variables = to_ortools(example_arrays)
    assert len(variables) == len(example_arrays.c)
    names = [v.name() for v in variables]
    assert len(set(names)) == len(names) and "x[p1e_ct_3,2021]" in names
    assert solver.constraints()[0].name() == "commit[p1e_ct_3]"
    best = highs_example.objective
    assert best is not None
    assert solver.Solve() == solver.OPTIMAL
    assert solver.Objective().Value() == pytest.approx(best, rel=1e-6)
    # a researcher's extra constraint: no new route to deep-sea Europe in 2024
    route = variables[names.index("z[deep_sea_europe,2024]")]
    solver.Add(route == 0)
    status = solver.Solve()
    assert status in (solver.OPTIMAL, solver.INFEASIBLE)
    if status == solver.OPTIMAL:
        assert route.solution_value() == 0
        assert solver.Objective().Value() >= best - 1e-6

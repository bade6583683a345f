"""Options.start and Options.cutoff, used safely: checked, never trusted for status or bound.

small-0 (instances/bench) has the proven optimum 21,846.023098 (instances/bench/README.md).
Two HiGHS 1.16 traps are the reason for :mod:`berthplan.backends.start`: ``setSolution``
with presolve on once returned "Optimal" at 21,780.441, below that optimum (issue 11), and an
``objective_bound`` below the optimum makes HiGHS report "Optimal" at 21,861.453 with that
as its bound, above the optimum (measured). Neither may reach a berthplan result.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from berthplan.backends import Options, Status, get
from berthplan.backends.start import feasible, objective, prepare
from berthplan.model.io import load
from berthplan.optimization.formulation import build
from berthplan.optimization.sparse import Arrays

SMALL_0 = Path(__file__).parents[1] / "instances" / "bench" / "small-0.yaml"
OPTIMUM = 21_846.023098


@pytest.fixture(scope="module")
def small() -> tuple[Arrays, np.ndarray]:
    arrays = build(load(SMALL_0)).model.arrays()
    result = get("highs").solve(arrays, Options(gap=0.0))
    assert result.x is not None and result.objective == pytest.approx(OPTIMUM, rel=1e-9)
    return arrays, result.x


def _solve(arrays: Arrays, **kw: object) -> tuple[Status, float, float]:
    result = get("highs").solve(arrays, Options(gap=0.0, **kw))  # type: ignore[arg-type]
    assert result.x is not None and result.objective is not None and result.bound is not None
    # the objective reported is the plan's own, recomputed from its column values
    assert objective(arrays, result.x) == pytest.approx(result.objective, rel=1e-9)
    assert feasible(arrays, result.x)
    return result.status, result.objective, result.bound


def test_start_at_the_optimum_is_proven_and_never_beaten(small: tuple[Arrays, np.ndarray]) -> None:
    arrays, x = small
    status, value, bound = _solve(arrays, start=x)
    assert status == Status.OPTIMAL
    assert value == pytest.approx(OPTIMUM, rel=1e-9)
    assert bound <= value and bound <= OPTIMUM * (1 + 1e-9)


def test_a_worse_start_is_improved_to_the_optimum(small: tuple[Arrays, np.ndarray]) -> None:
    arrays, _ = small
    worse = get("highs").solve(arrays, Options(gap=0.3))
    assert worse.x is not None and worse.objective is not None
    status, value, bound = _solve(arrays, start=worse.x)
    assert status == Status.OPTIMAL
    assert value == pytest.approx(OPTIMUM, rel=1e-9)
    assert bound <= OPTIMUM * (1 + 1e-9)


def test_an_infeasible_start_is_ignored(small: tuple[Arrays, np.ndarray]) -> None:
    arrays, x = small
    ints = np.flatnonzero(arrays.integer)
    bad = x.copy()
    bad[ints[:5]] = 1.0 - np.round(bad[ints[:5]])  # flips starts: rows broken
    assert not feasible(arrays, bad)
    assert prepare(arrays, Options(start=bad)).x is None
    status, value, bound = _solve(arrays, start=bad)
    assert status == Status.OPTIMAL
    assert value == pytest.approx(OPTIMUM, rel=1e-9)
    assert bound <= OPTIMUM * (1 + 1e-9)


def test_a_cutoff_below_the_optimum_never_yields_a_false_bound(
    small: tuple[Arrays, np.ndarray],
) -> None:
    # HiGHS alone: "Optimal" at 21,861.453 with bound 21,861.453 > the optimum (the trap)
    arrays, _ = small
    result = get("highs").solve(arrays, Options(gap=0.0, cutoff=OPTIMUM * 0.999))
    assert result.status != Status.OPTIMAL
    assert result.bound is not None and result.bound <= OPTIMUM * 0.999 + 1e-6
    if result.objective is not None:
        assert result.objective >= OPTIMUM * (1 - 1e-9)


def test_a_cutoff_at_the_optimum_without_start_finds_no_better_plan(
    small: tuple[Arrays, np.ndarray],
) -> None:
    arrays, _ = small
    result = get("highs").solve(arrays, Options(gap=0.0, cutoff=OPTIMUM - 1.0))
    assert result.status in (Status.NO_SOLUTION, Status.FEASIBLE)
    assert result.bound is not None and result.bound <= OPTIMUM
    assert result.status == Status.FEASIBLE or result.x is None


def test_cutoff_lowered_by_the_gap_only_when_the_start_holds_a_plan(
    small: tuple[Arrays, np.ndarray],
) -> None:
    arrays, x = small
    value = objective(arrays, x)
    assert prepare(arrays, Options(start=x, gap=0.01)).limit == pytest.approx(value * 0.99)
    assert prepare(arrays, Options(cutoff=value, gap=0.01)).limit == pytest.approx(value)
    assert prepare(arrays, Options(gap=0.01)).limit is None
    lp = replace(arrays, integer=np.zeros_like(arrays.integer))
    assert prepare(lp, Options(start=x, gap=0.01)).limit is None  # no cutoff on an LP


def test_feasible_checks_bounds_rows_and_integrality(small: tuple[Arrays, np.ndarray]) -> None:
    arrays, x = small
    assert feasible(arrays, x)
    assert not feasible(arrays, x[:-1])  # wrong length
    half = x.copy()
    half[np.flatnonzero(arrays.integer)[0]] = 0.5
    assert not feasible(arrays, half)
    nan = x.copy()
    nan[0] = np.nan
    assert not feasible(arrays, nan)
    above = x.copy()
    above[0] = arrays.ub[0] + 1.0
    assert not feasible(arrays, above)

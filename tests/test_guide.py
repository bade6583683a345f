"""RENS's guide LPs on models with queue pools (berthplan.optimization.guide).

A pool's capacity is convex in its berth count, so the LP relaxation can mix a low and a high
count and carry more than any whole count's capacity; the guide's secant capacities cannot.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berthplan.backends import Options, Status, get
from berthplan.backends.start import feasible
from berthplan.generator.generate import construct
from berthplan.model.io import load
from berthplan.optimization import guide, primal
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.pools import level_groups, throughput_col
from berthplan.optimization.sparse import Arrays

BENCH = Path(__file__).parents[1] / "instances" / "bench"


@functools.cache
def _medium_10() -> Built:
    # medium, seed 10, with service levels: RENS from the plain relaxation finds no plan
    return build(construct("medium", 10, service_levels=True).instance)


def _lp(arrays: Arrays) -> np.ndarray:
    got = get("highs").solve(arrays, Options())
    assert got.status == Status.OPTIMAL and got.x is not None
    return got.x


def _overloaded(built: Built, x: np.ndarray) -> int:
    """Pool-years whose flow exceeds the capacity of the least whole count at or above the
    LP's count (the count a plan must at least pay for)."""
    b, s = built.pools, built.sets
    out = 0
    for (q, _), idx in level_groups(b).items():
        n = np.array([b.levels[i].n for i in idx])
        count = float(x[b.level.cols[idx]] @ n)
        whole = int(n[n >= count - 1e-6].min())
        col = throughput_col(s, q, built.handled, built.served)
        assert col is not None
        cap = s.pools[q].capacity(whole) * col[1]  # in the model's units (kTEU, Mt)
        out += float(x[b.flow.cols[idx]].sum()) > cap * (1 + 1e-7) + 1e-7
    return out


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(0.0, 50.0), min_size=2, max_size=12),
    keep=st.lists(st.booleans(), min_size=12, max_size=12),
    at=st.floats(0.0, 1.0),
)
def test_secant_is_at_most_a_convex_capacity_at_every_count(
    steps: list[float], keep: list[bool], at: float
) -> None:
    # capacity over counts 0..len(steps): increments nondecreasing, so convex
    cap = np.concatenate([[0.0], np.cumsum(np.sort(steps))])
    n = np.array([k for k in range(len(cap)) if k < len(keep) and keep[k]] or [0, 1], float)
    if len(n) < 2:
        n = np.array([0.0, float(len(cap) - 1)])
    c = cap[n.astype(int)]
    count = float(n[0] + at * (n[-1] - n[0]))
    sec = guide._secant(n, c, count)
    assert np.all(sec <= c + 1e-9 * (1 + np.abs(c)))
    k = min(int(np.searchsorted(n, count + 1e-6, side="right")) - 1, len(n) - 2)
    assert sec[k] == pytest.approx(c[k]) and sec[k + 1] == pytest.approx(c[k + 1])


def test_the_guide_lp_carries_no_more_than_a_whole_count() -> None:
    built = _medium_10()
    arrays = built.model.arrays()
    pools = guide.for_pools(arrays, built, wait=True)
    assert pools is not None
    x = _lp(pools.relaxation)
    assert _overloaded(built, x) > 0  # the relaxation mixes counts (else this test is void)
    assert _overloaded(built, _lp(pools.restrict(x))) == 0


def test_the_guide_is_a_restriction_and_its_relaxation_a_bound() -> None:
    built = _medium_10()
    arrays = built.model.arrays()
    full = get("highs").solve(replace(arrays, integer=np.zeros_like(arrays.integer)), Options())
    assert full.objective is not None
    bounds = {}
    for wait in (True, False):
        pools = guide.for_pools(arrays, built, wait)
        assert pools is not None
        x = _lp(pools.relaxation)
        lp = get("highs").solve(pools.relaxation, Options())
        restricted = get("highs").solve(pools.restrict(x), Options())
        assert lp.objective is not None and restricted.objective is not None
        assert lp.objective <= full.objective + 1e-6 * abs(full.objective)
        assert restricted.objective >= lp.objective - 1e-6 * abs(lp.objective)
        bounds[wait] = lp.objective
    assert bounds[True] == pytest.approx(full.objective, rel=1e-9)  # the relaxation itself
    # without waiting rows: a relaxation strictly weaker here, the waiting hours cost nothing
    assert bounds[False] < full.objective * (1 - 1e-4)


def test_relaxed_drops_the_waiting_rows_only() -> None:
    built = _medium_10()
    arrays = built.model.arrays()
    wait = built.model.families["pool_wait"]
    lp = guide.relaxed(arrays, built, wait=False)
    assert not lp.integer.any()
    assert lp.A.shape == (arrays.A.shape[0] - wait.size, arrays.A.shape[1])
    assert len(lp.row_names) == lp.A.shape[0] == len(lp.row_lo) == len(lp.row_hi)
    assert not any(name.startswith("pool_wait[") for name in lp.row_names)
    assert lp.A.nnz == arrays.A.nnz - arrays.A[wait.start : wait.start + wait.size].nnz
    assert guide.relaxed(arrays, built, wait=True).A.shape == arrays.A.shape


def test_no_guide_without_pools() -> None:
    built = build(load(BENCH / "small-0.yaml"))
    assert guide.for_pools(built.model.arrays(), built, wait=False) is None


@pytest.mark.parametrize("wait", [True, False])
def test_rens_has_a_plan_with_the_guide_where_the_relaxation_gives_none(wait: bool) -> None:
    built = _medium_10()
    arrays = built.model.arrays()
    highs = get("highs")
    free = built.pools.level.cols
    assert primal.rens(highs, arrays, Options(), free=free) is None
    pools = guide.for_pools(arrays, built, wait)
    found = primal.rens(highs, arrays, Options(), free=free, guide=pools)
    assert found is not None and feasible(arrays, found.x)
    full = highs.solve(replace(arrays, integer=np.zeros_like(arrays.integer)), Options())
    assert full.objective is not None
    assert found.lp_bound <= full.objective + 1e-6 * abs(full.objective)  # a true bound
    assert found.objective >= full.objective


def test_a_guide_lp_without_a_solution_leaves_the_relaxation_to_guide() -> None:
    # small-0 with service levels: plain RENS has a plan; a guide whose LP is infeasible
    # (every column's lower bound above its upper) must give the very same plan, not none
    built = build(construct("small", 0, service_levels=True).instance)
    arrays = built.model.arrays()
    highs = get("highs")
    free = built.pools.level.cols
    plain = primal.rens(highs, arrays, Options(), free=free)
    assert plain is not None
    relaxation = replace(arrays, integer=np.zeros_like(arrays.integer))
    never = guide.Guide(relaxation, lambda x: replace(relaxation, lb=relaxation.ub + 1.0))
    found = primal.rens(highs, arrays, Options(), free=free, guide=never)
    assert found is not None
    assert found.objective == plain.objective
    assert np.array_equal(found.x, plain.x)

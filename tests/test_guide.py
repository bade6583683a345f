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
from berthplan.optimization import pools as pool_families
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.pools import level_groups, throughput_col
from berthplan.optimization.sparse import Arrays

BENCH = Path(__file__).parents[1] / "instances" / "bench"


@functools.cache
def _medium_10() -> Built:
    # medium, seed 10, with service levels: RENS from the plain relaxation finds no plan
    return build(construct("medium", 10, service_levels=True).instance)


def _medium_10_uncapped() -> Built:
    # the same with the pools' level capacities not capped by year (the per-year cap of
    # docs/formulation.md, family 5b): that relaxation mixes counts so far that RENS finds no
    # plan, as it did on medium-10 before the cap; with the cap, RENS found one on every medium
    # seed from 0 to 59 (the guide is still the LP that cannot mix counts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            pool_families, "pool_ceiling", lambda s: np.full((len(s.pools), s.ny), np.inf)
        )
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
    pools = guide.for_pools(arrays, built, chords=None)
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
    for chords in (None, 2, 1, 0):
        pools = guide.for_pools(arrays, built, chords)
        assert pools is not None
        lp = get("highs").solve(pools.relaxation, Options())
        assert lp.status == Status.OPTIMAL and lp.x is not None
        restricted = get("highs").solve(pools.restrict(lp.x), Options())
        assert lp.objective is not None and restricted.objective is not None
        assert restricted.objective >= lp.objective - 1e-6 * abs(lp.objective)
        bounds[chords] = lp.objective
    assert bounds[None] == pytest.approx(full.objective, rel=1e-9)  # the relaxation itself
    # fewer chords, less waiting charged: each a weaker relaxation, strictly so here
    assert bounds[None] > bounds[2] * (1 + 1e-6)
    assert bounds[2] > bounds[1] * (1 + 1e-6)
    assert bounds[1] > bounds[0] * (1 + 1e-6)


def test_relaxed_keeps_the_chords_asked() -> None:
    built = _medium_10()
    arrays = built.model.arrays()
    wait = built.model.families["pool_wait"]
    assert guide.relaxed(arrays, built).A.shape == arrays.A.shape
    of = built.pools.wait_of
    assert len(of) == wait.size
    levels = np.unique(of)
    sizes = np.bincount(of)[levels]  # chords per level that has them (fewer where capped)
    assert (sizes >= 3).any()  # else the middle and the last would coincide (test void)
    others = [n for n in arrays.row_names if not n.startswith("pool_wait[")]
    for chords in (0, 1, 2):
        lp = guide.relaxed(arrays, built, chords)
        assert not lp.integer.any()
        kept = [n for n in lp.row_names if n.startswith("pool_wait[")]
        assert len(kept) == np.minimum(sizes, chords).sum()  # a level keeps what it has
        assert lp.A.shape == (arrays.A.shape[0] - wait.size + len(kept), arrays.A.shape[1])
        assert len(lp.row_names) == lp.A.shape[0] == len(lp.row_lo) == len(lp.row_hi)
        assert [n for n in lp.row_names if not n.startswith("pool_wait[")] == others
    # with 2: each level's middle chord and its last, by label (pool_wait[pool,n,k,year]),
    # on the first level with at least 3
    lp = guide.relaxed(arrays, built, 2)
    first = int(np.flatnonzero(of == levels[np.argmax(sizes >= 3)])[0])
    head = wait.labels[first].rsplit(",", 2)[0] + ","
    tail = "," + wait.labels[first].rsplit(",", 1)[1]
    ks = [int(n.split(",")[2]) for n in lp.row_names if n.startswith(head) and n.endswith(tail)]
    m = int(sizes[np.argmax(sizes >= 3)])
    assert ks == [(m - 1) // 2, m - 1]


def test_no_guide_without_pools() -> None:
    built = build(load(BENCH / "small-0.yaml"))
    assert guide.for_pools(built.model.arrays(), built, chords=0) is None


@pytest.mark.parametrize("chords", [None, 2, 0])
def test_rens_has_a_plan_with_the_guide_where_the_relaxation_gives_none(
    chords: int | None,
) -> None:
    built = _medium_10_uncapped()
    arrays = built.model.arrays()
    highs = get("highs")
    free = built.pools.level.cols
    assert primal.rens(highs, arrays, Options(), free=free) is None
    pools = guide.for_pools(arrays, built, chords)
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

"""Coefficient tightening: a project's capacity counts only up to what its area can use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from berthplan.backends import Options, Status, get
from berthplan.generator.generate import construct
from berthplan.model.io import load
from berthplan.model.sets import CONTAINER
from berthplan.optimization import pools, tightening, volumes
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.solve import solve
from berthplan.optimization.sparse import Arrays
from berthplan.optimization.units import TEU, TON

DATA = Path(__file__).parent / "data"
HEADROOM = DATA / "tightening" / "headroom.yaml"
BENCH = Path(__file__).parents[1] / "instances" / "bench"


def _lp(path: Path) -> float:
    a = build(load(path)).model.arrays()
    result = get("highs").solve(replace(a, integer=np.zeros_like(a.integer)), Options())
    assert result.objective is not None
    return result.objective


def test_tightened_lp_closes_the_gap_by_hand() -> None:
    # headroom.yaml: untightened LP 3, tightened LP 150 = the MIP optimum (header)
    assert _lp(HEADROOM) == pytest.approx(150.0, abs=1e-6)
    plan = solve(load(HEADROOM))
    assert plan.objective == pytest.approx(150.0, abs=1e-6)
    assert plan.info.solver_objective == pytest.approx(150.0, abs=1e-6)
    assert plan.decisions.starts == {"big": 2030}
    # the recomputed capacity is the project's own, not the capped coefficient
    cap = plan.tables["capacity"]
    assert cap.loc[cap["year"] == 2031, "capacity"].item() == pytest.approx(5_900_000.0)


def test_small_0_root_gap_halves() -> None:
    # measured: the LP bound of small-0 rose from 16,342.142 to 18,984.722 with the horizon's
    # highest ceilings, to 19,126.299 with each year's own (optimum 21,846.023)
    assert _lp(BENCH / "small-0.yaml") == pytest.approx(19126.299463, rel=1e-7)


def test_each_year_has_its_own_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    # by-year.yaml (header): MIP 160; LP 150 + 10 x 4.1 / 9.1 capped by year, 3 + 90 / 9.1 at
    # the horizon's highest ceiling in every row
    by_year = DATA / "tightening" / "by-year.yaml"
    assert _lp(by_year) == pytest.approx(150 + 10 * 4.1 / 9.1, abs=1e-6)
    plan = solve(load(by_year))
    assert plan.objective == pytest.approx(160.0, abs=1e-6)
    assert plan.info.solver_objective == pytest.approx(160.0, abs=1e-6)
    assert plan.decisions.starts == {"big": 2030, "late": 2031}

    def highest(s: Any, a: Any, c: Any) -> Any:
        out = tightening.tons_ceiling(s, a, c)
        return np.repeat(out.max(axis=1, keepdims=True), out.shape[1], axis=1)

    monkeypatch.setattr(volumes, "tons_ceiling", highest)
    assert _lp(by_year) == pytest.approx(3 + 90 / 9.1, abs=1e-6)


def _plain_ceiling(s: Any, area: int, cargo: int, yi: int) -> float:
    """The most area may handle (t) or be offered (TEU) in year yi, from the records, by loops."""
    year = int(s.years[yi])
    if cargo != CONTAINER:
        inside = [sc.ceiling[yi] for sc in s.scopes if sc.cargo == cargo and area in sc.areas]
        return float(min(inside)) if inside else float("inf")
    aid = s.areas[area]
    teu = sum(
        r.count * c.teu * (1 + c.growth) ** (year - s.y0)
        for r in s.existing
        for c in r.calls
        if c.area == aid
    )
    for r in s.candidates:  # each route at its best opening for this year (it opens once)
        lo, hi = s.inst.open_window(r)
        best = [
            sum(r.count * c.teu * (1 + c.growth) ** (year - t) for c in r.calls if c.area == aid)
            for t in range(lo, min(hi, year) + 1)
        ]
        teu += max(best, default=0.0)
    return float(teu)


@pytest.mark.parametrize("size,seed", [("small", 0), ("medium", 0)])
def test_pool_levels_are_capped_at_each_years_ceiling(size: str, seed: int) -> None:
    # pool_capacity[pool,n,year]: flow <= min(Cap(n), what the area may handle that year) x level
    built = build(construct(size, seed, service_levels=True).instance)
    s, b = built.sets, built.pools
    arrays = built.model.arrays()
    a = arrays.A.tocsr()
    row = {name: i for i, name in enumerate(arrays.row_names)}
    capped: set[int] = set()
    for i, lv in enumerate(b.levels):
        pool = s.pools[lv.pool]
        area, cargo = s.pool_pairs[lv.pool]
        ceiling = _plain_ceiling(s, area, cargo, lv.year)
        scale = TEU if cargo == CONTAINER else TON
        r = row[f"pool_capacity[{pool.id},{lv.n},{int(s.years[lv.year])}]"]
        got = -a[r, b.level.start + i]
        assert got == pytest.approx(min(pool.capacity(lv.n), ceiling) * scale, rel=1e-9, abs=0)
        if pool.capacity(lv.n) > ceiling * (1 + 1e-9):
            capped.add(cargo == CONTAINER)
    assert capped == {True, False}  # container and tonnage levels both capped: not vacuous


@pytest.mark.parametrize("seed", range(4))
def test_capping_the_pools_keeps_every_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the cap is valid: the proven optimum with it equals the one without it
    inst = construct("small", seed, service_levels=True).instance
    highs = get("highs")
    capped = highs.solve(build(inst).model.arrays(), Options(gap=0.0))
    monkeypatch.setattr(pools, "pool_ceiling", lambda s: np.full((len(s.pools), s.ny), np.inf))
    free = highs.solve(build(inst).model.arrays(), Options(gap=0.0))
    assert capped.status == free.status == Status.OPTIMAL
    assert capped.objective == pytest.approx(free.objective, rel=1e-9)


def _with_every_chord(built: Built) -> Arrays:
    """The model with the waiting chords ``define_pool_wait`` leaves out written back."""
    s, b = built.sets, built.pools
    arrays = built.model.arrays()
    ceiling = pools.pool_ceiling(s)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, lv in enumerate(b.levels):
        pool = s.pools[lv.pool]
        if lv.n == 0 or not pool.params.waiting_cost:
            continue
        starts, slope, icpt = pools._chords(
            pool, lv.n, TEU if s.pool_pairs[lv.pool][1] == CONTAINER else TON
        )
        top = min(pool.capacity(lv.n), ceiling[lv.pool, lv.year])
        for k in np.flatnonzero(starts >= top).tolist():
            r = len(rows) // 3
            rows += [r, r, r]
            cols += [b.flow.start + i, b.level.start + i, b.wait.start + i]
            vals += [slope[k], icpt[k], -1.0]
    n = len(rows) // 3
    extra = sp.csr_matrix((vals, (rows, cols)), shape=(n, arrays.A.shape[1]))
    return replace(
        arrays,
        A=sp.vstack([arrays.A, extra]).tocsr(),
        row_lo=np.r_[arrays.row_lo, np.full(n, -np.inf)],
        row_hi=np.r_[arrays.row_hi, np.zeros(n)],
        row_names=arrays.row_names + [f"dropped{k}" for k in range(n)],
    )


@pytest.mark.parametrize("size,seed", [("small", 0), ("small", 4), ("medium", 0)])
def test_the_chords_the_flow_cannot_reach_change_nothing(size: str, seed: int) -> None:
    # chords of segments that begin at or above a level's capped capacity are left out; with
    # them written back the LP and the MIP have the same optimum (and there are many of them)
    built = build(construct(size, seed, service_levels=True).instance)
    arrays = built.model.arrays()
    every = _with_every_chord(built)
    wait_rows = sum(name.startswith("pool_wait[") for name in arrays.row_names)
    assert every.A.shape[0] - arrays.A.shape[0] > wait_rows / 10  # not vacuous
    highs = get("highs")
    lp = [
        highs.solve(replace(a, integer=np.zeros_like(a.integer)), Options())
        for a in (arrays, every)
    ]
    assert lp[0].objective == pytest.approx(lp[1].objective, rel=1e-9)
    if size == "small":
        mip = [highs.solve(a, Options(gap=0.0)) for a in (arrays, every)]
        assert mip[0].status == mip[1].status == Status.OPTIMAL
        assert mip[0].objective == pytest.approx(mip[1].objective, rel=1e-9)

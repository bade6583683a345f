"""Coefficient tightening: a project's capacity counts only up to what its area can use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from berthplan.backends import Options, get
from berthplan.model.io import load
from berthplan.optimization.formulation import build
from berthplan.optimization.solve import solve

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
    # measured: the LP bound of small-0 rose from 16,342.142 to 18,984.722 (optimum 21,846.023)
    assert _lp(BENCH / "small-0.yaml") == pytest.approx(18984.722311, rel=1e-7)

"""berthplan's numpy PCHIP equals SciPy's PchipInterpolator (the interpolant it replaces)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import PchipInterpolator

from berthplan.capacity.pchip import Pchip
from berthplan.capacity.queues import _table


@pytest.mark.parametrize("model", ["M/E2/n", "E2/E2/n", "M/M/n", "M/D/n"])
@pytest.mark.parametrize("n", [1, 3, 17])
def test_same_as_scipy_on_the_wait_tables(model: str, n: int) -> None:
    grid, _, smooth = _table(model, n)
    at = np.linspace(0.0, grid[-1], 3001)
    ours, theirs = Pchip(grid, smooth)(at), PchipInterpolator(grid, smooth)(at)
    assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
# values as the tables hold them: no subnormals (SciPy itself overflows on those)
@given(
    st.lists(st.floats(-5, 5).filter(lambda v: v == 0 or abs(v) > 1e-9), min_size=3, max_size=30),
    st.integers(0, 10**6),
)
def test_same_as_scipy_on_any_data(y: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.1, 2.0, len(y)))
    at = np.linspace(x[0], x[-1], 257)
    ours, theirs = Pchip(x, np.array(y))(at), PchipInterpolator(x, np.array(y))(at)
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-10)

"""Queue models of berth pools: closed forms, monotonicity, inverse, tables, input checks.

Every reference value here is computed independently of :mod:`berthplan.capacity` (closed forms
written out in this file, a brute-force Markov chain, root finding on textbook formulas).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import poisson
from scipy.stats import t as student_t

from berthplan.capacity import (
    MODELS,
    erlang_c,
    max_occupancy,
    max_occupancy_curve,
    mean_wait_hours,
    wait_ratio,
    wait_ratio_interp,
    wait_ratio_table,
)
from berthplan.capacity.ctmc import wait_ratio_ctmc

RHOS = (0.001, 0.05, 0.2, 0.4, 0.5, 0.6, 0.75, 0.85, 0.9, 0.95, 0.99)


# --- independent references ------------------------------------------------------------------


def erlang_c_sum(n: int, a: float) -> float:
    """Erlang C from its textbook definition (direct sums, fine for n <= 40)."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def mmn_ratio(n: int, rho: float) -> float:
    return erlang_c_sum(n, n * rho) / (n * (1.0 - rho))


def pollaczek_khinchine(rho: float, scv: float) -> float:
    """M/G/1: W/S = rho (1 + c_s^2) / (2 (1 - rho))."""
    return rho * (1.0 + scv) / (2.0 * (1.0 - rho))


def erlang_erlang_1(ka: int, ks: int, rho: float) -> float:
    """Ek_a/Ek_s/1 exactly: W/S = sum(1/z_i) - 1 over the ks roots with Re z > 0 of
    (mu - z)^ks (ka lam + z)^ka = mu^ks (ka lam)^ka, mu = ks, lam = rho (GI/E_k/1 theory)."""
    mu, nu = float(ks), ka * rho
    poly = np.poly1d([-1.0, mu]) ** ks * np.poly1d([1.0, nu]) ** ka - mu**ks * nu**ka
    roots = np.roots(poly.coeffs)
    right = roots[roots.real > 1e-9]
    assert right.size == ks
    return float(np.real(np.sum(1.0 / right))) - 1.0


def e2e2_1(rho: float) -> float:
    """E2/E2/1 in closed form: the two roots are 2(1 - rho) and (1-rho) + sqrt((1-rho)^2 + 8 rho)."""
    z1 = 2.0 * (1.0 - rho)
    z2 = (1.0 - rho) + math.sqrt((1.0 - rho) ** 2 + 8.0 * rho)
    return 1.0 / z1 + 1.0 / z2 - 1.0


def mdn_chain(n: int, rho: float) -> float:
    """M/D/n by brute force: the chain X' = max(X - n, 0) + Poisson(n rho), truncated."""
    a = n * rho
    size = int(n + 80 + 60 / (1.0 - rho))
    p = np.zeros((size, size))
    for x in range(size):
        base = max(x - n, 0)
        row = poisson.pmf(np.arange(size - base), a)
        p[x, base:] = row
        p[x, -1] += 1.0 - row.sum()
    lhs = p.T - np.eye(size)
    lhs[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    pi = np.linalg.solve(lhs, rhs)
    return float(pi @ np.maximum(np.arange(size) - n, 0)) / a


# --- closed forms ----------------------------------------------------------------------------


def test_erlang_c_small_cases() -> None:
    assert erlang_c(1, 0.3) == pytest.approx(0.3, rel=1e-14)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert erlang_c(5, 0.0) == 0.0
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0
    for n in (1, 4, 17, 40):
        for rho in RHOS:
            assert erlang_c(n, n * rho) == pytest.approx(erlang_c_sum(n, n * rho), rel=1e-12)


def test_mmn_qbd_equals_erlang_c_for_1_to_40_berths() -> None:
    rho = np.array(RHOS)
    for n in range(1, 41):
        expected = np.array([mmn_ratio(n, r) for r in RHOS])
        np.testing.assert_allclose(wait_ratio_ctmc(1, 1, n, rho), expected, rtol=1e-9, atol=0)
        np.testing.assert_allclose(wait_ratio("M/M/n", n, rho), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_m_ek_1_is_pollaczek_khinchine(k: int) -> None:
    model = "M/M/n" if k == 1 else f"M/E{k}/n"
    got = wait_ratio(model, 1, np.array(RHOS))
    expected = [pollaczek_khinchine(r, 1.0 / k) for r in RHOS]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)


def test_m_e2_1_at_half_load_is_three_quarters() -> None:
    assert wait_ratio("M/E2/n", 1, 0.5) == pytest.approx(0.75, abs=1e-12)
    assert wait_ratio("M/E2/n", 1, 0.3) == pytest.approx(0.45 / 1.4, abs=1e-12)


def test_m_d_1_is_pollaczek_khinchine() -> None:
    got = wait_ratio("M/D/n", 1, np.array(RHOS))
    np.testing.assert_allclose(got, [pollaczek_khinchine(r, 0.0) for r in RHOS], rtol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 7, 20])
def test_m_d_n_matches_brute_force_chain(n: int) -> None:
    for rho in (0.05, 0.3, 0.6, 0.8, 0.9):
        assert wait_ratio("M/D/n", n, rho) == pytest.approx(mdn_chain(n, rho), abs=1e-9, rel=1e-8)


def test_e2_e2_1_closed_form() -> None:
    got = wait_ratio("E2/E2/n", 1, np.array(RHOS))
    np.testing.assert_allclose(got, [e2e2_1(r) for r in RHOS], rtol=1e-9, atol=1e-15)
    assert wait_ratio("E2/E2/n", 1, 0.5) == pytest.approx(0.39038820320220757, rel=1e-12)


@pytest.mark.parametrize(("ka", "ks"), [(2, 1), (3, 2), (2, 3), (4, 4), (1, 5)])
def test_erlang_erlang_1_root_formula(ka: int, ks: int) -> None:
    model = f"{'M' if ka == 1 else f'E{ka}'}/{'M' if ks == 1 else f'E{ks}'}/n"
    for rho in (0.1, 0.4, 0.7, 0.9):
        assert wait_ratio(model, 1, rho) == pytest.approx(erlang_erlang_1(ka, ks, rho), rel=1e-8)


def test_less_variability_means_less_waiting() -> None:
    for n, rho in ((2, 0.7), (5, 0.8), (12, 0.9)):
        services = [wait_ratio(m, n, rho) for m in ("M/M/n", "M/E2/n", "M/E3/n", "M/D/n")]
        assert services == sorted(services, reverse=True)
        assert wait_ratio("E2/E2/n", n, rho) < wait_ratio("M/E2/n", n, rho)
        assert wait_ratio("E3/E2/n", n, rho) < wait_ratio("E2/E2/n", n, rho)


@pytest.mark.parametrize("model", MODELS)
def test_zero_occupancy_means_no_wait(model: str) -> None:
    for n in (1, 2, 13, 40):
        assert wait_ratio(model, n, 0.0) == 0.0
        assert wait_ratio_table(model, n)[1][0] == 0.0
    assert np.all(wait_ratio(model, 3, np.zeros((2, 3))) == 0.0)


def test_literature_vicinity() -> None:
    # Rounded figures from the berth-planning literature (UNCTAD, PIANC/Groenveld); a coarse
    # plausibility check only, the exact values are pinned by the tests above.
    assert wait_ratio("M/E2/n", 1, 0.3) == pytest.approx(0.32, abs=0.01)
    assert wait_ratio("M/E2/n", 2, 0.5) == pytest.approx(0.25, abs=0.02)
    assert max_occupancy("E2/E2/n", 1, 0.10) == pytest.approx(0.26, abs=0.02)
    assert max_occupancy("E2/E2/n", 7, 0.10) == pytest.approx(0.76, abs=0.02)


# --- shapes and conveniences -----------------------------------------------------------------


def test_scalar_and_array_shapes() -> None:
    assert isinstance(wait_ratio("E2/E2/n", 2, 0.5), float)
    assert isinstance(wait_ratio("M/D/n", 2, np.float64(0.5)), float)
    grid = np.array([[0.1, 0.2], [0.3, 0.4]])
    out = wait_ratio("M/E2/n", 3, grid)
    assert isinstance(out, np.ndarray)
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(wait_ratio("M/E2/n", 3, 0.3), rel=1e-12)
    assert wait_ratio("M/M/n", 2, []).shape == (0,)


def test_mean_wait_hours() -> None:
    assert mean_wait_hours("M/E2/n", 1, 0.5, 36.0) == pytest.approx(27.0, rel=1e-12)
    hours = mean_wait_hours("E2/E2/n", 4, [0.5, 0.7], 20.0)
    np.testing.assert_allclose(hours, 20.0 * wait_ratio("E2/E2/n", 4, [0.5, 0.7]), rtol=1e-14)


def test_model_names_are_normalised() -> None:
    assert wait_ratio("E1/E1/n", 3, 0.6) == wait_ratio("M/M/n", 3, 0.6)
    assert wait_ratio(" M / E2 / n ", 3, 0.6) == wait_ratio("M/E2/n", 3, 0.6)


# --- monotonicity ----------------------------------------------------------------------------

occupancy = st.floats(min_value=0.0, max_value=0.985, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(MODELS), st.integers(min_value=1, max_value=40), occupancy, occupancy)
def test_wait_increases_with_occupancy(model: str, n: int, r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    w_lo, w_hi = wait_ratio(model, n, [lo, hi])
    assert w_lo <= w_hi + 1e-14
    if hi - lo > 1e-3 and w_hi > 1e-9:
        assert w_lo < w_hi


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(MODELS), st.integers(min_value=1, max_value=39), occupancy)
def test_wait_decreases_with_berths(model: str, n: int, rho: float) -> None:
    more, fewer = wait_ratio(model, n + 1, rho), wait_ratio(model, n, rho)
    assert more <= fewer + 1e-14
    if fewer > 1e-9:
        assert more < fewer


@pytest.mark.parametrize("model", MODELS)
def test_tables_monotone_in_rho_and_n(model: str) -> None:
    previous = None
    for n in range(1, 13):
        grid, values = wait_ratio_table(model, n)
        assert grid.shape == values.shape == (991,)
        assert grid[0] == 0.0
        assert grid[-1] == pytest.approx(0.99)
        assert np.all(np.diff(values) >= 0.0)
        if previous is not None:
            assert np.all(values <= previous + 1e-13)
        previous = values


# --- tables and interpolation ----------------------------------------------------------------


@pytest.mark.parametrize("model", ["M/E2/n", "E2/E2/n"])
@pytest.mark.parametrize("n", [1, 2, 5, 13, 40])
def test_table_matches_exact_solves(model: str, n: int) -> None:
    grid, values = wait_ratio_table(model, n)
    check = slice(3, None, 7)  # 141 points, none of them an interpolation node
    exact = wait_ratio(model, n, grid[check])
    err = np.abs(values[check] - exact)
    assert np.all(err <= 5e-11 * np.maximum(exact, 1e-3))


def test_table_is_cached_and_read_only() -> None:
    first = wait_ratio_table("E2/E2/n", 3)
    assert wait_ratio_table("E2/E2/n", 3)[1] is first[1]
    with pytest.raises(ValueError, match="read-only"):
        first[1][5] = 1.0


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("n", [1, 3, 10, 40])
def test_interpolated_wait_accuracy(model: str, n: int) -> None:
    rho = np.random.default_rng(n).uniform(0.0, 0.999, 128)  # ~10% beyond the table: exact
    approx, exact = wait_ratio_interp(model, n, rho), wait_ratio(model, n, rho)
    assert np.all(np.abs(approx - exact) <= 1e-7 * np.maximum(exact, 1.0))
    assert np.all(np.diff(wait_ratio_interp(model, n, np.sort(rho))) >= 0.0)


# --- inverse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("n", [1, 2, 7, 25])
@pytest.mark.parametrize("limit", [0.02, 0.1, 0.5, 3.0])
def test_max_occupancy_round_trip(model: str, n: int, limit: float) -> None:
    rho_star = max_occupancy(model, n, limit)
    assert 0.0 < rho_star < 1.0
    assert wait_ratio(model, n, rho_star) == pytest.approx(limit, rel=1e-7)
    assert wait_ratio(model, n, rho_star + 1e-6) > limit
    assert wait_ratio(model, n, rho_star - 1e-6) < limit


def test_max_occupancy_against_independent_inverses() -> None:
    # M/E2/1: 3 rho / (4 (1 - rho)) = L  <=>  rho = 4 L / (3 + 4 L).
    for limit in (0.05, 0.1, 0.25, 1.0):
        expected = 4 * limit / (3 + 4 * limit)
        assert max_occupancy("M/E2/n", 1, limit) == pytest.approx(expected, abs=1e-9)
    for n in (1, 7):
        expected = brentq(lambda r, n=n: mmn_ratio(n, r) - 0.1, 1e-9, 0.999, xtol=1e-14)
        assert max_occupancy("M/M/n", n, 0.1) == pytest.approx(expected, abs=1e-9)
    expected = brentq(lambda r: e2e2_1(r) - 0.1, 1e-6, 0.999, xtol=1e-14)
    assert max_occupancy("E2/E2/n", 1, 0.1) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(0.2610538, abs=1e-7)


def test_max_occupancy_near_saturation() -> None:
    # M/M/1: rho / (1 - rho) = L  <=>  rho = L / (1 + L).
    assert max_occupancy("M/M/n", 1, 1e5) == pytest.approx(1e5 / (1 + 1e5), abs=1e-11)
    assert max_occupancy("M/E2/n", 1, 500.0) == pytest.approx(2000 / 2003, abs=1e-10)


@pytest.mark.parametrize("model", ["M/E2/n", "E2/E2/n"])
def test_max_occupancy_curve_increases_with_berths(model: str) -> None:
    curve = max_occupancy_curve(model, 10, 0.1)
    assert curve.shape == (10,)
    assert np.all(np.diff(curve) > 0.0)
    assert curve[6] == max_occupancy(model, 7, 0.1)


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [-0.1, 1.0, 1.5, float("nan"), float("inf"), [0.2, 1.0], "x"])
def test_bad_occupancy(rho: object) -> None:
    with pytest.raises(ValueError, match="rho"):
        wait_ratio("M/E2/n", 2, rho)  # type: ignore[call-overload]


@pytest.mark.parametrize("n", [0, -3, 201, 2.5, True, "3", None])
def test_bad_berth_count(n: object) -> None:
    with pytest.raises(ValueError, match="berths"):
        wait_ratio("M/M/n", n, 0.5)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="berths"):
        max_occupancy("E2/E2/n", n, 0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "model", ["X/Y/n", "M/M/1", "M/E0/n", "D/M/n", "E2/D/n", "M/E11/n", "", 3, "G/G/n"]
)
def test_bad_model(model: object) -> None:
    with pytest.raises(ValueError, match="model"):
        wait_ratio(model, 2, 0.5)  # type: ignore[call-overload]


def test_state_space_too_large() -> None:
    with pytest.raises(ValueError, match="states per queue length"):
        wait_ratio("M/E3/n", 40, 0.5)


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf"), "a"])
def test_bad_limit(limit: object) -> None:
    with pytest.raises(ValueError, match="limit"):
        max_occupancy("M/E2/n", 2, limit)  # type: ignore[arg-type]


def test_unreachable_limit() -> None:
    with pytest.raises(ValueError, match="not reached"):
        max_occupancy("M/M/n", 1, 1e12)


def test_bad_service_hours_and_erlang_arguments() -> None:
    with pytest.raises(ValueError, match="service_hours"):
        mean_wait_hours("M/M/n", 1, 0.5, 0.0)
    with pytest.raises(ValueError, match="servers"):
        erlang_c(0, 0.5)
    with pytest.raises(ValueError, match="load"):
        erlang_c(2, -0.5)


# --- Monte Carlo -----------------------------------------------------------------------------


def simulate_wait_ratio(
    ka: int, ks: int, n: int, rho: float, seed: int, streams: int = 64, per_stream: int = 4000
) -> tuple[float, float]:
    """Mean W/S of an Ek_a/Ek_s/n FCFS queue (``ks = 0``: deterministic service), simulated.

    Kiefer-Wolfowitz recursion on the sorted vector of the servers' remaining workloads:
    an arrival waits for the least-loaded server, adds its service time to it, and the next
    interarrival time drains every server. ``streams`` independent replications run side by
    side; each drops its first 1000 customers (it starts empty) and its mean is one batch
    (192,000 customers kept in all). Returns the grand mean and the half-width of its 99%
    confidence interval. Over 300 seeds the four cases below missed their interval 0.7% to
    2.3% of the time (with 600 dropped customers), so the fixed seeds are not tuned.
    """
    rng = np.random.default_rng(seed)
    lam = n * rho
    gaps = rng.gamma(ka, 1.0 / (ka * lam), size=(per_stream, streams))
    if ks == 0:
        services = np.ones((per_stream, streams))
    else:
        services = rng.gamma(ks, 1.0 / ks, size=(per_stream, streams))
    work = np.zeros((streams, n))
    waits = np.empty((per_stream, streams))
    for i in range(per_stream):
        waits[i] = work[:, 0]
        work[:, 0] += services[i]
        work.sort(axis=1)
        np.maximum(work - gaps[i][:, None], 0.0, out=work)
    batch = waits[1000:].mean(axis=0)  # mean service time is 1, so W/S = mean wait
    half = student_t.ppf(0.995, streams - 1) * batch.std(ddof=1) / math.sqrt(streams)
    return float(batch.mean()), float(half)


@pytest.mark.parametrize(
    ("model", "ka", "ks", "n", "rho", "seed"),
    [
        ("E2/E2/n", 2, 2, 3, 0.7, 2024),
        ("M/E2/n", 1, 2, 2, 0.6, 2025),
        ("E2/E2/n", 2, 2, 7, 0.8, 2026),
        ("M/D/n", 1, 0, 4, 0.75, 2027),
    ],
)
def test_monte_carlo_agrees(model: str, ka: int, ks: int, n: int, rho: float, seed: int) -> None:
    mean, half = simulate_wait_ratio(ka, ks, n, rho, seed)
    exact = wait_ratio(model, n, rho)
    assert abs(mean - exact) <= half, (mean, half, exact)
    assert half < 0.1 * exact  # the check has teeth

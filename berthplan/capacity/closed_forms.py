"""Closed-form waiting times: Erlang C (M/M/n) and Crommelin's M/D/n.

All functions take the mean service time as the time unit and are vectorized over ``rho``;
arguments are assumed validated by :mod:`berthplan.capacity.queues`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def erlang_b_array(n: int, a: FloatArray) -> FloatArray:
    """Erlang B blocking probability by the stable recursion ``B_k = a B_{k-1} / (k + a B_{k-1})``.

    Parameters
    ----------
    n : int
        Number of servers, ``n >= 1``.
    a : ndarray
        Offered loads (erlangs), ``a >= 0``.

    Returns
    -------
    ndarray
        ``B(n, a)`` elementwise; every step is a ratio of positive terms, so there is neither
        overflow nor cancellation.
    """
    b = np.ones_like(a)
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_c_array(n: int, a: FloatArray) -> FloatArray:
    """Erlang C probability of waiting, ``C = n B / (n - a (1 - B))``, for ``0 <= a < n``."""
    b = erlang_b_array(n, a)
    out: FloatArray = n * b / (n - a * (1.0 - b))
    return out


def wait_ratio_mmn(n: int, rho: FloatArray) -> FloatArray:
    """Exact ``W_q / E[S]`` of M/M/n: ``C(n, n rho) / (n (1 - rho))``."""
    out: FloatArray = erlang_c_array(n, n * rho) / (n * (1.0 - rho))
    return out


def _expm1_ratio(x: npt.NDArray[np.complex128]) -> npt.NDArray[np.complex128]:
    """``expm1(x) / x`` with the removable singularity at 0 filled in (complex ``x``)."""
    small = np.abs(x) < 1e-5
    safe = np.where(small, 1.0, x)
    out: npt.NDArray[np.complex128] = np.where(
        small, 1.0 + x / 2.0 + x * x / 6.0, np.expm1(safe) / safe
    )
    return out


def wait_ratio_mdn(n: int, rho: FloatArray) -> FloatArray:
    """Exact ``W_q / E[S]`` of M/D/n from Crommelin's embedded chain.

    With unit service time the number in system at times ``t, t + 1, ...`` obeys
    ``X' = max(X - n, 0) + Poisson(a)``, ``a = n rho``, for every ``t``, so its stationary law is
    also the time-stationary law and ``L_q = E[X] - a``. The generating function of ``X`` gives

    ``L_q = sum_k 1 / (1 - z_k) - (n (n - 1) - a**2) / (2 (n - a))``,

    where ``z_1, ..., z_{n-1}`` are the roots of ``z**n = exp(a (z - 1))`` in the open unit disc
    other than ``z = 1``, i.e. of ``z = w_k exp(rho (z - 1))`` with ``w_k = exp(2 pi i k / n)``:
    ``z_k = w_k exp(-W_0(-rho w_k exp(-rho)) - rho)`` with ``W_0`` the principal Lambert W
    branch. Subtracting the exact ``rho = 0`` limit ``sum_k 1 / (1 - w_k) = (n - 1) / 2`` term
    by term (``z_k - w_k = w_k expm1(rho (z_k - 1))``) and dividing by ``a`` leaves

    ``W_q = -sum_k w_k phi(rho (z_k - 1)) / (n (1 - w_k)) + (a - n + 1) / (2 (n - a))``,

    with ``phi(x) = expm1(x) / x``. Both parts are O(1) and nothing is divided by ``rho``, so
    the absolute error is a few ulps times ``n`` for every ``rho`` in ``[0, 1)`` (the relative
    error grows where ``W_q`` itself is below about ``1e-13``). One Newton step polishes each
    root.
    """
    rho = np.asarray(rho, dtype=float)
    a = n * rho
    out: FloatArray = (a - (n - 1.0)) / (2.0 * (n - a))
    if n > 1:
        from scipy.special import lambertw  # 0.2 s to import: only for M/D/n with n > 1

        w = np.exp(2j * np.pi * np.arange(1, n) / n)
        rr = rho[:, None]
        z = w * np.exp(-lambertw(-rr * w * np.exp(-rr)) - rr)
        # Newton on f(z) = z - w exp(rho (z - 1)); f'(z) = 1 - rho z at a root.
        e = w * np.exp(rr * (z - 1.0))
        z = z - (z - e) / (1.0 - rr * e)
        terms = w * _expm1_ratio(rr * (z - 1.0)) / (1.0 - w)
        out = out - np.real(terms.sum(axis=1)) / n
    return np.maximum(out, 0.0)

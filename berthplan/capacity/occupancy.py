"""The inverse of the service level: the largest occupancy of a pool at a ``W/S`` limit.

:func:`max_occupancy` is a pool's capacity at a service level, ``rho*`` with
``W/S(rho*) = limit`` for the models of :mod:`berthplan.capacity.queues`, found by Brent's
method on the exact ``W/S`` in a bracket that the cached table locates
(:func:`~berthplan.capacity.queues.wait_ratio_table`); answers are cached
(:mod:`berthplan.capacity.cache`). :func:`max_occupancy_curve` gives it for every pool size up
to ``n_max``.
"""

from __future__ import annotations

import numpy as np

from berthplan.capacity.cache import cached
from berthplan.capacity.queues import (
    FloatArray,
    _check_n,
    _check_positive,
    _exact,
    _Model,
    _parse_model,
    _pchip,
    _table,
)

#: :func:`max_occupancy` looks for its root on ``rho <= 1 - 10**-_MAX_DIGITS`` (beyond that
#: the exact solution loses accuracy, see :mod:`berthplan.capacity.queues`).
_MAX_DIGITS = 7


def max_occupancy(model: str, n: int, limit: float) -> float:
    """Largest occupancy with ``W/S <= limit``, the pool's capacity at a service level.

    Parameters
    ----------
    model : str
        Queue model, one of :data:`MODELS` or ``"Ek/Ej/n"``.
    n : int
        Number of berths.
    limit : float
        Acceptable ``W/S``, positive. ``W/S`` at ``rho = 1 - 1e-7`` bounds what can be asked.

    Returns
    -------
    float
        ``rho*`` with ``W/S(rho*) = limit``, found by Brent's method on the exact ``W/S`` to
        ``1e-12`` in ``rho``.

    Raises
    ------
    ValueError
        For an unknown model, ``n`` out of range or a non-positive or too large ``limit``.
    """
    spec = _parse_model(model)
    n = _check_n(n, spec)
    limit = _check_positive(limit, "limit on W/S")
    key = f"rho* {spec.name} {n} {limit!r}"
    return float(cached(key, lambda: np.array([_max_occupancy(spec, n, limit)]))[0])


def _max_occupancy(spec: _Model, n: int, limit: float) -> float:
    from scipy.optimize import brentq  # imported only when the cache has no answer

    lo, hi = _bracket(spec, n, limit)

    def excess(r: float) -> float:
        return float(_exact(spec, n, np.array([r]))[0]) - limit

    root: float = brentq(excess, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps)
    return root


def _bracket(spec: _Model, n: int, limit: float) -> tuple[float, float]:
    """A short interval on which the exact ``W/S - limit`` changes sign.

    The cached table gives a guess good to about ``1e-9``; one batched exact solve confirms a
    bracket of half-width ``1e-7`` around it. Limits above the table's last value (or a guess
    that fails the check) fall back to a coarse exact grid reaching ``rho = 1 - 1e-7``.
    """
    grid, values, _ = _table(spec.name, n)
    candidates: list[tuple[float, float]] = []
    if limit <= values[-1]:
        interp = _pchip(spec.name, n)
        i = int(np.searchsorted(values, limit))  # values[0] = 0 < limit, so i >= 1

        def excess(r: float) -> float:
            return float(interp(r)) / (1.0 - r) - limit

        from scipy.optimize import brentq

        guess = float(brentq(excess, grid[i - 1], grid[i], xtol=1e-14))
        candidates.append((max(guess - 1e-7, 0.0), guess + 1e-7))
        candidates.append((float(grid[i - 1]), float(grid[i])))
    tail = 1.0 - np.array([1e-2, 5e-3, 1e-3, 1e-4, 1e-5, 1e-6, 10.0**-_MAX_DIGITS])
    coarse = np.concatenate([np.linspace(0.0, 0.95, 20), tail])
    for lo, hi in candidates:
        w_lo, w_hi = _exact(spec, n, np.array([lo, hi]))
        if w_lo <= limit <= w_hi:
            return lo, hi
    values = _exact(spec, n, coarse)
    above = np.flatnonzero(values >= limit)
    if above.size == 0:
        raise ValueError(
            f"limit {limit!r} on W/S is not reached below rho = {coarse[-1]} for "
            f"{spec.name} with n = {n} (W/S there is {values[-1]:.6g})"
        )
    return float(coarse[above[0] - 1]), float(coarse[above[0]])


def max_occupancy_curve(model: str, n_max: int, limit: float) -> FloatArray:
    """:func:`max_occupancy` for every pool size ``n = 1..n_max``.

    Parameters
    ----------
    model : str
        Queue model.
    n_max : int
        Largest number of berths.
    limit : float
        Acceptable ``W/S``, positive.

    Returns
    -------
    ndarray
        ``rho*(n)`` for ``n = 1..n_max`` (element ``i`` is for ``n = i + 1``).
    """
    spec = _parse_model(model)
    n_max = _check_n(n_max, spec)
    limit = _check_positive(limit, "limit on W/S")
    return np.array([max_occupancy(spec.name, n, limit) for n in range(1, n_max + 1)])

"""Service level of a pool of identical berths: waiting time over service time, ``W/S``.

A pool of ``n`` berths with occupancy ``rho = lambda E[S] / n`` is modelled as a FCFS queue
``A/B/n``; ``W/S`` is the mean wait in the queue divided by the mean service time. Supported
models (the mean service time is the time unit throughout):

* ``"M/M/n"``: Erlang C closed form, ``W/S = C(n, n rho) / (n (1 - rho))``;
* ``"M/D/n"``: Crommelin's exact solution (closed form in the roots of ``z^n = e^{a(z-1)}``);
* ``"Ek/Ej/n"`` (``M`` is ``E1``), e.g. ``"M/E2/n"`` and ``"E2/E2/n"``: exact stationary solution
  of the continuous-time Markov chain as a matrix-geometric QBD (see :mod:`.ctmc`), no
  truncation. The relative error is about ``1e-15 / (1 - rho)**2``: below ``1e-12`` for
  ``rho <= 0.99`` and about ``1e-10`` at ``rho = 0.999``.

Tables (:func:`wait_ratio_table`) are computed lazily per ``(model, n)`` and cached; for the QBD
models they interpolate ``(1 - rho) W/S``, a smooth function on ``[0, 1]``, through exact
solutions at ``TABLE_NODES`` Chebyshev-Lobatto points of ``[0, 0.99]`` (barycentric formula).
Measured against exact solutions on the whole grid for ``n = 1..40``, the table error is below
``2e-11 * max(W/S, 1e-3)``; :func:`wait_ratio_interp` (PCHIP between grid points) is within
``3e-8 * max(W/S, 1)``. ``tests/capacity/test_queues.py`` checks both with some margin.
Building one table costs 48 exact solves done as one batch: under 0.2 s for E2/E2/n at
``n = 40`` and about 2.6 s for all four models and ``n = 1..40`` together (2-core machine).
"""

from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from berthplan.capacity import closed_forms, ctmc
from berthplan.capacity.cache import cached
from berthplan.capacity.pchip import Pchip

FloatArray = npt.NDArray[np.float64]

#: Canonical names of the main models (others of the form ``"Ek/Ej/n"`` are accepted too).
MODELS: tuple[str, ...] = ("M/M/n", "M/E2/n", "E2/E2/n", "M/D/n")

#: Largest pool size accepted.
MAX_BERTHS = 200

#: Largest Erlang order accepted for interarrival or service times.
MAX_ERLANG_ORDER = 10

#: Grid step and upper end of :func:`wait_ratio_table`.
TABLE_STEP = 0.001
TABLE_RHO_MAX = 0.99

#: Chebyshev-Lobatto nodes at which the QBD models are solved exactly to build a table.
TABLE_NODES = 48

#: ``(1 - rho) W/S`` below this is interpolation noise in a QBD table and is set to 0.
_TABLE_NOISE = 1e-14


_NAME = re.compile(r"^(M|E([1-9][0-9]*))/(M|D|E([1-9][0-9]*))/n$")


@dataclass(frozen=True)
class _Model:
    name: str  # canonical, e.g. "M/E2/n"
    ka: int  # Erlang order of interarrival times (1 = Poisson arrivals)
    ks: int  # Erlang order of service times; 0 = deterministic


def _parse_model(model: str) -> _Model:
    if not isinstance(model, str):
        raise ValueError(f"model must be a string such as 'M/E2/n', got {model!r}")
    match = _NAME.match(model.strip().replace(" ", ""))
    if match is None:
        raise ValueError(
            f"unknown queue model {model!r}: expected one of {', '.join(MODELS)} "
            "or 'Ek/Ej/n' with Erlang orders k, j (M = E1)"
        )
    ka = int(match.group(2) or 1)
    ks = 0 if match.group(3) == "D" else int(match.group(4) or 1)
    if ks == 0 and ka != 1:
        raise ValueError(f"unsupported queue model {model!r}: D service needs M arrivals")
    if max(ka, ks) > MAX_ERLANG_ORDER:
        raise ValueError(
            f"unsupported queue model {model!r}: Erlang orders above {MAX_ERLANG_ORDER}"
        )

    def part(k: int) -> str:
        return "D" if k == 0 else "M" if k == 1 else f"E{k}"

    return _Model(f"{part(ka)}/{part(ks)}/n", ka, ks)


def _check_n(n: int, spec: _Model) -> int:
    if isinstance(n, bool):
        raise ValueError(f"number of berths must be an integer, got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"number of berths must be an integer, got {n!r}") from None
    if not 1 <= n <= MAX_BERTHS:
        raise ValueError(f"number of berths must be in 1..{MAX_BERTHS}, got {n}")
    if spec.ks > 1 or spec.ka > 1:
        size = spec.ka * ctmc.n_configs(n, max(spec.ks, 1))
        if size > ctmc.MAX_BLOCK_SIZE:
            raise ValueError(
                f"{spec.name} with n = {n} has {size} states per queue length, more than "
                f"{ctmc.MAX_BLOCK_SIZE}; use fewer berths or lower Erlang orders"
            )
    return n


def _check_rho(rho: float | npt.ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(rho, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"occupancy rho must be numeric, got {rho!r}") from None
    bad = ~((arr >= 0.0) & (arr < 1.0))  # also catches NaN
    if bad.any():
        raise ValueError(f"occupancy rho must be in [0, 1), got {arr[bad].flat[0]!r}")
    return arr


def _check_positive(value: float, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not (math.isfinite(x) and x > 0.0):
        raise ValueError(f"{what} must be positive and finite, got {value!r}")
    return x


def _exact(spec: _Model, n: int, rho: FloatArray) -> FloatArray:
    """Exact W/S on a flat array of validated occupancies."""
    if spec.ks == 0:
        return closed_forms.wait_ratio_mdn(n, rho)
    if spec.ka == spec.ks == 1:
        return closed_forms.wait_ratio_mmn(n, rho)
    return ctmc.wait_ratio_ctmc(spec.ka, spec.ks, n, rho)


@overload
def wait_ratio(model: str, n: int, rho: float) -> float: ...
@overload
def wait_ratio(model: str, n: int, rho: npt.ArrayLike) -> FloatArray: ...
def wait_ratio(model: str, n: int, rho: float | npt.ArrayLike) -> float | FloatArray:
    """Exact mean waiting time in queue over mean service time, ``W/S``.

    Parameters
    ----------
    model : str
        Queue model, one of :data:`MODELS` or ``"Ek/Ej/n"``.
    n : int
        Number of berths, ``1 <= n <= MAX_BERTHS``.
    rho : float or array_like
        Occupancy ``lambda E[S] / n``, each in ``[0, 1)``.

    Returns
    -------
    float or ndarray
        ``W/S``: a float for scalar ``rho``, else an array shaped like ``rho``.

    Raises
    ------
    ValueError
        For an unknown model, ``n`` out of range or ``rho`` outside ``[0, 1)``.

    Notes
    -----
    M/M/n and M/D/n are closed forms (microseconds). The QBD models cost one stacked solve per
    64 values of ``rho``, growing like ``n * (k_a * configurations)**3``: about 0.01 s for
    E2/E2/n at ``n = 40``, 0.3 s at ``n = 100`` and 2 s at ``n = 200``.
    """
    spec = _parse_model(model)
    n = _check_n(n, spec)
    arr = _check_rho(rho)
    out = _exact(spec, n, arr.ravel()).reshape(arr.shape)
    if arr.ndim == 0:
        return float(out)
    return out


@functools.lru_cache(maxsize=512)
def _table(name: str, n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    grid = np.round(np.arange(round(TABLE_RHO_MAX / TABLE_STEP) + 1) * TABLE_STEP, 12)
    values = cached(
        f"table {name} {n} {TABLE_NODES} {TABLE_STEP}", lambda: _raw_table(name, n, grid)
    )
    # Noise must not make the table dip below 0 or decrease; this changes no value by more
    # than the noise. (1 - rho) W/S is nondecreasing too, which makes PCHIP monotone.
    values = np.maximum.accumulate(np.maximum(values, 0.0))
    smooth_values = np.maximum.accumulate(values * (1.0 - grid))
    for arr in (grid, values, smooth_values):
        arr.setflags(write=False)
    return grid, values, smooth_values


def _raw_table(name: str, n: int, grid: FloatArray) -> FloatArray:
    """W/S on ``grid``: exact for the closed forms, interpolated through exact nodes for QBDs."""
    spec = _parse_model(name)
    if spec.ks > 1 or spec.ka > 1:
        k = np.arange(TABLE_NODES)
        nodes = 0.5 * TABLE_RHO_MAX * (1.0 - np.cos(np.pi * k / (TABLE_NODES - 1)))
        nodes[0] = 0.0
        from scipy.interpolate import BarycentricInterpolator  # only to build a table

        # SciPy permutes the nodes at random to compute the weights: a fixed generator keeps
        # the table (and every capacity derived from it) the same bits in every run.
        interp = BarycentricInterpolator(
            nodes, _exact(spec, n, nodes) * (1.0 - nodes), rng=np.random.default_rng(0)
        )
        smooth = interp(grid)
        # The interpolant carries rounding noise of about 1e-16 * max(smooth); values below
        # _TABLE_NOISE are noise, not W/S.
        smooth[smooth < _TABLE_NOISE] = 0.0
        return np.asarray(smooth / (1.0 - grid), dtype=float)
    return _exact(spec, n, grid)


def wait_ratio_table(model: str, n: int) -> tuple[FloatArray, FloatArray]:
    """Tabulate ``W/S`` on ``rho = 0, 0.001, ..., 0.99`` (computed once per model and ``n``).

    Parameters
    ----------
    model : str
        Queue model, one of :data:`MODELS` or ``"Ek/Ej/n"``.
    n : int
        Number of berths.

    Returns
    -------
    rho : ndarray
        The occupancy grid (read-only).
    wait : ndarray
        ``W/S`` on the grid (read-only, nondecreasing). Exact for M/M/n and M/D/n; for the
        QBD models the error is below ``2e-11 * max(W/S, 1e-3)`` (see the module docstring).
    """
    spec = _parse_model(model)
    grid, values, _ = _table(spec.name, _check_n(n, spec))
    return grid, values


@overload
def wait_ratio_interp(model: str, n: int, rho: float) -> float: ...
@overload
def wait_ratio_interp(model: str, n: int, rho: npt.ArrayLike) -> FloatArray: ...
def wait_ratio_interp(model: str, n: int, rho: float | npt.ArrayLike) -> float | FloatArray:
    """Fast ``W/S`` by monotone (PCHIP) interpolation of the cached table, exact above 0.99.

    ``(1 - rho) W/S`` is interpolated on the 0.001 grid of :func:`wait_ratio_table` and divided
    by ``1 - rho``, which keeps the result nondecreasing in ``rho``. The measured error is below
    ``3e-8 * max(W/S, 1)`` for ``n = 1..40``; use :func:`wait_ratio` for exact values.

    Parameters
    ----------
    model : str
        Queue model.
    n : int
        Number of berths.
    rho : float or array_like
        Occupancy, each in ``[0, 1)``.

    Returns
    -------
    float or ndarray
        ``W/S``: a float for scalar ``rho``, else an array shaped like ``rho``.
    """
    spec = _parse_model(model)
    n = _check_n(n, spec)
    arr = _check_rho(rho)
    flat = arr.ravel()
    out = np.empty(flat.shape)
    inside = flat <= TABLE_RHO_MAX
    out[inside] = _pchip(spec.name, n)(flat[inside]) / (1.0 - flat[inside])
    if not inside.all():
        out[~inside] = _exact(spec, n, flat[~inside])
    if arr.ndim == 0:
        return float(out[0])
    return out.reshape(arr.shape)


@functools.lru_cache(maxsize=512)
def _pchip(name: str, n: int) -> Pchip:
    grid, _, smooth = _table(name, n)
    return Pchip(grid, smooth)


@overload
def mean_wait_hours(model: str, n: int, rho: float, service_hours: float) -> float: ...
@overload
def mean_wait_hours(model: str, n: int, rho: npt.ArrayLike, service_hours: float) -> FloatArray: ...
def mean_wait_hours(
    model: str, n: int, rho: float | npt.ArrayLike, service_hours: float
) -> float | FloatArray:
    """Mean wait in queue in hours: ``W/S`` times the mean service time in hours.

    Parameters
    ----------
    model : str
        Queue model.
    n : int
        Number of berths.
    rho : float or array_like
        Occupancy, each in ``[0, 1)``.
    service_hours : float
        Mean service (berth occupation) time per ship, hours, positive.

    Returns
    -------
    float or ndarray
        Mean waiting time in hours, shaped like ``rho``.
    """
    hours = _check_positive(service_hours, "service_hours")
    ratio = wait_ratio(model, n, rho)
    if isinstance(ratio, float):
        return ratio * hours
    out: FloatArray = ratio * hours
    return out


def erlang_c(n: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in M/M/n with offered load ``a`` erlangs.

    Parameters
    ----------
    n : int
        Number of servers, ``n >= 1``.
    a : float
        Offered load ``lambda E[S]``, ``a >= 0``.

    Returns
    -------
    float
        ``C(n, a)`` computed from the stable Erlang B recursion; 1.0 when ``a >= n``
        (an unstable queue makes every arrival wait).
    """
    if isinstance(n, bool):
        raise ValueError(f"number of servers must be an integer, got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"number of servers must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"number of servers must be at least 1, got {n}")
    load = float(a)
    if not (math.isfinite(load) and load >= 0.0):
        raise ValueError(f"offered load must be finite and >= 0, got {a!r}")
    if load >= n:
        return 1.0
    return float(closed_forms.erlang_c_array(n, np.array([load]))[0])

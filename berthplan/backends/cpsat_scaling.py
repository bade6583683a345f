"""The MILP scaled to integers at a stated precision, for CP-SAT (``ortools:cpsat``).

CP-SAT takes integer variables and coefficients only; :func:`scale` rewrites the model, or
refuses it with a :class:`~berthplan.errors.UsageError`:

- every variable needs finite bounds: infinite ones are derived from the rows (activity
  propagation, :func:`implied_bounds`) or, for a column whose growth only costs and only helps
  its rows, capped where it stops helping (an optimal plan stays);
- a continuous ``x`` becomes an integer ``y``, ``x = precision * y`` (a grid of ``precision``
  in the variable's unit, default 1e-3); integer variables keep their unit;
- each row is multiplied by the least power of ten (up to 10^9) making its coefficients
  integers, else rounded at 12 significant digits; the objective likewise, else rounded at
  the largest power (up to 10^12) keeping its activity below 2^50.

The rounding bound is ``sum_j |dc_j| max|x_j|`` (objective coefficients, exact) plus
``precision * sum_j |c_j|`` over continuous columns (the grid, one step each: an estimate);
a rounded row may be violated by ``sum_j |da_ij| max|x_j|`` (reported). Refused: values or
activities above 2^53, a row no grid point satisfies, or a rounding bound above
``rounding_tol`` (default 1e-4) x ``max(1, |offset| + sum_j |c_j| max|x_j|)``. The result is a
:class:`Scaled` model; :mod:`berthplan.backends.cpsat` builds CP-SAT's model from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from berthplan.backends.arrays import Arrays
from berthplan.errors import UsageError

Floats = NDArray[np.float64]
LIMIT = 2.0**53
_EXACT_DIGITS = 9
_ROUNDED_DIGITS = 12


@dataclass(frozen=True)
class Scaled:
    """The integer model: ``x = unit * y``, row ``i`` and the objective times powers of ten."""

    unit: Floats
    y_lo: Floats
    y_hi: Floats
    coefs: Floats  # integer-valued, in ``model.A``'s CSR order
    row_lo: Floats
    row_hi: Floats
    row_digits: NDArray[np.int64]
    obj: Floats  # integer-valued
    obj_digits: int
    obj_error: float  # sum |dc| max|x|
    grid_error: float  # precision * sum |c_j| over continuous columns
    row_error: float  # the largest possible violation of a rounded row
    precision: float

    @property
    def rounding_bound(self) -> float:
        return self.obj_error + self.grid_error

    def describe(self) -> str:
        exact = "exact" if self.row_error == 0 else f"violated by at most {self.row_error:.3g}"
        return (
            f"scaled to integers (continuous grid {self.precision:g}, rows x10^k with k <= "
            f"{int(self.row_digits.max(initial=0))}, objective x10^{self.obj_digits}); "
            f"rounding bound {self.rounding_bound:.6g} (objective coefficients "
            f"{self.obj_error:.3g} + grid {self.grid_error:.3g}); rows {exact}"
        )


def _rest_min(vals: Floats, rows: Any, lb: Floats, ub: Floats, m: int) -> Floats:
    """Per nonzero: the least activity of its row without it (NaN when unbounded)."""
    part = np.where(vals > 0, vals * lb, vals * ub)
    finite = np.isfinite(part)
    total = np.bincount(rows, np.where(finite, part, 0.0), m)
    n_inf = np.bincount(rows, ~finite, m)
    rest = total[rows] - np.where(finite, part, 0.0)
    return np.where(n_inf[rows] - ~finite == 0, rest, np.nan)


def _ub_from_rows(model: Arrays, nz: tuple[Any, Any, Floats], lb: Floats, ub: Floats) -> Floats:
    rows, cols, vals = nz
    m = len(model.row_lo)
    rmin = _rest_min(vals, rows, lb[cols], ub[cols], m)
    rmax = -_rest_min(-vals, rows, lb[cols], ub[cols], m)
    with np.errstate(invalid="ignore"):
        cand = np.where(vals > 0, model.row_hi[rows] - rmin, model.row_lo[rows] - rmax) / vals
    out = np.full(len(model.c), np.inf)
    np.minimum.at(out, cols, np.where(np.isnan(cand), np.inf, cand))
    return out


def _dual_cap(
    model: Arrays, nz: tuple[Any, Any, Floats], c: Floats, lb: Floats, ub: Floats
) -> Floats:
    """Caps for ``ub = inf`` columns with ``c >= 0`` that only help their rows when raised."""
    rows, cols, vals = nz
    m = len(model.row_lo)
    hurts = np.where(vals > 0, np.isfinite(model.row_hi[rows]), np.isfinite(model.row_lo[rows]))
    blocked = np.bincount(cols[hurts], minlength=len(c)) > 0
    side = np.where(vals > 0, model.row_lo[rows], model.row_hi[rows])
    rest = np.where(
        vals > 0,
        _rest_min(vals, rows, lb[cols], ub[cols], m),
        -_rest_min(-vals, rows, lb[cols], ub[cols], m),
    )
    need = np.where(np.isinf(side), -np.inf, (side - rest) / vals)
    cap = np.full(len(c), -np.inf)
    np.maximum.at(cap, cols, np.where(np.isnan(need), np.inf, need))
    cap = np.maximum(cap, lb)
    usable = (c >= 0) & np.isinf(ub) & ~blocked & np.isfinite(cap)
    return np.where(usable, cap, ub)


def implied_bounds(model: Arrays, rounds: int = 20) -> tuple[Floats, Floats]:
    """Finite bounds for the model's free columns, where its rows or costs imply them.

    Parameters
    ----------
    model : Arrays
        The model.
    rounds : int
        Propagation rounds at most.

    Returns
    -------
    tuple of ndarray
        Lower and upper bounds: the model's, with infinite ones replaced where possible
        (slightly widened against rounding).
    """
    A = model.A.tocsr()
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    keep = A.data != 0
    nz = (rows[keep], A.indices[keep], A.data[keep].astype(float))
    neg = (nz[0], nz[1], -nz[2])
    lb, ub = model.lb.astype(float), model.ub.astype(float)
    free_lb, free_ub = np.isinf(lb), np.isinf(ub)
    for _ in range(rounds):
        new_ub = np.where(free_ub, np.minimum(ub, _ub_from_rows(model, nz, lb, ub)), ub)
        new_lb = np.where(free_lb, np.maximum(lb, -_ub_from_rows(model, neg, -ub, -lb)), lb)
        if np.array_equal(new_lb, lb) and np.array_equal(new_ub, ub):
            new_ub = _dual_cap(model, nz, model.c, lb, ub)
            new_lb = -_dual_cap(model, neg, -model.c, -ub, -lb)
            if np.array_equal(new_lb, lb) and np.array_equal(new_ub, ub):
                break
        lb, ub = new_lb, new_ub
    return np.where(free_lb, lb - _slack(lb), lb), np.where(free_ub, ub + _slack(ub), ub)


def _slack(bound: Floats) -> Floats:
    return 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))


def _domain(model: Arrays, precision: float) -> tuple[Floats, Floats, Floats]:
    lb, ub = implied_bounds(model)
    unbounded = ~(np.isfinite(lb) & np.isfinite(ub))
    if unbounded.any():
        names = [model.col_names[j] for j in np.flatnonzero(unbounded)[:5]]
        raise UsageError(
            "ortools:cpsat cannot scale the model: variable(s) without finite bounds, "
            f"none implied by the constraints: {', '.join(names)}"
        )
    unit = np.where(model.integer, 1.0, precision)  # implied bounds round out, own ones in
    y_lo = np.where(np.isinf(model.lb), np.floor(lb / unit), np.ceil(lb / unit - 1e-6))
    y_hi = np.where(np.isinf(model.ub), np.ceil(ub / unit), np.floor(ub / unit + 1e-6))
    empty = y_lo > y_hi
    if empty.any():
        j = int(np.flatnonzero(empty)[0])
        raise UsageError(
            f"ortools:cpsat: no grid point of precision {precision:g} lies in the bounds "
            f"[{lb[j]:g}, {ub[j]:g}] of {model.col_names[j]}"
        )
    if np.abs(np.r_[y_lo, y_hi]).max(initial=0) > LIMIT:
        raise UsageError(f"ortools:cpsat: scaled bounds exceed 2^53 (precision {precision:g})")
    return unit, y_lo, y_hi


def _noise(v: Floats) -> Floats:
    """What float rounding may add to a decimal value scaled to ``v``."""
    return 1e-9 + 1e-12 * np.abs(v)


def _exact_digits(values: Floats, group: Any, n_groups: int) -> NDArray[np.int64]:
    """Per group: the least k <= 9 making ``values * 10**k`` integers, else -1."""
    digits = np.full(n_groups, -1, dtype=np.int64)
    for k in range(_EXACT_DIGITS, -1, -1):
        v = values * 10.0**k
        bad = np.abs(v - np.round(v)) > _noise(v)
        ok = np.bincount(group, bad, n_groups) == 0
        digits[ok] = k
    return digits


def _scale_rows(model: Arrays, unit: Floats, ymax: Floats) -> tuple[Any, ...]:
    A = model.A.tocsr()
    m = A.shape[0]
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    b = A.data * unit[A.indices]
    size = np.bincount(rows, np.abs(b) * ymax[A.indices], m)
    exact = _exact_digits(b, rows, m)
    largest = np.zeros(m)
    np.maximum.at(largest, rows, np.abs(b))
    fit = np.floor(np.log10(LIMIT / 8 / np.maximum(size, 1e-30)))
    rounded = _ROUNDED_DIGITS - np.ceil(np.log10(np.maximum(largest, 1e-30)))
    digits = np.where(exact >= 0, exact, np.minimum(rounded, fit)).astype(np.int64)
    factor = 10.0 ** digits.astype(float)
    coefs = np.round(b * factor[rows])
    activity = np.bincount(rows, np.abs(coefs) * ymax[A.indices], m).astype(float)
    if activity.max(initial=0) > LIMIT:
        i = int(np.argmax(activity))
        raise UsageError(f"ortools:cpsat: row {model.row_names[i]} scales beyond 2^53")
    error = np.bincount(rows, np.abs(coefs - b * factor[rows]) * ymax[A.indices], m) / factor
    error[exact >= 0] = 0.0  # integral up to float noise
    return (coefs, *_row_sides(model, factor, activity), digits, error, size)


def _row_sides(model: Arrays, factor: Floats, activity: Floats) -> tuple[Floats, Floats]:
    """Row sides scaled and rounded inwards, clipped to the reachable activity."""
    with np.errstate(invalid="ignore"):
        lo = np.ceil(model.row_lo * factor - _noise(model.row_lo * factor))
        hi = np.floor(model.row_hi * factor + _noise(model.row_hi * factor))
    if (lo > hi).any():
        i = int(np.flatnonzero(lo > hi)[0])
        raise UsageError(f"ortools:cpsat: no grid point satisfies row {model.row_names[i]}")
    impossible = (lo > activity) | (hi < -activity)  # left for CP-SAT to prove infeasible
    lo = np.where(impossible, activity + 1, np.maximum(lo, -activity))
    return lo, np.where(impossible, activity + 1, np.minimum(hi, activity))


def scale(model: Arrays, precision: float = 1e-3, rounding_tol: float = 1e-4) -> Scaled:
    """The model in integers, or a :class:`UsageError` saying why it cannot be scaled.

    Parameters
    ----------
    model : Arrays
        The model.
    precision : float
        The grid of continuous variables, in each variable's unit.
    rounding_tol : float
        The largest rounding bound accepted, relative to the objective's size.

    Returns
    -------
    Scaled
        The integer model with its rounding bound.
    """
    if not precision > 0 or not rounding_tol >= 0:
        raise UsageError("ortools:cpsat: precision must be > 0 and rounding_tol >= 0")
    unit, y_lo, y_hi = _domain(model, precision)
    ymax = np.maximum(np.abs(y_lo), np.abs(y_hi))
    coefs, lo, hi, digits, row_err, size = _scale_rows(model, unit, ymax)
    d = model.c * unit
    obj, k, obj_error = _scale_objective(d, ymax)
    grid_error = precision * float(np.abs(model.c[~model.integer]).sum())
    rel_rows = row_err / np.maximum(1.0, size)
    out = Scaled(unit, y_lo, y_hi, coefs, lo, hi, digits, obj, k,
                 obj_error, grid_error, float(row_err.max(initial=0)), precision)  # fmt: skip
    reference = max(1.0, abs(model.offset) + float(np.abs(d) @ ymax))
    if out.rounding_bound > rounding_tol * reference or rel_rows.max(initial=0) > rounding_tol:
        raise UsageError(
            f"ortools:cpsat: rounding bound {out.rounding_bound:.3g} (rows {out.row_error:.3g}) "
            f"exceeds rounding_tol {rounding_tol:g} x {reference:.6g}; try a finer precision"
        )
    return out


def _scale_objective(d: Floats, ymax: Floats) -> tuple[Floats, int, float]:
    exact = int(_exact_digits(d, np.zeros(len(d), dtype=np.int64), 1)[0])
    fit = int(np.floor(np.log10(LIMIT / 8 / max(float(np.abs(d) @ ymax), 1e-30))))
    k = exact if 0 <= exact <= fit else min(fit, _ROUNDED_DIGITS)
    obj = np.round(d * 10.0**k)
    return obj, k, float(np.abs(obj - d * 10.0**k) @ ymax) / 10.0**k

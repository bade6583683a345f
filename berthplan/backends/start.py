"""A start and a cutoff handed to a backend, used safely: checked first, never trusted.

A backend that takes :attr:`Options.start` and :attr:`Options.cutoff` asks its solver only
for plans better than the best known one (HiGHS: its ``objective_bound``) and does not hand
the start to the solver itself: HiGHS 1.16's ``setSolution`` with presolve on has been seen to
return "Optimal" with an objective below the proven optimum (issue 11), and a solver given a
cutoff below the optimum reports a bound above it (HiGHS 1.16, measured on small-0). So the
solver's status and bound are read again here: the bound is the lesser of the solver's and
the cutoff's (everything the solver pruned is at least the cutoff), the plan is the better of
the solver's and the start, and the status follows from that plan's gap to that bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import Options, Result, Status, relative_gap

FEASIBILITY_TOL = 1e-6
"""Largest violation of a bound or row accepted in a start, relative to max(1, |side|)."""


@dataclass(frozen=True)
class Start:
    """What a backend should do with the start and cutoff of ``options``.

    ``x`` and ``value`` are the start and its objective (None when there is none, or it
    violates a bound, a row or integrality); ``limit`` the objective below which the solver
    should look (None: no cutoff), already lowered by the requested relative gap when the
    start holds a plan (a better plan must beat it by the gap, as the solver's own incumbent
    would).
    """

    x: NDArray[np.float64] | None
    value: float | None
    limit: float | None

    def incumbent(self, own: float | None) -> float | None:
        """The best plan a progress report shows: the solver's own (``own``) or the start's."""
        known = [v for v in (own, self.value) if v is not None]
        return min(known) if known else None


def objective(model: Arrays, x: NDArray[np.float64]) -> float:
    """The objective of ``x``, offset included."""
    return float(model.c @ x) + float(model.offset)


def feasible(model: Arrays, x: NDArray[np.float64], tol: float = FEASIBILITY_TOL) -> bool:
    """Whether ``x`` meets every bound, integrality and row of ``model`` within ``tol``."""
    if x.shape != model.c.shape or not np.all(np.isfinite(x)):
        return False
    slack = tol * np.maximum(1.0, np.abs(x))
    if np.any(x < model.lb - slack) or np.any(x > model.ub + slack):
        return False
    ints = x[model.integer]
    if np.any(np.abs(ints - np.round(ints)) > tol):
        return False
    ax = model.A @ x
    lo_ok = ax >= model.row_lo - tol * np.maximum(1.0, np.abs(model.row_lo))
    hi_ok = ax <= model.row_hi + tol * np.maximum(1.0, np.abs(model.row_hi))
    return bool(np.all(lo_ok | ~np.isfinite(model.row_lo)) and np.all(hi_ok))


def prepare(model: Arrays, options: Options) -> Start:
    """The start (if feasible), its value and the cutoff the solver should apply."""
    x, value = None, None
    if options.start is not None:
        candidate = np.asarray(options.start, dtype=float)
        if feasible(model, candidate):
            x, value = candidate, objective(model, candidate)
    known = [v for v in (value, options.cutoff) if v is not None and math.isfinite(v)]
    if not known or not model.integer.any():
        return Start(x, value, None)
    limit = min(known)
    if value is not None and value <= limit:
        limit -= (options.gap or 0.0) * max(1.0, abs(limit))
    return Start(x, value, limit)


def without_plan(result: Result, bound: float | None, why: str) -> Result:
    """``result`` with no plan, ``bound`` as its bound and ``why`` added to its message."""
    return replace(
        result,
        status=Status.NO_SOLUTION,
        x=None,
        objective=None,
        bound=bound,
        gap=None,
        message=f"{result.message}; {why}",
    )


def merge(result: Result, start: Start, gap: float | None) -> Result:
    """The solver's ``result`` under ``start.limit`` read back in full-model terms.

    Returns a result whose plan is the better of the solver's and the start, whose bound is a
    true bound on the model (never above the limit), and whose status is ``optimal`` only when
    that plan is within ``gap`` of that bound.
    """
    if start.limit is None or result.status in (Status.ERROR, Status.UNBOUNDED):
        return result
    if result.status == Status.INFEASIBLE:  # nothing below the limit: the limit is a bound
        bound: float | None = start.limit
    elif result.bound is not None and math.isfinite(result.bound):
        bound = min(result.bound, start.limit)
    else:
        bound = None
    x, value = result.x, result.objective
    own = result.has_solution and x is not None and value is not None
    if start.x is not None and start.value is not None and (not own or start.value < value):  # type: ignore[operator]
        x, value = start.x, start.value
    if x is None or value is None:
        return without_plan(result, bound, "no plan better than the cutoff")
    if bound is not None:
        bound = min(bound, value)
    found_gap = relative_gap(value, bound)
    proven = found_gap is not None and found_gap <= (gap or 0.0) + 1e-9
    return replace(
        result,
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        x=x,
        objective=value,
        bound=bound,
        gap=found_gap,
    )

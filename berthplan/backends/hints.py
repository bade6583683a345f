"""The start handed to solvers other than HiGHS as a hint, and their results read back.

:mod:`berthplan.backends.start` checks the start and computes the cutoff; here is what the
other backends do with them (the table is in docs/backends.md):

- ``ortools:scip``: the start as the ``MPModelProto``'s ``solution_hint``. OR-Tools hands a
  complete hint to SCIP as a solution, which SCIP checks and keeps as its incumbent: it then
  prunes against the start's value as a cutoff would. No cutoff of its own: OR-Tools exposes no
  ``SCIPsetObjlimit``, and SCIP's ``limits/objectivestop`` only stops the search early.
- ``ortools:highs``: the start as a MathOpt solution hint (HiGHS's ``setSolution``). No
  cutoff: MathOpt refuses ``cutoff_limit`` for HiGHS, and HiGHS 1.12's ``objective_bound``
  passed through MathOpt returned a plan above that bound (small-0, measured).
- ``ortools:cpsat``: the columns whose value lies on its grid as a partial hint
  (:func:`cp_start`), the cutoff as the objective's domain, widened by the rounding bound.
- ``pulp:cbc``: PuLP's ``warmStart`` (a MIP start file, CBC's ``-mips``); no cutoff.
- ``ortools:cbc`` takes nothing: OR-Tools' CBC interface never reads a hint (its
  ``cbc_interface.cc``; the log is the same with and without one).

A solver handed the start is trusted no more than HiGHS is: :func:`settle` reads its result
back (a plan that breaks a row or bound is dropped, see :func:`settle`).
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import Result, Status
from berthplan.backends.start import Start, feasible, merge, without_plan

if TYPE_CHECKING:
    from berthplan.backends.cpsat_scaling import Scaled


def settle(
    result: Result, model: Arrays, start: Start, gap: float | None, cut: bool = False
) -> Result:
    """``result`` of a solver handed ``start`` (and, with ``cut``, its limit) in full-model terms.

    Parameters
    ----------
    result : Result
        What the backend read from its solver.
    model : Arrays
        The model solved.
    start : Start
        What :func:`~berthplan.backends.start.prepare` made of the options.
    gap : float or None
        The requested relative gap.
    cut : bool
        Whether the solver was told to seek only plans below ``start.limit``. Without it the
        solver's bound is a bound on the whole model and is kept as it is (capped only at the
        start's value), rather than lowered to the limit; its "infeasible" then contradicts
        the checked start (tolerances differ) and leaves the start without a bound.

    Returns
    -------
    Result
        The better of the solver's plan and the start, a true bound, and ``optimal`` only
        when that plan is within ``gap`` of it (:func:`~berthplan.backends.start.merge`).
    """
    if start.x is not None and result.x is not None and not feasible(model, result.x):
        # a solver given a start returned a plan the model refuses: HiGHS's setSolution once
        # answered "Optimal" below the proven optimum (issue 11); neither its plan nor its
        # bound is believed then
        result = without_plan(result, None, "its plan breaks a row or bound: dropped")
    if cut:
        return merge(result, start, gap)
    if start.x is None:
        return result
    if result.status == Status.INFEASIBLE:
        message = f"{result.message}; the start meets every row: kept without a bound"
        result = replace(result, status=Status.NO_SOLUTION, bound=None, message=message)
    return merge(result, replace(start, limit=start.value), gap)


def mp_hint(proto: Any, start: Start) -> None:
    """The start as ``proto``'s ``solution_hint`` (an ``MPModelProto``), complete."""
    if start.x is not None:
        proto.solution_hint.var_index.extend(range(len(start.x)))
        proto.solution_hint.var_value.extend(start.x.tolist())


def mo_hint(start: Start) -> Any:
    """MathOpt's ``ModelSolveParametersProto`` with the start as its solution hint, complete."""
    model_params = import_module("ortools.math_opt.model_parameters_pb2")
    out = model_params.ModelSolveParametersProto()
    if start.x is not None:
        values = out.solution_hints.add().variable_values
        values.ids.extend(range(len(start.x)))
        values.values.extend(start.x.tolist())
    return out


def cp_start(proto: Any, scaled: Scaled, start: Start, offset: float) -> bool:
    """The start as a CP-SAT hint and its limit as the objective's domain; whether cut.

    Only columns whose value is a grid point in their domain are hinted (integer columns,
    and continuous ones such as zeros): another grid point would be a guess, and a hint is
    partial anyway. The objective's domain admits every grid plan scoring below
    ``start.limit + scaled.rounding_bound`` in CP-SAT's scaled objective: the grid point of
    any plan below the limit stays in it, so CP-SAT's bound (less the rounding bound, as
    without a cutoff) and its "infeasible" (nothing below the limit) are as true as before.
    """
    if start.x is not None:
        y = start.x / scaled.unit
        on_grid = np.abs(y - np.round(y)) <= 1e-9 * np.maximum(1.0, np.abs(y))
        y = np.round(y)
        hint = np.flatnonzero(on_grid & (y >= scaled.y_lo) & (y <= scaled.y_hi))
        proto.solution_hint.vars.extend(hint.tolist())
        proto.solution_hint.values.extend(y[hint].astype(np.int64).tolist())
    if start.limit is None:
        return False
    cap = (start.limit - offset + scaled.rounding_bound) * 10.0**scaled.obj_digits
    cap = np.ceil(cap + 1e-9 + 1e-12 * abs(cap))  # never below it for float noise
    limit = 2.0**53  # beyond every scaled activity (scale() keeps them below 2^50)
    proto.objective.domain.extend([-int(limit), int(np.clip(cap, -limit, limit))])
    return True

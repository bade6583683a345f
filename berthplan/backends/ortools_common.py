"""What OR-Tools' two MIP paths share: its modules untyped, and the ending of a result.

SCIP and CBC run through ``pywraplp`` (:mod:`berthplan.backends.ortools`), HiGHS through MathOpt
(:mod:`berthplan.backends.mathopt`); both report termination under the names of ``_KINDS`` and
end in :func:`_finish`: the plan, its objective, the bound, and the gap check of ``optimal``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import numpy as np

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import Options, Result, Status, relative_gap


def _ortools(module: str) -> Any:
    """An OR-Tools module, untyped: its partial stubs do not match the 9.15 wheel."""
    return import_module(f"ortools.{module}")


# infeasible_or_unbounded (HiGHS on a MIP) is reported as infeasible, as the highs backend does
_KINDS = {"optimal": Status.OPTIMAL, "feasible": Status.FEASIBLE, "unbounded": Status.UNBOUNDED,
          "infeasible": Status.INFEASIBLE, "no_solution_found": Status.NO_SOLUTION,
          "infeasible_or_unbounded": Status.INFEASIBLE}  # fmt: skip


def _finish(
    kind: Status,
    values: np.ndarray[Any, np.dtype[np.float64]],
    bound: float | None,
    model: Arrays,
    options: Options,
    wall: float,
    log: str,
    message: str,
) -> Result:
    """Common ending: the plan, its objective, the bound, and the gap check of ``optimal``."""
    has_plan = kind in (Status.OPTIMAL, Status.FEASIBLE) and len(values) == len(model.c)
    if kind in (Status.OPTIMAL, Status.FEASIBLE) and not has_plan:
        kind = Status.ERROR
    x = values if has_plan else None
    objective = float(model.c @ values + model.offset) if has_plan else None
    if kind not in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION) or (
        bound is not None and not np.isfinite(bound)
    ):
        bound = None
    if kind == Status.OPTIMAL and bound is None:
        bound = objective
    gap = relative_gap(objective, bound)
    requested = 1e-4 if options.gap is None else options.gap  # None: the solvers' default
    if kind == Status.OPTIMAL and gap is not None and gap > requested + 1e-6:
        kind, message = Status.FEASIBLE, f"{message}; gap {gap:.3g} exceeds the requested gap"
    return Result(kind, x, objective, bound, gap, wall, log, message)

"""CP-SAT (``ortools:cpsat``): the MILP scaled to integers at a stated precision, solved.

CP-SAT takes integer variables and coefficients only: :func:`scale` rewrites the model, or
refuses it with a :class:`~berthplan.errors.UsageError` (the grid, the powers of ten and the
rounding bound are described in :mod:`berthplan.backends.cpsat_scaling`); this module builds
CP-SAT's model and parameters from the scaled model and reads its answer back. ``precision``
and ``rounding_tol`` come from the constructor or ``extra``; other ``extra`` keys are CP-SAT
parameters. The objective is the model's own at the plan; the bound is CP-SAT's minus the
rounding bound, so ``optimal`` (within the requested gap) needs the bound inside the gap.
"""

from __future__ import annotations

import time
from dataclasses import replace
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import numpy as np

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import (
    Capabilities,
    Options,
    Result,
    Status,
    Throttle,
    budget,
    relative_gap,
)
from berthplan.backends.cpsat_scaling import Scaled, scale
from berthplan.backends.guard import stoppable
from berthplan.backends.hints import cp_start, settle
from berthplan.backends.logtail import captured_stdout
from berthplan.backends.ortools import ortools_version
from berthplan.backends.start import Start, prepare
from berthplan.errors import UsageError

_KINDS = {"OPTIMAL": Status.OPTIMAL, "FEASIBLE": Status.FEASIBLE,
          "INFEASIBLE": Status.INFEASIBLE, "UNKNOWN": Status.NO_SOLUTION}  # fmt: skip


def _cp_model(s: Scaled, model: Arrays) -> Any:
    cmh = import_module("ortools.sat.python.cp_model_helper")
    proto = cmh.CpModelProto()
    for domain in np.c_[s.y_lo, s.y_hi].astype(np.int64).tolist():
        proto.variables.add().domain.extend(domain)
    A = model.A.tocsr()
    coefs = s.coefs.astype(np.int64)
    for i, domain in enumerate(np.c_[s.row_lo, s.row_hi].astype(np.int64).tolist()):
        start, end = A.indptr[i], A.indptr[i + 1]
        linear = proto.constraints.add().linear
        linear.vars.extend(A.indices[start:end].tolist())
        linear.coeffs.extend(coefs[start:end].tolist())
        linear.domain.extend(domain)
    nz = np.flatnonzero(s.obj)
    proto.objective.vars.extend(nz.tolist())
    proto.objective.coeffs.extend(s.obj[nz].astype(np.int64).tolist())
    return proto


def _parameters(options: Options, extra: dict[str, Any]) -> Any:
    """``SatParameters`` from the common options, then ``extra`` (checked against the proto)."""
    fields = import_module("ortools.sat.sat_parameters_pb2").SatParameters.DESCRIPTOR
    params = import_module("ortools.sat.python.cp_model_helper").SatParameters()
    # catch_sigint_signal: CP-SAT's own Ctrl-C handler aborts the process from Python (9.15);
    # berthplan stops the search itself (stop_search) and keeps the best plan
    common = {"log_search_progress": bool(options.verbose), "num_workers": options.threads,
              "catch_sigint_signal": False,
              "max_time_in_seconds": options.time_limit, "random_seed": options.seed,
              "relative_gap_limit": options.gap}  # fmt: skip
    for key, value in ({k: v for k, v in common.items() if v is not None} | extra).items():
        field = fields.fields_by_name.get(key)
        if field is None:
            raise UsageError(f"ortools:cpsat: unknown CP-SAT parameter '{key}'")
        items = value if isinstance(value, list | tuple) else [value]
        text = " ".join(f"{key}: {_text(field, v)}" for v in items)
        if not params.merge_text_format(text):
            raise UsageError(f"ortools:cpsat: bad value for CP-SAT parameter {key}: {value!r}")
    return params


def _text(field: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if field.type == field.TYPE_STRING:
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


class CpSatBackend:
    """``ortools:cpsat``: CP-SAT on the model scaled to integers (see :func:`scale`); a start
    and a cutoff as :func:`berthplan.backends.hints.cp_start` says; no node limit."""

    capabilities = Capabilities(integer_only=True, warm_start=True)

    def __init__(
        self, name: str = "ortools:cpsat", precision: float = 1e-3, rounding_tol: float = 1e-4
    ) -> None:
        self.name = name
        self.precision = precision
        self.rounding_tol = rounding_tol

    def available(self) -> tuple[bool, str]:
        ok = find_spec("ortools.sat.python") is not None
        return ok, "" if ok else "ortools is not installed"

    def version(self) -> str:
        return f"ortools {ortools_version()}"

    def solve(self, model: Arrays, options: Options) -> Result:
        extra = {k: v for k, v in options.extra.items() if k not in ("precision", "rounding_tol")}
        try:
            precision = float(options.extra.get("precision", self.precision))
            tol = float(options.extra.get("rounding_tol", self.rounding_tol))
        except (TypeError, ValueError):
            raise UsageError(f"{self.name}: precision and rounding_tol must be numbers") from None
        params = _parameters(options, extra)
        t0 = time.perf_counter()
        start = prepare(model, options)
        scaled = scale(model, precision, tol)
        proto = _cp_model(scaled, model)
        cut = cp_start(proto, scaled, start, model.offset)
        cmh = import_module("ortools.sat.python.cp_model_helper")
        invalid = cmh.CpSatHelper.validate_model(proto)
        if invalid:  # solving an invalid model can crash the process
            return Result(Status.ERROR, wall_time=time.perf_counter() - t0, message=invalid)
        params = _parameters(replace(options, time_limit=budget(options, t0)), extra)
        with captured_stdout() as out:
            wrapper = cmh.SolveWrapper()
            wrapper.set_parameters(params)
            if options.progress is not None:
                reports = _reporter(Throttle(options.progress), scaled, model, start)
                wrapper.add_solution_callback(reports)
                wrapper.add_best_bound_callback(reports.bound)
            with stoppable(lambda hard: wrapper.stop_search()):  # keeps its best plan
                response = wrapper.solve(proto)
        wall = time.perf_counter() - t0
        result = _result(response, scaled, model, options, wall, "".join(out))
        return settle(result, model, start, options.gap, cut)


def _reporter(throttle: Throttle, s: Scaled, model: Arrays, start: Start) -> Any:
    """A CP-SAT solution callback that also takes its bound callback's values (``.bound``).

    Reports the model's own objective at each solution (its columns off the grid) and the
    bound as :func:`_result` reads it; under a cutoff (:func:`cp_start`), the start's plan
    until CP-SAT beats it and the bound capped at the cutoff, as HiGHS's reports are.
    """
    cmh = import_module("ortools.sat.python.cp_model_helper")
    t0 = time.perf_counter()

    class Reports(cmh.SolutionCallback):  # type: ignore[misc,name-defined]
        own: float | None = None  # CP-SAT's best plan so far
        best: float | None = None

        def OnSolutionCallback(self) -> None:  # CP-SAT calls it by this name
            x = np.array(self.Response().solution, dtype=float) * s.unit
            value = float(model.c @ x + model.offset)
            self.own = value if self.own is None else min(self.own, value)
            self.send()

        def bound(self, scaled: float) -> None:
            value = float(scaled) / 10.0**s.obj_digits + model.offset - s.rounding_bound
            self.best = value if start.limit is None else min(value, start.limit)
            self.send()

        def send(self) -> None:
            throttle(time.perf_counter() - t0, start.incumbent(self.own), self.best)

    return Reports()


def _result(
    response: Any, s: Scaled, model: Arrays, options: Options, wall: float, log: str
) -> Result:
    name = str(response.status.name)
    kind = _KINDS.get(name, Status.ERROR)
    message = f"cp-sat {name.lower()}; {s.describe()}"
    x = objective = bound = None
    if kind in (Status.OPTIMAL, Status.FEASIBLE):
        x = np.array(response.solution, dtype=float) * s.unit
        objective = float(model.c @ x + model.offset)
    if kind in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION):
        scaled_bound = float(response.best_objective_bound) / 10.0**s.obj_digits
        bound = scaled_bound + model.offset - s.rounding_bound
        bound = bound if np.isfinite(bound) else None
    if kind == Status.INFEASIBLE and not model.integer.all():
        message += f"; the {s.precision:g} grid may be what makes it infeasible"
    gap = relative_gap(objective, bound)
    if kind == Status.OPTIMAL and gap is not None and gap > (options.gap or 0.0) + 1e-6:
        kind = Status.FEASIBLE
        message += "; optimal for the scaled model, not proven within the gap for the model"
    return Result(kind, x, objective, bound, gap, wall, log, message)

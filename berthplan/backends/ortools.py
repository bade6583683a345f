"""OR-Tools' MIP solvers: ``ortools:scip``, ``ortools:cbc`` and ``ortools:highs``.

SCIP and CBC run through ``pywraplp`` (the only OR-Tools API reaching CBC), HiGHS through
MathOpt: ``pywraplp``'s HiGHS in OR-Tools 9.15 ignores gap and threads, reports the incumbent
as the bound and drops the plan of a time-limited solve (the MathOpt path is
:mod:`berthplan.backends.mathopt`; what both share, :mod:`berthplan.backends.ortools_common`).
Models go in as protocol buffers filled from the arrays in bulk. All three run single-threaded (this CBC is built without
threads, SCIP is sequential, MathOpt's HiGHS takes no thread count): ``threads > 1`` is refused.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import (
    Capabilities,
    Options,
    Result,
    Status,
    Throttle,
    budget,
)
from berthplan.backends.guard import stoppable
from berthplan.backends.hints import mo_hint, mp_hint, settle
from berthplan.backends.logtail import captured_stdout
from berthplan.backends.mathopt import _mathopt_solve, _mo_model, _mo_parameters, _mo_result
from berthplan.backends.ortools_common import _KINDS, _finish, _ortools
from berthplan.backends.scip_log import ScipFeed
from berthplan.backends.start import prepare
from berthplan.errors import UsageError

SOLVER_IDS = ("SCIP", "CBC", "HIGHS")
_FORBIDDEN = re.compile(r"[\s+\-*/<>=:\\^]")


def sanitize_names(labels: list[str]) -> list[str]:
    """Labels made valid LP/MPS names (``x[p1e-ct-3,2021]`` -> ``x[p1e_ct_3,2021]``), unique.

    Parameters
    ----------
    labels : list of str
        Row or column labels of the model.

    Returns
    -------
    list of str
        One name per label; a clash gets a ``#n`` suffix.
    """
    seen: set[str] = set()
    out = []
    for label in labels:
        clean = _FORBIDDEN.sub("_", label)[:240] or "v"
        if clean[0] in "$.0123456789":
            clean = "_" + clean
        name, n = clean, 1
        while name in seen:
            name, n = f"{clean}#{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


def _mp_model(model: Arrays, names: tuple[list[str], list[str]] | None = None) -> Any:
    """The model as an ``MPModelProto``, filled in C++ by the model-builder helper."""
    mbh = _ortools("linear_solver.python.model_builder_helper")

    helper = mbh.ModelBuilderHelper()
    A = sp.csr_matrix(model.A, dtype=np.float64)
    helper.fill_model_from_sparse_data(model.lb, model.ub, model.c, model.row_lo, model.row_hi, A)
    for j in np.flatnonzero(model.integer):
        helper.set_var_integrality(int(j), True)
    helper.set_objective_offset(float(model.offset))
    if names is not None:
        for col, name in enumerate(names[0]):
            helper.set_var_name(col, name)
        for row, name in enumerate(names[1]):
            helper.set_constraint_name(row, name)
    return mbh.to_mpmodel_proto(helper)


def to_ortools(
    model: Arrays, *, solver_id: str = "SCIP", readable: bool = True
) -> tuple[Any, list[Any]]:
    """The model as a ``pywraplp.Solver`` and its variables in column order.

    Researchers add constraints with the natural API (``solver.Add(x[0] + x[1] <= 1)``) and
    call ``solver.Solve()`` themselves. Prefer SCIP or CBC here: pywraplp's ``"HIGHS"`` in
    OR-Tools 9.15 ignores ``RELATIVE_MIP_GAP`` (HiGHS keeps its 1e-4) and reports no plan
    after a time limit.

    Parameters
    ----------
    model : Arrays
        The solver-neutral model.
    solver_id : str
        A ``pywraplp`` solver id: ``"SCIP"``, ``"CBC"``, ``"HIGHS"``, ...
    readable : bool
        Name variables and constraints after berthplan's labels (:func:`sanitize_names`).

    Returns
    -------
    tuple
        The solver and the list of its variables.
    """
    pywraplp = _ortools("linear_solver.pywraplp")

    solver = pywraplp.Solver.CreateSolver(solver_id)
    if solver is None:
        raise UsageError(f"OR-Tools cannot create solver '{solver_id}'")
    names = (sanitize_names(model.col_names), sanitize_names(model.row_names)) if readable else None
    error = solver.LoadModelFromProtoKeepNames(_mp_model(model, names))
    if error:
        raise UsageError(f"OR-Tools rejected the model: {error}")
    return solver, list(solver.variables())


@cache
def _probe(solver_id: str) -> tuple[bool, str]:
    """Whether pywraplp can create the solver (HiGHS: the same library serves MathOpt)."""
    try:
        if _ortools("linear_solver.pywraplp").Solver.CreateSolver(solver_id) is None:
            return False, f"ortools {ortools_version()} cannot create solver {solver_id}"
        return True, ""
    except ImportError as e:  # pragma: no cover - ortools is a dependency
        return False, f"ortools not importable ({e})"


@cache
def ortools_version() -> str:
    """The installed OR-Tools version, e.g. ``9.15.6755``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ortools")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


class OrToolsBackend:
    """``ortools:<solver>``: SCIP or CBC through pywraplp, HiGHS through MathOpt; a start as
    a hint to SCIP and HiGHS, never to CBC (:mod:`berthplan.backends.hints`)."""

    def __init__(self, name: str, solver_id: str) -> None:
        if solver_id.upper() not in SOLVER_IDS:
            raise UsageError(f"{name}: unknown OR-Tools solver '{solver_id}'")
        self.name = name
        self.solver_id = solver_id.upper()
        self.capabilities = Capabilities(
            threads=False, warm_start=self.solver_id != "CBC", node_limit=self.solver_id == "SCIP"
        )

    def available(self) -> tuple[bool, str]:
        return _probe(self.solver_id)

    def version(self) -> str:
        return f"ortools {ortools_version()}"

    def solve(self, model: Arrays, options: Options) -> Result:
        if options.threads is not None and options.threads > 1:
            raise UsageError(
                f"{self.name}: runs single-threaded in OR-Tools {ortools_version()}; "
                f"threads must be 1 or unset (got {options.threads})"
            )
        if self.solver_id == "HIGHS":
            return self._solve_mathopt(model, options)
        return self._solve_pywraplp(model, options)

    def _solve_pywraplp(self, model: Arrays, options: Options) -> Result:
        pywraplp = _ortools("linear_solver.pywraplp")
        linear_solver_pb2 = _ortools("linear_solver.linear_solver_pb2")

        text = _specific_parameters(self.name, self.solver_id, options)
        t0 = time.perf_counter()
        start = prepare(model, options if self.capabilities.warm_start else Options())
        response = linear_solver_pb2.MPSolutionResponse()
        code, bad = -1, []
        follow = None
        if options.progress is not None and self.solver_id == "SCIP":
            follow = ScipFeed(Throttle(options.progress), start)  # its log, its only report
        with captured_stdout(follow) as out:
            solver = pywraplp.Solver.CreateSolver(self.solver_id)
            proto = _mp_model(model)
            mp_hint(proto, start)
            error = solver.LoadModelFromProto(proto)
            bad = _rejected_lines(solver, text)
            if not error and not bad:
                params = _configure(
                    solver, replace(options, time_limit=budget(options, t0)), follow is not None
                )
                # SCIP stops at InterruptSolve() with its best plan; CBC cannot (returns False)
                with stoppable(lambda hard: solver.InterruptSolve()):
                    code = solver.Solve(params)
                solver.FillSolutionResponseProto(response)
        if bad:
            raise UsageError(f"{self.name}: SCIP rejected parameter(s) {bad} (see SCIP's docs)")
        if error:
            return Result(Status.ERROR, wall_time=time.perf_counter() - t0, message=error)
        wall = time.perf_counter() - t0
        # a log switched on for progress alone is not kept (the result's log is verbose's)
        log = "" if follow is not None and not options.verbose else "".join(out)
        result = _mp_result(code, response, model, options, wall, log)
        return settle(result, model, start, options.gap)

    def _solve_mathopt(self, model: Arrays, options: Options) -> Result:
        _mo_parameters(self.name, options)  # a bad option is refused before any work
        t0 = time.perf_counter()
        start = prepare(model, options)
        response, failure = None, None
        with captured_stdout() as out:
            try:
                proto = _mo_model(model)
                params = _mo_parameters(self.name, replace(options, time_limit=budget(options, t0)))
                response = _mathopt_solve(proto, params, mo_hint(start))
            except Exception as e:  # pybind11_abseil's StatusNotOk
                failure = e
        wall, log = time.perf_counter() - t0, "".join(out)
        if failure is not None and "INVALID_ARGUMENT" in str(failure):
            raise UsageError(f"{self.name}: bad option: {failure}") from None
        if failure is not None:
            return Result(Status.ERROR, wall_time=wall, log=log, message=f"{failure}")
        return settle(_mo_result(response, model, options, wall, log), model, start, options.gap)


def _specific_parameters(name: str, solver_id: str, options: Options) -> list[str]:
    """SCIP's ``name = value`` lines for the seed, the node limit and ``extra``; CBC takes none."""
    lines = [] if options.seed is None else [f"randomization/randomseedshift = {options.seed}"]
    if options.node_limit is not None and solver_id == "SCIP":
        # restarts included; no plan: OR-Tools says "not solved" (limits/nodes: "abnormal")
        lines.append(f"limits/totalnodes = {int(options.node_limit)}")
    for key, value in options.extra.items():
        text = ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value)
        if "\n" in text or not re.fullmatch(r"[A-Za-z0-9_/]+", str(key)):
            raise UsageError(f"{name}: bad extra option {key!r} = {value!r}")
        lines.append(f"{key} = {text}")
    if lines and solver_id == "CBC":
        what = "a seed" if options.seed is not None else f"extra options {sorted(options.extra)}"
        raise UsageError(
            f"{name}: OR-Tools' CBC interface takes no solver-specific parameters, so "
            f"{what} cannot be passed (pulp:cbc can)"
        )
    if solver_id == "SCIP":  # Ctrl-C is berthplan's: it stops SCIP with InterruptSolve()
        lines.append("misc/catchctrlc = FALSE")
    return lines


def _rejected_lines(solver: Any, lines: list[str]) -> list[str]:
    if not lines or solver.SetSolverSpecificParametersAsString("\n".join(lines)):
        return []
    return [x for x in lines if not solver.SetSolverSpecificParametersAsString(x)] or lines


def _configure(solver: Any, options: Options, log: bool = False) -> Any:
    """``solver`` set up for ``options``; its log on with ``verbose``, or when ``log``."""
    pywraplp = _ortools("linear_solver.pywraplp")

    if options.time_limit is not None:
        solver.SetTimeLimit(max(1, int(np.ceil(options.time_limit * 1000))))
    if options.verbose or log:
        solver.EnableOutput()
    params = pywraplp.MPSolverParameters()
    if options.gap is not None:
        params.SetDoubleParam(params.RELATIVE_MIP_GAP, float(options.gap))
    return params


# pywraplp's result codes (MPSolver::ResultStatus); their names are those of _KINDS.
_MP_CODES = {0: "optimal", 1: "feasible", 2: "infeasible", 3: "unbounded", 4: "abnormal",
             5: "model invalid", 6: "not solved"}  # fmt: skip


def _mp_result(
    code: int, response: Any, model: Arrays, options: Options, wall: float, log: str
) -> Result:
    name = _MP_CODES.get(code, f"code {code}")
    kind = _KINDS.get(name, Status.ERROR)
    if name == "not solved" and (options.time_limit is not None or options.node_limit is not None):
        kind = Status.NO_SOLUTION
    values = np.array(response.variable_value, dtype=float)
    bound = float(response.best_objective_bound)
    return _finish(kind, values, bound, model, options, wall, log, name)

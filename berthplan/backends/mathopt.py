"""OR-Tools' MathOpt path, for ``ortools:highs``: the model, parameters and result as protos.

``pywraplp``'s HiGHS in OR-Tools 9.15 ignores gap and threads, reports the incumbent as the
bound and drops the plan of a time-limited solve, so :class:`~berthplan.backends.ortools.
OrToolsBackend` runs HiGHS through MathOpt: the model goes in as a ``ModelProto`` filled from
the arrays in bulk (:func:`_mo_model`), the common options as ``SolveParametersProto``
(:func:`_mo_parameters`), and the ``SolveResultProto`` comes back as a :class:`Result`
(:func:`_mo_result`). :func:`_mathopt_solve` runs HiGHS in a fresh interpreter
(:func:`_child`) when another HiGHS build is loaded in the process.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import Options, Result, Status
from berthplan.backends.ortools_common import _KINDS, _finish, _ortools
from berthplan.errors import UsageError


def _mo_model(model: Arrays) -> Any:
    """The model as a MathOpt ``ModelProto`` (repeated fields extended from numpy arrays)."""
    model_pb2 = _ortools("math_opt.model_pb2")

    A = sp.csr_matrix(model.A, dtype=np.float64)
    A.eliminate_zeros()
    A.sort_indices()
    proto = model_pb2.ModelProto()
    proto.objective.offset = float(model.offset)
    var, rows, cost = proto.variables, proto.linear_constraints, proto.objective
    matrix, nz = proto.linear_constraint_matrix, np.flatnonzero(model.c)
    for field, values in [
        (var.ids, range(len(model.c))), (var.lower_bounds, model.lb),
        (var.upper_bounds, model.ub), (var.integers, model.integer.tolist()),
        (rows.ids, range(A.shape[0])), (rows.lower_bounds, model.row_lo),
        (rows.upper_bounds, model.row_hi), (cost.linear_coefficients.ids, nz.tolist()),
        (cost.linear_coefficients.values, model.c[nz]), (matrix.column_ids, A.indices.tolist()),
        (matrix.row_ids, np.repeat(np.arange(A.shape[0]), np.diff(A.indptr)).tolist()),
        (matrix.coefficients, A.data),
    ]:  # fmt: skip
        field.extend(values)
    return proto


def _mo_parameters(name: str, options: Options) -> Any:
    """MathOpt's common parameters, with ``extra`` as HiGHS options (HiGHS parses the text)."""
    parameters_pb2 = _ortools("math_opt.parameters_pb2")

    params = parameters_pb2.SolveParametersProto(enable_output=bool(options.verbose))
    if options.time_limit is not None:
        params.time_limit.FromNanoseconds(int(options.time_limit * 1e9))
    if options.gap is not None:
        params.relative_gap_tolerance = float(options.gap)
    if options.seed is not None:
        params.random_seed = int(options.seed)
    for key, value in options.extra.items():
        if key == "threads":
            raise UsageError(f"{name}: MathOpt's HiGHS takes no thread count")
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        params.highs.string_options[str(key)] = text
    return params


def _mathopt_solve(proto: Any, params: Any, hints: Any, here: bool = False) -> Any:
    """MathOpt's HiGHS; in a fresh interpreter when another HiGHS is in the global namespace.

    PuLP 3.3 loads highspy's extension with ``RTLD_GLOBAL`` on import; its HiGHS symbols then
    displace OR-Tools' own (another HiGHS version) and MathOpt's HiGHS crashes the process.
    """
    if here or not hasattr(ctypes.CDLL(None), "_ZN7HighsLp5clearEv"):  # HighsLp::clear()
        p = _ortools("math_opt.parameters_pb2")
        init, reg = p.SolverInitializerProto(), _ortools("math_opt.callback_pb2")
        return _ortools("math_opt.core.python.solver").solve(
            proto, p.SOLVER_TYPE_HIGHS, init, params, hints, None,
            reg.CallbackRegistrationProto(), None, None,
        )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, message in (("model", proto), ("params", params), ("hints", hints)):
            (folder / name).write_bytes(message.SerializeToString())
        code = f"from {__name__} import _child; _child({tmp!r})"
        run = subprocess.run([sys.executable, "-c", code], stderr=subprocess.PIPE, check=False)
        if (folder / "error").exists() or run.returncode:
            why = (folder / "error").read_text() if run.returncode == 0 else run.stderr.decode()
            raise RuntimeError(f"HiGHS in a subprocess: {why.strip()}")
        return _ortools("math_opt.result_pb2").SolveResultProto.FromString(
            (folder / "result").read_bytes()
        )


def _child(folder: str) -> None:
    """The subprocess of :func:`_mathopt_solve`: solve the protos in ``folder``."""
    path = Path(folder)
    model, params, hints = ((path / name).read_bytes() for name in ("model", "params", "hints"))
    try:
        result = _mathopt_solve(
            _ortools("math_opt.model_pb2").ModelProto.FromString(model),
            _ortools("math_opt.parameters_pb2").SolveParametersProto.FromString(params),
            _ortools("math_opt.model_parameters_pb2").ModelSolveParametersProto.FromString(hints),
            here=True,
        )
        (path / "result").write_bytes(result.SerializeToString())
    except Exception as e:
        (path / "error").write_text(str(e))


def _mo_result(response: Any, model: Arrays, options: Options, wall: float, log: str) -> Result:
    result_pb2 = _ortools("math_opt.result_pb2")
    reason = result_pb2.TerminationReasonProto.Name(response.termination.reason)
    reason = reason.removeprefix("TERMINATION_REASON_").lower()
    kind = _KINDS.get(reason, Status.ERROR)
    values = np.zeros(0)
    feasible = [s for s in response.solutions if s.primal_solution.feasibility_status == 2]
    if feasible:
        sparse = feasible[0].primal_solution.variable_values
        values = np.zeros(len(model.c))
        values[np.array(sparse.ids, dtype=np.int64)] = np.array(sparse.values, dtype=float)
    bound = float(response.termination.objective_bounds.dual_bound)
    detail = response.termination.detail
    message = reason + (f": {detail}" if detail else "")
    return _finish(kind, values, bound, model, options, wall, log, message)

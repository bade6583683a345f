"""Solvers reached through PuLP (``pulp:cbc`` ships inside PuLP 3.x)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from pathlib import Path
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
    read_log,
    relative_gap,
)
from berthplan.backends.cbc_log import CbcFeed
from berthplan.backends.guard import children, signal_children, stoppable
from berthplan.backends.hints import settle
from berthplan.backends.logtail import captured_stdout, following
from berthplan.backends.start import Start, prepare
from berthplan.errors import UsageError


@contextmanager
def _no_v4_notices() -> Iterator[None]:
    # PuLP 3.x announces its 4.0 API (PULP_CBC_CMD, LpVariable...) with DeprecationWarnings;
    # berthplan pins pulp<4 (4.x drops the bundled CBC and Python 3.11), so they are noise here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*PuLP 4\.0", category=DeprecationWarning)
        yield


def to_lp_problem(
    model: Arrays, *, readable: bool = True, name: str = "berthplan"
) -> tuple[Any, list[Any]]:
    """The model as a ``pulp.LpProblem`` and its variables in column order.

    With ``readable`` the columns and rows keep berthplan's labels (PuLP turns ``[]-,`` into
    ``_``; a clash gets a ``#n`` suffix), else they are ``c<i>`` / ``r<i>``.
    """
    import pulp

    with _no_v4_notices():
        return _build_problem(pulp, model, readable=readable, name=name)


def _build_problem(pulp: Any, model: Arrays, *, readable: bool, name: str) -> tuple[Any, list[Any]]:
    prob = pulp.LpProblem(re.sub(r"[^A-Za-z0-9_]", "_", name), pulp.LpMinimize)
    col_names = _unique(model.col_names) if readable else [f"c{i}" for i in range(len(model.c))]
    row_names = _unique(model.row_names) if readable else [f"r{i}" for i in range(model.A.shape[0])]
    variables = [
        pulp.LpVariable(
            n,
            lowBound=None if np.isinf(lo) else float(lo),
            upBound=None if np.isinf(hi) else float(hi),
            cat=pulp.LpInteger if integer else pulp.LpContinuous,
        )
        for n, lo, hi, integer in zip(col_names, model.lb, model.ub, model.integer, strict=True)
    ]
    nz = np.nonzero(model.c)[0]
    prob += pulp.LpAffineExpression(
        [(variables[j], float(model.c[j])) for j in nz], constant=model.offset
    )
    A = model.A
    for i in range(A.shape[0]):
        lo, hi = model.row_lo[i], model.row_hi[i]
        start, end = A.indptr[i], A.indptr[i + 1]
        expr = pulp.LpAffineExpression(
            [
                (variables[j], float(v))
                for j, v in zip(A.indices[start:end], A.data[start:end], strict=True)
            ]
        )
        if lo == hi:
            prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, row_names[i], float(hi))
        else:
            if np.isfinite(hi):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, row_names[i], float(hi))
            if np.isfinite(lo):
                suffix = "_lo" if np.isfinite(hi) else ""
                prob += pulp.LpConstraint(
                    expr, pulp.LpConstraintGE, row_names[i] + suffix, float(lo)
                )
    return prob, variables


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        clean = re.sub(r"[^A-Za-z0-9_.]", "_", lab).strip("_") or "v"
        n = seen.get(clean, 0)
        seen[clean] = n + 1
        out.append(clean if n == 0 else f"{clean}#{n}")
    return out


_CBC = ("PULP_CBC_CMD", "COIN_CMD")


@contextmanager
def _reading(log: Path, feed: CbcFeed) -> Iterator[None]:
    fd = os.open(log, os.O_RDONLY)
    try:
        with following(fd, feed):
            yield
    finally:
        os.close(fd)


def _stdbuf() -> str | None:
    return shutil.which("stdbuf")


def _line_buffered(folder: Path) -> Path | None:
    """A script that runs PuLP's CBC with its output line-buffered, or None if it cannot.

    CBC writes its log through C stdio, which holds 4 KB at a time when the log is a file:
    a report would lag by up to 12 s (medium-0). ``stdbuf -oL`` (GNU coreutils) makes it
    write each line. Without ``stdbuf``, or where ``folder`` may not hold programs (a
    ``noexec`` mount), CBC runs as it is and its progress arrives a block at a time.
    """
    import pulp

    stdbuf = _stdbuf()
    cbc = pulp.PULP_CBC_CMD.pulp_cbc_path
    if stdbuf is None or not cbc or os.statvfs(folder).f_flag & os.ST_NOEXEC:
        return None
    script = folder / "cbc"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(stdbuf)} -oL {shlex.quote(cbc)} "$@"\n')
    script.chmod(0o700)
    return script


# Command-line solvers write their log to a file (logPath); the others print it (captured).
_FILE_LOG = ("PULP_CBC_CMD", "COIN_CMD", "GLPK_CMD", "SCIP_CMD", "CPLEX_CMD", "GUROBI_CMD")


@cache
def _available(solver: str) -> tuple[bool, str]:
    try:
        import pulp
    except ImportError as e:
        return False, f"pulp not importable ({e})"
    if solver not in pulp.listSolvers(onlyAvailable=False):
        return False, f"PuLP {pulp.__version__} has no solver {solver}"
    with _no_v4_notices():
        found = pulp.getSolver(solver, msg=False).available()
    if not found:
        return False, f"PuLP does not find {solver} on this machine"
    return True, ""


class PulpBackend:
    """``pulp:<solver>``: the model handed to a solver through PuLP.

    ``pulp:cbc`` takes a start as PuLP's ``warmStart`` (CBC's MIP start file), no cutoff
    (:mod:`berthplan.backends.hints`); the other PuLP solvers take neither.
    """

    def __init__(self, name: str, solver: str) -> None:
        self.name = name
        self.solver = solver
        self.capabilities = Capabilities(threads=True, warm_start=solver == "PULP_CBC_CMD")

    def available(self) -> tuple[bool, str]:
        return _available(self.solver)

    def version(self) -> str:
        import pulp

        return f"pulp {pulp.__version__}"

    def solve(self, model: Arrays, options: Options) -> Result:
        import pulp

        t0 = time.perf_counter()
        start = prepare(model, options if self.capabilities.warm_start else Options())
        prob, variables = to_lp_problem(model, readable=False)
        _set_start(variables, model, start)
        # PuLP writes the model file inside prob.solve(), after the limit is set: that takes
        # about as long as building the problem did (measured), so it is taken off up front.
        limit = budget(options, t0 - (time.perf_counter() - t0))
        before = children()

        def stop(hard: bool) -> bool:  # CBC stops on SIGINT and writes its best plan
            sent = signal_children(children() - before, signal.SIGKILL if hard else signal.SIGINT)
            return sent and self.solver in ("PULP_CBC_CMD", "COIN_CMD")

        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "solver.log"
            log.touch()  # PuLP opens it again ("w"): the same file, followed from its start
            try:
                with (
                    _no_v4_notices(),
                    captured_stdout() as printed,
                    stoppable(stop),
                    self._following(log, model, start, options),
                ):
                    solver = self._solver(options, log, limit, start.x is not None)
                    prob.solve(solver)
            except pulp.PulpSolverError as e:  # also when the process was killed
                wall = time.perf_counter() - t0
                stopped = limit is not None and wall > limit
                kind = Status.NO_SOLUTION if stopped else Status.ERROR
                failed = Result(kind, wall_time=wall, message=str(e).split(",")[0])
                return settle(failed, model, start, options.gap)
            text = read_log(log) + "".join(printed)
        wall = time.perf_counter() - t0
        result = self._result(prob, variables, model, text, wall, bool(options.gap))
        return settle(result, model, start, options.gap)

    def _following(
        self, log: Path, model: Arrays, start: Start, options: Options
    ) -> AbstractContextManager[None]:
        """CBC's progress, read from its log while it is written (no other solver's yet)."""
        if options.progress is None or self.solver not in _CBC:
            return nullcontext()
        feed = CbcFeed(Throttle(options.progress), start, float(model.offset))
        return _reading(log, feed)

    def _solver(self, options: Options, log: Path, limit: float | None, warm: bool) -> Any:
        import pulp

        file_log = self.solver in _FILE_LOG
        kwargs: dict[str, Any] = {"msg": options.verbose and not file_log}
        if warm:
            kwargs["warmStart"] = True
        if limit is not None:
            kwargs["timeLimit"] = float(limit)
        if options.gap is not None:
            kwargs["gapRel"] = float(options.gap)
        if options.threads is not None:
            kwargs["threads"] = int(options.threads)
        if self.solver in (
            "PULP_CBC_CMD",
            "COIN_CMD",
            "GLPK_CMD",
            "SCIP_CMD",
            "CPLEX_CMD",
            "GUROBI_CMD",
        ):
            kwargs["logPath"] = str(log)
        extra = dict(options.extra)
        if options.seed is not None and self.solver == "PULP_CBC_CMD":
            extra.setdefault("randomSeed", options.seed)
        if limit is not None and self.solver in ("PULP_CBC_CMD", "COIN_CMD"):
            extra.setdefault("timeMode", "elapsed")  # CBC counts CPU seconds by default
        if self.solver in ("PULP_CBC_CMD", "COIN_CMD") and extra:
            kwargs["options"] = [f"{k} {v}" for k, v in sorted(extra.items())]
            extra = {}
        name = self.solver
        wrapper = _line_buffered(log.parent) if options.progress and name in _CBC else None
        if wrapper is not None:  # the same CBC, run through stdbuf (COIN_CMD takes a path)
            name, kwargs["path"] = "COIN_CMD", str(wrapper)
        try:
            return pulp.getSolver(name, **kwargs, **extra)
        except TypeError as e:
            raise UsageError(f"{self.name}: unknown option ({e})") from None

    def _result(
        self, prob: Any, variables: list[Any], model: Arrays, log: str, wall: float, gap: bool
    ) -> Result:
        import pulp

        sol = prob.sol_status
        has_plan = sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        if sol == pulp.LpSolutionOptimal:
            kind = Status.OPTIMAL
        elif sol == pulp.LpSolutionIntegerFeasible:
            kind = Status.FEASIBLE  # PuLP's status says "Optimal" after a time limit; this does not
        elif sol == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
            kind = Status.INFEASIBLE
        elif sol == pulp.LpSolutionUnbounded:
            kind = Status.UNBOUNDED
        else:
            kind = Status.NO_SOLUTION
        x = None
        objective = None
        if has_plan:
            x = np.array(
                [v.varValue if v.varValue is not None else 0.0 for v in variables], dtype=float
            )
            objective = float(model.c @ x + model.offset)
        # With a gap > 0, CBC's "optimal" is only within it: read its bound from the log.
        bound = objective if kind == Status.OPTIMAL and not gap else _cbc_bound(log, objective)
        if bound is None and kind == Status.OPTIMAL:
            bound = objective
        return Result(
            status=kind,
            x=x,
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            wall_time=wall,
            log=log,
            message=pulp.LpStatus.get(prob.status, str(prob.status)),
        )


def _set_start(variables: list[Any], model: Arrays, start: Start) -> None:
    """The start as the variables' initial values (PuLP refuses one outside the bounds: the
    start, checked within a tolerance, is clipped to them and its integers rounded)."""
    if start.x is None:
        return
    x = np.where(model.integer, np.round(start.x), start.x)
    for variable, value in zip(variables, np.clip(x, model.lb, model.ub).tolist(), strict=True):
        variable.setInitialValue(value)


def _cbc_bound(log: str, objective: float | None) -> float | None:
    """CBC's best bound, shifted to berthplan's objective (CBC's own lacks the offset)."""
    found = dict(
        re.findall(r"^(Objective value|Lower bound):\s*(-?[0-9.eE+-]+)", log, flags=re.MULTILINE)
    )
    try:
        own, lower = float(found["Objective value"]), float(found["Lower bound"])
    except (KeyError, ValueError):
        return None
    return None if objective is None else objective - (own - lower)

"""HiGHS through highspy, loaded straight from the sparse arrays (the default backend)."""

from __future__ import annotations

import logging
import time
from functools import cache
from typing import Any

import numpy as np

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import (
    Capabilities,
    Options,
    PlanFeed,
    Result,
    Status,
    Throttle,
    budget,
    relative_gap,
)
from berthplan.backends.guard import stoppable
from berthplan.backends.logtail import captured_stdout
from berthplan.backends.start import Start, merge, prepare
from berthplan.errors import UsageError


@cache
def _probe() -> tuple[bool, str, str]:
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    if find_spec("highspy") is None:  # pragma: no cover - highspy is a dependency
        return False, "highspy is not installed", ""
    try:
        return True, "", version("highspy")
    except PackageNotFoundError:  # pragma: no cover
        return True, "", "unknown"


PROBING = 1 << 15
"""``presolve_rule_off`` bit of presolve's probing (``kPresolveRuleProbing``, HiGHS 1.12 on)."""

PROVE: dict[str, Any] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
    "presolve_rule_off": PROBING,
}
"""HiGHS's options under ``Options.prove``: its root heuristics off (they seek plans; a
good plan is already known). Measured on the full solve after berthplan's own heuristics
(benchmarks/README.md, "Solver options by measurement"), CPU time to the same proof:
national-0 0.66x, national-1 0.69x, large-0 0.45x. Presolve's probing off too: on
national-sl it took 39 of the 55 s of presolve and the root bound after the cut rounds was
no better for it; on national-0 the same bound either way (run AF)."""


class HighsBackend:
    """``highs``: the embedded HiGHS MIP solver."""

    name = "highs"
    capabilities = Capabilities(threads=True, warm_start=True, node_limit=True, feed=True)

    def available(self) -> tuple[bool, str]:
        ok, why, _ = _probe()
        return ok, why

    def version(self) -> str:
        return _probe()[2]

    def solve(self, model: Arrays, options: Options) -> Result:
        import highspy

        t0 = time.perf_counter()
        start = prepare(model, options)
        with captured_stdout() as out:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            _set_options(h, options, budget(options, t0), start.limit)
            passed = h.passModel(_lp(model))
            if passed == highspy.HighsStatus.kError:
                # e.g. a coefficient at or above HiGHS's infinity (1e15 after scaling): it
                # keeps an empty model, whose "optimal" empty solution must never be a plan
                wall = time.perf_counter() - t0
                why = "HiGHS refused the model (a coefficient or bound too large to represent)"
                return Result(Status.ERROR, None, None, None, None, wall, "".join(out), why)
            if options.threads is not None:
                # HiGHS keeps one thread pool per process, sized by the first solve: a later
                # solve asking for another size would fail without this reset.
                h.resetGlobalScheduler(True)
            h.HandleUserInterrupt = True  # cancelSolve() then stops it at its next check
            if options.progress is not None:
                _report(h, Throttle(options.progress), start)
            if options.feed is not None and model.integer.any():
                _take_plans(h, options.feed)
            with stoppable(lambda hard: h.cancelSolve()):  # type: ignore[no-untyped-call]
                h.run()
            status = h.getModelStatus()
            info = h.getInfo()
            values = np.array(h.getSolution().col_value, dtype=float)
        wall = time.perf_counter() - t0
        return merge(
            _result(h, status, info, values, model, wall, "".join(out)), start, options.gap
        )


def _report(h: Any, throttle: Throttle, start: Start) -> None:
    """Forward HiGHS's MIP callbacks (new incumbents, its interrupt checks) to ``throttle``.

    HiGHS's primal and dual bounds include the model's offset: they are the plan's cost.
    Under a cutoff HiGHS shows the cutoff as its primal bound until it finds a plan below it,
    and may show a dual bound above it: both are read back as :func:`merge` does.
    """

    def on_event(event: Any) -> None:
        data = event.data_out
        plan, bound = data.mip_primal_bound, data.mip_dual_bound
        if start.limit is not None:
            plan = start.incumbent(plan if plan is not None and plan < start.limit else None)
            bound = min(bound, start.limit) if bound is not None else None
        throttle(float(data.running_time), plan, bound)

    for name in ("cbMipImprovingSolution", "cbMipInterrupt"):
        hook = getattr(h, name, None)  # the callback events of highspy >= 1.8
        if hook is not None:
            hook.subscribe(on_event)


def _take_plans(h: Any, feed: PlanFeed) -> None:
    """Hand ``feed``'s new plans to HiGHS's MIP at its checkpoints (before each dive, between
    its root's cut rounds): HiGHS checks each against the model's rows, bounds and
    integrality with its own tolerances, then keeps it as its incumbent if it is better."""

    def on_query(event: Any) -> None:
        try:
            x = feed.take()
            if x is not None:
                event.data_in.setSolution(np.asarray(x, dtype=float))
        except Exception:  # an exception inside native code could abort the solve
            logging.getLogger(__name__).warning("a plan could not be handed over", exc_info=True)

    h.cbMipUserSolution.subscribe(on_query)  # highspy >= 1.12, the floor


def _lp(model: Arrays) -> Any:
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = len(model.c)
    lp.num_row_ = model.A.shape[0]
    lp.col_cost_ = model.c
    lp.col_lower_ = model.lb
    lp.col_upper_ = model.ub
    lp.row_lower_ = model.row_lo
    lp.row_upper_ = model.row_hi
    lp.offset_ = model.offset
    csc = model.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    if model.integer.any():
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in model.integer]
    return lp


def _set_options(
    h: Any, options: Options, time_limit: float | None, cutoff: float | None = None
) -> None:
    """HiGHS's options; ``cutoff``: only plans below it are sought (its ``objective_bound``).

    The start itself is never passed to HiGHS (``setSolution``): see
    :mod:`berthplan.backends.start`.
    """
    values: dict[str, Any] = {"output_flag": options.verbose, "log_to_console": True}
    if cutoff is not None:
        values["objective_bound"] = float(cutoff)
    if options.node_limit is not None:
        values["mip_max_nodes"] = int(options.node_limit)
    if options.prove:
        values.update(PROVE)
    if time_limit is not None:
        values["time_limit"] = float(time_limit)
    if options.gap is not None:
        values["mip_rel_gap"] = float(options.gap)
    if options.threads is not None:
        values["threads"] = int(options.threads)
    if options.seed is not None:
        values["random_seed"] = int(options.seed)
    values.update(options.extra)
    import highspy

    for key, value in values.items():
        if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
            raise UsageError(f"highs: unknown option or bad value: {key} = {value!r}")


def _result(
    h: Any, status: Any, info: Any, values: Any, model: Arrays, wall: float, log: str
) -> Result:
    import highspy

    ms = highspy.HighsModelStatus
    if status == ms.kModelEmpty:  # nothing to decide: the plan is the constants alone
        empty = np.zeros(len(model.c))
        return Result(
            Status.OPTIMAL, empty, model.offset, model.offset, 0.0, wall, log, "empty model"
        )
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    is_mip = bool(model.integer.any())
    objective = float(info.objective_function_value) if has_plan else None
    bound = float(info.mip_dual_bound) if is_mip else objective
    if status == ms.kOptimal:
        kind = Status.OPTIMAL
    elif status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        kind = Status.INFEASIBLE
    elif status == ms.kUnbounded:
        kind = Status.UNBOUNDED
    elif status in (
        ms.kTimeLimit,
        ms.kIterationLimit,
        ms.kSolutionLimit,
        ms.kInterrupt,
        ms.kObjectiveBound,
    ):
        kind = Status.FEASIBLE if has_plan else Status.NO_SOLUTION
    else:
        kind = Status.ERROR
    if kind == Status.OPTIMAL and not has_plan:
        kind = Status.ERROR
    x = values if has_plan and len(values) == len(model.c) else None
    return Result(
        status=kind,
        x=x,
        objective=objective,
        bound=bound if has_plan or is_mip else None,
        gap=relative_gap(objective, bound),
        wall_time=wall,
        log=log,
        message=h.modelStatusToString(status),
    )

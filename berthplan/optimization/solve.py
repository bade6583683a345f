"""From a validated instance to a :class:`~berthplan.results.plan.Plan`: build, solve, recompute."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from berthplan import backends
from berthplan.backends import Backend, Options, Result, Status
from berthplan.backends.base import (
    MAX_THREADS,
    Progress,
    ProgressFn,
    current_progress,
    relative_gap,
)
from berthplan.backends.guard import Guarded
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.model.io import validate_instance
from berthplan.model.records import CARGO_CLASSES
from berthplan.model.validate import committed_overruns
from berthplan.optimization import alongside, primal
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.infeasibility import (
    Conflict,
    PhaseError,
    conflicting_rows,
    elastic_targets,
)
from berthplan.optimization.pools import throughput_col
from berthplan.optimization.profiles import Profile, resolve
from berthplan.optimization.sparse import Arrays
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan, SolveInfo

log = logging.getLogger(__name__)


class SolveError(Exception):
    """The solver failed or found no plan within the limits (exit code 4)."""


class InfeasibleError(Exception):
    """No plan exists, and no target explains it; ``conflicts`` names the rows that must give."""

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


def decisions_from(built: Built, x: np.ndarray) -> Decisions:
    """Start and opening years from the rounded binaries; throughputs only with waiting costs."""
    s = built.sets
    xj, xs = s.x_cols
    zr, zt = s.z_cols
    starts: dict[str, int | None] = {p.id: None for p in s.projects}
    opens: dict[str, int | None] = {r.id: None for r in s.candidates}
    for k in np.nonzero(x[built.x.cols] > 0.5)[0]:
        starts[s.projects[xj[k]].id] = int(xs[k])
    for k in np.nonzero(x[built.z.cols] > 0.5)[0]:
        opens[s.candidates[zr[k]].id] = int(zt[k])
    return Decisions(starts, opens, _flows(built, x) if s.waiting_costs else {})


def _flows(built: Built, x: np.ndarray) -> dict[tuple[str, str], tuple[float, ...]]:
    """Throughput per year of each pool that charges ship waiting (file units, within [0, +)).

    Only there is throughput a decision: serving one more ship may cost more waiting than it
    saves. Every other pair keeps the recomputed most-it-can (docs/formulation.md). Values are
    the solver's, unrounded (rounding could lift one above a bound it meets exactly).
    """
    s = built.sets
    out: dict[tuple[str, str], tuple[float, ...]] = {}
    for q, (pool, (a, c)) in enumerate(zip(s.pools, s.pool_pairs, strict=True)):
        col = throughput_col(s, q, built.handled, built.served)
        if not pool.params.waiting_cost or col is None:
            continue
        first, unit = col
        values = np.maximum(x[first : first + s.ny], 0.0) / unit
        out[(s.areas[a], CARGO_CLASSES[c])] = tuple(float(v) for v in values)
    return out


def model_size(arrays: Arrays) -> dict[str, int]:
    return {
        "variables": len(arrays.c),
        "binaries": int(arrays.integer.sum()),
        "constraints": int(arrays.A.shape[0]),
        "nonzeros": int(arrays.A.nnz),
    }


def solve(
    instance: Instance,
    solver: str | Profile = "highs",
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    options: Options | None = None,
    started: float | None = None,
    progress: ProgressFn | None = None,
) -> Plan:
    """Solve ``instance`` with ``solver`` (a backend name, a profile file or a Profile).

    ``time_limit``, ``gap`` and ``threads`` override the profile's options; ``options``
    replaces them. The time limit is a wall-clock budget from ``started`` (a
    :func:`time.monotonic` instant; default: now) to the checked plan: building the model,
    handing it to the solver, diagnosing an infeasibility and checking the plan all count.
    Ctrl-C stops the solver: its best plan is returned (status ``feasible``), else
    :class:`KeyboardInterrupt` propagates.

    ``progress`` receives the solver's incumbent, bound and gap a few times a second (from
    backends with a callback; default: the callable of an enclosing
    :func:`berthplan.backends.base.reporting`). Phases and their timings are logged to the
    ``berthplan.optimization.solve`` logger (INFO, DEBUG).

    The plan's ``status`` is ``optimal`` (proven within the gap; default gap 0), ``feasible``
    (a limit stopped the search) or ``infeasible`` (the closest plan, with every hard target's
    shortfall in ``plan.tables["targets"]``).

    Raises
    ------
    InfeasibleError
        When no plan exists even with every target elastic.
    SolveError
        When the solver fails or finds no plan within the limits.
    """
    validate_instance(instance)
    overruns = committed_overruns(instance)
    if overruns:
        lines = [
            f"  budget {year}: committed projects alone spend {spend:,.6g}, above the budget of "
            f"{cap:,.6g} ({instance.money_unit})"
            for year, spend, cap in overruns
        ]
        head = "no plan exists: the budget of a year is below what committed projects must spend"
        raise InfeasibleError("\n".join([head, *lines]), [])
    profile = solver if isinstance(solver, Profile) else resolve(solver)
    overrides: dict[str, Any] = {"time_limit": time_limit, "gap": gap, "threads": threads}
    if options is not None:
        opts = replace(options, **{k: v for k, v in overrides.items() if v is not None})
    else:
        opts = profile.options(**overrides)
    opts = replace(opts, progress=progress or current_progress())
    if opts.threads is not None and not 1 <= opts.threads <= MAX_THREADS:
        raise UsageError(f"threads: {opts.threads} is out of range (1 to {MAX_THREADS})")
    inner = backends.get(profile.backend)
    solver = profile.backend
    t0 = time.perf_counter()
    budget = Budget(opts.time_limit, time.monotonic() if started is None else started)
    log.info("building the model of %s", instance.name)
    built = build(instance)
    arrays = built.model.arrays()
    t_built = time.perf_counter()
    size = model_size(arrays)
    log.info(
        "model: %s rows, %s columns (%s binary), %s nonzeros; built in %.2f s",
        *(f"{size[k]:,}" for k in ("constraints", "variables", "binaries", "nonzeros")),
        t_built - t0,
    )
    backend = budget.guarded(inner, arrays, solver)
    log.info("solving with %s", solver)
    result, t_heuristic = _solve_model(built, backend, arrays, opts, profile.heuristic)
    log.info("%s: %s in %.2f s", solver, result.status.value, time.perf_counter() - t_built)
    status = result.status.value
    if result.status == Status.INFEASIBLE:
        log.info("infeasible: solving again with every hard target elastic (the closest plan)")
        result, status = _diagnose(built, arrays, backend, opts, solver)
    if not result.has_solution or result.x is None:
        raise SolveError(f"{solver}: {result.status.value} ({result.message or 'no plan found'})")
    t_solved = time.perf_counter()
    extra = {} if t_heuristic is None else {"heuristic_s": t_heuristic}
    plan = plan_of(instance, built, result, status, solver, inner, opts, size, t0, t_built, extra)
    verify(plan, solver)
    log.debug("plan recomputed and checked in %.2f s", time.perf_counter() - t_solved)
    return plan


def plan_of(
    instance: Instance,
    built: Built,
    result: Result,
    status: str,
    solver: str,
    inner: Backend,
    opts: Options,
    size: dict[str, int],
    t0: float,
    t_built: float,
    extra_timings: dict[str, float] | None = None,
) -> Plan:
    """The (unchecked) plan of ``result`` with its solve record; ``result.x`` must be set.

    ``t0`` and ``t_built`` are :func:`time.perf_counter` instants: the start and the end of
    the build; the solve ends now.
    """
    assert result.x is not None
    t_solved = time.perf_counter()
    info = SolveInfo(
        status=status,
        backend=solver,
        backend_version=inner.version(),
        options=opts.as_dict(),
        solver_objective=result.objective,
        best_bound=result.bound,
        gap=result.gap,
        wall_time=t_solved - t0,
        model_size=size,
        log=result.log,
        timings={"build_s": t_built - t0, "solve_s": t_solved - t_built} | (extra_timings or {}),
    )
    return Plan(instance, decisions_from(built, result.x), info, sets=built.sets)


def _solve_model(
    built: Built, backend: Backend, arrays: Arrays, opts: Options, heuristic: str
) -> tuple[Result, float | None]:
    """The full solve, after the heuristics of :mod:`~berthplan.optimization.primal` where
    ``heuristic`` asks for them.

    Their plan goes to the full solve as a start and cutoff; its status and bound come from
    the full model (:mod:`berthplan.backends.start`). If the full solve hands back nothing
    (the budget ran out, Ctrl-C), the plan is kept with the best bound seen. With
    ``heuristic = "beside"`` they run beside the full solve instead
    (:mod:`~berthplan.optimization.alongside`). Returns the result and the heuristics'
    seconds (None when they did not run or found nothing).
    """
    if alongside.wanted(heuristic, arrays, backend, opts):
        log.info("heuristics beside the full solve, in a second thread")
        return alongside.solve(built, backend, arrays, opts)
    if not primal.wanted(heuristic, arrays, backend):
        return backend.solve(arrays, opts), None
    found = primal.first(backend, built, arrays, opts)
    if found is None:
        return backend.solve(arrays, opts), None
    _report(opts, found)
    if primal.LNS_ROUNDS and not _interrupted(backend):
        found = primal.improve(backend, arrays, opts, found, primal.by_area(built, found))
        _report(opts, found)
    bounds = [found.lp_bound]  # the full solve's bounds as it reports them (true bounds)
    if _interrupted(backend):
        return _kept(found, Result(Status.NO_SOLUTION, interrupted=True), bounds), found.seconds
    cutoff = found.objective if opts.cutoff is None else min(opts.cutoff, found.objective)

    def watch(p: Progress) -> None:
        if p.bound is not None:
            bounds.append(p.bound)
        if opts.progress is not None:
            opts.progress(p)

    full = replace(opts, start=found.x, cutoff=cutoff, progress=watch, prove=True)
    result = backend.solve(arrays, full)
    if result.has_solution:
        return _bounded(result, bounds), found.seconds
    if result.status in (Status.INFEASIBLE, Status.ERROR):
        return result, found.seconds
    return _kept(found, result, bounds), found.seconds


def _interrupted(backend: Backend) -> bool:
    return bool(getattr(backend, "interrupted", False))  # Ctrl-C stopped a phase (Guarded)


def _report(opts: Options, found: primal.Incumbent) -> None:
    if opts.progress is not None:
        gap = relative_gap(found.objective, found.lp_bound)
        opts.progress(Progress(found.seconds, found.objective, found.lp_bound, gap))


def _bounded(result: Result, bounds: list[float]) -> Result:
    """The full solve's plan with the best true bound seen: stopped before its root LP, a
    solver reports a bound far below the heuristic's LP relaxation (seen: -10.6 M against
    1.42 M on national with service levels, a gap of 825 % for a plan within 2.6 %)."""
    if result.objective is None or result.status == Status.OPTIMAL:
        return result
    bound = _best_bound(result, bounds, result.objective)
    if result.bound is not None and bound <= result.bound:
        return result
    return replace(result, bound=bound, gap=relative_gap(result.objective, bound))


def _best_bound(result: Result, bounds: list[float], objective: float) -> float:
    """The highest of the full solve's bound and the bounds seen, never above ``objective``."""
    bound = max(bounds) if result.bound is None else max(result.bound, *bounds)
    return min(bound, objective)


def _kept(found: primal.Incumbent, result: Result, bounds: list[float]) -> Result:
    """The heuristics' plan when the full solve handed back none, with the best bound seen."""
    bound = _best_bound(result, bounds, found.objective)
    message = f"{result.message}; " if result.message else ""
    return Result(
        Status.FEASIBLE,
        found.x,
        found.objective,
        bound,
        relative_gap(found.objective, bound),
        result.wall_time,
        result.log,
        f"{message}the heuristics' plan kept",
        result.interrupted,
    )


def verify(plan: Plan, solver: str) -> None:
    """Check ``plan`` with the independent checker before anyone is told it is a plan.

    The tables are written to a temporary folder and every rule of :mod:`berthplan.checker`
    is run on them (the checker recomputes everything from the tables and the instance). A
    violation means the solver's answer cannot be trusted (a refused model, a number it
    could not represent, a tolerance gone wrong): it is a solver error, never a plan.

    Raises
    ------
    SolveError
        With the first violations, when the plan fails its check.
    """
    import tempfile

    from berthplan.checker import check_plan

    objective = plan.objective
    if not math.isfinite(objective):
        raise SolveError(f"{solver}: the plan's cost is not a finite number ({objective})")
    with tempfile.TemporaryDirectory(prefix="berthplan-verify-") as tmp:
        report = check_plan(plan.instance, plan.write(Path(tmp) / "plan"))
    if report.violations:
        first = "; ".join(str(v) for v in report.violations[:3])
        more = len(report.violations) - 3
        raise SolveError(
            f"{solver}: reported {plan.status} but the plan fails the independent check "
            f"({len(report.violations)} violation{'s' if len(report.violations) != 1 else ''}: "
            f"{first}{f'; and {more} more' if more > 0 else ''})"
        )


def _diagnose(
    built: Built, arrays: Arrays, backend: Backend, opts: Options, solver: str
) -> tuple[Result, str]:
    """The closest plan with every hard target elastic, or an explanation of the conflict."""
    opts = replace(opts, progress=None)  # the diagnosis models' objectives are not costs
    try:
        closest = elastic_targets(built, arrays, backend, opts)
        if closest is None:
            conflicts = conflicting_rows(built, arrays, backend, opts)
            raise InfeasibleError(_structural_message(conflicts), conflicts)
    except PhaseError as e:
        raise SolveError(f"{solver}: infeasible; diagnosing it stopped in {e}") from None
    return closest, "infeasible"


class Budget:
    """The user's ``--time-limit`` as a wall-clock budget shared by every phase of a solve.

    What follows the solver (recomputing the plan, the independent check, writing the
    folder) is reserved up front, in proportion to the model's size (measured: the check of
    a national plan, 1.2 M nonzeros, takes 1.6 s on the development machine; with queue
    pools, 2.1 M nonzeros and 2.9 M elements in all, recomputing and checking took 11.2 s
    right after a 600-s solve, 3.9 us an element: the reserve allows 5 us, which also leaves
    room for the 2 s or so a solver takes to stop at the deadline).
    """

    def __init__(self, limit: float | None, started: float) -> None:
        self.limit = limit
        self.started = started

    @staticmethod
    def reserve(arrays: Arrays) -> float:
        """Seconds kept for the work after the solver: the plan, its check, the folder."""
        return 0.5 + 5e-6 * float(arrays.A.nnz + arrays.A.shape[0] + len(arrays.c))

    def guarded(self, backend: Backend, arrays: Arrays, solver: str) -> Guarded:
        """``backend`` held to the solver's share of the budget.

        Raises
        ------
        SolveError
            When loading and building used up the budget before the solve could start.
        """
        if self.limit is None:
            return Guarded(backend, None, 0.0)
        # A solver may run up to ``slack`` past ``end`` before it is stopped (HiGHS was seen
        # 14 s past its own limit in a national root's cut round): the budget holds it too.
        slack = 0.25 + 0.02 * self.limit
        end = self.started + self.limit - self.reserve(arrays) - slack
        if end - time.monotonic() <= 0.05:
            raise SolveError(
                f"{solver}: the time limit of {self.limit:g} s was used up before the solve "
                "could start (loading and building the model take longer here)"
            )
        return Guarded(backend, end, slack)


def _structural_message(conflicts: list[Conflict]) -> str:
    if not conflicts:
        return "the instance is infeasible and no relaxation explains it"
    families = sorted({c.family for c in conflicts})
    lines = [
        f"no plan exists even with every target relaxed; conflicting constraint families: {', '.join(families)}"
    ]
    lines += [f"  {c.explain()}" for c in conflicts]
    return "\n".join(lines)


__all__ = ["InfeasibleError", "Result", "SolveError", "decisions_from", "solve"]

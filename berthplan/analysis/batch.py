"""A sweep's worker side: scenarios solved in batches against a base model loaded once.

A worker (a local process or a Dask worker) keeps the base instance of the sweep, loaded and
validated, and its model, built (:class:`~berthplan.optimization.changes.BaseModel`), from the
first scenario of a sweep to the last. Per scenario it applies the scenario (validated as a
file: a what-if that makes the instance invalid is an ``error``, as ever), builds and solves
the what-if's model (with the base plan as a start only when asked: ``Task.warm_start``),
writes the plan folder to a temporary sibling, checks that folder against the scenario instance with the
independent checker and only then renames it into place. A scenario the fast path cannot
answer (committed spend above a budget, infeasible, no plan within the limits) is solved by
:func:`~berthplan.optimization.solve.solve`, which explains it as ``berthplan solve`` does.
:func:`solve_one` is the path of one scenario from the files alone (load, apply, solve, write).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from berthplan.errors import InstanceError, UsageError
from berthplan.model.instance import Instance
from berthplan.optimization.changes import BaseModel
from berthplan.results import atomic
from berthplan.results.plan import Plan

BASELINE = "_base"
"""The name of the baseline: the base instance without any scenario (its row and folder)."""

Row = dict[str, str]


@dataclass(frozen=True)
class Task:
    """One scenario to solve: only paths and options, so it pickles to any worker.

    ``scenario_file`` None is the baseline (the base instance as it is). ``base_hash``, when
    given, is the canonical hash of the base instance the sweep read: a worker holding another
    version of the file (edited since) loads it again. ``warm_start`` hands the base plan to
    the backend as a start (:class:`~berthplan.optimization.changes.BaseModel`).
    """

    name: str
    instance_file: str
    scenario_file: str | None
    folder: str
    solver: str = "highs"
    time_limit: float | None = None
    base_hash: str = ""
    warm_start: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a worker reports: the status and, when it wrote no plan, why."""

    name: str
    status: str
    message: str = ""

    def row(self) -> Row:
        """The summary row of a scenario that left no plan folder."""
        message = "; ".join(self.message.splitlines())  # one line per scenario
        return {"scenario": self.name, "status": self.status, "message": message}


def _failure(name: str, error: Exception) -> Outcome:
    """The outcome of a scenario that raised ``error`` (never a plan)."""
    from berthplan.optimization.solve import InfeasibleError, SolveError

    if isinstance(error, InstanceError | UsageError | InfeasibleError | SolveError):
        kinds = {InfeasibleError: "infeasible", SolveError: "no_solution"}
        return Outcome(name, kinds.get(type(error), "error"), str(error))
    return Outcome(name, "error", f"{type(error).__name__}: {error}")  # a bug, reported


def solve_one(task: Task) -> Outcome:
    """Solve one scenario from its files alone and write its plan folder.

    Parameters
    ----------
    task
        The instance and scenario files, the plan folder and the solver options.

    Returns
    -------
    Outcome
        The plan's status, or ``error``/``infeasible``/``no_solution`` with the message.
    """
    from berthplan.model.io import load
    from berthplan.model.scenario import overridden
    from berthplan.optimization.solve import solve

    try:
        base = load(task.instance_file)
        instance, described = overridden(base, task.scenario_file, ())
        plan = solve(instance, task.solver, time_limit=task.time_limit, threads=1)
        _record(plan, task, base.canonical_hash(), described)
        plan.write(task.folder)
    except Exception as e:  # a bug must not stop the other scenarios either
        return _failure(task.name, e)
    return Outcome(task.name, plan.status)


def _record(plan: Plan, task: Task, base_hash: str, described: list[str]) -> None:
    plan.info.instance_file = task.instance_file
    plan.info.base_hash = base_hash
    plan.info.overrides = described


@dataclass
class Base:
    """What a worker keeps of a sweep's base instance: the instance, its hash, its model."""

    instance: Instance
    hash: str
    model: BaseModel


_BASES: OrderedDict[tuple[str, str, float | None, bool], Base] = OrderedDict()
_LOCK = threading.Lock()
KEEP = 2
"""Base models a long-lived (Dask) worker keeps, most recently used first."""


def base_of(task: Task) -> Base:
    """The worker's base model for ``task``: loaded, validated and built on first use."""
    key = (task.instance_file, task.solver, task.time_limit, task.warm_start)
    with _LOCK:  # a Dask worker may run tasks in threads: one load per base
        found = _BASES.get(key)
        if found is not None and (not task.base_hash or found.hash == task.base_hash):
            _BASES.move_to_end(key)
            return found
        base = _load(task)
        _BASES[key] = base
        while len(_BASES) > KEEP:
            _BASES.popitem(last=False)
        return base


def _load(task: Task) -> Base:
    from berthplan.model.io import load
    from berthplan.optimization.profiles import resolve

    instance = load(task.instance_file)
    profile = resolve(task.solver)
    options = profile.options(time_limit=task.time_limit, threads=1)
    model = BaseModel(instance, profile, options, warm_start=task.warm_start)
    return Base(instance, instance.canonical_hash(), model)


def solve_task(task: Task) -> Outcome:
    """Solve one scenario against the worker's base model and write its checked plan folder.

    Parameters
    ----------
    task
        The scenario, its plan folder and the solver options.

    Returns
    -------
    Outcome
        As :func:`solve_one` would report it, for the same plan folder.
    """
    from berthplan.model.scenario import overridden
    from berthplan.optimization.solve import solve

    started = time.monotonic()
    try:
        base = base_of(task)
        instance, described = overridden(base.instance, task.scenario_file, ())
        plan = base.model.solve(instance, started)
        if plan is None:  # infeasible, no plan, or an overspent budget: explained in full
            plan = solve(instance, task.solver, time_limit=task.time_limit, threads=1)
            _record(plan, task, base.hash, described)
            plan.write(task.folder)
        else:
            _record(plan, task, base.hash, described)
            write_checked(plan, task.folder)
    except Exception as e:  # a bug must not stop the other scenarios either
        return _failure(task.name, e)
    return Outcome(task.name, plan.status)


def solve_batch(tasks: list[Task]) -> list[Outcome]:
    """Solve ``tasks`` one after the other (:func:`solve_task`): one round trip per batch."""
    return [solve_task(t) for t in tasks]


def write_checked(plan: Plan, folder: str | Path) -> Path:
    """Write ``plan`` to ``folder`` only if the folder passes the independent check.

    The folder is written to a temporary sibling, checked there against the plan's instance
    (every rule of :mod:`berthplan.checker`, on the very files that will be kept), and renamed
    into place; a violation removes it.

    Raises
    ------
    SolveError
        With the first violations, when the plan fails its check.
    """
    from berthplan.checker import check_plan
    from berthplan.optimization.solve import SolveError

    with atomic.folder(folder, "solve.json", "plan folder") as tmp:
        plan.write(tmp)
        report = check_plan(plan.instance, tmp)
        if report.violations:
            n = len(report.violations)
            first = "; ".join(str(v) for v in report.violations[:3])
            more = f"; and {n - 3} more" if n > 3 else ""
            raise SolveError(
                f"{plan.info.backend}: reported {plan.status} but the plan fails the "
                f"independent check ({n} violation{'s' if n != 1 else ''}: {first}{more})"
            )
    return Path(folder)


__all__ = ["BASELINE", "Outcome", "Task", "solve_batch", "solve_one", "solve_task"]

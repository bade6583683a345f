"""A what-if as changes to a base model's arrays, and its solve against the base model.

A sweep solves hundreds of what-ifs of one instance. They change targets, budgets, costs and
the discount rate: right-hand sides, objective coefficients, bounds and budget coefficients,
never which rows and columns exist. :class:`BaseModel` holds the base instance's model, built
once; :meth:`BaseModel.variant` builds a what-if's model and compares its arrays with the
base's (:func:`changes`). Building is cheap (about 10 ms on Liaoning, against 100 ms to load
the file and more to solve and check), so the what-if's own arrays are what the solver gets:
the same arrays, hence the same plan, as ``berthplan solve`` of that what-if, by construction.
Mapping scenario fields to rows and columns instead would save those milliseconds at the price
of a second formulation to keep in step with the first.

With ``warm_start``, when the structure is unchanged (same rows, columns, integrality and
sparsity pattern of A), the base plan's column values are a start the backend may use
(``Options.start``, where ``capabilities.warm_start``); when the structure differs (a
scenario that fixes a start or forbids a project) the what-if is solved without it. It is off
by default: on Liaoning it saved no measurable solver time (benchmarks/sweep.md), and a start
lets the solver settle on another of several equally good plans, so the plan folders would no
longer be byte for byte those of ``berthplan solve``. A what-if whose solve does not end
in a plan (infeasible, no solution, an error) is left to :func:`~berthplan.optimization.solve.solve`,
which diagnoses it exactly as ``berthplan solve`` does; :meth:`BaseModel.solve` returns None
then. The plan returned is not checked yet: its caller checks it (against the scenario
instance, before anyone is told it is a plan).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from berthplan import backends
from berthplan.backends import Options, Status
from berthplan.backends.base import MAX_THREADS
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.model.validate import committed_overruns
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.profiles import Profile
from berthplan.optimization.solve import Budget, model_size, plan_of
from berthplan.optimization.sparse import Arrays
from berthplan.results.plan import Plan

__all__ = ["BaseModel", "Changes", "changes", "same_structure"]

log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Changes:
    """Where a what-if's arrays differ from the base model's (same structure).

    Attributes
    ----------
    cost, bounds
        Columns whose objective coefficient, or lower or upper bound, changed.
    rows
        Rows whose lower or upper bound (right-hand side) changed.
    coefficients
        Rows with a changed coefficient of A (its sparsity pattern is the base's).
    offset
        Whether the objective's constant changed.
    """

    cost: IntArray
    bounds: IntArray
    rows: IntArray
    coefficients: IntArray
    offset: bool

    @property
    def empty(self) -> bool:
        """Whether the what-if's model is the base model."""
        sizes = (self.cost.size, self.bounds.size, self.rows.size, self.coefficients.size)
        return not any(sizes) and not self.offset

    @property
    def objective_only(self) -> bool:
        """Whether only the objective changed: every base plan stays feasible."""
        return not (self.bounds.size or self.rows.size or self.coefficients.size)


def same_structure(base: Arrays, other: Arrays) -> bool:
    """Whether ``other`` has the rows, columns, integrality and sparsity pattern of ``base``."""
    a, b = base.A, other.A
    return bool(
        a.shape == b.shape
        and a.nnz == b.nnz
        and np.array_equal(base.integer, other.integer)
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and base.col_names == other.col_names
        and base.row_names == other.row_names
    )


def _differ(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Elementwise ``a != b``, infinities equal to themselves (no NaN in a model)."""
    return np.asarray(a != b)


def changes(base: Arrays, other: Arrays) -> Changes | None:
    """What ``other`` changes in ``base``; None when their structure differs.

    Parameters
    ----------
    base
        The base model's arrays.
    other
        A what-if's arrays, built from the what-if instance.

    Returns
    -------
    Changes or None
        The changed columns, rows and coefficients, or None when ``other`` has other rows,
        columns, integrality or sparsity (:func:`same_structure`).
    """
    if not same_structure(base, other):
        return None
    rows_of_nz = np.repeat(np.arange(base.A.shape[0]), np.diff(base.A.indptr))
    changed_nz = _differ(base.A.data, other.A.data)
    bounds = _differ(base.lb, other.lb) | _differ(base.ub, other.ub)
    rows = _differ(base.row_lo, other.row_lo) | _differ(base.row_hi, other.row_hi)
    return Changes(
        cost=np.flatnonzero(_differ(base.c, other.c)),
        bounds=np.flatnonzero(bounds),
        rows=np.flatnonzero(rows),
        coefficients=np.unique(rows_of_nz[changed_nz]),
        offset=bool(base.offset != other.offset),
    )


def describe(change: Changes | None) -> str:
    """One line on what a what-if changes in the base model."""
    if change is None:
        return "other rows or columns than the base model (solved on its own)"
    if change.empty:
        return "the base model unchanged"
    sizes = (change.cost.size, change.bounds.size, change.rows.size, change.coefficients.size)
    what = "costs, bounds, right-hand sides, rows of coefficients"
    parts = [f"{n} {w}" for n, w in zip(sizes, what.split(", "), strict=True) if n]
    return "changes " + ", ".join(parts) + (" and the constant" if change.offset else "")


class BaseModel:
    """The base instance's model, built once, against which what-ifs are solved.

    Parameters
    ----------
    instance
        The base instance (validated).
    profile
        The solver profile.
    options
        The solver options (time limit, gap, threads, ...), as ``solve`` would use them.
    warm_start
        Whether to hand the base plan to the backend as a start (see the module docstring).
    """

    def __init__(
        self, instance: Instance, profile: Profile, options: Options, warm_start: bool = False
    ) -> None:
        if options.threads is not None and not 1 <= options.threads <= MAX_THREADS:
            raise UsageError(f"threads: {options.threads} is out of range (1 to {MAX_THREADS})")
        self.instance = instance
        self.profile = profile
        self.options = options
        self.built = build(instance)
        self.arrays = self.built.model.arrays()
        self.inner = backends.get(profile.backend)
        self.warm_start = warm_start
        self._start: NDArray[np.float64] | None = None
        self._start_tried = False

    def variant(self, instance: Instance) -> tuple[Built, Arrays, Changes | None]:
        """The what-if's model, its arrays and their changes to the base's (None: structure)."""
        built = build(instance)
        arrays = built.model.arrays()
        return built, arrays, changes(self.arrays, arrays)

    def _options(self, change: Changes | None) -> Options:
        """The options, with the base plan as a start when asked and the backend takes one."""
        if change is None or not self.warm_start or not self.inner.capabilities.warm_start:
            return self.options
        start = self.start()
        return self.options if start is None else dataclasses.replace(self.options, start=start)

    def start(self) -> NDArray[np.float64] | None:
        """The base plan's column values (solved once, on first use); None without a plan."""
        if not self._start_tried:
            self._start_tried = True
            result = self.inner.solve(self.arrays, self.options)
            self._start = result.x if result.has_solution else None
        return self._start

    def solve(self, instance: Instance, started: float | None = None) -> Plan | None:
        """The what-if's plan, unchecked; None when only a full solve can answer.

        Parameters
        ----------
        instance
            The what-if instance (the base instance with a scenario applied, validated).
        started
            When the what-if's clock started (:func:`time.monotonic`; default: now): the
            time limit runs from there, as for ``solve``.

        Returns
        -------
        Plan or None
            The plan (status optimal or feasible, not yet checked); None when the committed
            projects overspend a budget or the solver ends without a plan (infeasible, no
            solution, an error): :func:`~berthplan.optimization.solve.solve` explains those.
        """
        if committed_overruns(instance):
            return None
        t0 = time.perf_counter()
        budget = Budget(self.options.time_limit, time.monotonic() if started is None else started)
        built, arrays, change = self.variant(instance)
        log.debug("%s: %s", instance.name, describe(change))
        t_built = time.perf_counter()
        solver = self.profile.backend
        result = budget.guarded(self.inner, arrays, solver).solve(arrays, self._options(change))
        if result.status not in (Status.OPTIMAL, Status.FEASIBLE) or result.x is None:
            return None
        size = model_size(arrays)
        plan = plan_of(
            instance,
            built,
            result,
            result.status.value,
            solver,
            self.inner,
            self.options,
            size,
            t0,
            t_built,
        )
        return plan if math.isfinite(plan.objective) else None

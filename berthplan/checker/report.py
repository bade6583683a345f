"""What the checker reports: violations, the recomputed objective, and the float tolerances.

A :class:`Violation` names the rule it breaks, the record (project, route, area/cargo, table
column) and year it concerns, and what was expected against what was found, so a planner can
read ``budget: capex 2024: expected <= 4000, found 4500`` without knowing the code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Value = str | int | float
"""What a violation expects or finds: a number, or a short text (a window, a bound, a cell)."""

REL_TOL = 1e-6
"""Relative tolerance of every float comparison."""

ABS_TOL = 1e-6
"""Absolute tolerance per unit of scale: CSV floats carry 6 decimals."""


def close(found: float, expected: float, scale: float = 1.0) -> bool:
    """Whether two floats agree within ``REL_TOL`` relative plus ``ABS_TOL * scale``.

    Parameters
    ----------
    found, expected
        The values to compare (``found`` from the plan, ``expected`` recomputed).
    scale
        Multiplies the absolute tolerance: the number of rounded CSV terms a recomputed value
        sums, weighted by their largest coefficient.

    Returns
    -------
    bool
        True when the values agree.
    """
    if not (math.isfinite(found) and math.isfinite(expected)):
        return False
    gap = abs(found - expected)
    return gap <= REL_TOL * max(abs(found), abs(expected)) + ABS_TOL * max(scale, 1.0)


def at_most(value: float, bound: float, scale: float = 1.0) -> bool:
    """Whether ``value <= bound`` within the tolerance of :func:`close`.

    Parameters
    ----------
    value, bound
        The quantity and its upper bound.
    scale
        Multiplies the absolute tolerance (see :func:`close`).

    Returns
    -------
    bool
        True when the bound holds.
    """
    if not (math.isfinite(value) and math.isfinite(bound)):
        return False
    return value <= bound + REL_TOL * abs(bound) + ABS_TOL * max(scale, 1.0)


def show(value: Value) -> str:
    """A value as the CLI prints it: numbers with at most 6 decimals, empty text as ``empty``.

    Parameters
    ----------
    value
        A number or a text.

    Returns
    -------
    str
        The printed form.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return value if value != "" else "empty"


@dataclass(frozen=True)
class Violation:
    """One broken rule of a plan.

    Attributes
    ----------
    rule
        The rule's name (the checking function's name, e.g. ``budget``).
    record
        What the violation concerns: a project or route id, ``area/cargo``, a table column
        (``project.column`` for a row's column), a group, a target ``metric[port]``.
    year
        The year concerned, or None.
    expected
        What the instance and the decisions imply.
    found
        What the plan folder holds.
    """

    rule: str
    record: str
    year: int | None
    expected: Value
    found: Value

    def __str__(self) -> str:
        where = self.record if self.year is None else f"{self.record} {self.year}"
        return f"{self.rule}: {where}: expected {show(self.expected)}, found {show(self.found)}"


@dataclass(frozen=True)
class CheckReport:
    """The outcome of :func:`~berthplan.checker.core.check_plan`.

    Attributes
    ----------
    violations
        Every violation found, in rule order.
    objective
        The total discounted cost recomputed from the decisions and the throughputs.
    reported_objective
        The ``objective`` of ``solve.json`` (None when absent or not a number).
    status
        The ``status`` of ``solve.json`` (None when absent).
    notes
        Findings that are not violations: for an ``infeasible`` plan, the hard targets it
        misses (the diagnosed shortfalls).
    """

    violations: list[Violation]
    objective: float
    reported_objective: float | None = None
    status: str | None = None
    notes: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the plan breaks no rule (its objective included)."""
        return not self.violations

    def rules(self) -> list[str]:
        """Names of the violated rules, in rule order, each once."""
        return list(dict.fromkeys(v.rule for v in self.violations))

    def summary(self) -> str:
        """One line: the verdict, the recomputed objective and the one in ``solve.json``."""
        reported = "none" if self.reported_objective is None else show(self.reported_objective)
        objective = f"objective {show(self.objective)} (solve.json: {reported})"
        if self.notes:
            n = len(self.notes)
            objective += f"; {n} hard target{'s' if n != 1 else ''} short (infeasible instance)"
        if self.ok:
            return f"plan ok: {objective}"
        n = len(self.violations)
        rules = ", ".join(self.rules())
        return f"{n} violation{'s' if n != 1 else ''} ({rules}): {objective}"

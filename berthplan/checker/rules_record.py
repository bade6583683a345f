"""The ``record`` rule: solve.json's fields that can be checked without a solver.

A plan folder is only written for a plan (``optimal``, ``feasible`` or the closest plan of an
``infeasible`` instance); it must name its instance, money unit and price year; and what the
solver reported must be possible: a lower bound above the plan's cost is impossible for a
minimization, and the gap must be the one that bound and cost imply.
"""

from __future__ import annotations

from typing import Any

from berthplan.checker.context import Context
from berthplan.checker.report import Violation, show
from berthplan.checker.tables import json_number

RULE = "record"
STATUSES = ("optimal", "feasible", "infeasible")
BOUND_TOL = 1e-6
"""Relative slack for a bound against the objective (solver tolerances)."""


def _instance(ctx: Context, given: Any) -> list[Violation]:
    inst = ctx.instance
    if not isinstance(given, dict):
        need = "a record of the instance (name, hash, money unit, price year)"
        return [Violation(RULE, "solve.json:instance", None, need, show(str(given)))]
    out = []
    expected: dict[str, str | int] = {"money_unit": inst.money_unit, "price_year": inst.price_year}
    expected |= {"name": inst.name, "hash": inst.canonical_hash()}
    for key, value in expected.items():
        if key not in given:
            out.append(Violation(RULE, f"solve.json:instance.{key}", None, value, "no field"))
        elif key in ("money_unit", "price_year") and given[key] != value:
            found = str(given[key])
            out.append(Violation(RULE, f"solve.json:instance.{key}", None, value, found))
    return out  # a wrong name or hash is the instance rule's


def _numbers(solve: dict[str, Any]) -> list[Violation]:
    """The solver's numbers, when given, are finite (strict JSON has no NaN or infinity)."""
    out = []
    for key in ("solver_objective", "best_bound", "gap"):
        value = solve.get(key)
        if value is not None and json_number(value) is None:
            out.append(Violation(RULE, f"solve.json:{key}", None, "a finite number or null",
                                 show(str(value))))  # fmt: skip
    return out


def _optimal(solve: dict[str, Any]) -> list[Violation]:
    """``optimal`` is proven within the gap asked: the bound and cost cannot be further apart.

    The slack is the solvers' absolute optimality tolerance (HiGHS's 1e-6), relative to a
    cost of at least 1, the backends' gap convention.
    """
    options = solve.get("options")
    asked = json_number(options.get("gap")) if isinstance(options, dict) else None
    objective = json_number(solve.get("solver_objective"))
    bound = json_number(solve.get("best_bound"))
    if solve.get("status") != "optimal" or None in (asked, objective, bound):
        return []
    assert asked is not None and objective is not None and bound is not None
    implied = abs(objective - bound) / max(1.0, abs(objective))
    if implied <= asked + 1e-6 + 1e-9 * implied:
        return []
    need = f"a gap within {show(asked)} for optimal (bound {show(bound)})"
    return [Violation(RULE, "solve.json:status", None, need, f"optimal at gap {show(implied)}")]


def _bound(solve: dict[str, Any]) -> list[Violation]:
    objective = json_number(solve.get("solver_objective"))
    bound = json_number(solve.get("best_bound"))
    gap = solve.get("gap")
    out = _numbers(solve) + _optimal(solve)
    if bound is not None and objective is not None:
        slack = BOUND_TOL * max(1.0, abs(objective))
        if bound > objective + slack:
            need = f"<= {show(objective)} (a lower bound)"
            out.append(Violation(RULE, "solve.json:best_bound", None, need, bound))
        implied = abs(objective - bound) / max(1.0, abs(objective))  # the backends' convention
        found = json_number(gap)
        if gap is not None and (found is None or abs(found - implied) > 1e-6 + 1e-6 * implied):
            out.append(Violation(RULE, "solve.json:gap", None, implied, show(str(gap))))
    elif gap is not None:
        found = json_number(gap)
        if found is not None and found < 0:  # not a number at all: _numbers says so
            out.append(Violation(RULE, "solve.json:gap", None, ">= 0", show(str(gap))))
    return out


def record(ctx: Context) -> list[Violation]:
    """solve.json names the instance, reports a plan's status and a possible bound and gap.

    Parameters
    ----------
    ctx
        The check's context.

    Returns
    -------
    list of Violation
        A missing or malformed ``instance`` record (name, hash, money unit, price year; the
        money unit and price year must be the instance's); a ``status`` other than
        optimal, feasible or infeasible; a ``best_bound`` above the solver's objective; a
        ``gap`` other than the one bound and objective imply.
    """
    solve = ctx.tables.solve
    out = _instance(ctx, solve.get("instance"))
    status = solve.get("status")
    if status not in STATUSES:
        need = " or ".join(STATUSES)
        out.append(Violation(RULE, "solve.json:status", None, need, show(str(status))))
    return out + _bound(solve)

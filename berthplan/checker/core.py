"""``check_plan``: read a plan folder, recompute everything, run every rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from berthplan.checker import costs
from berthplan.checker.context import Context
from berthplan.checker.decisions import read_decisions, read_throughput
from berthplan.checker.facts import Facts
from berthplan.checker.report import CheckReport, Violation
from berthplan.checker.rules_projects import (
    budget,
    coverage,
    groups,
    project_rows,
    requires,
    start_windows,
)
from berthplan.checker.rules_queues import queues
from berthplan.checker.rules_record import record
from berthplan.checker.rules_results import (
    instance,
    kpis,
    missed_hard_targets,
    objective,
    targets,
)
from berthplan.checker.rules_routes import depth, route_rows, route_windows
from berthplan.checker.rules_volumes import capacity
from berthplan.checker.tables import json_number, read_plan
from berthplan.model.instance import Instance

Rule = Callable[[Context], list[Violation]]

RULES: tuple[Rule, ...] = (
    coverage,
    start_windows,
    requires,
    groups,
    budget,
    project_rows,
    route_windows,
    depth,
    route_rows,
    capacity,
    queues,
    kpis,
    targets,
    objective,
    instance,
    record,
)
"""Every rule, in the order the report lists their violations; a rule's name is its function's."""


def context(instance: Instance, folder: Path) -> Context:
    """Read a plan folder and recompute what its decisions imply.

    Parameters
    ----------
    instance
        The instance the plan is for.
    folder
        The plan folder.

    Returns
    -------
    Context
        What every rule reads.

    Raises
    ------
    PlanFolderError
        When the folder or one of its tables is missing or unreadable.
    """
    tables = read_plan(folder)
    decisions = read_decisions(instance, tables)
    throughput = read_throughput(instance, tables.capacity)
    facts = Facts(instance, decisions.starts, decisions.opens, throughput)
    return Context(instance=instance, tables=tables, decisions=decisions, facts=facts)


def check_plan(instance: Instance, folder: Path | str) -> CheckReport:
    """Check a plan folder against its instance, without any solver or model.

    The decisions (start years, opening years) and the throughputs of capacity.csv are taken
    from the tables; every other quantity is recomputed from them and the instance, checked
    against the model's rules and compared with the tables and solve.json.

    Parameters
    ----------
    instance
        The instance the plan is for.
    folder
        A folder written by ``berthplan solve --out``: projects.csv, routes.csv,
        capacity.csv, spend.csv, kpis.csv, targets.csv and solve.json.

    Returns
    -------
    CheckReport
        The violations of every rule (in :data:`RULES` order) and the recomputed objective.

    Raises
    ------
    PlanFolderError
        When the folder or one of its tables is missing or unreadable.
    """
    ctx = context(instance, Path(folder))
    violations = [v for rule in RULES for v in rule(ctx)]
    notes = missed_hard_targets(ctx) if ctx.status == "infeasible" else []
    return CheckReport(
        violations=violations,
        objective=costs.objective(ctx.facts),
        reported_objective=json_number(ctx.tables.solve.get("objective")),
        status=ctx.status,
        notes=notes,
    )

"""The plan's decisions, read from ``projects.csv`` and ``routes.csv``, and its throughputs.

These are the only numbers the checker takes from the plan as given: start years of built
projects, opening years of opened routes, and the throughputs of ``capacity.csv``. Every other
quantity is recomputed from them and the instance and compared with the tables. A row that
cannot be read as a decision (unknown id, ``build`` without a year, ...) counts as "not built"
or "not opened" here; the rules report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from berthplan.checker.tables import PlanTables, Row, to_float, to_int
from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES

Key = tuple[int, str, str]
"""A capacity.csv key: (year, area, cargo)."""


@dataclass(frozen=True)
class Decisions:
    """Start and opening years, and the first row of every known project and route.

    Attributes
    ----------
    starts
        Built project id to its start year.
    opens
        Opened candidate route id to its opening year.
    projects
        Project id to its (first) projects.csv row, for the ids of the instance.
    routes
        Route id to its (first) routes.csv row, for the ids of the instance.
    """

    starts: dict[str, int]
    opens: dict[str, int]
    projects: dict[str, Row]
    routes: dict[str, Row]


def first_rows(rows: list[Row], column: str, known: set[str]) -> dict[str, Row]:
    """The first row of each known id in ``column``."""
    out: dict[str, Row] = {}
    for row in rows:
        ident = row[column]
        if ident in known and ident not in out:
            out[ident] = row
    return out


def read_decisions(instance: Instance, tables: PlanTables) -> Decisions:
    """The decisions a plan folder states.

    Parameters
    ----------
    instance
        The instance the plan is for.
    tables
        The plan folder's tables.

    Returns
    -------
    Decisions
        A project is built when its row says ``build`` with an integer ``start_year``; a
        candidate route is opened when its row says ``open`` with an integer ``open_year``.
    """
    projects = first_rows(tables.projects, "project_id", {p.id for p in instance.projects})
    routes = first_rows(tables.routes, "route_id", {r.id for r in instance.routes})
    starts: dict[str, int] = {}
    for pid, row in projects.items():
        start = to_int(row["start_year"])
        if row["decision"] == "build" and start is not None:
            starts[pid] = start
    candidates = {r.id for r in instance.routes if r.status == "candidate"}
    opens: dict[str, int] = {}
    for rid, row in routes.items():
        year = to_int(row["open_year"])
        if rid in candidates and row["decision"] == "open" and year is not None:
            opens[rid] = year
    return Decisions(starts=starts, opens=opens, projects=projects, routes=routes)


def capacity_key(instance: Instance, row: Row) -> Key | None:
    """The (year, area, cargo) of a capacity.csv row; None unless all three are valid."""
    year = to_int(row["year"])
    if year is None or year not in instance.years:
        return None
    if row["area"] not in instance.area_by_id or row["cargo"] not in CARGO_CLASSES:
        return None
    return year, row["area"], row["cargo"]


def read_throughput(instance: Instance, rows: list[Row]) -> dict[Key, float]:
    """Throughput per (year, area, cargo) of the valid capacity.csv rows (first row wins).

    Parameters
    ----------
    instance
        The instance the plan is for.
    rows
        The rows of capacity.csv.

    Returns
    -------
    dict
        TEU served (container) or tonnes handled, keyed by (year, area, cargo); rows with an
        invalid key or throughput are left out (the ``capacity`` rule reports them).
    """
    out: dict[Key, float] = {}
    for row in rows:
        key = capacity_key(instance, row)
        value = to_float(row["throughput"])
        if key is not None and value is not None and key not in out:
            out[key] = value
    return out

"""Reading a plan folder: the six CSV tables as rows of text cells, and ``solve.json``.

Cells stay text until a rule parses them, so an unparsable cell is reported where it matters
(``expected 2024, found 'abc'``) instead of aborting the check. A folder, file or column that
is missing, or a file that cannot be parsed at all, is a :class:`PlanFolderError` (exit 2).
pandas is imported only when a folder is read, so importing the checker stays light.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from berthplan.errors import UsageError

Row = dict[str, str]
"""A CSV row: column name to the cell's text (empty for "not applicable")."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": (
        "project_id",
        "name",
        "port",
        "area",
        "stage",
        "decision",
        "start_year",
        "completion_year",
        "in_service_year",
        "capex",
        "capex_in_horizon",
        "discounted_cost",
        "berths_added",
        "berths_10k_added",
    ),
    "routes": (
        "route_id",
        "name",
        "status",
        "decision",
        "open_year",
        "teu_offered",
        "discounted_cost",
    ),
    "capacity": ("year", "port", "area", "cargo", "unit", "capacity", "throughput", "utilization"),
    "spend": ("project_id", "year", "capex", "sunk"),
    "kpis": (
        "year",
        "cargo_tons",
        "container_teu",
        "berths_10k",
        "new_routes",
        "unserved_teu",
        "unserved_tons",
        "capex",
        "opex",
        "route_cost",
        "penalty_cost",
        "discounted_cost",
    ),
    "targets": ("year", "metric", "port", "target", "achieved", "shortfall", "hard", "binding"),
}
"""The columns each table must have (results.md); further columns are ignored."""

QUEUE_COLUMNS: tuple[str, ...] = (
    "year",
    "port",
    "area",
    "cargo",
    "unit",
    "queue",
    "berths",
    "max_wait_ratio",
    "capacity",
    "throughput",
    "calls",
    "occupancy",
    "wait_ratio",
    "wait_hours",
    "total_wait_hours",
    "charged_wait_hours",
    "waiting_cost",
)
"""queues.csv, written when the instance has service levels (queue pools)."""


class PlanFolderError(UsageError):
    """A plan folder that cannot be checked: missing, or a table missing or unreadable."""


@dataclass(frozen=True)
class PlanTables:
    """The contents of a plan folder.

    Attributes
    ----------
    folder
        The folder read.
    projects, routes, capacity, spend, kpis, targets
        The rows of each CSV table, in file order.
    solve
        ``solve.json`` as a mapping.
    """

    folder: Path
    projects: list[Row]
    routes: list[Row]
    capacity: list[Row]
    spend: list[Row]
    kpis: list[Row]
    targets: list[Row]
    solve: dict[str, Any]
    queues: list[Row] | None = None
    """queues.csv's rows; None when the folder has no queues.csv."""


def read_plan(folder: Path) -> PlanTables:
    """Read every table of a plan folder.

    Parameters
    ----------
    folder
        A folder written by ``berthplan solve --out``.

    Returns
    -------
    PlanTables
        The rows of the six tables and ``solve.json``.

    Raises
    ------
    PlanFolderError
        When the folder, a table or a column is missing, or a file cannot be parsed.
    """
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise PlanFolderError(f"{folder}: {what}")
    tables = {name: read_csv(folder / f"{name}.csv", cols) for name, cols in COLUMNS.items()}
    queues = folder / "queues.csv"
    rows = read_csv(queues, QUEUE_COLUMNS) if queues.exists() else None
    return PlanTables(folder=folder, solve=read_json(folder / "solve.json"), queues=rows, **tables)


def read_csv(path: Path, columns: tuple[str, ...]) -> list[Row]:
    """Read a CSV table as rows of text cells, requiring ``columns``.

    Parameters
    ----------
    path
        The CSV file.
    columns
        Columns the table must have.

    Returns
    -------
    list of Row
        The rows, in file order.

    Raises
    ------
    PlanFolderError
        When the file is missing or unreadable, or lacks a column.
    """
    import pandas as pd

    if not path.is_file():
        raise PlanFolderError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as e:
        raise PlanFolderError(f"{path}: cannot read the table ({e})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanFolderError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} " + ", ".join(missing)
        )
    return [{str(k): str(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]


def read_json(path: Path) -> dict[str, Any]:
    """Read ``solve.json`` as a mapping.

    Parameters
    ----------
    path
        The JSON file.

    Returns
    -------
    dict
        The parsed object.

    Raises
    ------
    PlanFolderError
        When the file is missing, not JSON, or not an object.
    """
    if not path.is_file():
        raise PlanFolderError(f"{path}: no such file")
    try:
        data = json.loads(
            path.read_text(encoding="utf-8"), object_pairs_hook=_unique, parse_int=_json_int
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PlanFolderError(f"{path}: cannot read JSON ({e})") from None
    except _DuplicateKey as e:
        raise PlanFolderError(f"{path}: duplicate key '{e}' (hand-edited?)") from None
    except RecursionError:
        raise PlanFolderError(f"{path}: nested too deep to be a plan's record") from None
    if not isinstance(data, dict):
        raise PlanFolderError(f"{path}: expected a JSON object")
    return data


class _DuplicateKey(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (a second one would hide the first)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _json_int(text: str) -> int | str:
    """An integer, or the text of one too long to be any recorded number (never converted)."""
    return text if len(text) > 30 else int(text)


def to_int(text: str) -> int | None:
    """An integer cell (no decimals), or None when empty or not an integer."""
    try:
        return int(text.strip())
    except ValueError:
        return None


def to_float(text: str) -> float | None:
    """A finite float cell, or None when empty or not a number."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def to_bool(text: str) -> bool | None:
    """A ``true``/``false`` cell, or None otherwise."""
    return {"true": True, "false": False}.get(text.strip())


def json_number(value: Any) -> float | None:
    """A JSON value as a finite float, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None

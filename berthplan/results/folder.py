"""Reading a plan folder back into a :class:`~berthplan.results.plan.Plan`.

Only the plan folder contract is read (``docs/results.md``: the CSV tables and
``solve.json``), with the contract's types: ``Int64`` years and counts, text labels, booleans.
Nothing of the model or the solvers is imported, so plans can be read, compared and drawn on a
machine without solvers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from berthplan.errors import UsageError
from berthplan.results.plan import Plan

__all__ = ["COLUMNS", "read_plan", "records"]

KPI_COLUMNS: tuple[str, ...] = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
KPI_COLUMNS += ("unserved_teu", "unserved_tons")
COST_COLUMNS = ("capex", "opex", "route_cost", "penalty_cost", "discounted_cost")
COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": ("project_id", "name", "port", "stage", "decision", "start_year"),
    "routes": ("route_id", "name", "status", "decision", "open_year", "discounted_cost"),
    "capacity": ("year", "port", "area", "cargo", "unit", "capacity", "throughput"),
    "spend": ("project_id", "year", "capex", "sunk"),
    "kpis": ("year", *KPI_COLUMNS, *COST_COLUMNS),
    "targets": ("year", "metric", "port", "target", "achieved", "shortfall", "hard", "binding"),
    "queues": ("year", "port", "area", "cargo", "berths", "capacity", "throughput"),
}
"""The columns each table must have (of those docs/results.md lists) to be read."""
COLUMNS["projects"] += ("completion_year", "in_service_year", "discounted_cost")
TEXT: tuple[str, ...] = ("project_id", "route_id", "name", "port", "area", "stage", "decision")
TEXT += ("status", "cargo", "unit", "metric", "plan", "folder", "instance", "hash", "backend")
TEXT += ("change", "queue")
INT: tuple[str, ...] = ("year", "start_year", "completion_year", "in_service_year", "open_year")
INT += ("berths_10k", "new_routes", "berths_added", "berths_10k_added", "delta_years")
INT += ("base_start_year", "base_completion_year", "base_open_year", "berths")


def read_plan(folder: str | Path, require: Sequence[str] = ()) -> Plan:
    """Read the plan folder ``folder``: ``solve.json`` at once, each table when first asked for.

    Parameters
    ----------
    folder : path
        A folder written by ``berthplan solve`` (or :meth:`Plan.write`).
    require : sequence of str
        Tables to read now, so that a missing or malformed one fails here.

    Raises
    ------
    UsageError
        When the folder, ``solve.json`` or a required table is missing or unreadable.
    """
    path = Path(folder)
    source = path / "solve.json"
    if not source.is_file():
        what = "not a plan folder (solve.json missing)" if path.is_dir() else "no such folder"
        raise UsageError(f"{path}: {what}")
    try:
        record = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{source}: unreadable ({e})") from e
    if not isinstance(record, dict) or not isinstance(record.get("instance"), dict):
        raise UsageError(f"{source}: no 'instance' record")
    cache: dict[str, pd.DataFrame] = {}

    def read(name: str) -> pd.DataFrame:
        if name not in COLUMNS:
            raise UsageError(f"{path}: no table {name!r} in the results contract")
        if name not in cache:
            cache[name] = _read_table(path / f"{name}.csv", COLUMNS[name])
        return cache[name]

    for name in require:
        read(name)
    return Plan.from_folder(path, record, read)


def _read_table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise UsageError(f"{path.parent}: not a complete plan folder ({path.name} missing)")
    try:
        df = pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            dtype=dict.fromkeys(TEXT, str),
            true_values=["true"],
            false_values=["false"],
        )
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable ({e})") from e
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in set(INT) & set(df.columns):
        df[c] = pd.array([to_int(v) for v in df[c]], dtype="Int64")
    return df


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as dicts keyed by column name."""
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def to_int(value: Any) -> int | None:
    """A whole number, or None for a missing value."""
    return None if value is None or pd.isna(value) else round(float(value))

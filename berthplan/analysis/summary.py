"""A sweep's ``summary.csv``: one row per plan folder (or per failure), read back from disk.

The columns are ``scenario, status, objective, gap, wall_time``, per target year ``y`` of the
base instance the KPIs ``cargo_tons_y, container_teu_y, berths_10k_y, new_routes_y`` and per
metric the year's target shortfalls ``shortfall_<metric>_y`` (t, TEU, berths, routes: summed
over the province and port targets of that metric, never across units), and ``message``.
Floats are written as the results contract writes them (``%.6f``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from berthplan.results import atomic

METRICS = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
SOLVED = ("optimal", "feasible")
Row = dict[str, str]


def number(value: Any) -> str:
    """A float as the results contract writes it (``%.6f``, no ``-0``); empty for None."""
    if value is None or value == "":
        return ""
    x = float(value)
    return "%.6f" % (0.0 if abs(x) < 5e-7 else x)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def columns(years: list[int]) -> list[str]:
    """The summary's columns for a base instance with targets in ``years``."""
    per_year = [f"{m}_{y}" for y in years for m in (*METRICS, *(f"shortfall_{k}" for k in METRICS))]
    return ["scenario", "status", "objective", "gap", "wall_time", *per_year, "message"]


def row_from_folder(name: str, folder: Path, years: list[int]) -> Row:
    """The summary row of a finished plan folder, read from solve.json and its CSVs."""
    info = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    kpis = {r["year"]: r for r in _read_csv(folder / "kpis.csv")}
    targets = _read_csv(folder / "targets.csv")
    status = str(info["status"])
    objective = number(info["objective"]) if status in SOLVED else ""
    row = {"scenario": name, "status": status, "objective": objective}
    row |= {"gap": number(info.get("gap")), "wall_time": number(info.get("wall_time_s"))}
    for y in years:
        kpi = kpis.get(str(y), {})
        row |= {f"{m}_{y}": kpi.get(m, "") for m in METRICS}
        for m in METRICS:  # one column per metric: tonnes, TEU, berths and routes never add up
            short = sum(
                float(t["shortfall"]) for t in targets if t["year"] == str(y) and t["metric"] == m
            )
            row[f"shortfall_{m}_{y}"] = number(short)
    return row


def write_csv_atomic(path: Path, header: list[str], rows: list[Row]) -> None:
    """Write ``rows`` under ``header`` to ``path`` through a temporary file and a rename."""
    text = io.StringIO()
    writer = csv.DictWriter(text, header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, text.getvalue())


__all__ = ["METRICS", "SOLVED", "Row", "columns", "number", "row_from_folder", "write_csv_atomic"]

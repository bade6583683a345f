"""A plan (or a comparison of plans) as one Excel workbook, the form planners pass plans around in.

One sheet per table of the plan folder (``docs/results.md``) after a ``summary`` sheet: the
header row carries each column's unit (money in the plan's ``money_unit``), is frozen and
filtered; numbers keep their full value with a display format (years plain, counts and
volumes with thousands separators, money with two decimals, ratios as 0.000). The bytes depend
on the plan only: the document's dates and the zip entries' times are fixed.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]

from berthplan.errors import UsageError
from berthplan.results.folder import read_plan
from berthplan.results.plan import Plan
from berthplan.results.tables import OPTIONAL_TABLES, TABLES

if TYPE_CHECKING:
    from berthplan.analysis.compare import Comparison

__all__ = ["UNITS", "comparison_workbook", "plan_workbook", "unit"]

FIXED_TIME = datetime(2000, 1, 1)
"""The workbook's created and modified dates: the same plan always gives the same bytes."""
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)

MONEY = "{money}"
"""Stands for the plan's money unit (``money_unit`` of solve.json) in :data:`UNITS`."""
_FORMATS = {
    "year": "0",
    "count": "#,##0",
    "volume": "#,##0",
    "money": "#,##0.00",
    "ratio": "0.000",
    "hours": "#,##0.0",
    "number": "#,##0.000",
}
_M = (MONEY, "money")
_EXTRA = {"scenarios": 0, "recourse": 1}
"""The order of a folder's other tables: these first, then the rest by name."""
_COST_PARTS = ("capex", "opex", "route_cost", "unserved_teu", "unserved_tons", "shortfall")
UNITS: dict[str, tuple[str, str]] = {
    # column: (unit shown in the header, display kind), as docs/results.md gives them
    **dict.fromkeys(("year", "start_year", "completion_year", "in_service_year"), ("", "year")),
    **dict.fromkeys(("open_year", "base_start_year", "base_completion_year"), ("", "year")),
    "base_open_year": ("", "year"),
    "delta_years": ("years", "count"),
    **dict.fromkeys(("capex", "capex_in_horizon", "discounted_cost", "residual_value"), _M),
    **dict.fromkeys(("opex", "route_cost", "penalty_cost", "waiting_cost"), _M),
    **dict.fromkeys(("objective", "delta_objective", "delta_discounted_cost"), _M),
    "delta_pct": ("%", "number"),
    **dict.fromkeys(
        ("berths_added", "berths_10k_added", "berths_10k", "berths"), ("berths", "count")
    ),
    "teu_offered": ("TEU/yr", "volume"),
    "cargo_tons": ("t", "volume"),
    "container_teu": ("TEU", "volume"),
    "new_routes": ("routes", "count"),
    "unserved_teu": ("TEU", "volume"),
    "unserved_tons": ("t", "volume"),
    "capacity": ("TEU/yr or t/yr", "volume"),
    "throughput": ("TEU/yr or t/yr", "volume"),
    **dict.fromkeys(("target", "achieved", "shortfall"), ("metric unit", "volume")),
    **dict.fromkeys(("utilization", "occupancy", "sim_occupancy", "probability"), ("", "ratio")),
    **dict.fromkeys(("wait_ratio", "max_wait_ratio", "sim_wait_ratio"), ("W/S", "ratio")),
    **dict.fromkeys(("sim_wait_ratio_low", "sim_wait_ratio_high"), ("W/S", "ratio")),
    "calls": ("calls/yr", "volume"),
    **dict.fromkeys(("wait_hours", "sim_wait_hours"), ("h", "hours")),
    **dict.fromkeys(("sim_wait_hours_low", "sim_wait_hours_high"), ("h", "hours")),
    **dict.fromkeys(("total_wait_hours", "charged_wait_hours"), ("ship-h/yr", "volume")),
    "replications": ("", "count"),
}
"""Every column's unit and display kind; :data:`TABLE_UNITS` overrides it for one table."""
TABLE_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    # scenarios.csv: a scenario's cost and its parts are all discounted money
    "scenarios": dict.fromkeys((*_COST_PARTS, "cost", "cost_alone", "regret"), _M),
}


def unit(table: str, column: str, money: str) -> tuple[str, str]:
    """The unit of ``column`` of ``table`` (money as ``money``) and its display kind.

    Parameters
    ----------
    table, column : str
        A table of the plan folder (``kpis``) and one of its columns.
    money : str
        The plan's money unit (``CNY million``).

    Returns
    -------
    tuple of str
        The unit (empty when none) and one of year, count, volume, money, ratio, hours, number
        (empty for text).
    """
    found = TABLE_UNITS.get(table, {}).get(column) or UNITS.get(column)
    if found is None:
        return "", ""
    return found[0].replace(MONEY, money), found[1]


def plan_workbook(plan: Plan | str | Path) -> bytes:
    """The workbook of a plan: a summary sheet, then one sheet per table.

    Parameters
    ----------
    plan : Plan or path
        A plan in memory or a plan folder. Besides the contract's tables (queues when the plan
        has them), a folder's other CSV tables (``scenarios``, ``recourse`` of a two-stage plan,
        ``simulation``) get a sheet each after them: scenarios, recourse, then the rest by
        name.

    Returns
    -------
    bytes
        The ``.xlsx`` file, the same bytes for the same plan.

    Raises
    ------
    UsageError
        When the folder is not a plan folder or a table is missing or unreadable.
    """
    p = plan if isinstance(plan, Plan) else read_plan(plan, TABLES)
    money = p.get("instance.money_unit") or "money"
    wb = _new()
    _summary_sheet(wb, _plan_summary(p, money))
    for name, df in _plan_tables(p).items():
        _table_sheet(wb, name, df, money)
    return _bytes(wb)


def comparison_workbook(comparison: Comparison) -> bytes:
    """The workbook of a comparison: a summary, then totals and the differences per table.

    Parameters
    ----------
    comparison : Comparison
        From :func:`berthplan.compare`; the baseline's money unit labels the money columns.

    Returns
    -------
    bytes
        The ``.xlsx`` file, the same bytes for the same plans.
    """
    plans = comparison.plans
    money = plans[0].get("instance.money_unit") or "money"
    rows: list[tuple[str, Any]] = [
        ("baseline", comparison.labels[0]),
        ("plans compared", ", ".join(comparison.labels[1:])),
        ("identical to the baseline", "yes" if comparison.identical else "no"),
        ("money", f"{money}, discounted"),
    ]
    units = {p.get("instance.money_unit") for p in plans}
    if len(units) > 1:
        rows.append(("warning", f"the plans' money units differ: {', '.join(sorted(units))}"))
    wb = _new()
    _summary_sheet(wb, rows)
    tables = comparison.tables()
    for name in ("totals.csv", "projects_diff.csv", "routes_diff.csv", "kpis_diff.csv"):
        _table_sheet(wb, name.removesuffix(".csv"), tables[name], money)
    return _bytes(wb)


def _plan_tables(plan: Plan) -> dict[str, pd.DataFrame]:
    if plan.path is None:
        return dict(plan.tables)
    out = {name: plan.table(name) for name in TABLES}
    for name in OPTIONAL_TABLES:
        if (plan.path / f"{name}.csv").is_file():
            out[name] = plan.table(name)
    extra = sorted(plan.path.glob("*.csv"), key=lambda p: (_EXTRA.get(p.stem, len(_EXTRA)), p.stem))
    for path in extra:
        if path.stem not in out:
            out[path.stem] = _read_extra(path)
    return out


def _read_extra(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            true_values=["true"],
            false_values=["false"],
        )
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable ({e})") from e


def _plan_summary(plan: Plan, money: str) -> list[tuple[str, Any]]:
    record = plan.record
    inst, breakdown, versions = (
        _dict(record.get(k)) for k in ("instance", "breakdown", "versions")
    )
    rows: list[tuple[str, Any]] = [
        ("instance", inst.get("name")),
        ("instance file", inst.get("file")),
        ("overrides", "; ".join(str(o) for o in inst.get("overrides") or []) or None),
        ("status", record.get("status")),
        (f"objective ({money}, discounted)", record.get("objective", plan.objective)),
    ]
    rows += [(f"  {k} ({money}, discounted)", v) for k, v in breakdown.items()]
    rows += [
        (f"best bound ({money})", record.get("best_bound")),
        ("gap", record.get("gap")),
        ("solver", record.get("backend")),
        ("solver version", versions.get("solver")),
        ("wall time (s)", record.get("wall_time_s")),
        ("price year", inst.get("price_year")),
        ("berthplan", versions.get("berthplan")),
    ]
    two = _dict(record.get("two_stage"))
    if two:
        rows += [
            ("scenarios", two.get("scenarios")),
            ("commit years", two.get("commit_years")),
            (f"expected cost, RP ({money})", two.get("objective")),
            (f"VSS ({money})", two.get("vss")),
            (f"EVPI ({money})", two.get("evpi")),
        ]
    return rows


def _dict(value: Any) -> dict[str, Any]:
    """A solve.json section; empty when absent or not a mapping (a hand-edited file)."""
    return value if isinstance(value, dict) else {}


# -- writing -----------------------------------------------------------------------------------
def _new() -> Any:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _summary_sheet(wb: Any, rows: Sequence[tuple[str, Any]]) -> None:
    ws = wb.create_sheet("summary")
    ws.append(["item", "value"])
    for label, value in rows:
        ws.append([label, _cell(value)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, float):
            cell.number_format = _FORMATS["money"] if abs(cell.value) >= 1 else "0.000000"
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = max(len(str(r[0])) for r in [("item",), *rows]) + 2
    ws.column_dimensions["B"].width = min(80, max(12, *(_width(r[1], "") for r in rows)))


def _table_sheet(wb: Any, name: str, df: pd.DataFrame, money: str) -> None:
    ws = wb.create_sheet(_sheet_name(name, wb.sheetnames))
    columns = [str(c) for c in df.columns]
    kinds = [unit(name, c, money) for c in columns]
    headers = [f"{c} ({u})" if u else c for c, (u, _) in zip(columns, kinds, strict=True)]
    ws.append(headers)
    for row in df.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    widths = [len(h) for h in headers]
    for j, (_, kind) in enumerate(kinds, start=1):
        fmt = _FORMATS.get(kind)
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt or _default_format(cell.value)
            widths[j - 1] = max(widths[j - 1], _width(cell.value, kind))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(50, max(8, width + 2))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    if len(columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(df) + 1)}"


def _default_format(value: int | float) -> str:
    return _FORMATS["count"] if isinstance(value, int) else _FORMATS["number"]


def _cell(value: Any) -> Any:
    """A table value as a cell value: None for missing, Python numbers and booleans, text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int | str | bool):
        return value
    return str(value)


def _width(value: Any, kind: str) -> int:
    """Characters the value takes as displayed."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return len(str(value))
    if kind in ("year", "count", "volume"):
        return len(f"{value:,.0f}")
    if kind == "ratio":
        return len(f"{value:.3f}")
    return len(f"{value:,.2f}")


def _sheet_name(name: str, taken: Iterable[str]) -> str:
    """A valid, unused sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
    used = set(taken)
    out, n = base, 1
    while out in used:
        n += 1
        out = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    return out


def _bytes(wb: Any) -> bytes:
    """The workbook's bytes, with fixed document dates and zip entry times."""
    wb.properties.creator = "berthplan"
    buf = io.BytesIO()
    wb.save(buf)  # stamps `modified` with the time of day: fixed again below
    wb.properties.created = wb.properties.modified = FIXED_TIME
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = core if info.filename == "docProps/core.xml" else src.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()

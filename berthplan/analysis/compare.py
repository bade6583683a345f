"""Compare plans: what each plan decides differently from a baseline, and what it costs.

Only the tables of the results contract are read (``docs/results.md``), from plans in memory
or read back from their folders; nothing of the model is imported, so plans can be compared on
a machine without solvers. Rendering a comparison lives in :mod:`berthplan.viz.report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from berthplan.errors import UsageError
from berthplan.results import atomic
from berthplan.results.folder import COLUMNS, COST_COLUMNS, INT, KPI_COLUMNS, read_plan, records
from berthplan.results.folder import to_int as _int
from berthplan.results.plan import Plan

__all__ = ["COST_COLUMNS", "KPI_COLUMNS", "Comparison", "compare", "records"]

DELTAS = (*KPI_COLUMNS, *COST_COLUMNS)
"""The kpis.csv columns compared, as in the file: KPIs, then money."""
_TOTALS: tuple[str, ...] = ("plan", "folder", "instance", "hash", "backend", "status")
_TOTALS += ("objective", "delta_objective", "delta_pct")
_FILES = ("projects_diff.csv", "routes_diff.csv", "kpis_diff.csv", "totals.csv")


@dataclass(frozen=True)
class Comparison:
    """What plans decide differently from the first (the baseline), and at what cost.

    Attributes
    ----------
    plans, labels : tuple
        The plans, baseline first, and their labels: folder names, numbered (``#2``) if repeated.
    projects, routes : DataFrame
        Per plan (``plan``) the projects or routes decided differently: ``change`` (added,
        dropped, delayed, advanced, rescheduled; opened, skipped...), both decisions and years,
        ``delta_years`` and ``delta_discounted_cost`` (plan minus baseline).
    kpis, totals : DataFrame
        Per plan the years where a KPI or cost differs (every ``kpis.csv`` column, plan minus
        baseline); per plan its objective, ``delta_objective``, ``delta_pct``, status, backend.
    """

    plans: tuple[Plan, ...]
    labels: tuple[str, ...]
    projects: pd.DataFrame
    routes: pd.DataFrame
    kpis: pd.DataFrame
    totals: pd.DataFrame

    @property
    def identical(self) -> bool:
        """True when every plan decides, achieves and costs the same as the baseline."""
        return all(self.same(label) for label in self.labels[1:])

    def same(self, label: str) -> bool:
        """True when the plan ``label`` decides, achieves and costs the same as the baseline."""
        changed = any((t["plan"] == label).any() for t in (self.projects, self.routes, self.kpis))
        delta = self.totals.loc[self.totals["plan"] == label, "delta_objective"]
        return not changed and all(_close(d, 0.0) for d in delta)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison tables by file name (``projects_diff.csv``, ..., ``totals.csv``)."""
        return dict(zip(_FILES, (self.projects, self.routes, self.kpis, self.totals), strict=True))

    def write(self, folder: str | Path) -> Path:
        """Write the tables as CSV into ``folder`` atomically (temporary sibling, then rename).

        Raises
        ------
        UsageError
            When ``folder`` exists and is not a comparison folder.
        """
        with atomic.folder(folder, "totals.csv", "comparison folder") as tmp:
            for name, df in self.tables().items():
                atomic.write_csv(df, tmp / name)
        return Path(folder)


def compare(plans: Sequence[Plan | str | Path]) -> Comparison:
    """Compare plans against the first one.

    Parameters
    ----------
    plans : sequence of Plan or path
        Two or more plans, in memory or as plan folders (the same one may appear twice); the
        first is the baseline.

    Returns
    -------
    Comparison
        The differences of every plan from the baseline.

    Raises
    ------
    UsageError
        When fewer than two folders are given, a folder or table is missing, or the plans are
        of unrelated instances (their ``solve.json`` instance names and base hashes differ).
    """
    if len(plans) < 2:
        raise UsageError("compare needs at least two plan folders (the first is the baseline)")
    read = tuple(_opened(p) for p in plans)
    _check_related(read)
    names = [_name(p, i) for i, p in enumerate(read)]
    labels = tuple(
        n + (f"#{c + 1}" if (c := names[:i].count(n)) else "") for i, n in enumerate(names)
    )
    pairs = list(zip(labels[1:], read[1:], strict=True))
    projects, routes, kpis = (
        _frame([r for lab, p in pairs for r in rows(read[0], p, lab)], columns)
        for rows, columns in (
            (_PROJECTS.rows, _PROJECTS.columns()),
            (_ROUTES.rows, _ROUTES.columns()),
            (_kpi_rows, ("plan", "year", *DELTAS)),
        )
    )
    return Comparison(read, labels, projects, routes, kpis, _frame(_totals(read, labels), _TOTALS))


def _opened(plan: Plan | str | Path) -> Plan:
    if isinstance(plan, Plan):
        return plan
    return read_plan(plan, ("projects", "routes", "kpis"))


def _name(plan: Plan, i: int) -> str:
    if plan.path is None:
        return plan.get("instance.name") or f"plan-{i + 1}"
    return plan.path.resolve().name or str(plan.path)


def _check_related(plans: Sequence[Plan]) -> None:
    # Related: scenarios of one instance (same base hash), or edited copies of one instance
    # file (same instance name). Plans of differently named instances are refused.
    base = plans[0]
    name = base.get("instance.name")
    odd = [p for p in plans[1:] if p.base_hash != base.base_hash and p.get("instance.name") != name]
    if not base.base_hash or odd:
        rows = [
            f"  {p.path}: instance {p.get('instance.name')!r}, base hash {p.base_hash[:12] or '-'}"
            for p in [base, *odd]
        ]
        raise UsageError(
            "cannot compare plans of unrelated instances (their solve.json instance names and "
            "base hashes differ; the first is the baseline):\n" + "\n".join(rows)
        )


class _Kind(NamedTuple):
    """How to diff a decision table: ``projects`` or ``routes`` (named after ``key``)."""

    key: str
    year: str  # the year a decision takes effect (start or opening)
    active: tuple[str, ...]  # decisions that count as done
    words: tuple[str, str]  # the change when done only in the plan, only in the baseline
    info: tuple[str, ...]  # descriptive columns, copied
    ends: tuple[str, ...] = ()  # further year columns compared and reported

    def columns(self) -> tuple[str, ...]:
        years = (f"base_{self.year}", self.year, "delta_years")
        ends = tuple(c for e in self.ends for c in (f"base_{e}", e))
        head = ("plan", self.key, *self.info, "change", "base_decision", "decision")
        return (*head, *years, *ends, "delta_discounted_cost")

    def state(self, r: dict[str, Any] | None) -> tuple[bool, int | None, str]:
        if r is None:
            return False, None, "absent"
        return str(r["decision"]) in self.active, _int(r[self.year]), str(r["decision"])

    def change(self, b: dict[str, Any] | None, p: dict[str, Any] | None) -> str | None:
        (b_on, b_year, b_dec), (p_on, p_year, p_dec) = self.state(b), self.state(p)
        if b_on != p_on:
            return self.words[0] if p_on else self.words[1]
        if b_year is not None and p_year is not None and b_year != p_year:
            return "delayed" if p_year > b_year else "advanced"
        if b_on and any(_int((b or {})[e]) != _int((p or {})[e]) for e in self.ends):
            return "rescheduled"
        return None if (b_dec, b_year) == (p_dec, p_year) else "changed"

    def rows(self, base: Plan, plan: Plan, label: str) -> list[dict[str, Any]]:
        table = self.key.removesuffix("_id") + "s"
        bs = {str(r[self.key]): r for r in records(base.table(table))}
        ps = {str(r[self.key]): r for r in records(plan.table(table))}
        frozen = _frozen(plan, "frozen_starts" if table == "projects" else "frozen_opens")
        out = []
        for key in [*bs, *(k for k in ps if k not in bs)]:
            b, p = bs.get(key), ps.get(key)
            if (change := self.change(b, p)) is None:
                continue
            kept = b is not None and key in frozen and _int(b[self.year]) == frozen[key]
            if change in ("dropped", "changed") and kept:
                continue  # a re-plan's frozen decision, now an existing berth or route
            (_, b_year, b_dec), (_, p_year, p_dec) = self.state(b), self.state(p)
            ref, b, p = p or b or {}, b or {}, p or {}
            cost = _num(p.get("discounted_cost")) - _num(b.get("discounted_cost"))
            out.append(
                {"plan": label, self.key: key, **{c: ref[c] for c in self.info}, "change": change}
                | {"base_decision": b_dec, "decision": p_dec}
                | {f"base_{self.year}": b_year, self.year: p_year}
                | {"delta_years": None if b_year is None or p_year is None else p_year - b_year}
                | {k: v for e in self.ends for k, v in ((f"base_{e}", b.get(e)), (e, p.get(e)))}
                | {"delta_discounted_cost": cost}
            )
        return out


_P_INFO, _R_INFO = COLUMNS["projects"][1:4], COLUMNS["routes"][1:3]
_PROJECTS = _Kind("project_id", "start_year", ("build",), ("added", "dropped"), _P_INFO)
_PROJECTS = _PROJECTS._replace(ends=("completion_year",))
_ROUTES = _Kind("route_id", "open_year", ("existing", "open"), ("opened", "skipped"), _R_INFO)


def _frozen(plan: Plan, field: str) -> dict[str, int]:
    """The decisions a re-plan froze (``replan`` in its solve.json): id -> year; else none."""
    record = plan.record.get("replan")
    frozen = record.get(field) if isinstance(record, dict) else None
    return {str(k): int(v) for k, v in frozen.items()} if isinstance(frozen, dict) else {}


def _kpi_delta(column: str, b: dict[str, Any] | None, p: dict[str, Any] | None) -> float | None:
    """Plan minus baseline: a year missing from a plan costs nothing; KPIs missing are n/a."""
    bv, pv = (b or {}).get(column), (p or {}).get(column)
    na = (bv is None or pd.isna(bv), pv is None or pd.isna(pv))
    if column in COST_COLUMNS or not any(na):
        return _num(pv) - _num(bv)
    return 0.0 if all(na) else None


def _kpi_rows(base: Plan, plan: Plan, label: str) -> list[dict[str, Any]]:
    by = {int(r["year"]): r for r in records(base.table("kpis"))}
    py = {int(r["year"]): r for r in records(plan.table("kpis"))}
    rows = []
    for year in sorted(set(by) | set(py)):
        deltas = {c: _kpi_delta(c, by.get(year), py.get(year)) for c in DELTAS}
        if any(d is None or not _close(d, 0.0) for d in deltas.values()):
            rows.append({"plan": label, "year": year, **deltas})
    return rows


def _totals(plans: Sequence[Plan], labels: Sequence[str]) -> list[dict[str, Any]]:
    base = plans[0].objective
    return [
        {
            "plan": label,
            "folder": "" if p.path is None else str(p.path),
            "instance": p.get("instance.name"),
        }
        | {"hash": p.get("instance.hash"), "backend": p.get("backend")}
        | {"status": p.get("status"), "objective": p.objective}
        | {"delta_objective": p.objective - base}
        | {"delta_pct": 100 * (p.objective - base) / base if base else None}
        for label, p in zip(labels, plans, strict=True)
    ]


def _num(value: Any) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """The rows with stable types: Int64 years and counts, Float64 amounts, str labels."""
    df = pd.DataFrame(rows, columns=list(columns))
    for c in df.columns:
        if c in INT:
            df[c] = pd.array([_int(v) for v in df[c]], dtype="Int64")
        elif c in DELTAS or c.startswith("delta_") or c == "objective":
            df[c] = pd.array([None if pd.isna(v) else float(v) for v in df[c]], dtype="Float64")
        else:
            df[c] = pd.array([None if pd.isna(v) else str(v) for v in df[c]], dtype="str")
    return df

"""Compare plan folders: what each plan decides differently from a baseline, and what it costs.

Only the plan folder contract is read (``docs/results.md``: the CSV tables and ``solve.json``);
nothing of the model is imported, so plans can be compared on a machine without solvers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from berthplan import atomic
from berthplan.errors import UsageError

__all__ = ["COST_COLUMNS", "KPI_COLUMNS", "Comparison", "PlanFolder", "compare", "records"]

KPI_COLUMNS: tuple[str, ...] = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
KPI_COLUMNS += ("unserved_teu", "unserved_tons")
COST_COLUMNS = ("capex", "opex", "route_cost", "penalty_cost", "discounted_cost")
DELTAS = (*KPI_COLUMNS, *COST_COLUMNS)
"""The kpis.csv columns compared, as in the file: KPIs, then money."""
COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": ("project_id", "name", "port", "stage", "decision", "start_year"),
    "routes": ("route_id", "name", "status", "decision", "open_year", "discounted_cost"),
    "capacity": ("year", "port", "area", "cargo", "unit", "capacity", "throughput"),
    "spend": ("project_id", "year", "capex", "sunk"),
    "kpis": ("year", *DELTAS),
    "targets": ("year", "metric", "port", "target", "achieved", "shortfall", "hard", "binding"),
}
"""The columns each table must have (of those docs/results.md lists) to be read."""
COLUMNS["projects"] += ("completion_year", "in_service_year", "discounted_cost")
_TEXT: tuple[str, ...] = ("project_id", "route_id", "name", "port", "area", "stage", "decision")
_TEXT += ("status", "cargo", "unit", "metric", "plan", "folder", "instance", "hash", "backend")
_TEXT += ("change",)
_INT: tuple[str, ...] = ("year", "start_year", "completion_year", "in_service_year", "open_year")
_INT += ("berths_10k", "new_routes", "berths_added", "berths_10k_added", "delta_years")
_INT += ("base_start_year", "base_completion_year", "base_open_year")
_TOTALS: tuple[str, ...] = ("plan", "folder", "instance", "hash", "backend", "status")
_TOTALS += ("objective", "delta_objective", "delta_pct")
_FILES = ("projects_diff.csv", "routes_diff.csv", "kpis_diff.csv", "totals.csv")


@dataclass(frozen=True)
class PlanFolder:
    """A plan folder: ``solve.json`` read at once, each table read when first asked for.

    Attributes
    ----------
    path : Path
        The folder.
    solve : dict
        The content of ``solve.json``.
    """

    path: Path
    solve: dict[str, Any]
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def open(cls, folder: str | Path, require: Sequence[str] = ()) -> PlanFolder:
        """Open ``folder``, checking that ``solve.json`` and the ``require`` tables are there.

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
            solve = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UsageError(f"{source}: unreadable ({e})") from e
        if not isinstance(solve, dict) or not isinstance(solve.get("instance"), dict):
            raise UsageError(f"{source}: no 'instance' record")
        plan = cls(path, solve)
        for name in require:
            plan.table(name)
        return plan

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (``projects``, ``kpis``, ...) with the contract's types."""
        if name not in self._tables:
            self._tables[name] = _read_table(self.path / f"{name}.csv", COLUMNS[name])
        return self._tables[name]

    def info(self, key: str) -> str:
        """A field of ``solve.json`` as text: ``status``, ``backend``, ``instance.name``..."""
        record = self.solve["instance"] if key.startswith("instance.") else self.solve
        return str(record.get(key.removeprefix("instance.")) or "")

    @property
    def base_hash(self) -> str:
        """The hash of the unmodified instance (scenario plans); the hash where not recorded."""
        return self.info("instance.base_hash") or self.info("instance.hash")

    @property
    def objective(self) -> float:
        """The objective of ``solve.json`` (total discounted cost, recomputed from the tables)."""
        value = self.solve.get("objective")
        return float(value) if isinstance(value, int | float) else math.nan


def _read_table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise UsageError(f"{path.parent}: not a complete plan folder ({path.name} missing)")
    try:
        df = pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            dtype=dict.fromkeys(_TEXT, str),
            true_values=["true"],
            false_values=["false"],
        )
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable ({e})") from e
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in set(_INT) & set(df.columns):
        df[c] = pd.array([_int(v) for v in df[c]], dtype="Int64")
    return df


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

    plans: tuple[PlanFolder, ...]
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

    def render(self) -> str:
        """A readable summary: per plan the changed decisions, KPI deltas and cost delta."""
        from berthplan.report import render_comparison

        return render_comparison(self)


def compare(folders: Sequence[str | Path]) -> Comparison:
    """Compare plan folders against the first one.

    Parameters
    ----------
    folders : sequence of path
        Two or more plan folders (the same folder may appear twice); the first is the baseline.

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
    if len(folders) < 2:
        raise UsageError("compare needs at least two plan folders (the first is the baseline)")
    plans = tuple(PlanFolder.open(f, ("projects", "routes", "kpis")) for f in folders)
    _check_related(plans)
    names = [p.path.resolve().name or str(p.path) for p in plans]
    labels = tuple(
        n + (f"#{c + 1}" if (c := names[:i].count(n)) else "") for i, n in enumerate(names)
    )
    pairs = list(zip(labels[1:], plans[1:], strict=True))
    projects, routes, kpis = (
        _frame([r for lab, p in pairs for r in rows(plans[0], p, lab)], columns)
        for rows, columns in (
            (_PROJECTS.rows, _PROJECTS.columns()),
            (_ROUTES.rows, _ROUTES.columns()),
            (_kpi_rows, ("plan", "year", *DELTAS)),
        )
    )
    return Comparison(
        plans, labels, projects, routes, kpis, _frame(_totals(plans, labels), _TOTALS)
    )


def _check_related(plans: Sequence[PlanFolder]) -> None:
    # Related: scenarios of one instance (same base hash), or edited copies of one instance
    # file (same instance name). Plans of differently named instances are refused.
    base = plans[0]
    name = base.info("instance.name")
    odd = [
        p for p in plans[1:] if p.base_hash != base.base_hash and p.info("instance.name") != name
    ]
    if not base.base_hash or odd:
        rows = [
            f"  {p.path}: instance {p.info('instance.name')!r}, base hash {p.base_hash[:12] or '-'}"
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

    def rows(self, base: PlanFolder, plan: PlanFolder, label: str) -> list[dict[str, Any]]:
        table = self.key.removesuffix("_id") + "s"
        bs = {str(r[self.key]): r for r in records(base.table(table))}
        ps = {str(r[self.key]): r for r in records(plan.table(table))}
        out = []
        for key in [*bs, *(k for k in ps if k not in bs)]:
            b, p = bs.get(key), ps.get(key)
            if (change := self.change(b, p)) is None:
                continue
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


def _kpi_delta(column: str, b: dict[str, Any] | None, p: dict[str, Any] | None) -> float | None:
    """Plan minus baseline: a year missing from a plan costs nothing; KPIs missing are n/a."""
    bv, pv = (b or {}).get(column), (p or {}).get(column)
    na = (bv is None or pd.isna(bv), pv is None or pd.isna(pv))
    if column in COST_COLUMNS or not any(na):
        return _num(pv) - _num(bv)
    return 0.0 if all(na) else None


def _kpi_rows(base: PlanFolder, plan: PlanFolder, label: str) -> list[dict[str, Any]]:
    by = {int(r["year"]): r for r in records(base.table("kpis"))}
    py = {int(r["year"]): r for r in records(plan.table("kpis"))}
    rows = []
    for year in sorted(set(by) | set(py)):
        deltas = {c: _kpi_delta(c, by.get(year), py.get(year)) for c in DELTAS}
        if any(d is None or not _close(d, 0.0) for d in deltas.values()):
            rows.append({"plan": label, "year": year, **deltas})
    return rows


def _totals(plans: Sequence[PlanFolder], labels: Sequence[str]) -> list[dict[str, Any]]:
    base = plans[0].objective
    return [
        {"plan": label, "folder": str(p.path), "instance": p.info("instance.name")}
        | {"hash": p.info("instance.hash"), "backend": p.info("backend")}
        | {"status": p.info("status"), "objective": p.objective}
        | {"delta_objective": p.objective - base}
        | {"delta_pct": 100 * (p.objective - base) / base if base else None}
        for label, p in zip(labels, plans, strict=True)
    ]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as dicts keyed by column name."""
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else round(float(value))


def _num(value: Any) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """The rows with stable types: Int64 years and counts, Float64 amounts, str labels."""
    df = pd.DataFrame(rows, columns=list(columns))
    for c in df.columns:
        if c in _INT:
            df[c] = pd.array([_int(v) for v in df[c]], dtype="Int64")
        elif c in DELTAS or c.startswith("delta_") or c == "objective":
            df[c] = pd.array([None if pd.isna(v) else float(v) for v in df[c]], dtype="Float64")
        else:
            df[c] = pd.array([None if pd.isna(v) else str(v) for v in df[c]], dtype="str")
    return df

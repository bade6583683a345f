"""A plan as the tables of the results contract (docs/results.md), and writing them atomically."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from berthplan import __version__
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES, METRICS
from berthplan.model.sets import CONTAINER, Sets
from berthplan.results import atomic
from berthplan.results.outcome import Decisions, Outcome

RESULTS_SCHEMA_VERSION = 1
TABLES = ("projects", "routes", "capacity", "spend", "kpis", "targets")
PROJECT_COLUMNS = [
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
]
ROUTE_COLUMNS = [
    "route_id",
    "name",
    "status",
    "decision",
    "open_year",
    "teu_offered",
    "discounted_cost",
]


@dataclass
class SolveInfo:
    """What the solve said, beside the decisions (solver-neutral)."""

    status: str = "optimal"
    backend: str = ""
    backend_version: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    solver_objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    wall_time: float = 0.0
    model_size: dict[str, int] = field(default_factory=dict)
    log: str = ""
    instance_file: str | None = None
    base_hash: str | None = None  # the unmodified instance's hash, for scenario plans
    overrides: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class Plan:
    """A plan: decisions, their recomputed outcome, and the tables planners read.

    One type for every plan, whether just solved (``Plan(instance, decisions, info)``) or read
    back from a plan folder (:func:`~berthplan.results.folder.read_plan`). Views read it only
    through :meth:`table`, :attr:`record` (the content of ``solve.json``), :meth:`get` and
    :attr:`path`, which both kinds answer; a plan read from a folder carries no instance or
    decisions, only its tables.
    """

    path: Path | None
    """The plan folder it was read from; None for a plan solved in memory (even once written)."""

    def __init__(
        self,
        instance: Instance,
        decisions: Decisions,
        info: SolveInfo | None = None,
        sets: Sets | None = None,
    ) -> None:
        self._instance: Instance | None = instance
        self._decisions: Decisions | None = decisions
        self.info = info or SolveInfo()
        self._outcome: Outcome | None = Outcome(sets or Sets(instance), decisions)
        self._record: dict[str, Any] | None = None
        self._read: Callable[[str], pd.DataFrame] | None = None
        self.path = None

    @classmethod
    def from_folder(
        cls, path: Path, record: dict[str, Any], read: Callable[[str], pd.DataFrame]
    ) -> Plan:
        """A plan read from ``path``: ``record`` is its solve.json, ``read(name)`` a table."""
        plan = cls.__new__(cls)
        plan._instance = plan._decisions = plan._outcome = None
        plan.info = SolveInfo(status=str(record.get("status") or ""))
        plan._record, plan._read, plan.path = record, read, path
        return plan

    def __repr__(self) -> str:
        where = f", folder={str(self.path)!r}" if self.path is not None else ""
        name = self.get("instance.name")
        return f"<Plan {name!r}: {self.status}, objective {self.objective:,.3f}{where}>"

    @property
    def instance(self) -> Instance:
        """The instance solved (plans read from a folder carry none)."""
        return self._solved()[0]

    @property
    def decisions(self) -> Decisions:
        """Start and opening years (plans read from a folder carry none)."""
        return self._solved()[1]

    @property
    def outcome(self) -> Outcome:
        """The recomputed outcome of the decisions (plans read from a folder carry none)."""
        return self._solved()[2]

    def _solved(self) -> tuple[Instance, Decisions, Outcome]:
        if self._instance is None or self._decisions is None or self._outcome is None:
            raise UsageError(
                f"{self.path}: a plan read from a folder has its tables only; "
                "load the instance and solve it for the decisions and outcome"
            )
        return self._instance, self._decisions, self._outcome

    @property
    def status(self) -> str:
        return self.info.status

    @property
    def record(self) -> dict[str, Any]:
        """The content of solve.json."""
        if self._record is None:
            self._record = self.summary()
        return self._record

    def get(self, key: str) -> str:
        """A field of solve.json as text: ``status``, ``backend``, ``instance.name``..."""
        record = self.record["instance"] if key.startswith("instance.") else self.record
        return str(record.get(key.removeprefix("instance.")) or "")

    @property
    def base_hash(self) -> str:
        """The hash of the unmodified instance (scenario plans); the hash where not recorded."""
        return self.get("instance.base_hash") or self.get("instance.hash")

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (``projects``, ``kpis``, ...) of the results contract."""
        if self._read is not None:
            return self._read(name)
        return self.tables[name]

    @cached_property
    def kpis(self) -> pd.DataFrame:
        return self._kpis() if self._read is None else self.table("kpis")

    @property
    def objective(self) -> float:
        """Total discounted cost: recomputed from the decisions, or as solve.json records it."""
        if self._record is not None and self._read is not None:
            value = self._record.get("objective")
            return float(value) if isinstance(value, int | float) else math.nan
        return float(self.kpis["discounted_cost"].sum())

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        if self._read is not None:
            return {name: self.table(name) for name in TABLES}
        return {
            "projects": self._projects(),
            "routes": self._routes(),
            "capacity": self._capacity(),
            "spend": self._spend(),
            "kpis": self.kpis,
            "targets": self._targets(),
        }

    # -- tables ----------------------------------------------------------------------------
    def _projects(self) -> pd.DataFrame:
        o, inst = self.outcome, self.instance
        rows = []
        for j, p in enumerate(inst.projects):
            built = bool(o.built[j])
            start = int(o.start[j]) if built else None
            spent = o.spend().get(p.id, {})
            rows.append(
                {
                    "project_id": p.id,
                    "name": p.name,
                    "port": inst.port_of_area[p.area],
                    "area": p.area,
                    "stage": p.stage,
                    "decision": "build" if built else "skip",
                    "start_year": start,
                    "completion_year": None if start is None else start + p.duration - 1,
                    "in_service_year": None if start is None else start + p.duration,
                    "capex": p.capex if built else 0.0,
                    "capex_in_horizon": sum(
                        (
                            a
                            for y, a in spent.items()
                            if inst.horizon.start <= y <= inst.horizon.end
                        ),
                        0.0,
                    ),
                    "discounted_cost": o.project_discounted(j),
                    "berths_added": p.berths() if built else 0,
                    "berths_10k_added": p.berths_10k() if built else 0,
                }
            )
        return _frame(rows, ["start_year", "completion_year", "in_service_year"], PROJECT_COLUMNS)

    def _routes(self) -> pd.DataFrame:
        inst, s = self.instance, self.outcome.s
        rows = []
        delta = s.discount
        for route in inst.routes:
            if route.status == "existing":
                decision, t = "existing", None
                teu = route.count * sum(c.teu for c in route.calls)
                cost = float((route.count * route.annual_cost * delta).sum())
            else:
                t = self.decisions.opens.get(route.id)
                decision = "open" if t is not None else "skip"
                teu = route.count * sum(c.teu for c in route.calls) if t is not None else 0.0
                cost = 0.0
                if t is not None:
                    on = s.years >= t
                    cost = route.count * (
                        route.opening_cost * inst.discount(t)
                        + route.annual_cost * float(delta[on].sum())
                    )
            rows.append(
                {
                    "route_id": route.id,
                    "name": route.name,
                    "status": route.status,
                    "decision": decision,
                    "open_year": t,
                    "teu_offered": teu,
                    "discounted_cost": cost,
                }
            )
        return _frame(rows, ["open_year"], ROUTE_COLUMNS)

    def _capacity(self) -> pd.DataFrame:
        o, s = self.outcome, self.outcome.s
        cap, thr = o.capacity, o.throughput
        present = (cap > 0).any(axis=2) | (thr > 0).any(axis=2)
        port_rank = {p: i for i, p in enumerate(s.ports)}
        keys = sorted(
            ((a, c) for a, c in zip(*np.nonzero(present), strict=True)),
            key=lambda ac: (port_rank[s.ports[s.area_port[ac[0]]]], ac[0], ac[1]),
        )
        rows = []
        for yi, y in enumerate(s.years):
            for a, c in keys:
                capacity = float(cap[a, c, yi])
                rows.append(
                    {
                        "year": int(y),
                        "port": s.ports[s.area_port[a]],
                        "area": s.areas[a],
                        "cargo": CARGO_CLASSES[c],
                        "unit": "TEU" if c == CONTAINER else "t",
                        "capacity": capacity,
                        "throughput": float(thr[a, c, yi]),
                        "utilization": float(thr[a, c, yi]) / capacity if capacity > 0 else None,
                    }
                )
        columns = ["year", "port", "area", "cargo", "unit", "capacity", "throughput", "utilization"]
        return _frame(rows, [], columns)

    def _spend(self) -> pd.DataFrame:
        y0 = self.instance.horizon.start
        rows = [
            {"project_id": pid, "year": y, "capex": amount, "sunk": y < y0}
            for pid, per_year in self.outcome.spend().items()
            for y, amount in sorted(per_year.items())
        ]
        return _frame(rows, [], ["project_id", "year", "capex", "sunk"])

    def _kpis(self) -> pd.DataFrame:
        o, s, inst = self.outcome, self.outcome.s, self.instance
        capex = o.capex_by_year()
        opex, routes, penalty = o.opex(), o.route_cost(), o.penalty_cost()
        kpi = {m: o.kpi(m) for m in METRICS}
        rows = []
        for yi, year in enumerate(s.years.tolist()):
            y = int(year)
            cost = capex.get(y, 0.0) + opex[yi] + routes[yi] + penalty[yi]
            rows.append(
                {"year": y, **{m: kpi[m][yi] for m in METRICS}}
                | {
                    "unserved_teu": o.unserved_teu[yi],
                    "unserved_tons": o.unserved_tons[yi],
                    "capex": capex.get(y, 0.0),
                    "opex": opex[yi],
                    "route_cost": routes[yi],
                    "penalty_cost": penalty[yi],
                    "discounted_cost": inst.discount(y) * cost,
                }
            )
        for y, amount in capex.items():
            if y > s.y1:  # spend after the horizon: cost columns only
                rows.append(
                    {
                        "year": y,
                        "capex": amount,
                        "opex": 0.0,
                        "route_cost": 0.0,
                        "penalty_cost": 0.0,
                        "discounted_cost": inst.discount(y) * amount,
                    }
                )
        columns = [
            "year",
            *METRICS,
            "unserved_teu",
            "unserved_tons",
            "capex",
            "opex",
            "route_cost",
            "penalty_cost",
            "discounted_cost",
        ]
        df = _frame(rows, ["berths_10k", "new_routes"], columns)
        return df

    def _targets(self) -> pd.DataFrame:
        o = self.outcome
        rows = []
        for t in self.instance.targets:
            achieved = o.achieved(t)
            rows.append(
                {
                    "year": t.year,
                    "metric": t.metric,
                    "port": t.port,
                    "target": t.value,
                    "achieved": achieved,
                    "shortfall": o.shortfall(t),
                    "hard": t.hard,
                    "binding": achieved <= t.value * (1 + 1e-9) + 1e-9,
                }
            )
        df = _frame(
            rows,
            [],
            ["year", "metric", "port", "target", "achieved", "shortfall", "hard", "binding"],
        )
        order = {m: i for i, m in enumerate(METRICS)}
        df["_m"] = df["metric"].map(order)
        df["_p"] = df["port"].fillna("")
        return (
            df.sort_values(["year", "_m", "_p"], kind="stable")
            .drop(columns=["_m", "_p"])
            .reset_index(drop=True)
        )

    # -- solve.json and writing ---------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The content of solve.json."""
        o, inst, info = self.outcome, self.instance, self.info
        k = self.kpis
        delta = np.array([inst.discount(int(y)) for y in k["year"]])
        pen = inst.penalties
        hy = k["year"].between(inst.horizon.start, inst.horizon.end).to_numpy()
        teu_pen = float((delta[hy] * pen.unserved_teu * o.unserved_teu).sum())
        ton_pen = float((delta[hy] * pen.unserved_ton * o.unserved_tons).sum())
        breakdown = {
            "capex": float((delta * k["capex"]).sum()),
            "opex": float((delta * k["opex"]).sum()),
            "route_cost": float((delta * k["route_cost"]).sum()),
            "unserved_teu": teu_pen,
            "unserved_tons": ton_pen,
            "shortfall": float((delta * k["penalty_cost"]).sum()) - teu_pen - ton_pen,
        }
        short = self.tables["targets"]
        short = short[short["shortfall"] > 0]
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "instance": {
                "name": inst.name,
                "hash": inst.canonical_hash(),
                "base_hash": info.base_hash or inst.canonical_hash(),
                "file": info.instance_file,
                "money_unit": inst.money_unit,
                "price_year": inst.price_year,
                "overrides": info.overrides,
            },
            "backend": info.backend,
            "options": info.options,
            "status": info.status,
            "objective": self.objective,
            "solver_objective": info.solver_objective,
            "best_bound": info.best_bound,
            "gap": info.gap,
            "wall_time_s": round(info.wall_time, 6),
            "timings_s": {k: round(v, 6) for k, v in info.timings.items()},
            "model": info.model_size,
            "breakdown": breakdown,
            "shortfalls": [
                {
                    "year": int(r["year"]),
                    "metric": r["metric"],
                    "port": r["port"] if isinstance(r["port"], str) else None,
                    "target": float(r["target"]),
                    "achieved": float(r["achieved"]),
                    "shortfall": float(r["shortfall"]),
                    "hard": bool(r["hard"]),
                }
                for r in short.to_dict("records")
            ],
            "versions": {
                "berthplan": __version__,
                "python": sys.version.split()[0],
                "solver": info.backend_version,
            },
            **info.extra,
        }

    def write(self, folder: str | Path) -> Path:
        """Write every table, solve.json and solver.log into ``folder``, atomically."""
        with atomic.folder(folder, "solve.json", "plan folder") as tmp:
            for name, df in self.tables.items():
                atomic.write_csv(df, tmp / f"{name}.csv")
            summary = json.dumps(self.summary(), indent=2, default=_json) + "\n"
            (tmp / "solve.json").write_text(summary, encoding="utf-8")
            (tmp / "solver.log").write_text(self.info.log, encoding="utf-8")
        return Path(folder)


def _json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))


def _frame(
    rows: list[dict[str, Any]], int_cols: list[str], columns: list[str] | None = None
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)
    for c in int_cols:
        df[c] = pd.array([None if pd.isna(v) else int(v) for v in df[c]], dtype="Int64")
    return df

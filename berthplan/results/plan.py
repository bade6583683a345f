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
from berthplan.model.sets import Sets
from berthplan.results import atomic, tables
from berthplan.results.limits import pools_at_limit
from berthplan.results.outcome import Decisions, Outcome
from berthplan.results.tables import OPTIONAL_TABLES, TABLES

RESULTS_SCHEMA_VERSION = 1


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

    def _repr_html_(self) -> str:
        """In a notebook: the summary line and the KPI table."""
        import html

        kpis = self.table("kpis").to_html(index=False, float_format=lambda v: f"{v:,.3f}")
        return f"<p><code>{html.escape(repr(self))}</code></p>{kpis}"

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
        if self._read is not None:
            return self.table("kpis")
        return tables.kpis_table(self.instance, self.outcome)

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
            names = [*TABLES, *(n for n in OPTIONAL_TABLES if self._has(n))]
            return {name: self.table(name) for name in names}
        inst, o = self.instance, self.outcome
        out = {
            "projects": tables.projects_table(inst, o),
            "routes": tables.routes_table(inst, o),
            "capacity": tables.capacity_table(o),
            "spend": tables.spend_table(inst, o),
            "kpis": self.kpis,
            "targets": tables.targets_table(inst, o),
        }
        if o.s.pools:
            out["queues"] = tables.queues_table(o)
        return out

    def _has(self, name: str) -> bool:
        return self.path is not None and (self.path / f"{name}.csv").is_file()

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
        if "waiting_cost" in k.columns:
            breakdown["waiting_cost"] = float((delta * k["waiting_cost"]).sum())
        if "residual_value" in k.columns:  # a credit: negative, so the breakdown sums up
            end = inst.horizon.end + 1
            breakdown["residual_value"] = -inst.discount(end) * float(k["residual_value"].sum())
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
                self._shortfall({str(k): v for k, v in r.items()}) for r in short.to_dict("records")
            ],
            "versions": {
                "berthplan": __version__,
                "python": sys.version.split()[0],
                "solver": info.backend_version,
            },
            **info.extra,
        }

    def _shortfall(self, r: dict[str, Any]) -> dict[str, Any]:
        port = r["port"] if isinstance(r["port"], str) else None
        out = {
            "year": int(r["year"]),
            "metric": r["metric"],
            "port": port,
            "target": float(r["target"]),
            "achieved": float(r["achieved"]),
            "shortfall": float(r["shortfall"]),
            "hard": bool(r["hard"]),
        }
        if self.outcome.s.pools:  # service levels: the pools whose W/S limit binds
            limits = pools_at_limit(
                self.outcome, out["year"], out["metric"], port, out["shortfall"]
            )
            out["pools_at_limit"] = [p.record() for p in limits]
        return out

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

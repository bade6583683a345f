"""The tables of a two-stage plan: each scenario's cost and each scenario's decisions.

Written beside the here-and-now plan's usual tables (docs/results.md, "Two-stage plans"):
``scenarios.csv`` (one row per scenario, in the uncertainty file's order) and
``recourse.csv`` (one row per scenario and decision, sorted by scenario order, kind, year, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from berthplan.results import atomic
from berthplan.results.plan import Plan

BREAKDOWN = ("capex", "opex", "route_cost", "unserved_teu", "unserved_tons", "shortfall")


@dataclass
class ScenarioPlan:
    """One scenario of a two-stage plan: its plan (recomputed) and its optimum alone."""

    id: str
    probability: float
    plan: Plan
    perfect_foresight: float | None = None
    """The scenario's optimum solved alone (with perfect foresight); None if not computed."""

    @property
    def cost(self) -> float:
        return self.plan.objective


def scenarios_table(rows: list[ScenarioPlan]) -> pd.DataFrame:
    """Per scenario: probability, cost and its parts, the optimum alone and the regret."""
    out = []
    for r in rows:
        parts = r.plan.summary()["breakdown"]
        ws = r.perfect_foresight
        out.append(
            {"scenario": r.id, "probability": r.probability, "cost": r.plan.objective}
            | {k: parts.get(k, 0.0) for k in BREAKDOWN}
            | {"waiting_cost": parts.get("waiting_cost", 0.0)}
            | {"cost_alone": ws, "regret": None if ws is None else r.plan.objective - ws}
        )
    return pd.DataFrame(out)


def recourse_table(rows: list[ScenarioPlan], before: int) -> pd.DataFrame:
    """Every scenario's starts and openings; ``stage`` says which were committed here and now."""
    out: list[dict[str, Any]] = []
    for r in rows:
        d = r.plan.decisions
        items = [("project", k, v) for k, v in d.starts.items() if v is not None]
        items += [("route", k, v) for k, v in d.opens.items() if v is not None]
        for kind, ident, year in sorted(items, key=lambda t: (t[0], t[2], t[1])):
            stage = "here_and_now" if year < before else "recourse"
            out.append({"scenario": r.id, "kind": kind, "id": ident, "year": year, "stage": stage})
    columns = ["scenario", "kind", "id", "year", "stage"]
    return pd.DataFrame(out, columns=columns)


class ExtendedPlan(Plan):
    """A plan written with more files beside its own tables (in the same atomic folder).

    ``tables`` are written as ``<name>.csv`` like the plan's own; ``files`` as given (text).
    """

    def __init__(
        self, plan: Plan, tables: dict[str, pd.DataFrame], files: dict[str, str] | None = None
    ) -> None:
        self.__dict__.update({k: v for k, v in plan.__dict__.items() if k != "tables"})
        self._extra = tables
        self._files = files or {}

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {**super().tables, **self._extra}

    def write(self, folder: str | Path) -> Path:
        with atomic.folder(folder, "solve.json", "plan folder") as tmp:
            Plan.write(self, tmp / "plan")
            for child in (tmp / "plan").iterdir():
                child.rename(tmp / child.name)
            (tmp / "plan").rmdir()
            for name, text in self._files.items():
                (tmp / name).write_text(text, encoding="utf-8")
        return Path(folder)

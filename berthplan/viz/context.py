"""What the report needs beyond a plan's tables: the instance's budget, demand and rates.

A plan folder holds the decisions and their outcome (docs/results.md) but not the budget, the
demand ceilings, what a skipped project would have cost or the discount rate. The report takes
them from the instance the plan was solved for: the one a plan solved in memory carries, one
given by the caller, or the file ``solve.json`` names, re-read with the overrides it records
and used only when its canonical hash is the plan's. The discount rate is also read off the
tables themselves (each kpis.csv row's discounted over undiscounted cost), so comparisons can
warn about differing rates even without the instance.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from berthplan.errors import InstanceError, UsageError

if TYPE_CHECKING:
    from berthplan.model.instance import Instance
    from berthplan.results.plan import Plan

__all__ = ["Context", "context", "inferred_rate", "rates_differ"]

COST_PARTS = ("capex", "opex", "route_cost", "penalty_cost", "waiting_cost")


@dataclass(frozen=True)
class Context:
    """The facts of a plan's instance the report shows beside the plan's tables.

    Attributes
    ----------
    money_unit, price_year : str
        From solve.json ("" when not recorded).
    discount_rate : float or None
        The instance's rate, else the rate read off kpis.csv (None when no year costs anything
        but the first).
    rate_source : str
        ``"instance"`` or ``"kpis.csv"`` (or ``""`` with no rate).
    budget : dict
        Capex ceiling per year (money); empty when the instance has none or is not known.
    skipped : dict
        Per skipped project id: its capex and berths had it been built.
    demand : DataFrame or None
        Demand ceilings per ``port``, ``cargo``, ``year`` (``demand``, t/yr; area ceilings summed
        to their port), None when the instance is not known.
    utilization : dict
        ``max_utilization`` per cargo class other than 1.0.
    missing : str
        Why the instance is not known ("" when it is).
    """

    money_unit: str
    price_year: str
    discount_rate: float | None
    rate_source: str
    budget: dict[int, float] = field(default_factory=dict)
    skipped: dict[str, tuple[float, int]] = field(default_factory=dict)
    demand: pd.DataFrame | None = None
    utilization: dict[str, float] = field(default_factory=dict)
    missing: str = ""

    @property
    def known(self) -> bool:
        """Whether the instance was found (budget, demand and skipped costs are known)."""
        return not self.missing

    @property
    def money(self) -> str:
        """The money unit with its price year, e.g. ``CNY million (2023 prices)``."""
        unit = self.money_unit or "money_unit"
        return f"{unit} ({self.price_year} prices)" if self.price_year else unit


def inferred_rate(kpis: pd.DataFrame) -> float | None:
    """The discount rate of a plan, from kpis.csv: δ_y = discounted / undiscounted cost.

    Uses the latest year with a cost (the largest exponent, so the best-conditioned), leaving
    out the row carrying a residual value (its discounted cost is net of the credit).
    Rounded to 6 decimals; None when only the first year has costs.
    """
    parts = [c for c in COST_PARTS if c in kpis.columns]
    raw = kpis[parts].astype(float).fillna(0.0).sum(axis=1)
    ok = raw > 1e-9
    if "residual_value" in kpis.columns:
        ok &= kpis["residual_value"].astype(float).fillna(0.0).abs() <= 1e-12
    y0 = int(kpis["year"].min())
    rows = kpis[ok & (kpis["year"] > y0)]
    if rows.empty:
        return None
    last = rows.iloc[-1]
    delta = float(last["discounted_cost"]) / float(raw[rows.index[-1]])
    if delta <= 0:
        return None
    rate: float = delta ** (-1.0 / (int(last["year"]) - y0)) - 1.0
    return round(rate, 6)


def context(plan: Plan, instance: Instance | None = None) -> Context:
    """The facts of ``plan``'s instance (see :class:`Context`).

    Parameters
    ----------
    plan : Plan
        The plan reported.
    instance : Instance, optional
        Its instance; else the one the plan carries, else the file solve.json names.
    """
    money, year = plan.get("instance.money_unit"), plan.get("instance.price_year")
    missing = ""
    if instance is None:
        instance, missing = _instance_of(plan)
    if instance is None:
        rate = inferred_rate(plan.table("kpis"))
        return Context(money, year, rate, "kpis.csv" if rate is not None else "", missing=missing)
    return Context(
        money or instance.money_unit,
        year or str(instance.price_year),
        instance.discount_rate,
        "instance",
        budget={b.year: float(b.capex) for b in instance.budget},
        skipped=_skipped(plan, instance),
        demand=_demand(instance),
        utilization={c: float(u) for c, u in instance.max_utilization.items() if u != 1.0},
    )


def _skipped(plan: Plan, instance: Instance) -> dict[str, tuple[float, int]]:
    p = plan.table("projects")
    ids = set(p.loc[p["decision"] == "skip", "project_id"])
    return {j.id: (float(j.capex), j.berths()) for j in instance.projects if j.id in ids}


def _demand(instance: Instance) -> pd.DataFrame:
    """Demand ceilings per port, class and horizon year (linear between points, flat outside)."""
    from berthplan.model.instance import interpolate

    rows = []
    for (kind, scope, cargo), points in instance.demand_series().items():
        port = scope if kind == "port" else instance.port_of_area[scope]
        rows += [(port, cargo, y, interpolate(points, y)) for y in instance.years]
    frame = pd.DataFrame(rows, columns=["port", "cargo", "year", "demand"])
    summed = frame.groupby(["port", "cargo", "year"], sort=False)["demand"].sum()
    return summed.reset_index()


def _instance_of(plan: Plan) -> tuple[Instance | None, str]:
    """The plan's own instance, or the file solve.json names if its hash is the plan's."""
    try:
        return plan.instance, ""
    except UsageError:
        pass
    file = plan.get("instance.file")
    if not file:
        return None, "solve.json names no instance file"
    for candidate in _candidates(plan, file):
        try:
            found = _with_overrides(candidate, plan.record["instance"])
        except (InstanceError, UsageError, OSError, ValueError, TypeError, KeyError):
            continue
        if found is not None and found.canonical_hash() == plan.get("instance.hash"):
            return found, ""
    return None, f"the instance file {file} named in solve.json was not found or has changed"


def matching_instance(plan: Plan, path: str | Path) -> Instance:
    """The instance file ``path`` as ``plan`` was solved for (recorded overrides re-applied).

    Raises
    ------
    UsageError
        When the file, even with the plan's recorded overrides, is not the plan's instance.
    """
    found = _with_overrides(path, plan.record.get("instance") or {})
    if found is None or found.canonical_hash() != plan.get("instance.hash"):
        raise UsageError(f"{path}: not the instance this plan was solved for (its hash differs)")
    return found


def _candidates(plan: Plan, file: str) -> list[str | Path]:
    from berthplan.model.examples import resolve

    out: list[str | Path] = [resolve(file)]
    if plan.path is not None and not Path(file).is_absolute():
        out.append(plan.path.parent / file)
    return out


def _with_overrides(path: str | Path, record: dict[str, Any]) -> Instance | None:
    """The instance file ``path`` with the overrides ``record`` (solve.json) lists, re-applied.

    The record holds the scenario's fields as ``key=JSON`` lines and ``set PATH=VALUE`` lines
    (as ``berthplan check`` reads them); None when ``path`` is not the plan's base instance.
    """
    from berthplan.model.io import load
    from berthplan.model.overrides import parse_set
    from berthplan.model.scenario import Scenario, apply

    base = load(path)
    overrides = [str(o) for o in record.get("overrides") or []]
    if not overrides or base.canonical_hash() == record.get("hash"):
        return base
    if base.canonical_hash() != record.get("base_hash"):
        return None
    fields = dict(
        o.split("=", 1) for o in overrides if "=" in o and not o.startswith(("scenario=", "set "))
    )
    scenario = Scenario.model_validate({k: json.loads(v) for k, v in fields.items()})
    sets = [parse_set(o.removeprefix("set ")) for o in overrides if o.startswith("set ")]
    return apply(base, scenario, sets)


def rates_differ(contexts: list[Context]) -> bool:
    """Whether the discount rates of ``contexts`` differ (an unknown rate differs from a known)."""
    rates = [c.discount_rate for c in contexts]
    first = rates[0]
    return any(
        (r is None) != (first is None)
        or (r is not None and first is not None and not math.isclose(r, first, abs_tol=1e-6))
        for r in rates[1:]
    )

"""Scenarios: overrides of an instance, without copying it.

A scenario file (YAML) changes targets, budgets, demand, costs, the discount rate, penalties,
forces or forbids projects and routes, and fixes start years::

    name: budget-minus-20
    description: 20 % less capex budget in 2023-2025
    budget: {factor: 0.8, years: [2023, 2025]}
    targets:
      - {metric: container_teu, factor: 1.1, years: [2026, 2030]}
      - {metric: new_routes, year: 2024, value: 8}
    demand: [{factor: 1.1, cargo: dry_bulk, port: dalian}]
    costs: {capex: 1.2, opex: 1.0, routes: 1.0}
    force: [taiping-bay-1]
    forbid: [dl-europe-med]
    fix_start: {dagushan-ore-upgrade: 2026}
    commit: {before: 2025, starts: {taiping-bay-1: 2023}, opens: {}}
    discount_rate: 0.08
    penalties: {unserved_teu: 0.001}
    set: {"projects[taiping-bay-1].capex": 9000}

``set`` entries and the command line's repeatable ``--set PATH=VALUE`` share one path grammar
(:func:`~berthplan.model.overrides.set_path`, described in :mod:`berthplan.model.overrides`):
dot-separated field names, list items addressed in brackets. The ``commit`` freezes every
decision taking effect before a year (:mod:`berthplan.model.commitment`): the starts and
openings it names, and no others. The merged instance is validated like a file; every problem
is a :class:`UsageError` (exit 2).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from berthplan.errors import InstanceError, UsageError
from berthplan.model.commitment import Commitment, freeze
from berthplan.model.instance import Instance
from berthplan.model.io import derived_instance, parse_text, read_text
from berthplan.model.overrides import parse_set, set_path

Years = tuple[int, int]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    factor: Annotated[float, Field(ge=0)] = 1.0
    years: Years | None = None


class TargetChange(_Strict):
    metric: str
    port: str | None = None
    year: int | None = None
    years: Years | None = None
    factor: Annotated[float, Field(ge=0)] | None = None
    value: Annotated[float, Field(ge=0)] | None = None
    penalty: Annotated[float, Field(ge=0)] | None = None


class DemandChange(Scale):
    cargo: str | None = None
    port: str | None = None
    area: str | None = None


class Costs(_Strict):
    capex: Annotated[float, Field(ge=0)] = 1.0
    opex: Annotated[float, Field(ge=0)] = 1.0
    routes: Annotated[float, Field(ge=0)] = 1.0


class Scenario(_Strict):
    """The overrides of one scenario (see the module docstring for the file format)."""

    name: str = ""
    description: str = ""
    budget: Scale | None = None
    targets: list[TargetChange] = Field(default_factory=list)
    demand: list[DemandChange] = Field(default_factory=list)
    costs: Costs | None = None
    force: list[str] = Field(default_factory=list)
    forbid: list[str] = Field(default_factory=list)
    fix_start: dict[str, int] = Field(default_factory=dict)
    commit: Commitment | None = None
    discount_rate: Annotated[float, Field(ge=0, lt=1)] | None = None
    penalties: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    set: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a scenario file, or the shipped example scenario of that name."""
        from berthplan.model.examples import resolve

        p = Path(resolve(path, "scenario"))
        try:
            text = read_text(p)
        except OSError as e:
            raise UsageError(f"{p}: cannot read scenario ({e.strerror or e})") from None
        except UnicodeDecodeError as e:
            raise UsageError(f"{p}: cannot read scenario (not UTF-8 text: {e.reason})") from None
        except ValueError as e:
            raise UsageError(f"{p}: cannot read scenario ({e})") from None
        data: Any = {}
        if text.strip():  # as an instance file: aliases and duplicate keys refused, located
            try:
                data = parse_text(
                    text, str(p), as_json=p.suffix.lower() == ".json", kind="scenario file"
                ).data
            except InstanceError as e:
                raise UsageError(e.render()) from None
        if isinstance(data, dict) and {"ports", "projects"} <= data.keys():
            raise UsageError(
                f"{p}: an instance file, not a scenario (a scenario lists only what it "
                "changes: budget, targets, costs, force, forbid, set, ...; see berthplan.model.scenario)"
            )
        try:
            scenario = cls.model_validate(data)
        except ValidationError as e:
            raise UsageError.from_validation(p, e, "scenario") from None
        return scenario if scenario.name else scenario.model_copy(update={"name": p.stem})

    def describe(self) -> list[str]:
        """The overrides as one line each, for solve.json."""
        data = self.model_dump(mode="json", exclude_defaults=True, exclude={"name", "description"})
        return [f"{k}={json.dumps(v, sort_keys=True)}" for k, v in data.items()]


# -- applying a scenario ----------------------------------------------------------------------


def _in(years: Years | None, year: Any) -> bool:
    return years is None or (isinstance(year, int) and years[0] <= year <= years[1])


def _scale_budget(data: dict[str, Any], change: Scale) -> None:
    hits = [b for b in data.get("budget", []) if _in(change.years, b.get("year"))]
    if not hits:
        raise UsageError(
            f"budget: no budget year matches {change.model_dump(exclude_defaults=True)}"
        )
    for b in hits:
        b["capex"] = b["capex"] * change.factor


def _change_targets(data: dict[str, Any], change: TargetChange) -> None:
    if change.factor is None and change.value is None and change.penalty is None:
        raise UsageError(f"targets: {change.metric}: give a factor, a value or a penalty")
    years = (change.year, change.year) if change.year is not None else change.years
    hits = [
        t
        for t in data.setdefault("targets", [])
        if t.get("metric") == change.metric
        and t.get("port") == change.port
        and _in(years, t.get("year"))
    ]
    if not hits and change.value is not None and change.year is not None:
        new = {"year": change.year, "metric": change.metric, "value": change.value}
        new |= {"port": change.port} if change.port else {}
        data["targets"].append(
            new | ({"penalty": change.penalty} if change.penalty is not None else {})
        )
        return
    if not hits:
        raise UsageError(
            f"targets: no {change.metric} target matches {change.model_dump(exclude_defaults=True)}"
        )
    for t in hits:
        if change.factor is not None:
            t["value"] = t["value"] * change.factor
        if change.value is not None:
            t["value"] = change.value
        if change.penalty is not None:
            t["penalty"] = change.penalty


def _scale_demand(data: dict[str, Any], change: DemandChange) -> None:
    hits = [
        d
        for d in data.get("demand", [])
        if _in(change.years, d.get("year"))
        and change.cargo in (None, d.get("cargo"))
        and change.port in (None, d.get("port"))
        and change.area in (None, d.get("area"))
    ]
    if not hits:
        raise UsageError(
            f"demand: no demand point matches {change.model_dump(exclude_defaults=True)}"
        )
    for d in hits:
        d["value"] = d["value"] * change.factor


def _scale_costs(data: dict[str, Any], costs: Costs) -> None:
    for p in data.get("projects", []):
        p["capex"] = p.get("capex", 0.0) * costs.capex
        p["opex"] = p.get("opex", 0.0) * costs.opex
    for r in data.get("routes", []):
        for key in ("opening_cost", "annual_cost"):
            r[key] = r.get(key, 0.0) * costs.routes


def _decide(data: dict[str, Any], ids: list[str], *, force: bool) -> None:
    projects = {p["id"]: p for p in data.get("projects", [])}
    routes = {r["id"]: r for r in data.get("routes", [])}
    for ident in ids:
        if ident in projects:
            projects[ident]["decision"] = "build" if force else "skip"
        elif ident in routes:
            routes[ident]["decision"] = "open" if force else "skip"
        else:
            raise UsageError(f"{'force' if force else 'forbid'}: no project or route '{ident}'")


def _no_contradictions(scenario: Scenario) -> None:
    both = sorted(set(scenario.force) & set(scenario.forbid))
    if both:
        raise UsageError(f"force and forbid both name {', '.join(both)}")
    fixed = sorted(set(scenario.fix_start) & set(scenario.forbid))
    if fixed:
        raise UsageError(f"fix_start and forbid both name {', '.join(fixed)}")


def _fix_starts(data: dict[str, Any], starts: dict[str, int]) -> None:
    projects = {p["id"]: p for p in data.get("projects", [])}
    for ident, year in starts.items():
        if ident not in projects:
            raise UsageError(f"fix_start: no project '{ident}'")
        p = projects[ident]
        if p.get("stage") == "ongoing":
            p["start"] = year
            continue
        p.update(earliest_start=year, latest_start=year, decision="build")


def apply(
    instance: Instance, scenario: Scenario, sets: list[tuple[str, Any]] | None = None
) -> Instance:
    """The instance with the scenario's overrides, then ``sets`` (``--set``), validated."""
    data = copy.deepcopy(instance.model_dump(mode="json"))
    data["name"] = instance.name
    if scenario.budget is not None:
        _scale_budget(data, scenario.budget)
    for change in scenario.targets:
        _change_targets(data, change)
    for demand in scenario.demand:
        _scale_demand(data, demand)
    if scenario.costs is not None:
        _scale_costs(data, scenario.costs)
    _no_contradictions(scenario)
    _decide(data, scenario.force, force=True)
    _decide(data, scenario.forbid, force=False)
    _fix_starts(data, scenario.fix_start)
    if scenario.commit is not None:
        freeze(data, scenario.commit)
    if scenario.discount_rate is not None:
        data["discount_rate"] = scenario.discount_rate
    if scenario.penalties:
        data["penalties"] = data.get("penalties", {}) | scenario.penalties
    for path, value in [*scenario.set.items(), *(sets or [])]:
        set_path(data, path, value)
    label = scenario.name or "overrides"
    return derived_instance(
        data, f"{label} (merged instance)", f"scenario {label}: the merged instance is invalid"
    )


def overridden(
    base: Instance, scenario: str | None, sets: tuple[str, ...] | list[str]
) -> tuple[Instance, list[str]]:
    """The instance with a scenario file and ``--set`` overrides applied, and their description."""
    if scenario is None and not sets:
        return base, []
    sc = Scenario.from_file(scenario) if scenario else Scenario()
    pairs = [parse_set(text) for text in sets]
    described = (
        ([f"scenario={scenario}"] if scenario else []) + sc.describe() + [f"set {t}" for t in sets]
    )
    return apply(base, sc, pairs), described


def apply_scenario(
    instance: Instance,
    scenario: Scenario | str | Path | None = None,
    sets: Sequence[str] = (),
) -> Instance:
    """The ``instance`` as a what-if: a scenario (object or file) and ``--set`` texts applied.

    Parameters
    ----------
    instance : Instance
        The base instance.
    scenario : Scenario, path or None
        A scenario, or a scenario file (YAML or JSON) to read.
    sets : sequence of str
        One-off overrides ``PATH=VALUE`` as on the command line, applied last.

    Raises
    ------
    UsageError
        When the scenario or an override is malformed, or the merged instance is invalid.
    """
    if scenario is None or isinstance(scenario, Scenario):
        return apply(instance, scenario or Scenario(), [parse_set(t) for t in sets])
    return overridden(instance, str(scenario), list(sets))[0]

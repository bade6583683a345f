"""Demand scenarios with probabilities: the uncertainty a two-stage plan is made against.

An uncertainty file (YAML or JSON, read like an instance file: located errors, all at once)::

    name: liaoning-demand
    description: three demand paths
    target_penalties: {cargo_tons: 0.0002, container_teu: 0.004}
    scenarios:
      - id: low
        probability: 0.25
        demand:
          - {port: dalian, cargo: container, factor: 0.8}
          - {cargo: iron_ore, growth: -0.02}
      - {id: mid, probability: 0.5}
      - id: high
        probability: 0.25
        demand: [{factor: 1.1, growth: 0.01, path: {2027: 1.0, 2030: 1.05}}]

Each ``demand`` shift scales the demand of a port (omitted: every port) and a cargo class
(omitted: every class) by the multiplier

    m(y) = factor * (1 + growth) ** (y - horizon.start) * path(y)

(``path``: points ``year: multiplier``, linear between them, flat outside; default 1).
Shifts that match the same port and class multiply. Tonnage classes scale the demand
ceilings (every horizon year gets a point: the base ceiling times ``m(y)``). Containers
scale the liner routes' calls at the port's areas: each call's TEU by ``factor`` and its
growth rate to ``(1 + g)(1 + growth) - 1`` (so ``path`` is refused for containers: route
volumes follow their own growth from their opening year). ``target_penalties`` sets the cost per
unit short of every target of those metrics (a hard one becomes soft), in every scenario: low demand can make a throughput target unreachable whatever is built, and a
two-stage plan needs a recourse in every scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from berthplan.errors import InstanceError, Issue
from berthplan.model.instance import Instance, interpolate
from berthplan.model.io import Document, field_issues, instance_from_document, read_document
from berthplan.model.records import CARGO_CLASSES, Metric

KIND = "uncertainty file"
PROB_TOL = 1e-6
MAX_SCENARIOS = 100_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shift(_Strict):
    """A demand multiplier for one port (or all) and one cargo class (or all)."""

    port: str | None = Field(None, description="Port id; omitted: every port.")
    cargo: str | None = Field(None, description="Cargo class; omitted: every class.")
    factor: Annotated[float, Field(ge=0, le=1000)] = Field(1.0, description="Level multiplier.")
    growth: Annotated[float, Field(gt=-1, le=1)] = Field(
        0.0, description="Extra yearly growth, compounding from the horizon start (1/yr)."
    )
    path: dict[int, Annotated[float, Field(ge=0, le=1000)]] | None = Field(
        None, description="Multiplier points year: value (tonnage classes only)."
    )

    def multiplier(self, year: int, start: int) -> float:
        m = self.factor * (1.0 + self.growth) ** (year - start)
        return m * interpolate(self.path.items(), year) if self.path else m

    def matches(self, port: str, cargo: str) -> bool:
        return self.port in (None, port) and self.cargo in (None, cargo)


class DemandScenario(_Strict):
    """One future: a probability and the demand shifts that make it."""

    id: str = Field(min_length=1, description="Unique scenario id.")
    probability: Annotated[float, Field(gt=0, le=1)] = Field(description="Probability.")
    demand: list[Shift] = Field(default_factory=list, description="Demand shifts.")


class Uncertainty(_Strict):
    """A set of demand scenarios whose probabilities sum to 1."""

    name: str = ""
    description: str = ""
    target_penalties: dict[Metric, Annotated[float, Field(ge=0, le=1e12)]] = Field(
        default_factory=dict,
        description="Every target of these metrics: soft, at this cost per unit short.",
    )
    scenarios: list[DemandScenario] = Field(min_length=1, max_length=MAX_SCENARIOS)

    @property
    def probabilities(self) -> list[float]:
        return [s.probability for s in self.scenarios]

    @property
    def penalties(self) -> dict[str, float]:
        """``target_penalties`` keyed by plain metric names."""
        return {str(k): float(v) for k, v in self.target_penalties.items()}


def load_uncertainty(path: str | Path, instance: Instance) -> Uncertainty:
    """Read and validate an uncertainty file against ``instance`` (ports, classes, years).

    Raises
    ------
    InstanceError
        With every problem, located (``FILE:LINE: scenarios[ID].field: message``).
    """
    doc = read_document(path, kind=KIND)
    try:
        unc = Uncertainty.model_validate(doc.data)
    except ValidationError as e:
        raise InstanceError(doc.source, field_issues(doc, e)) from None
    issues = cross_check(doc, unc, instance)
    if issues:
        raise InstanceError(doc.source, issues)
    return unc if unc.name else unc.model_copy(update={"name": Path(path).stem})


def cross_check(doc: Document, unc: Uncertainty, instance: Instance) -> list[Issue]:
    """Ids unique, probabilities summing to 1, ports and classes known, years in the horizon."""
    out: list[Issue] = []
    seen: set[str] = set()
    for i, s in enumerate(unc.scenarios):
        if s.id in seen:
            out.append(doc.issue(("scenarios", i, "id"), f"duplicate scenario id {s.id!r}"))
        seen.add(s.id)
        for k, shift in enumerate(s.demand):
            out += _shift_issues(doc, ("scenarios", i, "demand", k), shift, instance)
    total = sum(unc.probabilities)
    if abs(total - 1.0) > PROB_TOL:
        out.append(doc.issue(("scenarios",), f"probabilities sum to {total:.9g}, not 1"))
    return out


def _shift_issues(
    doc: Document, at: tuple[str | int, ...], shift: Shift, instance: Instance
) -> list[Issue]:
    out = []
    ports = {p.id for p in instance.ports}
    if shift.port is not None and shift.port not in ports:
        out.append(doc.issue((*at, "port"), f"no port {shift.port!r} in the instance"))
    if shift.cargo is not None and shift.cargo not in CARGO_CLASSES:
        known = ", ".join(CARGO_CLASSES)
        out.append(doc.issue((*at, "cargo"), f"unknown cargo class {shift.cargo!r} ({known})"))
    if shift.path and shift.cargo in (None, "container"):
        why = "path applies to tonnage classes only (name one): route volumes grow on their own"
        out.append(doc.issue((*at, "path"), why))
    for year in shift.path or {}:
        if year not in instance.years:
            h = instance.horizon
            out.append(
                doc.issue((*at, "path", year), f"year {year} outside the horizon {h.start}-{h.end}")
            )
    return out


# -- the instance of a scenario -----------------------------------------------------------------


def scenario_instance(
    instance: Instance, scenario: DemandScenario, penalties: dict[str, float]
) -> Instance:
    """``instance`` under ``scenario``'s demand, every target of a metric in ``penalties`` soft."""
    data = instance.model_dump(mode="json")  # a fresh tree: no copy needed
    data["name"] = instance.name
    shifts = scenario.demand
    if shifts:
        port_of = instance.port_of_area
        _scale_ceilings(data, instance, shifts, port_of)
        _scale_calls(data, shifts, port_of)
    for t in data.get("targets", []):
        if t["metric"] in penalties:
            t["penalty"] = penalties[t["metric"]]
    return instance_from_document(Document(f"scenario {scenario.id}", data, {}))


def _factor(shifts: list[Shift], port: str, cargo: str, year: int, start: int) -> float:
    m = 1.0
    for s in shifts:
        if s.matches(port, cargo):
            m *= s.multiplier(year, start)
    return m


def _scale_ceilings(
    data: dict[str, Any], instance: Instance, shifts: list[Shift], port_of: dict[str, str]
) -> None:
    """Every scope and class a shift touches gets a point per horizon year: ceiling x m(y)."""
    y0 = instance.horizon.start
    out: list[dict[str, Any]] = []
    for (kind, scope, cargo), points in instance.demand_series().items():
        port = scope if kind == "port" else port_of[scope]
        if not any(s.matches(port, cargo) for s in shifts):
            out += [{kind: scope, "cargo": cargo, "year": y, "value": v} for y, v in points]
            continue
        for y in instance.years:
            value = interpolate(points, y) * _factor(shifts, port, cargo, y, y0)
            out.append({kind: scope, "cargo": cargo, "year": y, "value": value})
    data["demand"] = out


def _scale_calls(data: dict[str, Any], shifts: list[Shift], port_of: dict[str, str]) -> None:
    for route in data.get("routes", []):
        for call in route["calls"]:
            port = port_of[call["area"]]
            for s in shifts:
                if s.matches(port, "container"):
                    call["teu"] *= s.factor
                    call["growth"] = (1.0 + call.get("growth", 0.0)) * (1.0 + s.growth) - 1.0


def mean_instance(instances: list[Instance], probabilities: list[float]) -> Instance:
    """The mean forecast: demand ceilings, call volumes and growth rates averaged.

    Ceilings are linear in the multipliers, so their mean is exact; a call's volume path is
    not (a mean of growth paths is no growth path), so its TEU and growth rate are averaged
    separately. The instances must differ in demand only (scenario instances of one base).
    """
    data = instances[0].model_dump(mode="json")
    data["name"] = instances[0].name
    by_key: dict[tuple[str, str, str, int], float] = {}
    for inst, p in zip(instances, probabilities, strict=True):
        for (kind, scope, cargo), points in inst.demand_series().items():
            for y in inst.years:
                key = (kind, scope, cargo, y)
                by_key[key] = by_key.get(key, 0.0) + p * interpolate(points, y)
    data["demand"] = [
        {kind: scope, "cargo": cargo, "year": y, "value": v}
        for (kind, scope, cargo, y), v in sorted(by_key.items())
    ]
    for r, route in enumerate(data.get("routes", [])):
        for c, call in enumerate(route["calls"]):
            calls = [inst.routes[r].calls[c] for inst in instances]
            call["teu"] = sum(p * k.teu for p, k in zip(probabilities, calls, strict=True))
            call["growth"] = sum(p * k.growth for p, k in zip(probabilities, calls, strict=True))
    return instance_from_document(Document("the mean forecast", data, {}))


def penalty_changes(instance: Instance, penalties: dict[str, float]) -> list[dict[str, Any]]:
    """``penalties`` as a scenario's target changes (one per metric and port with targets)."""
    keys = sorted({(t.metric, t.port or "") for t in instance.targets if t.metric in penalties})
    return [
        {"metric": m, "penalty": penalties[m]} | ({"port": port} if port else {})
        for m, port in keys
    ]

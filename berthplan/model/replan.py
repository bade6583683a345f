"""Re-planning from a year: the instance as it stands then, with actuals in place of forecasts.

:func:`roll_forward` turns an instance, the decisions a plan took before year ``Y`` and the
actuals observed by then into the instance of the rest of the horizon, ``Y .. end``:

- a project started before ``Y`` becomes ``ongoing`` from its start (its spend before ``Y``
  is sunk); an actual delay lengthens its construction (the extra years spend nothing), an
  actual cost overrun scales its capex; one in service by ``Y`` becomes existing berths (and
  deepens its area), its opex no longer counted (a constant: no decision depends on it);
- a route opened before ``Y`` becomes ``existing``, its calls' volumes grown to ``Y`` (its
  opening cost is sunk);
- a project or route the plan had not started or opened: its window starts at ``Y`` at the
  earliest; one whose window has passed is skipped;
- targets and budgets of years before ``Y`` are dropped; actual demand points replace the
  forecast's (same scope, class and year) or are added; costs are discounted to ``Y``.

An actuals file (YAML or JSON)::

    projects: [{id: dl-dyw-ct-4, delay: 1, capex_factor: 1.15}]
    demand: [{port: dalian, cargo: dry_bulk, year: 2024, value: 3.1e8}]
    routes: [{id: dl-korea-feeder, factor: 0.8}]     # call volumes from Y on
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from berthplan.errors import InstanceError, UsageError
from berthplan.model.commitment import Commitment
from berthplan.model.instance import Instance, start_window
from berthplan.model.io import derived_instance, field_issues, read_document
from berthplan.model.records import Demand, Horizon, Project


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectActual(_Strict):
    """What happened to a project the plan started."""

    id: str = Field(description="Project id.")
    delay: Annotated[int, Field(ge=0, le=50)] = Field(
        0, description="Years its construction slipped (under construction only)."
    )
    capex_factor: Annotated[float, Field(ge=0, le=100)] = Field(
        1.0, description="Actual capex over the planned capex."
    )


class RouteActual(_Strict):
    """What a route carries, against the forecast."""

    id: str = Field(description="Route id.")
    factor: Annotated[float, Field(ge=0, le=1000)] = Field(
        1.0, description="Call volumes from the re-planning year over the forecast's."
    )


class Actuals(_Strict):
    """What happened by the re-planning year (see the module docstring)."""

    projects: list[ProjectActual] = Field(default_factory=list, description="Project actuals.")
    demand: list[Demand] = Field(
        default_factory=list, description="Demand points replacing the forecast's (or added)."
    )
    routes: list[RouteActual] = Field(default_factory=list, description="Route actuals.")


def load_actuals(path: str | Path) -> Actuals:
    doc = read_document(path, kind="actuals file")
    try:
        return Actuals.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as e:
        raise InstanceError(doc.source, field_issues(doc, e)) from None


def roll_forward(
    instance: Instance, commit: Commitment, actuals: Actuals | None = None
) -> Instance:
    """The instance of the years from ``commit.before`` on (see the module docstring)."""
    year = commit.before
    h = instance.horizon
    if not h.start <= year <= h.end:
        raise UsageError(f"--year {year}: outside the horizon {h.start}-{h.end}")
    act = actuals or Actuals()
    _known(act, instance)
    data = copy.deepcopy(instance.model_dump(mode="json", exclude_defaults=True))
    data["name"] = instance.name
    data["horizon"] = {"start": year, "end": h.end}
    delays = {p.id: p for p in act.projects}
    for raw in data.get("projects", []):
        _roll_project(raw, h, commit, delays.get(raw["id"]))
    _complete(data, year)
    factors = {r.id: r.factor for r in act.routes}
    for raw in data.get("routes", []):
        _roll_route(raw, instance, commit, factors.get(raw["id"], 1.0))
    _deepen_areas(data, instance, commit)
    data["targets"] = [t for t in data.get("targets", []) if t["year"] >= year]
    data["budget"] = [b for b in data.get("budget", []) if b["year"] >= year]
    data["demand"] = _demand(data.get("demand", []), act.demand)
    return derived_instance(
        data, f"{instance.name} from {year}", f"re-planning from {year}: the instance is invalid"
    )


def _known(act: Actuals, instance: Instance) -> None:
    projects = {p.id for p in instance.projects}
    routes = {r.id for r in instance.routes}
    for p in act.projects:
        if p.id not in projects:
            raise UsageError(f"actuals: projects[{p.id}]: no such project")
    for r in act.routes:
        if r.id not in routes:
            raise UsageError(f"actuals: routes[{r.id}]: no such route")


def _roll_project(
    raw: dict[str, Any], h: Horizon, commit: Commitment, actual: ProjectActual | None
) -> None:
    project = Project.model_validate(raw)
    lo, hi = start_window(h, project)
    start = commit.starts.get(project.id, project.start if project.stage == "ongoing" else None)
    if start is not None and start < commit.before:
        for key in ("earliest_start", "latest_start", "ready_year", "decision"):
            raw.pop(key, None)
        raw.update(stage="ongoing", start=start)
        if actual is not None:
            _overrun(raw, project, actual, start, commit.before)
        return
    if actual is not None and actual.delay:
        raise UsageError(f"actuals: projects[{project.id}]: delayed but not started")
    if actual is not None:
        raw["capex"] = project.capex * actual.capex_factor
    # ready_year explicit: its default (start + 1) would move with the new horizon start
    if hi < commit.before:
        b = commit.before
        raw.update(earliest_start=b, latest_start=b, ready_year=b, decision="skip")
    elif project.stage != "ongoing":
        first = max(lo, commit.before)
        raw.update(earliest_start=first, latest_start=hi, ready_year=first)


def _overrun(
    raw: dict[str, Any], project: Project, actual: ProjectActual, start: int, year: int
) -> None:
    raw["capex"] = project.capex * actual.capex_factor
    if actual.delay:
        if start + project.duration <= year:
            raise UsageError(f"actuals: projects[{project.id}]: delayed but already in service")
        raw["spend"] = [*project.spend_profile(), *([0.0] * actual.delay)]
        raw["duration"] = project.duration + actual.delay


def _roll_route(raw: dict[str, Any], instance: Instance, commit: Commitment, factor: float) -> None:
    y0, year = instance.horizon.start, commit.before
    opened = commit.opens.get(raw["id"])
    grown_from = y0 if raw["status"] == "existing" else opened
    if grown_from is not None and (raw["status"] == "existing" or grown_from < year):
        for call in raw["calls"]:
            call["teu"] = (
                call["teu"] * (1 + call.get("growth", 0.0)) ** (year - grown_from) * factor
            )
        for key in ("earliest_open", "latest_open", "decision", "opening_cost"):
            raw.pop(key, None)
        raw["status"] = "existing"
        return
    for call in raw["calls"]:
        call["teu"] = call["teu"] * factor
    route = instance.routes[[r.id for r in instance.routes].index(raw["id"])]
    lo, hi = instance.open_window(route)
    if hi < year:
        raw.update(earliest_open=year, latest_open=year, decision="skip")
    else:
        raw.update(earliest_open=max(lo, year), latest_open=hi)


def _complete(data: dict[str, Any], year: int) -> None:
    """Projects in service by ``year`` become existing berths (their opex is not carried)."""
    done = [
        p for p in data.get("projects", [])
        if p["stage"] == "ongoing" and p["start"] + p["duration"] <= year
    ]  # fmt: skip
    ids = {p["id"] for p in done}
    berths = data.setdefault("berths", [])
    for p in done:
        for k, add in enumerate(p.get("adds", [])):
            berths.append({"id": f"{p['id']}#{k + 1}", "area": p["area"], **add})
    groups = {p.get("group") for p in done} - {None}
    rest = [p for p in data.get("projects", []) if p["id"] not in ids]
    for p in rest:
        if p.get("requires"):
            p["requires"] = [r for r in p["requires"] if r not in ids]
        if p.get("group") in groups and p["stage"] != "ongoing":
            p["decision"] = "skip"  # its group's one project is built
    data["projects"] = rest


def _deepen_areas(data: dict[str, Any], instance: Instance, commit: Commitment) -> None:
    """Areas deepened by projects in service by the re-planning year: their depth from then."""
    depth: dict[str, float] = {}
    for p in instance.projects:
        start = commit.starts.get(p.id, p.start if p.stage == "ongoing" else None)
        if start is not None and start + p.duration <= commit.before and p.deepens_to_m:
            depth[p.area] = max(depth.get(p.area, 0.0), p.deepens_to_m)
    for port in data.get("ports", []):
        for area in port.get("areas", []):
            if area["id"] in depth:
                area["depth_m"] = max(area["depth_m"], depth[area["id"]])


def _demand(points: list[dict[str, Any]], actual: list[Demand]) -> list[dict[str, Any]]:
    def key(d: dict[str, Any]) -> tuple[Any, ...]:
        return (d.get("port"), d.get("area"), d["cargo"], d["year"])

    new = [d.model_dump(mode="json", exclude_defaults=True) for d in actual]
    replaced = {key(d) for d in new}
    return [d for d in points if key(d) not in replaced] + new


def truncate(instance: Instance, end: int) -> Instance:
    """``instance`` seen up to ``end`` only: a planner's foresight of ``end - start + 1`` years.

    Targets and budgets after ``end`` are dropped and every window is cut at ``end`` (a project
    or route that could only start later is skipped). Capex spent after ``end`` is still
    counted, opex and route costs are not: what a planner looking that far sees.
    """
    h = instance.horizon
    if end >= h.end:
        return instance
    data = instance.model_dump(mode="json", exclude_defaults=True)
    data["name"] = instance.name
    data["horizon"] = {"start": h.start, "end": end}
    for raw in data.get("projects", []):
        p = Project.model_validate(raw)
        if p.stage == "ongoing":
            continue
        lo, hi = start_window(h, p)
        if lo > end:
            raw.update(earliest_start=end, latest_start=end, ready_year=end, decision="skip")
        else:
            raw.update(earliest_start=lo, latest_start=min(hi, end), ready_year=lo)
    for raw, route in zip(data.get("routes", []), instance.routes, strict=True):
        if route.status != "candidate":
            continue
        lo, hi = instance.open_window(route)
        if lo > end:
            raw.update(earliest_open=end, latest_open=end, decision="skip")
        else:
            raw.update(earliest_open=lo, latest_open=min(hi, end))
    data["targets"] = [t for t in data.get("targets", []) if t["year"] <= end]
    data["budget"] = [b for b in data.get("budget", []) if b["year"] <= end]
    return derived_instance(
        data, f"{instance.name} to {end}", f"foresight to {end}: the instance is invalid"
    )

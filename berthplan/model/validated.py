"""The records the cross-record rules read: an instance's, or those of a file that validated.

:func:`records_from_instance` takes every record of a validated
:class:`~berthplan.model.instance.Instance`; when some fields failed, :func:`records_from_raw`
validates the raw document's records one by one and keeps those that pass, with their
positions in the file and every id seen, so that :func:`~berthplan.model.validate.cross_check`
still reports the cross-record errors of the rest in the same read.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from berthplan.errors import Path
from berthplan.model import records as rec
from berthplan.model.instance import Instance
from berthplan.model.service import ServiceLevel

R = TypeVar("R", bound=BaseModel)


@dataclass
class Records:
    """The records that validated, with their positions in the file, and every id seen."""

    horizon: rec.Horizon | None = None
    ports: list[tuple[int, rec.Port]] = field(default_factory=list)
    areas: list[tuple[Path, rec.Area]] = field(default_factory=list)
    berths: list[tuple[int, rec.Berth]] = field(default_factory=list)
    projects: list[tuple[int, rec.Project]] = field(default_factory=list)
    routes: list[tuple[int, rec.Route]] = field(default_factory=list)
    demand: list[tuple[int, rec.Demand]] = field(default_factory=list)
    targets: list[tuple[int, rec.Target]] = field(default_factory=list)
    budget: list[tuple[int, rec.Budget]] = field(default_factory=list)
    service_levels: list[tuple[int, ServiceLevel]] = field(default_factory=list)
    max_utilization: set[str] = field(default_factory=set)
    port_ids: set[str] = field(default_factory=set)
    area_ids: set[str] = field(default_factory=set)
    project_ids: set[str] = field(default_factory=set)
    port_of_area: dict[str, str] = field(default_factory=dict)


def _valid(model: type[R], items: Any) -> list[tuple[int, R]]:
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        with suppress(ValidationError):
            out.append((i, model.model_validate(item)))
    return out


def _ids(items: Any) -> set[str]:
    return (
        {x["id"] for x in items if isinstance(x, dict) and isinstance(x.get("id"), str)}
        if isinstance(items, list)
        else set()
    )


def records_from_raw(data: dict[str, Any]) -> Records:
    """Validate records one by one, keeping those that pass (for a partial cross-check)."""
    r = Records()
    try:
        r.horizon = rec.Horizon.model_validate(data.get("horizon"))
    except ValidationError:
        r.horizon = None
    raw_ports = data.get("ports")
    ports: list[Any] = raw_ports if isinstance(raw_ports, list) else []
    r.ports = _valid(rec.Port, ports)
    r.port_ids = _ids(ports)
    for i, p in enumerate(ports):
        areas = p.get("areas") if isinstance(p, dict) else None
        r.area_ids |= _ids(areas)
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            r.port_of_area.update(dict.fromkeys(_ids(areas), str(p["id"])))
        r.areas += [(("ports", i, "areas", k), a) for k, a in _valid(rec.Area, areas)]
    r.berths = _valid(rec.Berth, data.get("berths"))
    r.projects = _valid(rec.Project, data.get("projects"))
    r.project_ids = _ids(data.get("projects"))
    r.routes = _valid(rec.Route, data.get("routes"))
    r.demand = _valid(rec.Demand, data.get("demand"))
    r.targets = _valid(rec.Target, data.get("targets"))
    r.budget = _valid(rec.Budget, data.get("budget"))
    r.service_levels = _valid(ServiceLevel, data.get("service_levels"))
    util = data.get("max_utilization")
    r.max_utilization = {str(k) for k in util} if isinstance(util, dict) else set()
    return r


def records_from_instance(inst: Instance) -> Records:
    areas: list[tuple[Path, rec.Area]] = [
        (("ports", i, "areas", k), a)
        for i, p in enumerate(inst.ports)
        for k, a in enumerate(p.areas)
    ]
    return Records(
        horizon=inst.horizon,
        ports=list(enumerate(inst.ports)),
        areas=areas,
        berths=list(enumerate(inst.berths)),
        projects=list(enumerate(inst.projects)),
        routes=list(enumerate(inst.routes)),
        demand=list(enumerate(inst.demand)),
        targets=list(enumerate(inst.targets)),
        budget=list(enumerate(inst.budget)),
        service_levels=list(enumerate(inst.service_levels)),
        max_utilization=set(inst.max_utilization),
        port_ids={p.id for p in inst.ports},
        area_ids={a.id for _, a in areas},
        project_ids={p.id for p in inst.projects},
        port_of_area=dict(inst.port_of_area),
    )

"""The validated instance: the whole file as one immutable pydantic model.

Besides the fields, :class:`Instance` resolves the conventions of the format that every layer
needs the same way (stage defaults for start windows, opening windows, interpolated demand,
discount factors), so that the formulation, the results layer and the independent checker all
read one definition of them. It imports no solver.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from berthplan.model.records import (
    MODEL_CONFIG,
    Area,
    Berth,
    Budget,
    CargoClass,
    Demand,
    Horizon,
    Penalties,
    Port,
    Project,
    Route,
    Target,
    Year,
)
from berthplan.model.service import ServiceLevel

SCHEMA_VERSION = 1


_CROSS_CHECKED: dict[int, weakref.ref[Instance]] = {}


class Instance(BaseModel):
    """A planning instance (see ``shared/example-instance.yaml`` for the format by example)."""

    model_config = MODEL_CONFIG
    schema_version: Literal[1] = Field(1, description="Version of the instance format.")
    name: str = Field(description="Instance name, used in outputs.", min_length=1)
    description: str = Field("", description="Free text.")
    horizon: Horizon = Field(description="Planning years.")
    discount_rate: Annotated[float, Field(ge=0, lt=1)] = Field(
        description="Real discount rate: costs of year y weigh (1 + rate) ** -(y - horizon.start).",
        json_schema_extra={"unit": "1/yr"},
    )
    price_year: Year = Field(description="Year of the prices money is given in.")
    money_unit: str = Field("CNY million", description="Unit of every money amount.")
    tons_per_teu: Annotated[float, Field(ge=0, le=100)] = Field(
        10.0,
        description="Tonnes a served TEU adds to cargo_tons.",
        json_schema_extra={"unit": "t/TEU"},
    )
    max_utilization: dict[CargoClass, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict,
        description="Throughput / design capacity allowed per class; omitted classes 1.0.",
    )
    penalties: Penalties = Field(default_factory=Penalties, description="Unserved-volume prices.")
    service_levels: list[ServiceLevel] = Field(
        default_factory=list,
        description="Cargo classes whose berths form queue pools per area, sized by service "
        "level (W/S) instead of design capacity times max_utilization.",
    )
    ports: list[Port] = Field(description="Ports and their areas.", min_length=1)
    berths: list[Berth] = Field(default_factory=list, description="Existing berths.")
    projects: list[Project] = Field(default_factory=list, description="Construction projects.")
    routes: list[Route] = Field(default_factory=list, description="Container liner routes.")
    demand: list[Demand] = Field(default_factory=list, description="Demand ceilings.")
    targets: list[Target] = Field(default_factory=list, description="Yearly KPI targets.")
    budget: list[Budget] = Field(default_factory=list, description="Yearly capex ceilings.")
    residual_value: bool = Field(
        False,
        description="Credit each built project's residual value after the last year: its capex "
        "spent by the horizon end times the share of its economic_life left, discounted from "
        "the year after the horizon (docs/formulation.md). Default false: no credit.",
    )

    # -- lookups ---------------------------------------------------------------------------
    @cached_property
    def area_by_id(self) -> dict[str, Area]:
        return {a.id: a for p in self.ports for a in p.areas}

    @cached_property
    def port_of_area(self) -> dict[str, str]:
        return {a.id: p.id for p in self.ports for a in p.areas}

    @cached_property
    def project_by_id(self) -> dict[str, Project]:
        return {p.id: p for p in self.projects}

    @property
    def years(self) -> range:
        return self.horizon.years

    # -- conventions -------------------------------------------------------------------------
    def utilization(self, cargo: str) -> float:
        """Allowed throughput per unit of design capacity (default 1.0)."""
        return float(self.max_utilization.get(cargo, 1.0))  # type: ignore[call-overload]

    def discount(self, year: int) -> float:
        """Discount factor of costs in ``year`` (1 at the horizon start)."""
        return float((1.0 + self.discount_rate) ** -(year - self.horizon.start))

    def start_window(self, project: Project) -> tuple[int, int]:
        """First and last allowed start year of a project (see :func:`start_window`)."""
        return start_window(self.horizon, project)

    def open_window(self, route: Route) -> tuple[int, int]:
        """First and last year a candidate route may open (see :func:`open_window`)."""
        return open_window(self.horizon, route)

    def demand_series(self) -> dict[tuple[str, str, str], list[tuple[int, float]]]:
        """Demand points keyed by (scope kind 'port'|'area', scope id, cargo), sorted by year."""
        series: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
        for d in self.demand:
            key = (
                ("port", d.port, d.cargo) if d.port is not None else ("area", str(d.area), d.cargo)
            )
            series.setdefault(key, []).append((d.year, d.value))
        return {k: sorted(v) for k, v in sorted(series.items())}

    def target_years(self) -> list[int]:
        return sorted({t.year for t in self.targets})

    def __repr__(self) -> str:
        areas = sum(len(p.areas) for p in self.ports)
        return (
            f"<Instance {self.name!r}: {self.horizon.start}-{self.horizon.end}, "
            f"{len(self.ports)} ports, {areas} areas, {len(self.berths)} berth groups, "
            f"{len(self.projects)} projects, {len(self.routes)} routes, "
            f"{len(self.service_levels)} service levels>"
        )

    def _repr_html_(self) -> str:
        import html

        return f"<code>{html.escape(repr(self))}</code>"

    @property
    def cross_checked(self) -> bool:
        """True when this very object passed the cross-record checks (loaded from a file).

        Kept outside the model (a weak reference by ``id``), so it takes no part in equality
        and a copy, even an edited one (``model_copy``), is checked again.
        """
        ref = _CROSS_CHECKED.get(id(self))
        return ref is not None and ref() is self

    def mark_cross_checked(self) -> None:
        """Record that this object passed the cross-record checks (for the loader only)."""
        key = id(self)  # the callback must not hold ``self``, or it would never be collected
        _CROSS_CHECKED[key] = weakref.ref(self, lambda _: _CROSS_CHECKED.pop(key, None))

    def canonical_hash(self) -> str:
        """SHA-256 of the instance's canonical JSON: sorted keys, fields at their default left out.

        Leaving defaults out makes a field spelled at its default hash like one omitted, and
        keeps hashes stable when a later version adds a field with a default.
        """
        data = self.model_dump(mode="json", exclude_defaults=True)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def interpolate(points: Iterable[tuple[int, float]], year: int) -> float:
    """Linear interpolation between (year, value) points; flat outside them."""
    xs, ys = zip(*sorted(points), strict=True)
    return float(np.interp(year, xs, ys))


def start_window(horizon: Horizon, project: Project) -> tuple[int, int]:
    """First and last allowed start year, with the stage defaults applied.

    ongoing: ``start`` only. new: from ``earliest_start`` (default horizon start) to
    ``latest_start`` (default: that earliest start). preliminary: not before ``ready_year``
    (default horizon start + 1), to ``latest_start`` (default horizon end). candidate: the whole
    horizon unless narrowed. ``ready_year`` on any non-ongoing stage also bounds the start.
    """
    y0, y1 = horizon.start, horizon.end
    if project.stage == "ongoing":
        s = project.start if project.start is not None else y0
        return s, s
    lo = project.earliest_start if project.earliest_start is not None else y0
    ready = project.ready_year
    if ready is None and project.stage == "preliminary":
        ready = y0 + 1
    if ready is not None:
        lo = max(lo, ready)
    if project.latest_start is not None:
        hi = project.latest_start
    else:
        hi = lo if project.stage == "new" else y1
    return lo, hi


def open_window(horizon: Horizon, route: Route) -> tuple[int, int]:
    """First and last opening year of a candidate route (default: the whole horizon)."""
    lo = route.earliest_open if route.earliest_open is not None else horizon.start
    hi = route.latest_open if route.latest_open is not None else horizon.end
    return lo, hi


def residual_value(project: Project, start: int, end: int) -> float:
    """Value left after the horizon ending in ``end`` of a project started in ``start``.

    Straight-line depreciation over the project's economic life, from its in-service year:
    the capex spent by the end of ``end`` (sunk years included) times the share of the life
    not yet used by then, ``max(0, 1 - max(0, end + 1 - (start + duration)) / life)``. Capex
    spent after the horizon earns no credit, so a late start never costs less than nothing.
    Undiscounted: the objective credits it at the discount factor of ``end + 1``.
    """
    used = max(0, end + 1 - (start + project.duration))
    left = max(0.0, 1.0 - used / project.life())
    spent = sum(a for y, a in spend_by_year(project, start).items() if y <= end)
    return left * spent


def spend_by_year(project: Project, start: int) -> dict[int, float]:
    """Capex spent in each calendar year when the project starts in ``start``."""
    return {start + k: project.capex * share for k, share in enumerate(project.spend_profile())}

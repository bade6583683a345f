"""Service levels: the berths of one cargo class in one area as a queue pool.

A :class:`ServiceLevel` record says that, for its cargo class, the berths of every area form a
queue pool whose capacity is set by the ships' waiting time rather than by a design figure: a
pool of ``n`` berths handles at most ``n * rho*(n) * hours_per_year / service_hours`` calls a
year, ``call_size`` each, where ``rho*(n)`` is the largest occupancy at which the queue model's
mean waiting time over mean service time (W/S) stays within ``max_wait_ratio``
(:mod:`berthplan.capacity`). Per-area overrides change any parameter for one area.

Default values and their sources are documented in ``instances/README.md``: PIANC (2014) WG 158
and UNCTAD (1985) for W/S limits and queue models, JTS 165 for operating hours.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from berthplan.model.records import MODEL_CONFIG, CargoClass, Record

QueueModel = Literal["M/M/n", "M/E2/n", "E2/E2/n", "M/D/n"]
"""Kendall notation, arrivals/service/n: M Poisson or exponential, E2 Erlang-2, D constant."""

Positive = Annotated[float, Field(gt=0, le=1e9)]
Hours = Annotated[float, Field(gt=0, le=8784)]


def _field(description: str, unit: str | None = None, **kwargs: Any) -> Any:
    extra: dict[str, Any] | None = {"unit": unit} if unit else None
    return Field(description=description, json_schema_extra=extra, **kwargs)


class PoolParameters(BaseModel):
    """The parameters of a queue pool; on an override, the ones it changes (others None)."""

    model_config = MODEL_CONFIG

    queue: QueueModel | None = _field(
        "Queue model: M/E2/n (random arrivals, bulk and general cargo), E2/E2/n (regular "
        "arrivals, liner services), M/M/n.",
        default=None,
    )
    max_wait_ratio: Annotated[float, Field(gt=0, le=10)] | None = _field(
        "Service level: largest mean waiting time over mean service time (W/S) allowed in any "
        "year.",
        "-",
        default=None,
    )
    hours_per_year: Hours | None = _field(
        "Operating hours of the berths per year.", "h/yr", default=None
    )
    service_hours: Annotated[float, Field(gt=0, le=8784)] | None = _field(
        "Mean time a ship occupies a berth per call, mooring and unmooring included.",
        "h",
        default=None,
    )
    call_size: Positive | None = _field(
        "Cargo per call: TEU for containers, tonnes otherwise.", "TEU or t", default=None
    )
    waiting_cost: Annotated[float, Field(ge=0, le=1e9)] | None = _field(
        "Cost of one ship-hour of waiting for a berth (charged in the objective).",
        "money_unit/h",
        default=None,
    )


class AreaOverride(PoolParameters):
    """Parameters of one area's pool that differ from the class defaults."""

    area: str = _field("Area id.")
    pooled: bool = _field(
        "False: this area's berths of the class are not a queue pool; their design capacity "
        "times max_utilization applies, as without service levels.",
        default=True,
    )


class ServiceLevel(PoolParameters, Record):
    """The berths of ``cargo`` in every area form a queue pool sized by service level."""

    cargo: CargoClass = _field("Cargo class whose berths are pooled per area.")
    queue: QueueModel = _field("Queue model (see PoolParameters).")
    max_wait_ratio: Annotated[float, Field(gt=0, le=10)] = _field(
        "Largest mean waiting time over mean service time (W/S) allowed in any year.", "-"
    )
    hours_per_year: Hours = _field(
        "Operating hours of the berths per year.", "h/yr", default=8000.0
    )
    service_hours: Annotated[float, Field(gt=0, le=8784)] = _field(
        "Mean time a ship occupies a berth per call, mooring and unmooring included.", "h"
    )
    call_size: Positive = _field(
        "Cargo per call: TEU for containers, tonnes otherwise.", "TEU or t"
    )
    waiting_cost: Annotated[float, Field(ge=0, le=1e9)] = _field(
        "Cost of one ship-hour of waiting for a berth (charged in the objective).",
        "money_unit/h",
        default=0.0,
    )
    areas: list[AreaOverride] = _field("Per-area overrides.", default_factory=list)

    def pooled(self, area: str) -> bool:
        """Whether ``area``'s berths of the class form a queue pool (no opt-out override)."""
        return all(o.pooled for o in self.areas if o.area == area)

    def for_area(self, area: str) -> PoolParameters:
        """The parameters of ``area``'s pool: the class defaults with its override applied."""
        values = {k: getattr(self, k) for k in PoolParameters.model_fields}
        for o in self.areas:
            if o.area == area:
                given = o.model_dump(exclude={"area", "pooled"})
                values |= {k: v for k, v in given.items() if v is not None}
        return PoolParameters(**values)

"""The records of an instance file: ports, berths, projects, routes, demand, targets, budget.

Every record is an immutable pydantic model that forbids unknown fields, so a typo in an
instance file is an error rather than a silently ignored key. Each field carries its unit and
meaning in the JSON Schema (``berthplan schema``). Cross-record rules (references, cycles,
windows against the horizon) live in :mod:`berthplan.model.validate`, not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

CargoClass = Literal["container", "dry_bulk", "liquid_bulk", "lng", "grain", "general", "ro_ro"]
"""Cargo classes. Capacities are TEU per year for ``container``, tonnes per year otherwise."""

CARGO_CLASSES: tuple[str, ...] = (
    "container",
    "dry_bulk",
    "liquid_bulk",
    "lng",
    "grain",
    "general",
    "ro_ro",
)

Stage = Literal["ongoing", "new", "preliminary", "candidate"]
Metric = Literal["cargo_tons", "container_teu", "berths_10k", "new_routes"]
METRICS: tuple[str, ...] = ("cargo_tons", "container_teu", "berths_10k", "new_routes")

TEN_THOUSAND_TON = 10_000.0
"""Berths of at least this deadweight count toward ``berths_10k``."""

DEFAULT_ECONOMIC_LIFE = 50
"""Economic life of a project's assets when it gives none (years): the design working life of
permanent port structures in China (GB 50158-2010). Read only with ``residual_value: true``."""


MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
"""Every record: immutable, unknown fields rejected, no type coercion (``true`` is not 1), no NaN."""


def _field(description: str, unit: str | None = None, **kwargs: Any) -> Any:
    extra: dict[str, Any] | None = {"unit": unit} if unit else None
    return Field(description=description, json_schema_extra=extra, **kwargs)


Year = Annotated[int, Field(ge=1900, le=2200)]
LARGEST = 1e12
"""The largest amount, capacity, volume or depth accepted: the model scales volumes to kTEU and
Mt and a solver cannot represent coefficients near 1e15 (HiGHS's infinity), so larger numbers
are refused at validation with their location rather than failing inside a solver."""
NonNeg = Annotated[float, Field(ge=0, le=LARGEST)]
Count = Annotated[int, Field(ge=1, le=10_000)]


def _id(value: str) -> str:
    if not value.strip():
        raise ValueError("an id must not be blank")
    if value.strip() != value:
        raise ValueError("an id must not start or end with white space")
    if not value.isprintable():
        raise ValueError("an id must not hold control characters (a newline, a tab...)")
    return value


Id = Annotated[str, AfterValidator(_id)]
"""An id: printable, not blank, no white space at either end, so it names its record on one
line (ids differing only in case are refused in validate.py)."""


class Record(BaseModel):
    """Base of every record: immutable, unknown fields rejected, provenance fields."""

    model_config = MODEL_CONFIG

    source: str | None = _field(
        "Where the numbers of this record come from (page, document).", None, default=None
    )
    estimate: bool = _field(
        "True where the numbers are the author's estimate.", None, default=False
    )


class Horizon(BaseModel):
    """The planning years, both ends included."""

    model_config = MODEL_CONFIG

    start: Year = _field("First planning year (discounting base).", "year")
    end: Year = _field("Last planning year, included.", "year")

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)


class Penalties(BaseModel):
    """Prices of volume offered or demanded but not served."""

    model_config = MODEL_CONFIG

    unserved_teu: NonNeg = _field(
        "Cost of a TEU offered by open routes but not served.", "money_unit/TEU", default=0.0
    )
    unserved_ton: NonNeg = _field(
        "Cost of a tonne demanded (demand ceiling) but not handled.", "money_unit/t", default=0.0
    )


class Area(Record):
    """A port area (harbour basin) with its natural depth."""

    id: Id = _field("Unique area id, referenced by berths, projects and route calls.", min_length=1)
    name: str = _field("Display name.", default="")
    description: str = _field("Cargo functions and notes.", default="")
    depth_m: NonNeg = _field("Natural or dredged depth of the area's approach and basin.", "m")


class Port(Record):
    """A port with its areas."""

    id: Id = _field("Unique port id, referenced by demand and targets.", min_length=1)
    name: str = _field("Display name.", default="")
    description: str = _field("Cargo functions and notes.", default="")
    areas: list[Area] = _field("The port's areas.", min_length=1)


class BerthSpec(BaseModel):
    """Identical berths, existing or added by a project."""

    model_config = MODEL_CONFIG

    cargo: CargoClass = _field("Cargo class handled.")
    dwt: NonNeg = _field("Design ship size; >= 10000 counts toward berths_10k.", "dwt")
    count: Count = _field("Number of identical berths.", "berths", default=1)
    depth_m: NonNeg | None = _field("Alongside depth (informative).", "m", default=None)
    capacity: NonNeg = _field(
        "Design capacity per berth per year (TEU for containers).", "t/yr or TEU/yr"
    )


class Berth(BerthSpec, Record):
    """A group of identical existing berths in an area."""

    id: Id = _field("Unique id of the berth group.", min_length=1)
    name: str = _field("Display name.", default="")
    area: str = _field("Area id.")


class Project(Record):
    """A berth-construction or channel-deepening project."""

    id: Id = _field("Unique project id.", min_length=1)
    name: str = _field("Display name.", default="")
    description: str = _field("Notes.", default="")
    area: str = _field("Area id where the project is built.")
    stage: Stage = _field(
        "ongoing: started before the horizon, committed; new: committed, starts at horizon start "
        "unless a window is given; preliminary: optional, not before ready_year; candidate: optional."
    )
    start: Year | None = _field(
        "Fixed start year (ongoing projects; may precede the horizon).", "year", default=None
    )
    earliest_start: Year | None = _field("First allowed start year.", "year", default=None)
    latest_start: Year | None = _field("Last allowed start year.", "year", default=None)
    ready_year: Year | None = _field(
        "Preliminary work done: no start before this year (preliminary default: horizon start + 1).",
        "year",
        default=None,
    )
    duration: Annotated[int, Field(ge=1, le=100)] = _field(
        "Construction years (months rounded up to whole years).", "years"
    )
    capex: NonNeg = _field("Total capital cost.", "money_unit")
    spend: list[float] | None = _field(
        "Share of capex spent in each construction year; one per year, sums to 1 (default uniform).",
        None,
        default=None,
    )
    opex: NonNeg = _field(
        "Operating cost per year in service (within the horizon).", "money_unit/yr", default=0.0
    )
    adds: list[BerthSpec] = _field("Berths the project adds when in service.", default_factory=list)
    deepens_to_m: NonNeg | None = _field(
        "Area depth from the in-service year on.", "m", default=None
    )
    requires: list[str] = _field(
        "Projects that must be completed by the year before this starts.", default_factory=list
    )
    group: str | None = _field(
        "Mutually exclusive options: at most one project of a group is built.", default=None
    )
    decision: Literal["free", "build", "skip"] = _field(
        "Scenario override: free (the optimizer decides; default), build (forced), skip (forbidden).",
        default="free",
    )
    economic_life: Annotated[int, Field(ge=1, le=200)] | None = _field(
        "Years of service over which the assets depreciate straight-line; used only with the "
        "instance's residual_value: true (default 50).",
        "years",
        default=None,
    )

    @property
    def committed(self) -> bool:
        """Ongoing and new projects must be built (and any project forced by a scenario)."""
        if self.decision == "skip":
            return False  # a scenario cancelled it (only new projects may be; validation)
        return self.stage in ("ongoing", "new") or self.decision == "build"

    def spend_profile(self) -> tuple[float, ...]:
        """Share of capex per construction year (uniform when not given)."""
        if self.spend is not None:
            return tuple(self.spend)
        d = max(self.duration, 1)
        return tuple([1.0 / d] * d)

    def life(self) -> int:
        """Economic life in years (:data:`DEFAULT_ECONOMIC_LIFE` when not given)."""
        return self.economic_life if self.economic_life is not None else DEFAULT_ECONOMIC_LIFE

    def berths_10k(self) -> int:
        """Berths of 10,000-ton class or above the project adds."""
        return sum(b.count for b in self.adds if b.dwt >= TEN_THOUSAND_TON)

    def berths(self) -> int:
        return sum(b.count for b in self.adds)


class Call(BaseModel):
    """A route's call at an area."""

    model_config = MODEL_CONFIG

    area: str = _field("Area id.")
    teu: NonNeg = _field("TEU per year at this call (per service for existing routes).", "TEU/yr")
    growth: float = _field(
        "Yearly growth of the call's volume, compounding from horizon start (existing) or the "
        "opening year (candidate).",
        "1/yr",
        default=0.0,
        gt=-1.0,
        le=1.0,
    )


class Route(Record):
    """A container liner route: existing (always open) or candidate (may open once)."""

    id: Id = _field("Unique route id.", min_length=1)
    name: str = _field("Display name.", default="")
    description: str = _field("Notes.", default="")
    status: Literal["existing", "candidate"] = _field(
        "existing: open throughout; candidate: may be opened."
    )
    count: Count = _field("Services aggregated (existing routes).", "services", default=1)
    calls: list[Call] = _field("Areas called at.", min_length=1)
    min_depth_m: NonNeg = _field(
        "Depth every area called at must have in an open year.", "m", default=0.0
    )
    opening_cost: NonNeg = _field(
        "One-off cost in the opening year (candidates).", "money_unit", default=0.0
    )
    annual_cost: NonNeg = _field(
        "Cost per open year within the horizon (per service).", "money_unit/yr", default=0.0
    )
    earliest_open: Year | None = _field(
        "First year a candidate may open (default horizon start).", "year", default=None
    )
    latest_open: Year | None = _field(
        "Last year a candidate may open (default horizon end).", "year", default=None
    )
    decision: Literal["free", "open", "skip"] = _field(
        "Scenario override for candidates: free (default), open (forced), skip (forbidden).",
        default="free",
    )


class Demand(Record):
    """A point of a demand ceiling (forecast) for a non-container class, by port or by area."""

    port: str | None = _field("Port id (give port or area).", default=None)
    area: str | None = _field("Area id (give port or area).", default=None)
    cargo: CargoClass = _field("Cargo class (not container).")
    year: Year = _field("Year of this point; linear between points, flat outside.", "year")
    value: NonNeg = _field("Throughput ceiling and demand in that year.", "t/yr")

    @model_validator(mode="after")
    def _one_scope(self) -> Demand:
        if (self.port is None) == (self.area is None):
            raise ValueError("give exactly one of port or area")
        return self


class Target(Record):
    """A yearly target on a KPI, for the province or one port."""

    year: Year = _field("Target year.", "year")
    metric: Metric = _field(
        "cargo_tons (t), container_teu (TEU), berths_10k (berths), new_routes (routes)."
    )
    value: NonNeg = _field("Value the KPI must reach in that year.", "unit of the metric")
    port: str | None = _field("Port id; omitted: the whole province.", default=None)
    penalty: NonNeg | None = _field(
        "Soft target: cost per unit short. Omitted: hard.", "money_unit/unit", default=None
    )

    @property
    def hard(self) -> bool:
        return self.penalty is None


class Budget(Record):
    """A ceiling on capex spent in a year (sunk spend excluded)."""

    year: Year = _field("Year.", "year")
    capex: NonNeg = _field("Most capex that may be spent in the year.", "money_unit")

"""Size presets of the generator and the knobs that override them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from berthplan.errors import UsageError


@dataclass(frozen=True)
class Knobs:
    """What to generate: counts and horizon.

    Attributes
    ----------
    ports : int
        Number of ports.
    areas : int
        Total number of port areas (each port has at least one).
    projects : int
        Number of construction projects, all stages.
    routes : int
        Number of candidate liner routes (existing route groups come on top).
    years : int
        Planning years, both ends included.
    start_year : int
        First planning year.
    """

    ports: int
    areas: int
    projects: int
    routes: int
    years: int
    start_year: int = 2023

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1


SIZES: dict[str, Knobs] = {
    "small": Knobs(ports=3, areas=8, projects=20, routes=10, years=6),
    "medium": Knobs(ports=10, areas=40, projects=200, routes=80, years=10),
    "large": Knobs(ports=25, areas=120, projects=1000, routes=300, years=15),
    "national": Knobs(ports=60, areas=300, projects=3000, routes=1000, years=26),
}
KNOB_NAMES = ("ports", "areas_per_port", "projects", "routes", "years", "start_year")
_LIMITS: dict[str, tuple[int, int]] = {
    "ports": (1, 500),
    "areas_per_port": (1, 30),
    "projects": (1, 50_000),
    "routes": (0, 20_000),
    "years": (2, 60),
    "start_year": (1950, 2140),
}


def resolve(size: str, knobs: dict[str, Any]) -> Knobs:
    """The counts of a size preset with explicit knobs applied.

    Parameters
    ----------
    size : str
        ``small``, ``medium``, ``large`` or ``national``.
    knobs : dict
        Overrides among ``ports``, ``areas_per_port``, ``projects``, ``routes``, ``years``,
        ``start_year``; ``None`` values are ignored. ``areas_per_port`` sets the total number
        of areas to ``ports * areas_per_port``; without it, a changed ``ports`` keeps the
        preset's areas per port.

    Returns
    -------
    Knobs
        The resolved counts.

    Raises
    ------
    UsageError
        For an unknown size or knob, a non-integer or an out-of-range value.
    """
    if size not in SIZES:
        raise UsageError(f"size: unknown size '{size}' (choose from {', '.join(SIZES)})")
    given = {k: v for k, v in knobs.items() if v is not None}
    for name, value in given.items():
        if name not in KNOB_NAMES:
            raise UsageError(f"{name}: unknown knob (knobs: {', '.join(KNOB_NAMES)})")
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{name}: must be an integer, not {value!r}")
        lo, hi = _LIMITS[name]
        if not lo <= value <= hi:
            raise UsageError(f"{name}: {value} is out of range ({lo}..{hi})")
    base = SIZES[size]
    ports = int(given.get("ports", base.ports))
    if "areas_per_port" in given:
        areas = ports * int(given["areas_per_port"])
    elif "ports" in given:
        areas = max(ports, round(base.areas * ports / base.ports))
    else:
        areas = base.areas
    out = replace(
        base,
        ports=ports,
        areas=areas,
        projects=int(given.get("projects", base.projects)),
        routes=int(given.get("routes", base.routes)),
        years=int(given.get("years", base.years)),
        start_year=int(given.get("start_year", base.start_year)),
    )
    if out.end_year > 2200:
        raise UsageError(f"years: the horizon would end in {out.end_year}, after 2200")
    return out

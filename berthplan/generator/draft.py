"""The instance under construction: raw records (plain dicts, in file order) and the draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from berthplan.generator.sizes import Knobs

Rec = dict[str, Any]


@dataclass
class AreaInfo:
    """What the generator knows of an area beside its record."""

    id: str
    name: str
    port: int
    archetype: str
    depth: float
    weight: float
    reach: float = 0.0
    """Deepest the area can get with its deepening projects."""


@dataclass
class Draft:
    """Records of the instance being generated, with the random stream that draws them."""

    knobs: Knobs
    rng: np.random.Generator
    ports: list[Rec] = field(default_factory=list)
    port_names: list[str] = field(default_factory=list)
    port_scale: list[float] = field(default_factory=list)
    areas: list[AreaInfo] = field(default_factory=list)
    berths: list[Rec] = field(default_factory=list)
    projects: list[Rec] = field(default_factory=list)
    routes: list[Rec] = field(default_factory=list)
    demand: list[Rec] = field(default_factory=list)
    targets: list[Rec] = field(default_factory=list)
    budget: list[Rec] = field(default_factory=list)

    @property
    def y0(self) -> int:
        return self.knobs.start_year

    @property
    def y1(self) -> int:
        return self.knobs.end_year

    # -- draws --------------------------------------------------------------------------------
    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``lo..hi``, both included."""
        return int(self.rng.integers(lo, hi + 1))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, items: tuple[Any, ...] | list[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def weighted(self, weights: list[float] | np.ndarray) -> int:
        """An index drawn with probability proportional to ``weights``."""
        w = np.asarray(weights, dtype=float)
        return int(self.rng.choice(len(w), p=w / w.sum()))


def step(value: float, unit: float) -> float:
    """``value`` rounded to a multiple of ``unit`` (as an int where the unit is whole)."""
    out = round(value / unit) * unit
    return float(round(out)) if unit >= 1 else round(out, 6)


def whole(value: float) -> int | float:
    """A float that is whole as an int, for tidy files."""
    return int(value) if float(value).is_integer() else float(value)

"""The data model: stage defaults, windows, interpolation, spend, berth counts, immutability."""

from __future__ import annotations

import math
from typing import Any

import pytest
from helpers import EXAMPLE
from pydantic import ValidationError

import berthplan
from berthplan.model.instance import (
    Instance,
    interpolate,
    open_window,
    spend_by_year,
    start_window,
)
from berthplan.model.records import BerthSpec, Horizon, Project, Route

H = Horizon(start=2023, end=2030)


def project(**kw: Any) -> Project:
    base: dict[str, Any] = {
        "id": "p",
        "area": "a",
        "stage": "candidate",
        "duration": 2,
        "capex": 10,
    }
    base.update(kw)
    return Project.model_validate(base)


def route(**kw: Any) -> Route:
    base: dict[str, Any] = {"id": "r", "status": "candidate", "calls": [{"area": "a", "teu": 1}]}
    base.update(kw)
    return Route.model_validate(base)


# -- start windows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "window"),
    [
        ({"stage": "ongoing", "start": 2021}, (2021, 2021)),
        ({"stage": "ongoing", "start": 2025}, (2025, 2025)),
        ({"stage": "new"}, (2023, 2023)),
        ({"stage": "new", "earliest_start": 2025}, (2025, 2025)),
        ({"stage": "new", "latest_start": 2026}, (2023, 2026)),
        ({"stage": "new", "earliest_start": 2024, "latest_start": 2027}, (2024, 2027)),
        ({"stage": "new", "ready_year": 2026}, (2026, 2026)),
        ({"stage": "preliminary"}, (2024, 2030)),
        ({"stage": "preliminary", "ready_year": 2027}, (2027, 2030)),
        ({"stage": "preliminary", "latest_start": 2028}, (2024, 2028)),
        ({"stage": "preliminary", "earliest_start": 2023}, (2024, 2030)),
        ({"stage": "preliminary", "earliest_start": 2026}, (2026, 2030)),
        ({"stage": "candidate"}, (2023, 2030)),
        ({"stage": "candidate", "earliest_start": 2025}, (2025, 2030)),
        ({"stage": "candidate", "latest_start": 2024}, (2023, 2024)),
        ({"stage": "candidate", "ready_year": 2029}, (2029, 2030)),
    ],
)
def test_start_window_defaults(kw: dict[str, Any], window: tuple[int, int]) -> None:
    assert start_window(H, project(**kw)) == window


def test_start_window_method_agrees() -> None:
    inst = berthplan.load(EXAMPLE)
    got = {p.id: inst.start_window(p) for p in inst.projects}
    assert got == {
        "p1e-ct-3": (2021, 2021),
        "p2-ore-1": (2023, 2023),
        "p1w-channel": (2024, 2026),
        "p1w-ct-a": (2024, 2026),
        "p1w-ct-b": (2023, 2026),
    }


@pytest.mark.parametrize(
    ("kw", "window"),
    [
        ({}, (2023, 2030)),
        ({"earliest_open": 2025}, (2025, 2030)),
        ({"latest_open": 2026}, (2023, 2026)),
        ({"earliest_open": 2024, "latest_open": 2024}, (2024, 2024)),
    ],
)
def test_open_window_defaults(kw: dict[str, Any], window: tuple[int, int]) -> None:
    assert open_window(H, route(**kw)) == window


# -- interpolation, discounting -------------------------------------------------------------------


def test_interpolate_between_points() -> None:
    points = [(2023, 10.0), (2026, 40.0)]
    assert interpolate(points, 2024) == pytest.approx(20.0)
    assert interpolate(points, 2025) == pytest.approx(30.0)
    assert interpolate(points, 2026) == pytest.approx(40.0)


def test_interpolate_flat_outside() -> None:
    points = [(2026, 40.0), (2023, 10.0)]  # unsorted on purpose
    assert interpolate(points, 2000) == 10.0
    assert interpolate(points, 2023) == 10.0
    assert interpolate(points, 2040) == 40.0


def test_interpolate_single_point() -> None:
    assert interpolate([(2025, 7.0)], 2023) == 7.0
    assert interpolate([(2025, 7.0)], 2030) == 7.0


def test_demand_series_sorted_by_scope_and_year() -> None:
    inst = berthplan.load(EXAMPLE)
    series = inst.demand_series()
    assert series == {("port", "P2", "dry_bulk"): [(2023, 16e6), (2026, 30e6)]}
    assert interpolate(series["port", "P2", "dry_bulk"], 2024) == pytest.approx(16e6 + 14e6 / 3)


def test_discount_factor() -> None:
    inst = berthplan.load(EXAMPLE)
    assert inst.discount(2023) == 1.0
    assert inst.discount(2024) == pytest.approx(1 / 1.06)
    assert inst.discount(2026) == pytest.approx(1.06**-3)
    assert inst.discount(2022) == pytest.approx(1.06)


def test_utilization_default() -> None:
    inst = berthplan.load(EXAMPLE)
    assert inst.utilization("dry_bulk") == 1.3
    assert inst.utilization("general") == 1.0


# -- spend, berths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [1, 2, 3, 7])
def test_spend_profile_default_uniform(duration: int) -> None:
    profile = project(duration=duration).spend_profile()
    assert len(profile) == duration
    assert all(s == pytest.approx(1 / duration) for s in profile)
    assert math.fsum(profile) == pytest.approx(1.0)


def test_spend_profile_given() -> None:
    assert project(duration=3, spend=[0.2, 0.5, 0.3]).spend_profile() == (0.2, 0.5, 0.3)


def test_spend_by_year() -> None:
    p = project(duration=3, capex=100, spend=[0.2, 0.5, 0.3])
    got = spend_by_year(p, 2024)
    assert got.keys() == {2024, 2025, 2026}
    assert [got[y] for y in (2024, 2025, 2026)] == pytest.approx([20.0, 50.0, 30.0])


def test_berths_10k_counts_dwt_at_least_10000() -> None:
    adds = [
        {"cargo": "container", "dwt": 10000, "count": 2, "capacity": 1},
        {"cargo": "general", "dwt": 9999.9, "count": 5, "capacity": 1},
        {"cargo": "dry_bulk", "dwt": 70000, "count": 1, "capacity": 1},
        {"cargo": "general", "dwt": 0, "capacity": 1},
    ]
    p = project(adds=adds)
    assert p.berths_10k() == 3
    assert p.berths() == 9


def test_committed_stages() -> None:
    assert project(stage="ongoing", start=2020).committed
    assert project(stage="new").committed
    assert not project(stage="preliminary").committed
    assert not project(stage="candidate").committed


def test_target_hard_unless_penalty() -> None:
    inst = berthplan.load(EXAMPLE)
    assert [t.hard for t in inst.targets] == [True, True, True, False]


# -- immutability, unknown fields, hashing --------------------------------------------------------


def test_instance_is_immutable() -> None:
    inst = berthplan.load(EXAMPLE)
    with pytest.raises(ValidationError, match="frozen"):
        inst.name = "changed"
    with pytest.raises(ValidationError, match="frozen"):
        inst.projects[0].capex = 1.0
    with pytest.raises(ValidationError, match="frozen"):
        inst.horizon.start = 2000
    with pytest.raises(ValidationError, match="frozen"):
        inst.routes[0].calls[0].teu = 0.0
    assert inst.name == "example-two-ports"


def test_records_forbid_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        project(captex=3)
    with pytest.raises(ValidationError, match="extra"):
        BerthSpec.model_validate({"cargo": "lng", "dwt": 1, "capacity": 1, "size": 2})


def test_horizon_order() -> None:
    assert list(Horizon(start=2023, end=2023).years) == [2023]
    with pytest.raises(ValidationError, match="before start"):
        Horizon(start=2024, end=2023)


def test_canonical_hash_stable_across_loads() -> None:
    a = berthplan.load(EXAMPLE)
    b = berthplan.load(EXAMPLE)
    assert a is not b
    assert a.canonical_hash() == b.canonical_hash()
    assert len(a.canonical_hash()) == 64


def test_canonical_hash_sees_changes_and_ignores_layout() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    base = berthplan.loads(text).canonical_hash()
    # Comments, key order and spelled-out defaults do not change the hash ...
    reordered = text.replace(
        "price_year: 2023\nmoney_unit: CNY million\n", "money_unit: CNY million\nprice_year: 2023\n"
    )
    assert berthplan.loads(reordered + "# trailing comment\n").canonical_hash() == base
    spelled = text.replace("    capex: 800\n", "    capex: 800\n    opex: 0\n    group: null\n")
    assert berthplan.loads(spelled).canonical_hash() == base
    # ... any value does.
    changed = text.replace("    capex: 800\n", "    capex: 801\n")
    assert berthplan.loads(changed).canonical_hash() != base


def test_instance_lookups() -> None:
    inst = berthplan.load(EXAMPLE)
    assert inst.port_of_area == {"p1-east": "P1", "p1-west": "P1", "p2-main": "P2"}
    assert inst.area_by_id["p1-west"].depth_m == 11.0
    assert inst.project_by_id["p1w-ct-b"].duration == 3
    assert list(inst.years) == [2023, 2024, 2025, 2026]
    assert inst.target_years() == [2023, 2026]
    assert isinstance(inst, Instance)

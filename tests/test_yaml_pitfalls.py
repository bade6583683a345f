"""YAML 1.1 pitfalls: leading zeros are not octal, ``1e3`` is explained, scenarios are loaded
as safely as instances (no aliases, no duplicate keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

import berthplan
from berthplan.errors import InstanceError, UsageError
from berthplan.model.scenario import Scenario

HEAD = "schema_version: 1\nname: y\ndiscount_rate: 0.05\nprice_year: 2024\n"
PORTS = "ports:\n  - id: P\n    areas:\n      - {id: a, depth_m: 15}\n"


def errors(text: str) -> str:
    with pytest.raises(InstanceError) as info:
        berthplan.loads(text, "y.yaml")
    return info.value.render()


def test_a_leading_zero_is_not_octal() -> None:
    # YAML 1.1 would read 03747 as 2023 and accept it silently
    rendered = errors(HEAD + "horizon: {start: 03747, end: 2026}\n" + PORTS)
    assert (
        "y.yaml:5: horizon.start: input should be a valid integer ('03747' has a leading zero"
        in rendered
    )


def test_an_exponent_without_dot_is_explained() -> None:
    rendered = errors(HEAD + "horizon: {start: 2024, end: 2026}\ntons_per_teu: 1e1\n" + PORTS)
    assert "tons_per_teu: input should be a valid number (YAML reads '1e1' as text" in rendered


def test_plain_and_signed_integers_still_read() -> None:
    inst = berthplan.loads(HEAD + "horizon: {start: 2024, end: +2026}\n" + PORTS, "y.yaml")
    assert (inst.horizon.start, inst.horizon.end) == (2024, 2026)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "set: &x {a: 1}\npenalties: *x\n",
            "YAML aliases (*name) are not supported in scenario files",
        ),
        ("discount_rate: 0.1\ndiscount_rate: 0.2\n", "discount_rate: duplicate key"),
        ("- a\n- b\n", "a scenario file must be a mapping of fields"),
    ],
)
def test_scenario_files_load_as_safely_as_instances(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
    ):
        Scenario.from_file(path)


def test_a_scenario_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("discount_rate: 0.1\n".encode("utf-16"))
    with pytest.raises(UsageError, match="not UTF-8 text"):
        Scenario.from_file(path)

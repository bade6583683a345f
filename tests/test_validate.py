"""Validation of instance files: every rule, located messages, all errors at once, the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import (
    EXAMPLE,
    INVALID,
    MARKER,
    MODULE_EXPECTATIONS,
    expectation,
    invalid_files,
    invoke,
    message_lines,
)

import berthplan
from berthplan.errors import InstanceError

# The rules of the issue, each with the invalid file that must exercise it.
RULE_FILES = [
    "unknown-berth-area",
    "unknown-project-area",
    "unknown-required-project",
    "unknown-call-area",
    "unknown-demand-port",
    "unknown-demand-area",
    "unknown-target-port",
    "duplicate-port-id",
    "duplicate-area-id",
    "duplicate-berth-id",
    "duplicate-project-id",
    "duplicate-route-id",
    "requires-cycle-2",
    "requires-cycle-3",
    "requires-self",
    "empty-start-window",
    "preliminary-latest-start-after-horizon",
    "candidate-earliest-start-before-horizon",
    "duration-zero",
    "spend-wrong-length",
    "spend-not-summing-to-one",
    "ongoing-without-start",
    "start-on-new-project",
    "ongoing-completed-before-horizon",
    "negative-capacity",
    "negative-capex",
    "negative-opex",
    "negative-route-teu",
    "negative-demand-value",
    "target-outside-horizon",
    "duplicate-target",
    "route-depth-never-reachable",
    "existing-route-deeper-than-area",
    "container-demand",
    "demand-port-and-its-area",
    "budget-year-outside-horizon",
    "two-committed-in-group",
    "unknown-top-level-field",
    "unknown-project-field-typo",
    "unknown-call-field",
    "bad-cargo-class",
    "bad-stage",
    "bad-metric",
    "yaml-syntax-error",
    "yaml-duplicate-key",
    "top-level-not-a-mapping",
    "empty-file",
    "missing-horizon",
    "demand-port-and-area",
    "demand-neither-port-nor-area",
    "service-level-duplicate-cargo",
    "service-level-no-berths",
    "service-level-override-unknown-area",
    "service-level-override-repeated-area",
    "service-level-override-area-without-berths",
    "service-level-with-max-utilization",
    "service-level-pool-too-large",
    "service-level-unknown-queue",
    "service-level-zero-service-hours",
    "service-level-missing-call-size",
    "service-level-negative-waiting-cost",
    "amount-above-largest",
    "count-above-largest",
    "tons-per-teu-above-100",
    "growth-above-one",
    "id-blank",
    "id-with-newline",
    "id-differs-only-in-case",
]


def _params(*, cli: bool) -> list[object]:
    out: list[object] = []
    for path in invalid_files():
        out.append(pytest.param(path, id=path.name))
    return out


def _load_error(path: Path) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        berthplan.load(path)
    return info.value


def test_every_rule_has_its_file() -> None:
    names = {p.stem for p in invalid_files()}
    missing = [r for r in RULE_FILES if r not in names]
    assert not missing, f"no invalid file for: {missing}"
    json_files = [p for p in invalid_files() if p.suffix == ".json"]
    assert any(p.name == "json-syntax-error.json" for p in json_files)


@pytest.mark.parametrize("path", invalid_files(), ids=lambda p: p.name)
def test_invalid_file_declares_expectation(path: Path) -> None:
    expected, _ = expectation(path)
    assert expected, f"{path.name}: empty expectation"
    if path.suffix == ".json":
        assert path.name in MODULE_EXPECTATIONS


@pytest.mark.parametrize("path", _params(cli=False))
def test_load_reports_expected_message(path: Path) -> None:
    expected, line = expectation(path)
    err = _load_error(path)
    rendered = err.render()
    assert str(err) == rendered
    assert err.issues, "an InstanceError without issues"
    hits = message_lines(rendered, expected)
    assert hits, f"expected {expected!r} in:\n{rendered}"
    for text in rendered.splitlines():
        assert text.startswith(f"{path}:"), f"message not prefixed by the file: {text!r}"
    if line is not None:
        assert any(h.startswith(f"{path}:{line}: ") for h in hits), (
            f"expected {expected!r} at line {line}, got:\n{rendered}"
        )


@pytest.mark.parametrize("path", _params(cli=True))
def test_cli_validate_exits_2_without_traceback(path: Path) -> None:
    expected, line = expectation(path)
    result = invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert expected in result.stderr
    if line is not None:
        assert f"{path}:{line}: " in result.stderr
    n = len(_load_error(path).issues)
    assert result.stderr.rstrip().endswith(f"{n} error{'s' if n != 1 else ''} in {path}")
    assert "valid" not in result.stdout


# Exact rendered lines of a few files (the marker logic above must not be self-fulfilling).
EXACT = {
    "yaml-syntax-error.yaml": "49: YAML syntax error: mapping values are not allowed here",
    "unknown-project-field-typo.yaml": (
        "53: projects[p2-ore-1].captex: unknown field 'captex' (did you mean 'capex'?)"
    ),
    "unknown-call-field.yaml": (
        "103: routes[dom-south].calls[0].grwth: unknown field 'grwth' (did you mean 'growth'?)"
    ),
    "yaml-duplicate-key.yaml": "54: projects[p2-ore-1].duration: duplicate key",
    "requires-cycle-3.yaml": (
        "62: projects[p1w-channel].requires: "
        "cycle in requires: p1w-channel -> p1w-ct-b -> p1w-ct-a -> p1w-channel"
    ),
    "json-syntax-error.json": "279: JSON syntax error: Expecting value",
    "json-unknown-field.json": (
        "114: projects[p2-ore-1].captex: unknown field 'captex' (did you mean 'capex'?)"
    ),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_line(name: str) -> None:
    path = INVALID / name
    rendered = _load_error(path).render()
    assert f"{path}:{EXACT[name]}" in rendered.splitlines()


def test_typo_reports_missing_field_too() -> None:
    path = INVALID / "unknown-project-field-typo.yaml"
    err = _load_error(path)
    assert [i.message for i in err.issues] == [
        "missing required field",
        "unknown field 'captex' (did you mean 'capex'?)",
    ]
    assert [i.location for i in err.issues] == [
        "projects[p2-ore-1].capex",
        "projects[p2-ore-1].captex",
    ]


def test_marker_comment_is_on_the_defect_line() -> None:
    # The marker must sit on a line of YAML content, not alone (where it could drift).
    for path in invalid_files():
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.rstrip().endswith(MARKER):
                assert text.split("#")[0].strip(), f"{path.name}: marker on an empty line"


# -- several errors at once --------------------------------------------------------------------


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = _replace_once(text, "    capex: 1400\n", "    capex: -1400\n")  # field error
    text = _replace_once(text, "{area: p2-main, teu: 20000", "{area: p2-nowhere, teu: 20000")  # ref
    text = _replace_once(text, "    opex: 20\n", "    opx: 20\n")  # typo
    text = _replace_once(
        text, "{year: 2026, metric: container_teu", "{year: 2031, metric: container_teu"
    )
    path = tmp_path / "several.yaml"
    path.write_text(text, encoding="utf-8")

    err = _load_error(path)
    assert len(err.issues) == 4, err.render()
    rendered = err.render().splitlines()
    assert rendered == [
        f"{path}:52: projects[p2-ore-1].capex: input should be greater than or equal to 0",
        f"{path}:73: projects[p1w-ct-a].opx: unknown field 'opx' (did you mean 'opex'?)",
        f"{path}:103: routes[dom-south].calls[1].area: unknown area 'p2-nowhere'",
        f"{path}:124: targets[2].year: target year 2031 is outside the horizon 2023-2026",
    ]
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(f"4 errors in {path}")
    for line in rendered:
        assert line in result.stderr


def test_cross_errors_reported_beside_field_errors_of_other_records(tmp_path: Path) -> None:
    # A broken berth must not hide a broken reference of a project.
    text = EXAMPLE.read_text(encoding="utf-8")
    text = _replace_once(text, "capacity: 9000000,", "capacity: lots,")
    text = _replace_once(text, "requires: [p1w-channel]    #", "requires: [p1w-channel, nope]    #")
    text = _replace_once(text, "  - id: deep-sea-europe\n", "  - id: dom-south\n")
    err = _load_error_text(text)
    messages = [i.message for i in err.issues]
    assert "unknown project 'nope'" in messages
    assert "duplicate route id 'dom-south'" in messages
    assert any(m.startswith("input should be a valid number") for m in messages)
    assert len(err.issues) == 3


def _load_error_text(text: str) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        berthplan.loads(text, "mem.yaml")
    return info.value


# -- rules that must not fire --------------------------------------------------------------------


def test_deepening_makes_route_reachable() -> None:
    # p1-west is 11 m deep but p1w-channel deepens it to 15 m: a 14.5 m route may call there.
    text = EXAMPLE.read_text(encoding="utf-8")
    text = _replace_once(
        text, "      - {area: p1-east, teu: 250000}", "      - {area: p1-west, teu: 250000}"
    )
    inst = berthplan.loads(text)
    assert inst.routes[2].calls[0].area == "p1-west"
    # Without the deepening the same route can never open.
    text = _replace_once(text, "    deepens_to_m: 15.0 ", "    deepens_to_m: 14.0 ")
    err = _load_error_text(text)
    assert [i.message for i in err.issues] == [
        "needs 14.5 m but area 'p1-west' can reach at most 14 m, even with its deepening "
        "projects: the route can never open"
    ]


def test_ongoing_project_may_start_before_horizon() -> None:
    inst = berthplan.load(EXAMPLE)
    ongoing = inst.project_by_id["p1e-ct-3"]
    assert ongoing.start is not None and ongoing.start < inst.horizon.start


def test_demand_at_an_area_alone_is_fine() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("{port: P2, cargo: dry_bulk", "{area: p2-main, cargo: dry_bulk")
    inst = berthplan.loads(text)
    assert {d.area for d in inst.demand} == {"p2-main"}


def test_budget_below_committed_spend_is_infeasible_not_invalid() -> None:
    # A budget below what committed projects must spend is a question with the answer "no plan"
    # (exit 3, with the year, the spend and the budget), not an invalid file: a what-if that
    # cuts a budget must get that answer.
    from berthplan.optimization.solve import InfeasibleError

    text = EXAMPLE.read_text(encoding="utf-8")
    inst = berthplan.loads(
        _replace_once(text, "{year: 2024, capex: 4000}", "{year: 2024, capex: 700}")
    )
    assert inst.budget[0].capex == 700
    assert berthplan.solve(inst).status == "optimal"
    short = berthplan.loads(
        _replace_once(text, "{year: 2024, capex: 4000}", "{year: 2024, capex: 699}")
    )
    with pytest.raises(InfeasibleError, match="budget 2024: committed projects alone spend 700"):
        berthplan.solve(short)


# -- the valid example, the schema, JSON --------------------------------------------------------


def test_example_validates_with_summary() -> None:
    result = invoke("validate", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "projects: 5 (1 ongoing, 1 new, 1 preliminary, 2 candidate)" in out
    assert "existing berths: 12, of which 6 of 10,000-ton class and above" in out
    assert "committed projects only: 2023 8, 2024 9, 2025 9, 2026 9" in out
    assert "routes: 1 existing records (8 services), 2 candidate" in out
    assert out.rstrip().endswith(f"{EXAMPLE}: valid")
    assert result.stderr == ""


# The design's example-instance.yaml lives outside the repository (the design folder), so CI
# cannot read it: its SHA-256 and canonical hash, taken from that file, are recorded here and
# the copy must match both (the copy is byte-identical, comments included).
SHARED_EXAMPLE_SHA256 = "3739ba70758c79c9a62062111536392d8e00e326d164832359ba5e0d44c26030"
SHARED_EXAMPLE_HASH = "64409018c77a267a400c40c95c3d4aea0daddb718970c45b8672a38f418e3fbb"


def test_shared_example_is_the_copy() -> None:
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() == SHARED_EXAMPLE_SHA256
    assert berthplan.load(EXAMPLE).canonical_hash() == SHARED_EXAMPLE_HASH


def test_schema_has_units_and_descriptions() -> None:
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    project = schema["$defs"]["Project"]["properties"]
    assert project["capex"]["unit"] == "money_unit"
    assert project["capex"]["description"] == "Total capital cost."
    assert project["duration"]["unit"] == "years"
    assert schema["$defs"]["Call"]["properties"]["teu"]["unit"] == "TEU/yr"
    assert schema["properties"]["discount_rate"]["unit"] == "1/yr"
    assert schema["$defs"]["Project"]["additionalProperties"] is False
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"


def test_json_instance_equals_yaml(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "example.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    from_json = berthplan.load(path)
    from_yaml = berthplan.load(EXAMPLE)
    assert from_json == from_yaml
    assert from_json.canonical_hash() == from_yaml.canonical_hash()
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output


def test_json_file_is_read_as_json_not_yaml(tmp_path: Path) -> None:
    # YAML-only syntax in a .json file is a JSON syntax error.
    path = tmp_path / "example.json"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    err = _load_error(path)
    assert len(err.issues) == 1
    assert err.issues[0].message.startswith("JSON syntax error")


def test_cli_subprocess_has_no_traceback() -> None:
    path = INVALID / "unknown-project-field-typo.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "berthplan", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{path}:53: projects[p2-ore-1].captex" in proc.stderr
    assert proc.stdout == ""


def test_cli_missing_file() -> None:
    result = invoke("validate", "no/such/instance.yaml")
    assert result.exit_code == 2
    assert "no/such/instance.yaml: no such file" in result.stderr
    assert "Traceback" not in result.output


def test_cli_path_through_a_file() -> None:
    result = invoke("validate", f"{EXAMPLE}/x.yaml")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)


def test_cli_file_name_too_long(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / ("x" * 5000 + ".yaml")))
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)

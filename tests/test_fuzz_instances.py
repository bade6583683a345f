"""Property-based fuzzing of instance documents through load, solve, write and check.

Starting from the example instance, hypothesis replaces one to three values anywhere in the
document (numbers, texts, lists, nulls, huge and tiny numbers, deep nesting) and runs the CLI
as a user would. Whatever it makes, berthplan must answer with a documented exit code and
located one-line messages, never a traceback; a plan it reports (exit 0, or 3 with the closest
plan) must pass the independent checker.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berthplan.cli import main

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"
BASE = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, -1, 0.5, 1e12, 1e13, 1e300, 2**63, 1900, 2023, 2200, 2201]),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
    st.lists(st.integers(0, 5), max_size=3),
    st.recursive(st.none(), lambda inner: st.lists(inner, max_size=2), max_leaves=30),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document a value can be replaced."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_fuzzed_instances_give_documented_answers(
    tmp_path_factory: Any, changes: list[tuple[tuple[Any, ...], Any]]
) -> None:
    doc = copy.deepcopy(BASE)
    for path, value in changes:
        try:
            _replace(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the place
    folder = tmp_path_factory.mktemp("fuzz")
    file = folder / "fuzz.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = folder / "plan"
    solved = CliRunner().invoke(main, ["solve", str(file), "--out", str(out), "--quiet"])
    assert solved.exception is None or isinstance(solved.exception, SystemExit), solved.output
    assert "Traceback" not in solved.output
    assert solved.exit_code in (0, 2, 3, 4), solved.output
    if solved.exit_code == 2:
        assert "fuzz.yaml" in solved.output or "error:" in solved.output
    if solved.exit_code in (0, 3) and out.exists():
        checked = CliRunner().invoke(main, ["check", str(file), str(out)])
        assert checked.exit_code == 0, checked.output


def _value(path: tuple[Any, ...]) -> Any:
    node: Any = BASE
    for key in path:
        node = node[key]
    return node


NUMBERS = [
    p for p in PATHS if isinstance(_value(p), int | float) and not isinstance(_value(p), bool)
]
FACTORS = st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.1, 2.0, 10.0, 1e3, 1e6, -1.0])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(NUMBERS), FACTORS), min_size=1, max_size=4))
def test_scaled_numbers_give_documented_answers(
    tmp_path_factory: Any, changes: list[tuple[tuple[Any, ...], float]]
) -> None:
    # Scaling numbers keeps most documents valid, so these reach the solver and the checker.
    doc = copy.deepcopy(BASE)
    for path, factor in changes:
        value = _value(path)
        scaled = value * factor
        _replace(doc, path, round(scaled) if isinstance(value, int) else scaled)
    folder = tmp_path_factory.mktemp("scaled")
    file = folder / "scaled.yaml"
    file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = folder / "plan"
    solved = CliRunner().invoke(main, ["solve", str(file), "--out", str(out), "--quiet"])
    assert solved.exception is None or isinstance(solved.exception, SystemExit), solved.output
    assert solved.exit_code in (0, 2, 3, 4), solved.output
    if solved.exit_code in (0, 3) and out.exists():
        checked = CliRunner().invoke(main, ["check", str(file), str(out)])
        assert checked.exit_code == 0, checked.output

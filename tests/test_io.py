"""Reading instance files: safe YAML, strict JSON, located syntax errors, no leaking exceptions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import berthplan
from berthplan.errors import InstanceError
from berthplan.model import records as rec
from berthplan.model.instance import Instance
from berthplan.model.io import parse_text

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
EXAMPLE_DATA: dict[str, Any] = yaml.safe_load(EXAMPLE_TEXT)


def _error(text: str, *, as_json: bool = False) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        berthplan.loads(text, "f.yaml", as_json=as_json)
    return info.value


def test_loads_example() -> None:
    inst = berthplan.loads(EXAMPLE_TEXT)
    assert inst.name == "example-two-ports"
    assert inst.canonical_hash() == berthplan.load(EXAMPLE).canonical_hash()


def test_yaml_syntax_error_line() -> None:
    text = "name: x\nhorizon: {start: 2023, end: 2026\ndiscount_rate: 0.1\n"
    err = _error(text)
    assert len(err.issues) == 1
    assert err.issues[0].message.startswith("YAML syntax error")
    assert err.issues[0].line == 3


def test_yaml_bad_indentation_line() -> None:
    text = "name: x\nports:\n  - id: P1\n   areas: []\n"
    err = _error(text)
    assert err.render().startswith("f.yaml:4: YAML syntax error")


def test_json_syntax_error_line() -> None:
    err = _error('{\n  "name": "x",\n  "horizon": {"start": 2023 "end": 2026}\n}\n', as_json=True)
    assert err.render() == "f.yaml:3: JSON syntax error: Expecting ',' delimiter"


def test_duplicate_key_points_at_second() -> None:
    # every error at once: the duplicate key (at its second use) beside the missing fields
    text = "name: x\nname: y\n"
    lines = _error(text).render().splitlines()
    assert "f.yaml:2: name: duplicate key" in lines
    assert "f.yaml:1: horizon: missing required field" in lines
    assert len(lines) == 5


def test_top_level_scalar() -> None:
    assert _error("just a string\n").render() == (
        "f.yaml:1: an instance file must be a mapping of fields"
    )


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!!python/tuple [1]"],
)
def test_safe_loading_only(tag: str) -> None:
    err = _error(f"name: {tag}\n")
    assert len(err.issues) == 1
    assert err.render().startswith("f.yaml:1: YAML syntax error: could not determine a constructor")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Gdańsk\n".encode("utf-16"))
    with pytest.raises(InstanceError) as info:
        berthplan.load(path)
    assert "not UTF-8 text" in info.value.render()


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as info:
        berthplan.load(tmp_path)
    assert "is a directory" in info.value.render()


def test_several_documents() -> None:
    err = _error(EXAMPLE_TEXT + "---\nname: second\n")
    assert err.issues[0].message.startswith("YAML syntax error")


def test_undefined_alias_is_a_syntax_error() -> None:
    err = _error("name: *nowhere\n")
    assert err.render().startswith("f.yaml:1: YAML syntax error")


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 8) + "]")
    text = EXAMPLE_TEXT + "\n".join(lines) + "\n"
    # Refused at the first alias, before anything is expanded.
    with pytest.raises(InstanceError, match="aliases"):
        berthplan.loads(text)


def test_location_uses_ids() -> None:
    doc = parse_text(EXAMPLE_TEXT, "f.yaml")
    assert doc.location(("projects", 3, "requires", 0)) == "projects[p1w-ct-a].requires[0]"
    assert doc.location(("ports", 0, "areas", 1, "depth_m")) == "ports[P1].areas[p1-west].depth_m"
    assert doc.location(("demand", 1, "value")) == "demand[1].value"
    assert doc.line(("projects", 3, "requires", 0)) == 74
    # A path below a value the file does not have: the line of the nearest ancestor.
    assert doc.line(("projects", 3, "nothing", 5)) == 65


# -- random mutations of the example: only InstanceError ever escapes ---------------------------

_LIST_OWNER: dict[str, type[BaseModel]] = {
    "ports": rec.Port,
    "areas": rec.Area,
    "berths": rec.Berth,
    "projects": rec.Project,
    "adds": rec.BerthSpec,
    "routes": rec.Route,
    "calls": rec.Call,
    "demand": rec.Demand,
    "targets": rec.Target,
    "budget": rec.Budget,
}
_MAP_OWNER: dict[str, type[BaseModel]] = {"horizon": rec.Horizon, "penalties": rec.Penalties}


def _records(
    node: Any, model: type[BaseModel], path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], type[BaseModel], Any]]:
    """Every mapping of the document that is a record, with its path and model."""
    yield path, model, node
    for key, value in node.items():
        if key in _LIST_OWNER and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _records(item, _LIST_OWNER[key], (*path, key, i))
        elif key in _MAP_OWNER and isinstance(value, dict):
            yield from _records(value, _MAP_OWNER[key], (*path, key))


RECORDS = list(_records(EXAMPLE_DATA, Instance))
REQUIRED = [
    (path, key)
    for path, model, node in RECORDS
    for key, field in model.model_fields.items()
    if field.is_required() and key in node
]


def _numbers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numbers(v, (*path, i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


NUMBERS = list(_numbers(EXAMPLE_DATA))
# Numbers that may be negative: growth (> -1), and years without a horizon rule.
MAY_BE_NEGATIVE = {"growth", "price_year", "ready_year"}


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _loads_only_instance_error(text: str) -> InstanceError | None:
    try:
        berthplan.loads(text, "mutated.yaml")
    except InstanceError as e:
        for line in e.render().splitlines():
            assert line.startswith("mutated.yaml"), line
        return e
    except Exception as e:  # any other exception is a traceback for the user
        pytest.fail(f"{type(e).__name__} escaped loads(): {e}")
    return None


def test_mutation_tables_are_not_empty() -> None:
    assert len(RECORDS) > 20
    assert ((), "horizon") in REQUIRED
    assert (("projects", 1), "capex") in REQUIRED
    assert len(NUMBERS) > 50


_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(st.sampled_from(REQUIRED))
def test_delete_required_key(target: tuple[tuple[Any, ...], str]) -> None:
    path, key = target
    data = copy.deepcopy(EXAMPLE_DATA)
    del _at(data, path)[key]
    err = _loads_only_instance_error(yaml.safe_dump(data, sort_keys=False))
    assert err is not None, f"deleting {path}.{key} went unnoticed"
    assert any(
        i.message == "missing required field" and i.location.endswith(key) for i in err.issues
    )


@_SETTINGS
@given(
    st.sampled_from(RECORDS),
    st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True),
    st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()),
)
def test_insert_unknown_key(target: tuple[Any, type[BaseModel], Any], key: str, value: Any) -> None:
    path, model, _ = target
    if key in model.model_fields:
        key += "_x"
    data = copy.deepcopy(EXAMPLE_DATA)
    _at(data, path)[key] = value
    err = _loads_only_instance_error(yaml.safe_dump(data, sort_keys=False))
    assert err is not None, f"unknown key {key!r} in {model.__name__} was ignored"
    assert any(i.message.startswith(f"unknown field '{key}'") for i in err.issues), err.render()


@_SETTINGS
@given(st.sampled_from(NUMBERS), st.floats(min_value=0.001, max_value=1e9))
def test_negative_number(path: tuple[Any, ...], amount: float) -> None:
    data = copy.deepcopy(EXAMPLE_DATA)
    parent = _at(data, path[:-1])
    old = parent[path[-1]]
    parent[path[-1]] = -abs(old) - (round(amount) if isinstance(old, int) else amount)
    err = _loads_only_instance_error(yaml.safe_dump(data, sort_keys=False))
    named = [p for p in path if isinstance(p, str)]
    exempt = named[-1] in MAY_BE_NEGATIVE or named == ["demand", "year"]
    if not exempt:
        assert err is not None, f"negative {'.'.join(map(str, path))} accepted"


@_SETTINGS
@given(st.data())
def test_text_corruption(data: st.DataObject) -> None:
    # Bad YAML nobody has seen: delete a line, or insert a character somewhere.
    lines = EXAMPLE_TEXT.splitlines(keepends=True)
    if data.draw(st.booleans(), label="delete line"):
        k = data.draw(st.integers(0, len(lines) - 1), label="line")
        text = "".join(lines[:k] + lines[k + 1 :])
    else:
        pos = data.draw(st.integers(0, len(EXAMPLE_TEXT)), label="position")
        char = data.draw(st.sampled_from(list(":{}[],-#&*!|>'\"%@`\t ?x0")), label="char")
        text = EXAMPLE_TEXT[:pos] + char + EXAMPLE_TEXT[pos:]
    _loads_only_instance_error(text)


# -- reading large files: libyaml composes, no garbage collection, work linear in the file -------


def _both_parsers(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = parse_text(text, "f.yaml", collect=True)
    with monkeypatch.context() as mp:
        mp.setattr(yaml, "__with_libyaml__", False)  # the pure-Python parser only
        slow = parse_text(text, "f.yaml", collect=True)
    return fast, slow


@pytest.mark.parametrize("size", ["small", "medium"])
def test_libyaml_reads_the_same_document(size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from berthplan.generator.generate import generate_text

    assert yaml.__with_libyaml__  # the wheel ships libyaml: the fast path is the one tested
    for text in (EXAMPLE_TEXT, generate_text(size, 3, service_levels=True)):
        fast, slow = _both_parsers(text, monkeypatch)
        assert fast.data == slow.data
        assert fast.lines == slow.lines and len(fast.lines) > 50


def test_libyaml_refusal_keeps_the_pure_python_message(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "name: x\nhorizon: {start: 2023, end: 2026\ndiscount_rate: 0.1\n"
    fast = _error(text)
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert _error(text).render() == fast.render()
    assert "YAML syntax error" in fast.render()


def _counted_load(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Instance, int, int]:
    """The instance, the Python calls made validating it, and GC collections while parsing."""
    import gc
    import sys

    from berthplan.model import io
    from berthplan.model import parsing as module

    calls = 0
    collections = 0
    parsing = False
    real = module._parse_text

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += event == "call"

    def collected(phase: str, info: dict[str, int]) -> None:
        nonlocal collections
        collections += parsing and phase == "start"

    def parse(*args: Any, **kwargs: Any) -> Any:
        nonlocal parsing
        parsing = True
        try:
            return real(*args, **kwargs)
        finally:
            parsing = False

    monkeypatch.setattr(module, "_parse_text", parse)
    gc.callbacks.append(collected)
    try:
        doc = parse_text(text, "f.yaml", collect=True)
        sys.setprofile(count)
        inst = io.instance_from_document(doc)
    finally:
        sys.setprofile(None)
        gc.callbacks.remove(collected)
    return inst, calls, collections


def test_national_file_read_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from berthplan.generator.generate import generate_text

    def pure_python(*args: Any) -> None:
        raise AssertionError("the pure-Python scanner read a valid file")

    monkeypatch.setattr(yaml.scanner.Scanner, "check_token", pure_python)
    one = generate_text("national", 0, ports=30, projects=1500, routes=500)
    two = generate_text("national", 0)
    _, calls_one, gc_one = _counted_load(one, monkeypatch)
    inst, calls_two, gc_two = _counted_load(two, monkeypatch)
    assert len(inst.projects) == 3000
    assert gc_one == gc_two == 0  # no collection while parsing (80 % of the time before)
    # the cross-record rules: a rule scanning every item for each item would double this ratio
    assert calls_two / calls_one <= 1.1 * len(two) / len(one), (calls_one, calls_two)

"""Only regular files within the size cap are read: a pipe, a device or a huge file is refused
at once with a located message (exit 2), never blocks or fills memory."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from berthplan.cli import main

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def test_a_pipe_as_instance(fifo: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(fifo)])
    assert result.exit_code == 2
    assert "not a regular file" in result.output


def test_a_device_as_instance() -> None:
    result = CliRunner().invoke(main, ["validate", "/dev/zero"])
    assert result.exit_code == 2
    assert "/dev/zero: not a regular file" in result.output


def test_a_pipe_as_scenario_and_as_profile(fifo: Path, tmp_path: Path) -> None:
    toml = tmp_path / "pipe.toml"  # a profile is read as a file when it ends in .toml
    os.mkfifo(toml)
    for flag, path in (("--scenario", fifo), ("--solver", toml)):
        out = tmp_path / flag.strip("-")
        result = CliRunner().invoke(
            main, ["solve", str(EXAMPLE), "--out", str(out), flag, str(path)]
        )
        assert result.exit_code == 2, result.output
        assert "not a regular file" in result.output


def test_the_input_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERTHPLAN_MAX_INPUT_MB", "0.001")
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "above the 0.001 MB input limit (raise it with BERTHPLAN_MAX_INPUT_MB)" in result.output


def test_a_profile_that_is_not_utf8(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_bytes('backend = "highs"\n'.encode("utf-16"))
    result = CliRunner().invoke(
        main, ["solve", str(EXAMPLE), "--out", str(tmp_path / "x"), "--solver", str(profile)]
    )
    assert result.exit_code == 2 and "not UTF-8 text" in result.output


# -- nesting, long chains, huge numbers: exit 2 with one located line, never a traceback ----------


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return doc


def _validate(path: Path) -> list[str]:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.output.strip().splitlines()


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("flow.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", 1),
        ("flow.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", 1),
        ("block.yaml", "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000)), 33),
        ("moderate.yaml", "name: " + "[" * 40 + "]" * 40 + "\n", 1),
    ],
    ids=["flow.yaml", "flow.json", "block.yaml", "moderate.yaml"],  # not the documents
)
def test_deep_nesting_is_refused_where_it_passes_the_limit(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = _validate(path)
    assert out[0] == f"{path}:{line}: nested more than 32 levels deep (an instance needs 5)"


def test_deep_nesting_in_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "deep.yaml"
    scenario.write_text("costs: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    args = ["solve", str(EXAMPLE), "--out", str(tmp_path / "p"), "--scenario", str(scenario)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "nested more than 32 levels" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_integer_of_thousands_of_digits(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"big{suffix}"
    text = EXAMPLE.read_text(encoding="utf-8").replace("capex: 3000", "capex: " + "9" * 5000)
    if suffix == ".json":
        text = json.dumps(yaml.safe_load(text.replace("9" * 5000, "BIG"))).replace(
            '"BIG"', "9" * 5000
        )
    path.write_text(text, encoding="utf-8")
    out = _validate(path)
    assert "projects[p1e-ct-3].capex: input should be a valid number" in out[0]
    assert "an integer of 5,000 digits" in out[0]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("horizon", "start"), "horizon.start"),
        (("discount_rate",), "discount_rate"),
        (("projects", 0, "duration"), "projects[p1e-ct-3].duration"),
        (("projects", 0, "start"), "projects[p1e-ct-3].start"),
        (("projects", 0, "adds", 0, "count"), "projects[p1e-ct-3].adds[0].count"),
        (("projects", 0, "capex"), "projects[p1e-ct-3].capex"),
    ],
)
def test_integers_beyond_int64_in_numeric_fields(
    tmp_path: Path, path: tuple[str | int, ...], field: str
) -> None:
    for value in (2**64, -(2**70), 10**29):
        doc = _doc()
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        file = tmp_path / "big.yaml"
        file.write_text(yaml.safe_dump(doc), encoding="utf-8")
        out = _validate(file)
        assert any(f": {field}: " in line for line in out), out


def _chain(n: int, cycle: bool) -> dict[str, Any]:
    doc = _doc()
    last = doc["projects"][-1]
    for i in range(n):
        p = copy.deepcopy({k: v for k, v in last.items() if k not in ("requires", "group")})
        p |= {"id": f"c{i}", "stage": "candidate"}
        if i + 1 < n or cycle:
            p["requires"] = [f"c{(i + 1) % n}"]
        doc["projects"].append(p)
    return doc


def test_a_requires_cycle_of_thousands_is_one_short_line(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(_chain(3000, cycle=True), sort_keys=False), encoding="utf-8")
    out = _validate(path)
    assert len(out) == 2 and "cycle in requires: c0 -> c1 -> " in out[0]
    assert "... (2991 more)" in out[0] and len(out[0]) < 400


def test_a_requires_chain_of_thousands_solves_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(_chain(1500, cycle=False), sort_keys=False), encoding="utf-8")
    runner = CliRunner()
    solved = runner.invoke(main, ["solve", str(path), "--out", str(tmp_path / "p"), "--quiet"])
    assert solved.exit_code == 0, solved.output
    checked = runner.invoke(main, ["check", str(path), str(tmp_path / "p")])
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize("value", ["100000", "100000000000000000000", "0"])
def test_absurd_threads(tmp_path: Path, value: str) -> None:
    args = ["solve", str(EXAMPLE), "--out", str(tmp_path / "p"), "--threads", value]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    said = "--threads" if value == "0" else f"threads: {value} is out of range (1 to 256)"
    assert said in result.output
    assert not (tmp_path / "p").exists()


def test_absurd_threads_from_the_library() -> None:
    import berthplan
    from berthplan.errors import UsageError

    with pytest.raises(UsageError, match="threads: 100000 is out of range"):
        berthplan.solve(berthplan.load(EXAMPLE), threads=100_000)


def test_a_set_value_of_thousands_of_digits(tmp_path: Path) -> None:
    args = ["solve", str(EXAMPLE), "--out", str(tmp_path / "p"), "--set"]
    result = CliRunner().invoke(main, [*args, "horizon.start=" + "9" * 5000])
    assert result.exit_code == 2
    assert "horizon.start: input should be a valid integer (an integer of 5,000" in result.output

"""The shipped example files: one copy in git, reachable by name, in the wheel.

``berthplan/examples/NAME.yaml`` links to the file the repository keeps at its usual place;
``berthplan example`` writes one out, ``load`` reads one by name when no such file exists, and
a built wheel holds each file's content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import berthplan
from berthplan.cli import main
from berthplan.model.examples import EXAMPLES, FOLDER, resolve
from berthplan.model.uncertainty import load_uncertainty

ROOT = Path(__file__).parent.parent

SOURCES = {
    "liaoning-2023": "instances/liaoning-2023.yaml",
    "liaoning-2023-design-capacity": "instances/liaoning-2023-design-capacity.yaml",
    "example": "instances/example.yaml",
    "tiny-in-service": "instances/tiny/01-in-service.yaml",
    "tiny-requires": "instances/tiny/07-requires.yaml",
    "tiny-depth": "instances/tiny/10-depth.yaml",
    "tiny-two-stage": "tests/data/uncertainty/tiny-two-stage.yaml",
    "tiny-two-stage-demand": "tests/data/uncertainty/tiny-two-stage.unc.yaml",
    "liaoning-budget-minus-20": "scenarios/liaoning/budget-minus-20.yaml",
    "liaoning-teu-plus-10": "scenarios/liaoning/teu-plus-10.yaml",
}
"""Each example and the repository file it is."""


def test_the_catalogue_is_the_folder() -> None:
    assert sorted(EXAMPLES) == sorted(SOURCES)
    assert sorted(p.name for p in FOLDER.iterdir()) == sorted(f"{n}.yaml" for n in SOURCES)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_an_example_is_the_repository_file_not_a_copy(name: str) -> None:
    path = EXAMPLES[name].path
    assert path.is_symlink(), f"{path}: a copy (it must link to {SOURCES[name]})"
    assert path.resolve() == (ROOT / SOURCES[name]).resolve()


@pytest.mark.parametrize("name", [n for n, e in EXAMPLES.items() if e.kind == "instance"])
def test_an_example_instance_loads_by_name(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    by_name = berthplan.load(name)
    assert by_name.canonical_hash() == berthplan.load(ROOT / SOURCES[name]).canonical_hash()
    assert berthplan.load(f"{name}.yaml").canonical_hash() == by_name.canonical_hash()


def test_scenario_and_uncertainty_examples_apply(tmp_path: Path) -> None:
    liaoning = berthplan.load("liaoning-2023")
    for name in ("liaoning-budget-minus-20", "liaoning-teu-plus-10"):
        what_if = berthplan.apply_scenario(liaoning, EXAMPLES[name].path)
        assert what_if.canonical_hash() != liaoning.canonical_hash()
    unc = load_uncertainty(EXAMPLES["tiny-two-stage-demand"].path, berthplan.load("tiny-two-stage"))
    assert [s.id for s in unc.scenarios] == ["low", "high"]


def test_a_file_of_that_name_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny-depth").write_bytes((ROOT / SOURCES["tiny-requires"]).read_bytes())
    assert berthplan.load("tiny-depth").name == "tiny-requires"
    assert resolve("tiny-depth") == "tiny-depth"
    assert resolve("sub/tiny-depth") == "sub/tiny-depth"  # a path is never a name
    assert resolve("./tiny-requires") == "./tiny-requires"
    assert resolve("x" * 5000) == "x" * 5000  # too long a name for the file system
    assert resolve("liaoning-budget-minus-20") == "liaoning-budget-minus-20"  # not an instance


def test_list_names_every_example_with_its_kind() -> None:
    result = CliRunner().invoke(main, ["example", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines] == [[e.name, e.kind] for e in EXAMPLES.values()]


def test_example_writes_the_file_and_never_overwrites_silently(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    run = CliRunner().invoke
    result = run(main, ["example", "liaoning-2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (ROOT / SOURCES["liaoning-2023"]).read_bytes()
    out.write_text("mine\n")
    result = run(main, ["example", "tiny-depth", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == f"error: {out}: exists; pass --force to replace it\n"
    assert out.read_text() == "mine\n"
    result = run(main, ["example", "tiny-depth", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (ROOT / SOURCES["tiny-depth"]).read_bytes()


def test_example_without_out_prints_it() -> None:
    result = CliRunner().invoke(main, ["example", "liaoning-teu-plus-10"])
    assert result.exit_code == 0
    assert result.output == (ROOT / SOURCES["liaoning-teu-plus-10"]).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["liaon"], "error: no example named 'liaon' (did you mean 'liaoning-2023'?); "),
        (["tiny-dept"], "error: no example named 'tiny-dept' (did you mean 'tiny-depth'?); "),
        ([], "error: give an example NAME, or --list to see them"),
        (["--list", "tiny-depth"], "error: --list takes no NAME and no --out"),
    ],
)
def test_example_usage_errors_are_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["example", *args])
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert len(result.output.splitlines()) == 1


def test_solve_and_check_take_an_example_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["solve", "tiny-depth", "--out", "plan"])
    assert result.exit_code == 0, result.output
    assert "status: optimal" in result.output
    assert berthplan.read_plan("plan").objective == pytest.approx(225.0)  # the file's hand optimum
    result = CliRunner().invoke(main, ["check", "tiny-depth", "plan"])
    assert result.exit_code == 0, result.output


def test_a_missing_name_is_still_no_such_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "liaoning-2024"])
    assert result.exit_code == 2
    assert "liaoning-2024: no such file" in result.output


def test_the_wheel_ships_every_example(tmp_path: Path) -> None:
    # Built from a copy of what the wheel needs (links kept as links), so the checkout gets no
    # build/ folder and concurrent runs do not meet.
    src = tmp_path / "src"
    for part in ("berthplan", "instances", "scenarios", "tests/data/uncertainty"):
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        shutil.copytree(ROOT / part, src / part, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", "dist"]
    subprocess.run(command, check=True, env=env, cwd=tmp_path, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("berthplan-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        shipped = {n for n in names if n.startswith("berthplan/examples/")}
        assert shipped == {f"berthplan/examples/{n}.yaml" for n in SOURCES}
        for name, source in SOURCES.items():
            assert z.read(f"berthplan/examples/{name}.yaml") == (ROOT / source).read_bytes()
        assert "berthplan/model/examples.py" in names
        assert any(n.startswith("berthplan/solvers/") and n.endswith(".toml") for n in names)

"""Only regular files within the size cap are read: a pipe, a device or a huge file is refused
at once with a located message (exit 2), never blocks or fills memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
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

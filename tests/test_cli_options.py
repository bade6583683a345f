"""Numeric options refuse NaN and infinity (solve.json stays strict JSON); folders follow the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from berthplan.cli import main

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.mark.parametrize(
    "args",
    [
        ["solve", str(EXAMPLE), "--gap", "nan"],
        ["solve", str(EXAMPLE), "--gap", "inf"],
        ["solve", str(EXAMPLE), "--time-limit", "nan"],
        ["solve", str(EXAMPLE), "--time-limit", "inf"],
        ["queue", "M/M/n", "--berths", "2", "--occupancy", "nan"],
        ["queue", "M/M/n", "--berths", "2", "--max-wait-ratio", "inf"],
    ],
)
def test_non_finite_numbers_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    extra = ["--out", str(out)] if args[0] == "solve" else []
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 2, result.output
    assert "is not a finite number" in result.output or "not in the range" in result.output
    assert not out.exists()


def test_plan_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "plan"
        result = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--out", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "kpis.csv").stat().st_mode) == 0o644

"""Exit codes of `berthplan solve` that a real solver rarely produces on demand: a fake backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from berthplan import backends
from berthplan.backends.base import Capabilities, Options, Result, Status
from berthplan.cli import main
from berthplan.optimization.sparse import Arrays

EXAMPLE = Path(__file__).resolve().parent.parent / "instances" / "example.yaml"


class Fake:
    """A backend that answers with a fixed status and no plan."""

    capabilities = Capabilities()

    def __init__(self, status: Status) -> None:
        self.name = f"fake:{status.value}"
        self.status = status

    def available(self) -> tuple[bool, str]:
        return True, ""

    def version(self) -> str:
        return "fake 0"

    def solve(self, model: Arrays, options: Options) -> Result:
        return Result(self.status, message="the fake solver stopped")


@pytest.mark.parametrize("status", [Status.NO_SOLUTION, Status.ERROR, Status.UNBOUNDED])
def test_no_plan_exits_4_and_writes_nothing(
    status: Status, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"fake:{status.value}"
    monkeypatch.setitem(backends.REGISTRY, name, lambda: Fake(status))
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--out", str(out), "--solver", name])
    assert result.exit_code == 4, result.output
    assert f"{name}: {status.value}" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []

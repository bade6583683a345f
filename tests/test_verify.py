"""No plan is reported unless it passes the independent checker (reliability issue, class 1).

Numbers the solver cannot represent used to make HiGHS drop the model and "solve" an empty one,
which was then written as an optimal plan. Now the backend reads ``passModel``'s status, and
every plan is checked by :mod:`berthplan.checker` before :func:`berthplan.solve` returns it: a
failed check is a solver error (exit 4) and nothing is written.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import berthplan
from berthplan.cli import main
from berthplan.optimization.solve import SolveError, verify
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


def variant(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "attack.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def huge_capex(d: dict[str, Any]) -> None:
    for p in d["projects"]:
        p["capex"] = 4e15
    for b in d.get("budget", []):
        b["capex"] = 1e16


def huge_tons_per_teu(d: dict[str, Any]) -> None:
    d["tons_per_teu"] = 1e300


def huge_count(d: dict[str, Any]) -> None:
    d["routes"][0]["count"] = 2**64


def explosive_growth(d: dict[str, Any]) -> None:
    d["horizon"]["end"] = 2100
    for r in d["routes"]:
        for c in r["calls"]:
            c["growth"] = 5.0


@pytest.mark.parametrize("change", [huge_capex, huge_tons_per_teu, huge_count, explosive_growth])
def test_unrepresentable_numbers_never_give_a_plan(tmp_path: Path, change: Any) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["solve", str(variant(tmp_path, change)), "--out", str(out)])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_verify_rejects_a_plan_that_breaks_a_hard_constraint() -> None:
    inst = berthplan.load(EXAMPLE)
    good = berthplan.solve(inst)
    verify(good, "highs")  # a correct plan passes
    # skip every committed project: the results layer computes it, the checker rejects it
    skipped = dict.fromkeys(good.decisions.starts)
    bad = Plan(inst, Decisions(skipped, dict(good.decisions.opens)), copy.copy(good.info))
    with pytest.raises(SolveError, match="fails the independent check"):
        verify(bad, "highs")

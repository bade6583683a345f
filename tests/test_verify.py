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


def doubling_for_sixty_years(d: dict[str, Any]) -> None:
    # within every field's range, but 2^57 times a call's TEU by the last year
    d["horizon"]["end"] = 2080
    for r in d["routes"]:
        for c in r["calls"]:
            c["growth"] = 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (huge_capex, "capex: input should be less than or equal to 1000000000000"),
        (huge_tons_per_teu, "tons_per_teu: input should be less than or equal to 100"),
        (huge_count, "count: input should be less than or equal to 10000"),
        (explosive_growth, "growth: input should be less than or equal to 1"),
    ],
)
def test_unrepresentable_numbers_are_refused_at_validation(
    tmp_path: Path, change: Any, message: str
) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["solve", str(variant(tmp_path, change)), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "attack.yaml:" in result.output
    assert not out.exists()


def test_a_model_the_solver_refuses_never_gives_a_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    path = variant(tmp_path, doubling_for_sixty_years)
    result = CliRunner().invoke(main, ["solve", str(path), "--out", str(out)])
    assert result.exit_code == 4, result.output
    assert "HiGHS refused the model" in result.output
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

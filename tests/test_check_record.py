"""Tampering the checker used to miss: row order, display names, solve.json's record fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import berthplan
from berthplan.checker import check_plan, rules_record
from berthplan.model.instance import Instance

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Instance, Path]:
    inst = berthplan.load(EXAMPLE)
    folder = tmp_path_factory.mktemp("record") / "plan"
    berthplan.solve(inst).write(folder)
    assert check_plan(inst, folder).ok
    return inst, folder


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def edit_json(folder: Path, change: Any) -> None:
    data = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    change(data)
    (folder / "solve.json").write_text(json.dumps(data), encoding="utf-8")


def rules(inst: Instance, folder: Path) -> set[str]:
    return {v.rule for v in check_plan(inst, folder).violations}


def test_rows_out_of_instance_order(solved: tuple[Instance, Path], tmp_path: Path) -> None:
    inst, folder = solved
    bad = copy(folder, tmp_path / "bad")
    df = pd.read_csv(bad / "projects.csv", dtype=str, keep_default_na=False)
    df.iloc[::-1].to_csv(bad / "projects.csv", index=False)
    assert "coverage" in rules(inst, bad)


@pytest.mark.parametrize(
    ("table", "column"), [("projects", "name"), ("routes", "name"), ("projects", "stage")]
)
def test_changed_labels(
    solved: tuple[Instance, Path], tmp_path: Path, table: str, column: str
) -> None:
    inst, folder = solved
    bad = copy(folder, tmp_path / "bad")
    df = pd.read_csv(bad / f"{table}.csv", dtype=str, keep_default_na=False)
    df.loc[0, column] = "something else"
    df.to_csv(bad / f"{table}.csv", index=False)
    assert f"{table[:-1]}_rows" in rules(inst, bad)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(status="great"),
        lambda d: d.update(instance=None),
        lambda d: d["instance"].update(money_unit="USD"),
        lambda d: d["instance"].update(price_year=1999),
        lambda d: d["instance"].pop("hash"),
        lambda d: d.update(best_bound=d["solver_objective"] * 1.01 + 1),
        lambda d: d.update(gap=0.5),
    ],
    ids=["status", "instance-null", "money-unit", "price-year", "no-hash", "bound-above", "gap"],
)
def test_solve_json_fields(solved: tuple[Instance, Path], tmp_path: Path, change: Any) -> None:
    inst, folder = solved
    bad = copy(folder, tmp_path / "bad")
    edit_json(bad, change)
    assert "record" in rules(inst, bad)


# -- the record rule's tolerances, edge by edge ----------------------------------------------
# solve.json alone decides these, so the rule's bound check is called on a bare record. The
# slack for a bound is BOUND_TOL x max(1, |objective|); a gap is |objective - bound| /
# max(1, |objective|) (the backends' convention), reported within 1e-6 + 1e-6 x gap; optimal
# allows the gap asked + 1e-6 + 1e-9 x gap.


def bound_messages(**solve: Any) -> list[str]:
    return [str(v) for v in rules_record._bound(solve)]


def test_a_cost_below_one_is_measured_against_one() -> None:
    # objective 0.5, bound 0: the gap is 0.5 / max(1, 0.5) = 0.5, beyond the 0.3 asked.
    found = bound_messages(
        status="optimal", solver_objective=0.5, best_bound=0.0, gap=0.5, options={"gap": 0.3}
    )
    assert found == [
        "record: solve.json:status: expected a gap within 0.3 for optimal (bound 0), found"
        " optimal at gap 0.5"
    ]


def test_a_gap_exactly_at_the_gap_asked_is_optimal() -> None:
    # (100 - 99) / 100 = 0.01 = 0.00999899999 + 1e-6 + 1e-9 x 0.01 in floating point, exactly.
    asked = 0.00999899999
    assert asked + 1e-6 + 1e-9 * 0.01 == 0.01
    solve = {"status": "optimal", "solver_objective": 100.0, "best_bound": 99.0}
    assert bound_messages(**solve, gap=0.01, options={"gap": asked}) == []
    # half the relative term's width further, and the gap is beyond what optimal allows
    tighter = 0.01 - 1e-6 - 0.5e-9 * 0.01 - 1e-9 * 0.01
    assert bound_messages(**solve, options={"gap": tighter}) != []
    assert bound_messages(**solve, options={"gap": 0.01 - 1e-6 - 0.5e-9 * 0.01}) == []


def test_a_bound_above_the_cost_within_its_slack() -> None:
    objective = 1000.0  # slack 1e-6 x 1000 = 1e-3
    assert bound_messages(solver_objective=objective, best_bound=objective + 0.5e-3) == []
    assert bound_messages(solver_objective=objective, best_bound=objective + 2e-3) != []
    # below a cost of 1 the slack is 1e-6: exactly at it passes, 1.5e-6 above does not
    edge = 0.5 + rules_record.BOUND_TOL * 1.0
    assert bound_messages(solver_objective=0.5, best_bound=edge) == []
    assert bound_messages(solver_objective=0.5, best_bound=0.5 + 1.5e-6) == [
        "record: solve.json:best_bound: expected <= 0.5 (a lower bound), found 0.500001"
    ]


def test_a_reported_gap_within_its_tolerance() -> None:
    # cost 1, bound 1: gap 0, tolerance exactly 1e-6
    assert bound_messages(solver_objective=1.0, best_bound=1.0, gap=1e-6) == []
    assert bound_messages(solver_objective=1.0, best_bound=1.0, gap=2e-6) != []
    # cost 1, bound 0: gap 1, tolerance 1e-6 + 1e-6 x 1
    assert bound_messages(solver_objective=1.0, best_bound=0.0, gap=1.0 + 1.5e-6) == []
    assert bound_messages(solver_objective=1.0, best_bound=0.0, gap=1.0 + 3e-6) != []


def test_a_gap_without_a_bound_is_any_number_from_zero() -> None:
    assert bound_messages(gap=0.0) == bound_messages(gap=0.5) == []
    assert bound_messages(gap=-1e-9) == ["record: solve.json:gap: expected >= 0, found -1e-09"]

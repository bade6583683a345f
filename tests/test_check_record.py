"""Tampering the checker used to miss: row order, display names, solve.json's record fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import berthplan
from berthplan.checker import check_plan
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

"""End-of-horizon residual value (issue 14, item 6): solved by hand, recomputed, checked.

``tests/data/residual/choice.yaml``: horizon 2023-2026, discount rate 10 %, so the credit of
the year after the horizon is discounted by 1.1 ** -4. A (capex 100, life 5) and B (capex
120, life 50) are exclusive ways to meet the 2024 target, both starting in 2023 and in service
from 2024: three years of service by the end of 2026. The ongoing project O (capex 90, 60 sunk
in 2021-2022, 30 in 2023, default life 50) and the new project C (capex 60 over 2026-2027,
life 20) are committed.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import berthplan
from berthplan.checker import check_plan
from berthplan.model.instance import residual_value
from berthplan.model.io import load
from berthplan.optimization.formulation import build

DATA = Path(__file__).parent / "data" / "residual" / "choice.yaml"
LIAONING = Path(__file__).parent.parent / "instances" / "liaoning-2023.yaml"
D2027 = 1.1**-4
C_CAPEX = 30 / 1.1**3 + 30 * D2027  # C: half in 2026, half in 2027 (after the horizon)


def _solve(on: bool) -> berthplan.Plan:
    inst = load(DATA).model_copy(update={"residual_value": on})
    return berthplan.solve(inst)


def test_hand_solved_optimum_with_the_credit() -> None:
    # A: 100 - 100 * (1 - 3/5) * d = 72.68; B: 120 - 120 * (1 - 3/50) * d = 42.96 -> B.
    # O is credited on its whole capex (sunk included): 90 * (1 - 3/50) = 84.6; C on the 30 it
    # spends by 2026, with all its life left (it is not in service before 2028).
    plan = _solve(True)
    expected = 120 + 30 + C_CAPEX - D2027 * (120 * 0.94 + 90 * 0.94 + 30)
    assert plan.decisions.starts == {"A": None, "B": 2023, "O": 2021, "C": 2026}
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    assert plan.info.solver_objective == pytest.approx(expected, rel=1e-9)
    projects = plan.tables["projects"].set_index("project_id")["residual_value"]
    assert projects.to_dict() == pytest.approx({"A": 0.0, "B": 112.8, "O": 84.6, "C": 30.0})
    assert plan.summary()["breakdown"]["residual_value"] == pytest.approx(-D2027 * 227.4)


def test_hand_solved_optimum_without_the_credit() -> None:
    plan = _solve(False)
    assert plan.decisions.starts["A"] == 2023 and plan.decisions.starts["B"] is None
    assert plan.objective == pytest.approx(100 + 30 + C_CAPEX, rel=1e-9)
    assert plan.info.solver_objective == pytest.approx(100 + 30 + C_CAPEX, rel=1e-9)
    assert "residual_value" not in plan.tables["kpis"].columns
    assert "residual_value" not in plan.tables["projects"].columns
    assert "residual_value" not in plan.summary()["breakdown"]


def test_checker_recomputes_the_credit(tmp_path: Path) -> None:
    plan = _solve(True)
    folder = plan.write(tmp_path / "plan")
    assert not check_plan(plan.instance, folder).violations
    # the same tables against the instance without the switch: the credit is not allowed
    off = plan.instance.model_copy(update={"residual_value": False})
    found = {v.rule for v in check_plan(off, folder).violations}
    assert {"kpis", "objective"} <= found


def test_straight_line_value() -> None:
    inst = load(DATA)
    a, c = inst.project_by_id["A"], inst.project_by_id["C"]
    assert residual_value(a, 2023, 2026) == pytest.approx(40.0)  # 3 of 5 years used
    assert residual_value(a, 2023, 2030) == 0.0  # life used up: never negative
    assert residual_value(c, 2026, 2026) == pytest.approx(30.0)  # post-horizon capex: no credit


def test_credit_never_exceeds_the_discounted_capex() -> None:
    # every start column of Liaoning still costs more than nothing: no plan profits from
    # building at the end of the horizon (ongoing projects, whose credit counts their sunk
    # spend, are fixed: their column is a constant)
    inst = load(LIAONING).model_copy(update={"residual_value": True})
    built = build(inst)
    arrays = built.model.arrays()
    xj, _ = built.sets.x_cols
    checked = 0
    for k, col in enumerate(built.x.cols):
        p = built.sets.projects[xj[k]]
        if p.capex > 0 and p.stage != "ongoing":
            assert arrays.c[col] > 0, p.id
            checked += 1
    assert checked > 100 and math.isfinite(float(arrays.c.sum()))


def test_off_by_default_and_hash_unchanged() -> None:
    inst = load(DATA).model_copy(update={"residual_value": False})
    plain = load(LIAONING)
    assert not plain.residual_value
    assert all(p.economic_life is None for p in plain.projects)
    assert inst.canonical_hash() != load(DATA).canonical_hash()

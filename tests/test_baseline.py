"""The rule-of-thumb baseline (issue 14, item 5): a checked plan, never cheaper than the optimum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import invoke

import berthplan
from berthplan.analysis.baseline import Rule, baseline
from berthplan.checker import check_plan
from berthplan.model.io import load

ROOT = Path(__file__).parent.parent
TRIGGER = Path(__file__).parent / "data" / "baseline" / "trigger.yaml"
INSTANCES = [
    ROOT / "instances" / "example.yaml",
    ROOT / "instances" / "bench" / "small-0.yaml",
    ROOT / "instances" / "liaoning-2023.yaml",
]


def test_rule_choice_known_by_hand() -> None:
    # tests/data/baseline/trigger.yaml explains the numbers
    plan = baseline(load(TRIGGER))
    assert plan.decisions.starts == {"X": None, "Y": 2023}
    assert plan.status == "feasible"
    assert plan.objective == pytest.approx(150.0)
    assert plan.info.log.splitlines() == [
        "2023: start Y (a1/dry_bulk: utilisation 1.000 > 0.9 in 2024)"
    ]


def test_a_higher_trigger_builds_later() -> None:
    # 1.0 in 2024 no longer passes 1.05; 12 / 10 in 2025 does, so Y starts in 2024
    plan = baseline(load(TRIGGER), Rule(trigger_utilization=1.05))
    assert plan.decisions.starts == {"X": None, "Y": 2024}
    assert plan.objective == pytest.approx(150.0 / 1.05)


def test_optimum_on_the_hand_made_instance() -> None:
    # the optimum meets the 12 Mt target just in time with the smaller project
    plan = berthplan.solve(load(TRIGGER))
    assert plan.decisions.starts == {"X": 2025, "Y": None}
    assert plan.objective == pytest.approx(100.0 / 1.05**2)


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_baseline_passes_check_and_costs_at_least_the_optimum(path: Path, tmp_path: Path) -> None:
    inst = load(path)
    plan = baseline(inst)
    report = check_plan(inst, plan.write(tmp_path / "plan"))
    assert not report.violations, report.violations[:3]
    assert plan.status in ("feasible", "infeasible")
    if plan.status == "feasible":  # a plan meeting every hard target: the optimum is no dearer
        optimum = berthplan.solve(inst)
        assert optimum.objective <= plan.objective * (1 + 1e-9)


def test_cli_writes_a_plan_folder(tmp_path: Path) -> None:
    out = tmp_path / "base"
    result = invoke("baseline", str(TRIGGER), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    record = json.loads((out / "solve.json").read_text())
    assert record["backend"] == "baseline" and record["status"] == "feasible"
    assert record["options"]["rule"] == "trigger"
    assert record["options"]["trigger_utilization"] == 0.9
    assert (out / "solver.log").read_text().startswith("2023: start Y")
    assert invoke("check", str(TRIGGER), str(out)).exit_code == 0


def test_cli_short_of_a_hard_target_exits_3(tmp_path: Path) -> None:
    out = tmp_path / "base"
    # demand is 14 Mt in 2026: a 30 Mt target is out of reach, the plan is the closest
    result = invoke(
        "baseline",
        str(TRIGGER),
        "--out",
        str(out),
        "--set",
        "targets[cargo_tons:2026].value=30000000",
    )
    assert result.exit_code == 3, result.output
    assert json.loads((out / "solve.json").read_text())["status"] == "infeasible"
    assert (
        invoke(
            "check", str(TRIGGER), str(out), "--set", "targets[cargo_tons:2026].value=30000000"
        ).exit_code
        == 0
    )


def test_cli_refuses_a_foreign_folder_and_bad_flags(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep")
    result = invoke("baseline", str(TRIGGER), "--out", str(tmp_path))
    assert result.exit_code == 2 and "refusing" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep"
    bad = invoke("baseline", str(TRIGGER), "--out", str(tmp_path / "x"), "--trigger-ws", "nan")
    assert bad.exit_code == 2 and not (tmp_path / "x").exists()

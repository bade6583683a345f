"""Re-planning from a year: no actuals at the horizon start gives the original plan; frozen
decisions never move; actuals (delay, overrun, demand, route volumes) are applied; bad actuals
exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import invoke

from berthplan.model.io import load

LIAONING = Path(__file__).parents[1] / "instances" / "liaoning-2023.yaml"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replan") / "plan"
    result = invoke("solve", str(LIAONING), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    return out


def _replan(plan: Path, out: Path, *args: str) -> None:
    result = invoke("replan", str(LIAONING), str(plan), "--out", str(out), *args)
    assert result.exit_code == 0, result.output


def test_replan_at_the_horizon_start_is_the_original_plan(plan: Path, tmp_path: Path) -> None:
    _replan(plan, tmp_path / "r", "--year", "2023")
    for name in ("projects.csv", "routes.csv", "kpis.csv", "spend.csv", "targets.csv"):
        assert (tmp_path / "r" / name).read_bytes() == (plan / name).read_bytes(), name
    checked = invoke("check", str(tmp_path / "r" / "instance.yaml"), str(tmp_path / "r"))
    assert checked.exit_code == 0, checked.output


def test_replan_with_actuals_keeps_every_frozen_decision(plan: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "actuals.yaml"
    actuals.write_text(
        "projects: [{id: yk-xrd-lng, delay: 2, capex_factor: 1.2}]\n"
        "routes: [{id: dl-deep-sea, factor: 0.8}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "r"
    _replan(plan, out, "--year", "2025", "--actuals", str(actuals))
    checked = invoke("check", str(out / "instance.yaml"), str(out))
    assert checked.exit_code == 0, checked.output
    before = {
        str(r["project_id"]): r for r in pd.read_csv(plan / "projects.csv").to_dict("records")
    }
    after = {str(r["project_id"]): r for r in pd.read_csv(out / "projects.csv").to_dict("records")}
    rolled = yaml.safe_load((out / "instance.yaml").read_text(encoding="utf-8"))
    berths = {b["id"].split("#")[0] for b in rolled.get("berths", [])}
    adds = {p.id: p.adds for p in load(LIAONING).projects}
    for pid, row in before.items():
        if pd.notna(row["start_year"]) and row["start_year"] < 2025:
            if pid in after:  # still under construction: same start
                assert after[pid]["start_year"] == row["start_year"], pid
            else:  # in service by 2025: now existing berths (if it adds any)
                assert pid in berths or not adds[pid], pid
    compared = invoke("compare", str(plan), str(out))
    assert compared.exit_code == 0, compared.output
    # frozen decisions are no change (now existing berths or routes); the delay is
    assert "dropped" not in compared.output and "changed, was open" not in compared.output
    assert "yk-xrd-lng (Yingkou Xianrendao LNG terminal): rescheduled" in compared.output
    lng, was = after["yk-xrd-lng"], before["yk-xrd-lng"]
    assert lng["in_service_year"] == was["in_service_year"] + 2
    assert lng["capex"] == pytest.approx(1.2 * was["capex"])
    assert rolled["horizon"]["start"] == 2025
    assert all(t["year"] >= 2025 for t in rolled["targets"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("projects: [{id: nope, delay: 1}]\n", "projects[nope]: no such project"),
        ("projects: [{id: dl-dgs-ore-300k, delay: 1}]\n", "delayed but not started"),
        ("projects: [{id: dl-cx-crude-100k, delay: 1}]\n", "delayed but already in service"),
        ("routes: [{id: nope}]\n", "routes[nope]: no such route"),
        ("projects: [{id: yk-xrd-lng, delay: -1}]\n", "greater than or equal to 0"),
    ],
)
def test_bad_actuals_exit_2(plan: Path, tmp_path: Path, text: str, message: str) -> None:
    actuals = tmp_path / "a.yaml"
    actuals.write_text(text, encoding="utf-8")
    result = invoke(
        "replan", str(LIAONING), str(plan), "--year", "2025", "--actuals", str(actuals),
        "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "r").exists()


def test_year_outside_the_horizon_exits_2(plan: Path, tmp_path: Path) -> None:
    result = invoke(
        "replan", str(LIAONING), str(plan), "--year", "2040", "--out", str(tmp_path / "r")
    )
    assert result.exit_code == 2 and "outside the horizon" in result.output


TINY = Path(__file__).parent / "data" / "uncertainty" / "tiny-two-stage.yaml"


@pytest.mark.parametrize(("foresight", "cost"), [(1, 240.0), (2, 100.0), (3, 100.0)])
def test_rolling_horizon_by_hand(tmp_path: Path, foresight: int, cost: float) -> None:
    # tiny-two-stage (base demand: 1 Mt in 2031 and 2032, 120 per Mt unserved). Seeing one
    # year, 2030 shows no demand and `early` (100, in service 2031) no use; 2031 shows `late`
    # (60, in service 2032) no use: nothing is built, 2 x 120 unserved = 240. Seeing two
    # years, 2030-31 shows `early` saving 120 for 100: built; then nothing more: 100, the
    # optimum, which three years (the whole horizon) also find.
    plan = tmp_path / "plan"
    assert invoke("solve", str(TINY), "--out", str(plan)).exit_code == 0
    out = tmp_path / "rolled"
    result = invoke(
        "replan", str(TINY), str(plan), "--year", "2030", "--foresight", str(foresight),
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert record["objective"] == pytest.approx(cost, abs=1e-9)
    assert [s["year"] for s in record["replan"]["steps"]] == [2030, 2031, 2032]
    checked = invoke("check", str(out / "instance.yaml"), str(out))
    assert checked.exit_code == 0, checked.output


def test_full_foresight_rolls_to_the_optimum(plan: Path, tmp_path: Path) -> None:
    result = invoke(
        "replan", str(LIAONING), str(plan), "--year", "2023", "--foresight", "8",
        "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rolled = json.loads((tmp_path / "r" / "solve.json").read_text(encoding="utf-8"))
    solved = json.loads((plan / "solve.json").read_text(encoding="utf-8"))
    assert rolled["objective"] == pytest.approx(solved["objective"], rel=1e-9)

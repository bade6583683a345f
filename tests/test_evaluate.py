"""Out-of-sample evaluation: one scenario equals a solve with the plan's decisions forced,
weighted percentiles, resume, and the Dask executor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import DATA, invoke
from test_sweep import _gone, _session

from berthplan.analysis.evaluate import percentiles, plan_commitment, weighted_quantile
from berthplan.model.io import load
from berthplan.model.scenario import Scenario, apply
from berthplan.model.uncertainty import load_uncertainty, scenario_instance
from berthplan.optimization.solve import solve

UNC = DATA / "uncertainty"
TINY = UNC / "tiny-two-stage.yaml"
LOW_HIGH = UNC / "tiny-two-stage.unc.yaml"


def _plan(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "plan"
    result = invoke("solve", str(TINY), "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return out


def _evaluate(tmp_path: Path, plan: Path, name: str, *args: str) -> pd.DataFrame:
    out = tmp_path / name
    result = invoke(
        "evaluate", str(TINY), str(plan), "--uncertainty", str(LOW_HIGH), "--out", str(out),
        "--no-progress", "--workers", "1", *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "evaluation.csv")


def test_fixed_plan_costs_match_hand_values(tmp_path: Path) -> None:
    # tiny-two-stage's deterministic optimum (base = high demand): `early` (100) beats `late`
    # (60 + 120 unserved in 2031 = 180). Fixed, it costs 100 in low and high alike.
    plan = _plan(tmp_path)
    rows = _evaluate(tmp_path, plan, "ev")
    assert rows["scenario"].tolist() == ["low", "high"]
    assert rows["status"].tolist() == ["feasible", "feasible"]
    assert rows["cost"].tolist() == pytest.approx([100.0, 100.0])
    assert rows["capex"].tolist() == pytest.approx([100.0, 100.0])
    p = pd.read_csv(tmp_path / "ev" / "percentiles.csv").set_index("measure")
    assert p.loc["cost", "mean"] == pytest.approx(100.0)
    assert (tmp_path / "ev" / "cost.png").read_bytes()[:4] == b"\x89PNG"


def test_one_scenario_equals_solve_with_the_decisions_forced(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    rows = _evaluate(tmp_path, plan, "ev", "--commit-years", "1").set_index("scenario")
    base = load(TINY)
    unc = load_uncertainty(LOW_HIGH, base)
    commit = plan_commitment(plan, 2031)
    assert commit.starts == {"early": 2030}
    for s in unc.scenarios:
        forced = solve(apply(scenario_instance(base, s, {}), Scenario(commit=commit)))
        assert rows.loc[s.id, "cost"] == pytest.approx(forced.objective, abs=1e-6)
        assert rows.loc[s.id, "status"] == forced.status


def test_resume_and_refusal(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    args = ("--chunk-size", "1")
    first = _evaluate(tmp_path, plan, "ev", *args)
    (tmp_path / "ev" / "evaluation.csv").unlink()
    again = invoke(
        "evaluate", str(TINY), str(plan), "--uncertainty", str(LOW_HIGH), "--out",
        str(tmp_path / "ev"), "--no-progress", *args,
    )  # fmt: skip
    assert again.exit_code == 0 and "(2 chunks resumed)" in again.output
    assert pd.read_csv(tmp_path / "ev" / "evaluation.csv").equals(first)
    other = invoke(
        "evaluate", str(TINY), str(plan), "--uncertainty", str(LOW_HIGH), "--out",
        str(tmp_path / "ev"), "--no-progress", "--commit-years", "1",
    )  # fmt: skip
    assert other.exit_code == 2 and "other inputs" in other.output


def test_weighted_quantiles_by_hand() -> None:
    v, p = np.array([30.0, 10.0, 20.0]), np.array([0.2, 0.5, 0.3])
    # sorted: 10 (cum 0.5), 20 (0.8), 30 (1.0)
    assert weighted_quantile(v, p, 0.05) == 10.0
    assert weighted_quantile(v, p, 0.5) == 10.0
    assert weighted_quantile(v, p, 0.51) == 20.0
    assert weighted_quantile(v, p, 0.95) == 30.0
    rows = pd.DataFrame({"probability": p, "status": "optimal", "cost": v})
    for m in ("capex", "opex", "route_cost", "penalties", "waiting_cost", "max_wait_ratio"):
        rows[m] = 0.0
    for m in ("cargo_tons", "container_teu", "berths_10k", "new_routes"):
        rows[f"shortfall_{m}"] = 0.0
    rows["wait_hours"] = 0.0
    cost = percentiles(rows).set_index("measure").loc["cost"]
    assert cost["mean"] == pytest.approx(0.2 * 30 + 0.5 * 10 + 0.3 * 20)
    assert (cost["p50"], cost["min"], cost["max"]) == (10.0, 10.0, 30.0)


def test_dask_executor_gives_the_same_rows(tmp_path: Path) -> None:
    # the dev extra installs Dask: a missing one is a failure here, not a skip
    plan = _plan(tmp_path)
    local = _evaluate(tmp_path, plan, "local", "--chunk-size", "1")
    dask = invoke(
        "evaluate", str(TINY), str(plan), "--uncertainty", str(LOW_HIGH), "--out",
        str(tmp_path / "dask"), "--no-progress", "--executor", "dask", "--workers", "1",
        "--chunk-size", "1",
    )  # fmt: skip
    assert dask.exit_code == 0, dask.output
    assert pd.read_csv(tmp_path / "dask" / "evaluation.csv").equals(local)


LIAONING = Path(__file__).parents[1] / "instances" / "liaoning-2023.yaml"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_evaluation(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    assert invoke("solve", str(LIAONING), "--out", str(plan), "--quiet").exit_code == 0
    unc = tmp_path / "u.yaml"
    args = ("uncertainty", "sample", str(LIAONING), "--scenarios", "40", "--out", str(unc))
    assert invoke(*args, "--target-penalty", "cargo_tons=0.0001").exit_code == 0
    out = tmp_path / "ev"
    command = [sys.executable, "-m", "berthplan", "evaluate", str(LIAONING), str(plan)]
    command += ["--uncertainty", str(unc), "--out", str(out), "--commit-years", "2"]
    command += ["--workers", "2", "--chunk-size", "10", "--no-progress"]
    proc = subprocess.Popen(command, start_new_session=True, text=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_session(proc.pid)) < 3 and time.monotonic() < deadline:  # parent, server, worker
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are solving recourses
    assert len(_session(proc.pid)) >= 3
    os.kill(proc.pid, signal.SIGKILL)  # the evaluation only: its workers are on their own
    proc.communicate()
    assert _gone(proc.pid, within=3), "workers outlived the evaluation"
    parts = sorted((out / "parts").glob("part-*.csv"))
    time.sleep(1.0)
    assert sorted((out / "parts").glob("part-*.csv")) == parts  # nobody writes on
    assert not (out / "evaluation.csv").exists()

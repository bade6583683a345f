"""A sweep worker's path (analysis.batch.solve_task: base loaded and built once, plan folder
checked before its rename) writes the plan folders of the path from the files alone
(solve_one: load, apply, solve, verify, write), byte for byte but for the run's times."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from berthplan.analysis import batch
from berthplan.analysis.batch import BASELINE, Outcome, Task, solve_batch, solve_one, solve_task
from berthplan.model.io import load
from berthplan.optimization.solve import SolveError, solve

LIAONING = str(Path(batch.__file__).parent.parent / "examples" / "liaoning-2023.yaml")
RUN_SPECIFIC = {"wall_time_s", "timings_s"}
"""solve.json's fields that differ from run to run (solver.log, with its times, is left out)."""

SCENARIOS: dict[str, dict[str, Any]] = {
    "targets": {"targets": [{"metric": "container_teu", "factor": 1.08, "years": [2026, 2030]}]},
    "budget": {"budget": {"factor": 0.85, "years": [2026, 2030]}},
    "costs": {"costs": {"capex": 1.2, "opex": 0.9, "routes": 1.1}},
    "discount": {"discount_rate": 0.03},
    "structural": {"fix_start": {"yk-bq-basin-17m": 2027}},
    "overspent": {"budget": {"factor": 0.5, "years": [2023, 2023]}},
    "unreachable": {"targets": [{"metric": "berths_10k", "year": 2023, "value": 400}]},
    "invalid": {"set": {"projects[dl-tpw-ph1].duration": 0}},
    "unknown-id": {"force": ["nosuch"]},
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("scenarios")
    out = {}
    for name, data in SCENARIOS.items():
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        out[name] = str(path)
    return out


def _folder(path: Path) -> dict[str, Any]:
    """A plan folder's files: CSV bytes, and solve.json without the run's times."""
    out: dict[str, Any] = {p.name: p.read_bytes() for p in sorted(path.glob("*.csv"))}
    info = json.loads((path / "solve.json").read_text(encoding="utf-8"))
    out["solve.json"] = {k: v for k, v in info.items() if k not in RUN_SPECIFIC}
    return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_worker_path_writes_what_solve_one_writes(
    name: str, files: dict[str, str], tmp_path: Path
) -> None:
    old = solve_one(Task(name, LIAONING, files[name], str(tmp_path / "old" / name)))
    new = solve_task(Task(name, LIAONING, files[name], str(tmp_path / "new" / name)))
    assert new == old
    written = (tmp_path / "old" / name / "solve.json").is_file()
    assert (tmp_path / "new" / name / "solve.json").is_file() == written
    assert written == (not old.message)  # a plan, or the closest plan of an infeasible one
    assert written == (name not in ("overspent", "invalid", "unknown-id"))
    if written:
        assert _folder(tmp_path / "new" / name) == _folder(tmp_path / "old" / name)
    assert not list((tmp_path / "new").glob(".*"))  # no temporary folder left


def test_failures_are_those_of_solve_one(files: dict[str, str], tmp_path: Path) -> None:
    outcomes = solve_batch(
        [Task(n, LIAONING, files[n], str(tmp_path / n)) for n in ("overspent", "invalid")]
    )
    assert [o.status for o in outcomes] == ["infeasible", "error"]
    assert "committed projects alone spend" in outcomes[0].message
    assert "duration" in outcomes[1].message
    missing = Task("m", str(tmp_path / "missing.yaml"), files["budget"], str(tmp_path / "m"))
    assert solve_task(missing).status == "error"
    assert solve_task(missing).message == solve_one(missing).message


def test_the_baseline_is_the_base_instance_solved(tmp_path: Path) -> None:
    outcome = solve_task(Task(BASELINE, LIAONING, None, str(tmp_path / BASELINE)))
    assert outcome == Outcome(BASELINE, "optimal")
    info = json.loads((tmp_path / BASELINE / "solve.json").read_text(encoding="utf-8"))
    base = load(LIAONING)
    assert info["instance"]["overrides"] == []
    assert info["instance"]["hash"] == info["instance"]["base_hash"] == base.canonical_hash()
    assert info["objective"] == pytest.approx(solve(base, "highs", threads=1).objective, abs=0)


def test_a_plan_failing_the_check_is_never_written(tmp_path: Path) -> None:
    plan = solve(load(LIAONING), "highs", threads=1)
    committed = next(p.id for p in plan.instance.projects if p.committed)
    plan.decisions.starts[committed] = None  # a committed project left unbuilt
    for cached in ("tables", "kpis"):
        plan.__dict__.pop(cached, None)
    plan._outcome = type(plan.outcome)(plan.outcome.s, plan.decisions)
    with pytest.raises(SolveError, match="fails the independent check"):
        batch.write_checked(plan, tmp_path / "plan")
    assert os.listdir(tmp_path) == []


def test_a_worker_loads_the_base_again_when_the_file_changed(
    tmp_path: Path, files: dict[str, str]
) -> None:
    copy = tmp_path / "instance.yaml"
    copy.write_text(Path(LIAONING).read_text(encoding="utf-8"), encoding="utf-8")
    first = batch.base_of(Task("a", str(copy), files["budget"], "", base_hash="x"))
    assert batch.base_of(Task("a", str(copy), files["budget"], "", base_hash=first.hash)) is first
    text = copy.read_text(encoding="utf-8").replace("discount_rate: 0.06", "discount_rate: 0.05")
    copy.write_text(text, encoding="utf-8")
    edited = load(copy).canonical_hash()
    again = batch.base_of(Task("a", str(copy), files["budget"], "", base_hash=edited))
    assert again is not first and again.hash == edited
    assert again.instance.discount_rate == 0.05


def test_a_warm_started_worker_writes_a_checked_plan_of_the_same_cost(
    files: dict[str, str], tmp_path: Path
) -> None:
    import dataclasses

    from berthplan.backends import Options

    if "start" not in {f.name for f in dataclasses.fields(Options)}:
        pytest.skip("the backends take no start yet")
    old = solve_one(Task("costs", LIAONING, files["costs"], str(tmp_path / "old")))
    task = Task("costs", LIAONING, files["costs"], str(tmp_path / "new"), warm_start=True)
    assert solve_task(task) == old
    objective = [
        json.loads((tmp_path / d / "solve.json").read_text(encoding="utf-8"))["objective"]
        for d in ("old", "new")
    ]
    assert objective[1] == pytest.approx(objective[0], rel=1e-9)

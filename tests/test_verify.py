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


# -- tampered solve.json: every case caught (exit 1 with the field, or exit 2 unreadable) ----------


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "plan"
    berthplan.solve(berthplan.load(EXAMPLE)).write(out)
    return out


def _tampered(plan_folder: Path, tmp_path: Path, edit: Any) -> tuple[int, str]:
    import json
    import shutil

    folder = tmp_path / "plan"
    shutil.copytree(plan_folder, folder)
    path = folder / "solve.json"
    text = path.read_text(encoding="utf-8")
    edited = edit(text)
    if isinstance(edited, dict):
        edited = json.dumps(edited)
    path.write_text(edited, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _set(key: str, value: Any) -> Any:
    import json

    def edit(text: str) -> dict[str, Any]:
        data = json.loads(text)
        data[key] = value
        return dict(data)

    return edit


@pytest.mark.parametrize(
    ("edit", "code", "says"),
    [
        (_set("best_bound", float("inf")), 1, "solve.json:best_bound: expected a finite number"),
        (_set("best_bound", float("-inf")), 1, "solve.json:best_bound: expected a finite number"),
        (_set("gap", float("nan")), 1, "solve.json:gap: expected a finite number"),
        (_set("solver_objective", "12"), 1, "solve.json:solver_objective: expected a finite"),
        (_set("objective", int("9" * 40)), 1, "solve.json:objective"),
        (lambda t: t.replace('"status"', '"status": "optimal", "status"', 1), 2, "duplicate key"),
        (lambda t: t[:-2] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}", 2, "nested too deep"),
        (lambda t: t.replace('"wall_time_s": ', '"wall_time_s": ' + "9" * 5000 + ', "w": '),
         0, "plan ok"),  # a record nothing can recompute: read, never converted
        (lambda t: t.replace("{", '{"a\x01b": 1, ', 1), 2, "cannot read JSON"),
    ],
)  # fmt: skip
def test_a_tampered_record_is_caught(
    plan_folder: Path, tmp_path: Path, edit: Any, code: int, says: str
) -> None:
    found, output = _tampered(plan_folder, tmp_path, edit)
    assert found == code and says in output, output


def test_optimal_beyond_its_asked_gap_is_a_violation(plan_folder: Path, tmp_path: Path) -> None:
    import json

    def edit(text: str) -> dict[str, Any]:
        data = dict(json.loads(text))
        data["best_bound"] = data["solver_objective"] * 0.9
        data["gap"] = 0.1
        return data

    code, output = _tampered(plan_folder, tmp_path, edit)
    assert code == 1 and "solve.json:status: expected a gap within 0 for optimal" in output

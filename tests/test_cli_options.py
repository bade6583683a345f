"""Numeric options refuse NaN and infinity (solve.json stays strict JSON); folders follow the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from berthplan.cli import main

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.mark.parametrize(
    "args",
    [
        ["solve", str(EXAMPLE), "--gap", "nan"],
        ["solve", str(EXAMPLE), "--gap", "inf"],
        ["solve", str(EXAMPLE), "--time-limit", "nan"],
        ["solve", str(EXAMPLE), "--time-limit", "inf"],
        ["queue", "M/M/n", "--berths", "2", "--occupancy", "nan"],
        ["queue", "M/M/n", "--berths", "2", "--max-wait-ratio", "inf"],
    ],
)
def test_non_finite_numbers_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    extra = ["--out", str(out)] if args[0] == "solve" else []
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 2, result.output
    assert "is not a finite number" in result.output or "not in the range" in result.output
    assert not out.exists()


def test_plan_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "plan"
        result = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--out", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "kpis.csv").stat().st_mode) == 0o644


# -- one output policy: check --out before any work, never overwrite silently -------------------


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("policy") / "plan"
    result = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _file_commands(plan: Path, out: Path) -> list[list[str]]:
    return [
        ["report", str(plan), "--out", str(out)],
        ["generate", "--size", "small", "--out", str(out)],
        ["export", str(EXAMPLE), "--format", "lp", "--out", str(out)],
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["report", "generate", "export"])
def test_an_existing_file_is_replaced_only_with_force(
    plan_dir: Path, tmp_path: Path, which: int
) -> None:
    out = tmp_path / "existing.txt"
    out.write_text("a user's file\n", encoding="utf-8")
    args = _file_commands(plan_dir, out)[which]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2, refused.output
    assert "exists; pass --force to replace it" in refused.output
    assert out.read_text(encoding="utf-8") == "a user's file\n"
    forced = CliRunner().invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8") != "a user's file\n"


def _foreign(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["solve", str(EXAMPLE), "--out", "{out}"],
        ["compare", "{plan}", "{plan}", "--out", "{out}"],
        ["plot", "{plan}", "--out", "{out}"],
        ["sweep", str(EXAMPLE), "--scenarios", "{plan}", "--out", "{out}"],
        [
            "frontier",
            str(EXAMPLE),
            "--metric",
            "berths_10k",
            "--year",
            "2026",
            "--from",
            "9",
            "--to",
            "10",
            "--steps",
            "2",
            "--out",
            "{out}",
        ],
    ],
    ids=["solve", "compare", "plot", "sweep", "frontier"],
)
def test_a_foreign_folder_is_refused_before_any_work(
    plan_dir: Path, tmp_path: Path, args: list[str]
) -> None:
    out = _foreign(tmp_path)
    filled = [a.format(out=out, plan=plan_dir) for a in args]
    result = CliRunner().invoke(main, filled)
    assert result.exit_code == 2, result.output
    assert "is not a" in result.output and "refusing to write into it" in result.output
    assert "baseline" not in result.output and "year" not in result.output  # no work shown
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_check_applies_the_overrides_solve_json_records(tmp_path: Path) -> None:
    scenario = tmp_path / "cheaper.yaml"
    scenario.write_text("costs: {capex: 0.9}\n", encoding="utf-8")
    out = tmp_path / "plan"
    args = ["solve", str(EXAMPLE), "--scenario", str(scenario), "--set", "discount_rate=0.07"]
    solved = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert solved.exit_code == 0, solved.output
    checked = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out)])
    assert checked.exit_code == 0, checked.output
    assert "checking with the overrides solve.json records" in checked.output
    # the overrides are rebuilt from their record: the scenario file is no longer needed
    scenario.unlink()
    moved = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out)])
    assert moved.exit_code == 0, moved.output
    # a tampered record rebuilds another instance: its hash is not the plan's
    record = out / "solve.json"
    text = record.read_text(encoding="utf-8")
    assert '"costs={\\"capex\\": 0.9' in text
    record.write_text(text.replace('\\"capex\\": 0.9', '\\"capex\\": 0.8'), encoding="utf-8")
    tampered = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out)])
    assert tampered.exit_code == 1 and "instance" in tampered.output


def test_profiles_by_name_hints_and_no_file_options(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    fast = CliRunner().invoke(
        main, ["solve", str(EXAMPLE), "--out", str(out), "--solver", "highs-fast"]
    )
    assert fast.exit_code == 0, fast.output
    assert '"gap": 0.01' in (out / "solve.json").read_text(encoding="utf-8")
    unknown = CliRunner().invoke(
        main, ["solve", str(EXAMPLE), "--out", str(tmp_path / "x"), "--solver", "nope"]
    )
    assert unknown.exit_code == 2 and "shipped profiles: cbc, highs-fast, highs" in unknown.output
    evil = tmp_path / "evil.toml"
    evil.write_text('backend = "highs"\n[extra]\nlog_file = "/tmp/evil.log"\n', encoding="utf-8")
    refused = CliRunner().invoke(
        main, ["solve", str(EXAMPLE), "--out", str(tmp_path / "y"), "--solver", str(evil)]
    )
    assert refused.exit_code == 2, refused.output
    assert "'log_file' names a file" in refused.output and "Value error" not in refused.output


def test_an_unavailable_backend_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from berthplan import backends
    from berthplan.errors import UsageError

    class Missing:
        def available(self) -> tuple[bool, str]:
            return False, "not installed"

    monkeypatch.setitem(backends.REGISTRY, "ortools:scip", Missing)
    with pytest.raises(UsageError, match=r"not installed \(pip install ortools\)"):
        backends.get("ortools:scip")


def test_committed_spend_over_a_budget_is_exit_3_with_its_reason(tmp_path: Path) -> None:
    path = Path(__file__).parent / "data" / "infeasible" / "committed-spend-over-budget.yaml"
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["solve", str(path), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert (
        "budget 2024: committed projects alone spend 700, above the budget of 500" in result.output
    )
    assert not out.exists()

"""``berthplan frontier``: the cost–target trade-off on the example instance.

By hand (instances/example.yaml): 10k-ton berths in 2026 are 9 without any choice (4 + 2
existing, +2 p1e-ct-3, +1 p2-ore-1); p1w-ct-a (+2, after p1w-channel) can be completed by
2026, p1w-ct-b (3 years) cannot, so 10 and 11 berths cost the channel and option A, and 12 is
unreachable. Container TEU at P1 in 2026 are capped at 3.2e6 by the berths in service.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from berthplan.analysis import frontier, frontier_table
from berthplan.analysis.frontier import Baseline, Spec, Step, run_frontier, step_values
from berthplan.cli import studies
from berthplan.cli.check import register as check_register
from berthplan.model.io import load

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"
FLAGSHIP = Path(__file__).parent.parent / "instances" / "liaoning-2023.yaml"
BERTHS = Spec("berths_10k", 2026)


def all_rows(out: Path) -> list[dict[str, str]]:
    with (out / "frontier.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rows(out: Path) -> list[dict[str, str]]:
    """The steps' rows (the first row is the baseline's: see the baseline tests)."""
    table = all_rows(out)
    assert table[0]["step"] == "baseline", table[0]
    return table[1:]


def objectives(steps: list[Step]) -> list[float]:
    return [s.objective for s in steps if s.objective is not None]


@pytest.fixture(scope="module")
def berths(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Step], Path]:
    out = tmp_path_factory.mktemp("frontier") / "berths"
    return run_frontier(str(EXAMPLE), BERTHS, step_values(8, 12, 5), out), out


def test_costs_do_not_decrease_as_the_target_rises(berths: tuple[list[Step], Path]) -> None:
    steps, _ = berths
    costs = objectives(steps)
    assert len(costs) == 4
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(costs))
    assert costs[0] == costs[1] < costs[2] == costs[3]  # 9 berths are free, 10 cost a project
    assert frontier_table.decreasing(steps) == []


def test_the_unreachable_high_end_is_marked_infeasible(berths: tuple[list[Step], Path]) -> None:
    steps, out = berths
    assert [s.status for s in steps] == ["optimal"] * 4 + ["infeasible"]
    last = rows(out)[-1]
    assert (last["step"], last["target"], last["status"], last["objective"]) == (
        "5",
        "12.000000",
        "infeasible",
        "",
    )
    assert last["marginal_cost"] == last["marginal_cost_per_berth"] == ""


def test_marginal_costs_are_consistent_with_the_objectives(berths: tuple[list[Step], Path]) -> None:
    table = rows(berths[1])
    assert list(table[0]) == [
        "step",
        "target",
        "objective",
        "status",
        "marginal_cost",
        "marginal_cost_per_berth",
    ]
    assert table[0]["marginal_cost"] == ""
    for prev, row in itertools.pairwise(table):
        if not (prev["objective"] and row["objective"]):
            continue
        expected = (float(row["objective"]) - float(prev["objective"])) / (
            float(row["target"]) - float(prev["target"])
        )
        assert float(row["marginal_cost"]) == pytest.approx(expected, abs=2e-6)
        assert float(row["marginal_cost_per_berth"]) == pytest.approx(expected, abs=2e-6)
    assert float(table[2]["marginal_cost"]) > 0


def test_every_step_has_its_plan_with_the_hard_target(berths: tuple[list[Step], Path]) -> None:
    _, out = berths
    for n, target in enumerate([8, 9, 10, 11, 12], 1):
        with (out / f"step-{n:02d}" / "targets.csv").open(encoding="utf-8") as f:
            moved = [
                r for r in csv.DictReader(f) if (r["metric"], r["year"]) == ("berths_10k", "2026")
            ]
        assert [(float(r["target"]), r["hard"]) for r in moved] == [(target, "true")]
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_csv_is_byte_identical_on_a_rerun(
    berths: tuple[list[Step], Path], tmp_path: Path
) -> None:
    run_frontier(str(EXAMPLE), BERTHS, step_values(8, 12, 5), tmp_path)
    assert (tmp_path / "frontier.csv").read_bytes() == (berths[1] / "frontier.csv").read_bytes()


def test_a_port_target_is_added_when_missing(tmp_path: Path) -> None:
    spec = Spec("container_teu", 2026, "P1")
    assert not [t for t in load(EXAMPLE).targets if (t.metric, t.port) == ("container_teu", "P1")]
    steps = run_frontier(str(EXAMPLE), spec, step_values(3.0e6, 3.4e6, 3), tmp_path)
    assert [s.status for s in steps] == ["optimal", "optimal", "infeasible"]
    assert rows(tmp_path)[1]["marginal_cost_per_10k_teu"] == "0.000000"


def test_a_soft_target_is_made_hard(tmp_path: Path) -> None:
    # cargo_tons P2 2026 is soft in the example; P2 handles at most the 30 Mt of demand.
    steps = run_frontier(str(EXAMPLE), Spec("cargo_tons", 2026, "P2"), [29e6, 31e6], tmp_path)
    assert [s.status for s in steps] == ["optimal", "infeasible"]
    assert list(rows(tmp_path)[0])[-1] == "marginal_cost_per_mt"


def test_with_target_replaces_or_adds_one_target() -> None:
    base = load(EXAMPLE)
    inst = frontier.with_target(base, Spec("container_teu", 2026), 2.5e6)
    moved = [t for t in inst.targets if (t.metric, t.year) == ("container_teu", 2026)]
    assert [(t.value, t.hard) for t in moved] == [(2.5e6, True)]
    assert len(inst.targets) == len(base.targets)
    added = frontier.with_target(base, Spec("new_routes", 2025), 1)
    assert len(added.targets) == len(base.targets) + 1


def test_step_plans_pass_the_checker_with_their_scenario(berths: tuple[list[Step], Path]) -> None:
    _, out = berths
    main = click.Group("berthplan")
    check_register(main)
    for n in (1, 3, 5):
        folder, scenario = out / f"step-{n:02d}", out / f"step-{n:02d}.yaml"
        result = CliRunner().invoke(
            main, ["check", str(EXAMPLE), str(folder), "--scenario", str(scenario)]
        )
        assert result.exit_code == 0, result.output
    overrides = json.loads((out / "step-03" / "solve.json").read_text(encoding="utf-8"))[
        "instance"
    ]["overrides"]
    assert overrides[0] == f"scenario={out / 'step-03.yaml'}"
    # without flags check applies the scenario solve.json records; the base instance alone fails
    recorded = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out / "step-03")])
    assert recorded.exit_code == 0, recorded.output
    assert "overrides solve.json records" in recorded.output
    # the overrides are rebuilt from their record: the scenario file is not needed any more
    moved = out / "step-03.yaml.moved"
    (out / "step-03.yaml").rename(moved)
    try:
        bare = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out / "step-03")])
    finally:
        moved.rename(out / "step-03.yaml")
    assert bare.exit_code == 0, bare.output
    # ... and a record that says something else rebuilds another instance: the hash differs
    record = json.loads((out / "step-03" / "solve.json").read_text(encoding="utf-8"))
    lines = record["instance"]["overrides"]
    assert any(o.startswith("targets=") for o in lines), lines
    tampered = out / "step-03-tampered"
    shutil.copytree(out / "step-03", tampered)
    changes = json.loads(next(o for o in lines if o.startswith("targets="))[len("targets=") :])
    changes[0]["value"] += 1
    record["instance"]["overrides"] = [
        f"targets={json.dumps(changes)}" if o.startswith("targets=") else o for o in lines
    ]
    (tampered / "solve.json").write_text(json.dumps(record), encoding="utf-8")
    wrong = CliRunner().invoke(main, ["check", str(EXAMPLE), str(tampered)])
    assert wrong.exit_code == 1, wrong.output


def test_step_values_and_marginal() -> None:
    assert step_values(1, 2, 1) == [1]
    assert step_values(0, 1, 3) == [0, 0.5, 1]
    assert step_values(0.1, 0.3, 3) == [0.1, 0.2, 0.3]
    assert (
        frontier_table.marginal(Step(1, 1.0, "optimal", 10.0), Step(2, 3.0, "optimal", 16.0)) == 3.0
    )
    assert frontier_table.marginal(None, Step(1, 1.0, "optimal", 1.0)) is None
    assert frontier_table.marginal(Step(1, 1.0, "infeasible"), Step(2, 2.0, "optimal", 1.0)) is None
    assert (
        frontier_table.marginal(Step(1, 1.0, "optimal", 1.0), Step(2, 1.0, "optimal", 1.0)) is None
    )


def test_decreasing_flags_a_cost_below_a_lower_target() -> None:
    steps = [
        Step(1, 1.0, "optimal", 5.0),
        Step(2, 2.0, "feasible", 4.0),
        Step(3, 3.0, "infeasible"),
    ]
    assert frontier_table.decreasing(steps) == [2]


# -- the command ----------------------------------------------------------------------------------


def run(*args: str) -> Result:
    group = click.Group("berthplan")
    studies.register(group)
    return CliRunner().invoke(group, ["frontier", str(EXAMPLE), *args], catch_exceptions=True)


def test_cli_frontier(tmp_path: Path) -> None:
    args = ["--metric", "berths_10k", "--year", "2026", "--from", "9", "--to", "12", "--steps", "4"]
    result = run(*args, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "step 4: target 12  infeasible" in result.output
    # each step as it finishes, with the count done; the baseline first
    done = [line for line in result.stdout.splitlines() if line.endswith(" done)")]
    assert [line.rsplit("(", 1)[1] for line in done] == [f"{n}/4 done)" for n in (1, 2, 3, 4)]
    assert result.stdout.startswith("baseline: reaches 9  optimal  ")
    assert [r["status"] for r in rows(tmp_path)] == ["optimal", "optimal", "optimal", "infeasible"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "berths_10k", "--year", "2030"], "outside the horizon"),
        (["--metric", "berths_10k", "--year", "2026", "--port", "PX"], "unknown port 'PX'"),
        (["--metric", "teu", "--year", "2026"], "Invalid value for '--metric'"),
        (["--metric", "berths_10k", "--year", "2026", "--solver", "nosuch"], "nosuch"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, "--from", "1", "--to", "2", "--steps", "2", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_flagship_container_frontier_is_non_decreasing(tmp_path: Path) -> None:
    spec = Spec("container_teu", 2030)
    steps = run_frontier(str(FLAGSHIP), spec, step_values(17.5e6, 18.5e6, 3), tmp_path)
    costs = objectives(steps)
    assert len(costs) == 3
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(costs))
    assert costs[-1] > costs[0]


def test_cli_frontier_exits_3_when_no_step_is_reachable(tmp_path: Path) -> None:
    # 1,000 berths of 10,000-ton class in 2026 are out of reach at every step
    args = [
        "--metric",
        "berths_10k",
        "--year",
        "2026",
        "--from",
        "1000",
        "--to",
        "1001",
        "--steps",
        "2",
    ]
    result = run(*args, "--out", str(tmp_path / "f"))
    assert result.exit_code == 3, result.output
    assert result.output.count("infeasible") >= 2
    assert "no step of the frontier is reachable" in result.output


# -- the baseline row, and the frontier of a what-if ----------------------------------------------


def test_the_baseline_is_the_plan_without_the_target_forced(
    berths: tuple[list[Step], Path],
) -> None:
    steps, out = berths
    first = all_rows(out)[0]
    assert (first["step"], first["status"], first["marginal_cost"]) == ("baseline", "optimal", "")
    # 9 berths in 2026 without any choice (module docstring), at the cost of targets 8 and 9
    assert first["target"] == "9.000000"
    assert float(first["objective"]) == pytest.approx(steps[0].objective, rel=1e-9)
    assert isinstance(steps, frontier.Steps)
    assert isinstance(steps.baseline, Baseline)
    assert (steps.baseline.reached, steps.baseline.status) == (9.0, "optimal")
    assert steps.baseline.objective == pytest.approx(steps[0].objective, rel=1e-9)
    main = click.Group("berthplan")
    check_register(main)
    checked = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out / "baseline")])
    assert checked.exit_code == 0, checked.output


def test_no_baseline_leaves_the_steps_alone(tmp_path: Path) -> None:
    steps = run_frontier(str(EXAMPLE), BERTHS, [9, 10], tmp_path, baseline=False)
    assert steps.baseline is None and len(steps) == 2
    assert [r["step"] for r in all_rows(tmp_path)] == ["1", "2"]
    assert not (tmp_path / "baseline").exists()


def test_cli_frontier_of_a_what_if_is_checked_from_its_record(tmp_path: Path) -> None:
    scenario = tmp_path / "dear.yaml"
    scenario.write_text("costs:\n  capex: 1.5\n", encoding="utf-8")
    out = tmp_path / "f"
    args = ["--metric", "berths_10k", "--year", "2026", "--from", "9", "--to", "10"]
    what_if = ["--scenario", str(scenario), "--set", "discount_rate=0.1"]
    result = run(*args, "--steps", "2", *what_if, "--out", str(out))
    assert result.exit_code == 0, result.output
    plain = run_frontier(str(EXAMPLE), BERTHS, [9, 10], tmp_path / "plain", baseline=False)
    dear = [float(r["objective"]) for r in all_rows(out)]
    assert len(dear) == 3 and all(d > p for d, p in zip(dear[1:], objectives(plain), strict=True))
    record = json.loads((out / "step-02" / "solve.json").read_text(encoding="utf-8"))
    overrides = record["instance"]["overrides"]
    assert overrides[0] == f"scenario={out / 'step-02.yaml'}"
    assert 'costs={"capex": 1.5}' in overrides and overrides[-1] == "set discount_rate=0.1"
    main = click.Group("berthplan")
    check_register(main)
    for folder in ("baseline", "step-01", "step-02"):
        checked = CliRunner().invoke(main, ["check", str(EXAMPLE), str(out / folder)])
        assert checked.exit_code == 0, (folder, checked.output)
        assert "overrides solve.json records" in checked.output
        assert "set discount_rate=0.1" in checked.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "targets[berths_10k:2026].value=5"], "the frontier sets target"),
        (["--set", "nosuch=1"], "nosuch"),
        (["--scenario", "missing.yaml"], "missing.yaml"),
    ],
)
def test_cli_frontier_refuses_a_bad_what_if_before_solving(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    args = ["--metric", "berths_10k", "--year", "2026", "--from", "9", "--to", "10", *extra]
    result = run(*args, "--out", str(tmp_path / "f"))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "f").exists()

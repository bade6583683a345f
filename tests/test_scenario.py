"""Scenarios (berthplan/model/scenario.py): every override kind, the path grammar, bad overrides, and
scenario plans (solve.json hashes, ``berthplan check --scenario``) on the example instance.

Expected values are derived from instances/example.yaml by hand (budget 2024: 4000; targets
berths_10k 2023 = 8, new_routes 2023 = 1, container_teu 2026 = 2e6, cargo_tons P2 2026 = 28e6
soft at 5e-5; demand P2 dry_bulk 16e6 (2023) and 30e6 (2026)). In the base plan p1w-channel,
p1w-ct-a, p1w-ct-b and deep-sea-europe are skipped, dom-south opens in 2023.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

import berthplan
from berthplan.cli import main
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.model.io import load, loads
from berthplan.model.overrides import parse_set, set_path
from berthplan.model.scenario import Scenario, apply, overridden

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.fixture(scope="module")
def base() -> Instance:
    return load(EXAMPLE)


def scenario(**fields: Any) -> Scenario:
    return Scenario.model_validate(fields)


def target(inst: Instance, metric: str, year: int, port: str | None = None) -> Any:
    hits = [t for t in inst.targets if (t.metric, t.year, t.port) == (metric, year, port)]
    assert len(hits) == 1
    return hits[0]


def demand(inst: Instance) -> dict[tuple[str | None, str | None, str, int], float]:
    return {(d.port, d.area, d.cargo, d.year): d.value for d in inst.demand}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def write(path: Path, data: Any) -> str:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


# -- every override kind ------------------------------------------------------------------------


@pytest.mark.parametrize(("years", "expected"), [(None, 2000.0), ((2023, 2025), 2000.0)])
def test_budget_factor_applies_to_the_years_given(
    base: Instance, years: tuple[int, int] | None, expected: float
) -> None:
    change = {"factor": 0.5} | ({"years": list(years)} if years else {})
    inst = apply(base, scenario(budget=change))
    assert [(b.year, b.capex) for b in inst.budget] == [(2024, expected)]


def test_a_budget_change_that_matches_no_year_is_an_error(base: Instance) -> None:
    # The example has a budget for 2024 only: a range without it is a mistake, not a no-op.
    with pytest.raises(UsageError, match="no budget year matches"):
        apply(base, scenario(budget={"factor": 0.5, "years": [2025, 2026]}))


def test_target_factor_scales_the_matching_years_only(base: Instance) -> None:
    inst = apply(base, scenario(targets=[{"metric": "container_teu", "factor": 1.1}]))
    assert target(inst, "container_teu", 2026).value == pytest.approx(2_200_000)
    assert target(inst, "berths_10k", 2023).value == 8
    inst = apply(
        base,
        scenario(
            targets=[{"metric": "cargo_tons", "port": "P2", "factor": 0.5, "years": [2026, 2026]}]
        ),
    )
    assert target(inst, "cargo_tons", 2026, "P2").value == pytest.approx(14_000_000)


def test_target_value_and_penalty_replace_those_of_the_target(base: Instance) -> None:
    inst = apply(
        base,
        scenario(targets=[{"metric": "berths_10k", "year": 2023, "value": 7, "penalty": 100}]),
    )
    t = target(inst, "berths_10k", 2023)
    assert (t.value, t.penalty, t.hard) == (7, 100, False)


def test_a_value_for_a_missing_target_adds_it(base: Instance) -> None:
    change = {"metric": "container_teu", "year": 2025, "port": "P1", "value": 3e6, "penalty": 0.01}
    inst = apply(base, scenario(targets=[change]))
    assert len(inst.targets) == len(base.targets) + 1
    t = target(inst, "container_teu", 2025, "P1")
    assert (t.value, t.penalty) == (3e6, 0.01)
    hard = apply(base, scenario(targets=[{"metric": "new_routes", "year": 2025, "value": 1}]))
    assert target(hard, "new_routes", 2025).hard


def test_a_target_change_that_matches_nothing_is_an_error(base: Instance) -> None:
    with pytest.raises(UsageError, match="no container_teu target matches"):
        apply(
            base,
            scenario(targets=[{"metric": "container_teu", "factor": 2, "years": [2023, 2025]}]),
        )


def test_demand_factor_with_cargo_port_and_year_filters(base: Instance) -> None:
    inst = apply(
        base,
        scenario(
            demand=[{"factor": 1.5, "cargo": "dry_bulk", "port": "P2", "years": [2026, 2026]}]
        ),
    )
    assert demand(inst) == {
        ("P2", None, "dry_bulk", 2023): 16e6,
        ("P2", None, "dry_bulk", 2026): 45e6,
    }
    with pytest.raises(UsageError, match="no demand point matches"):
        apply(base, scenario(demand=[{"factor": 1.5, "cargo": "dry_bulk", "port": "P1"}]))


def test_demand_factor_with_an_area_filter() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["demand"].append({"area": "p1-west", "cargo": "general", "year": 2023, "value": 4e6})
    inst = loads(yaml.safe_dump(data))
    out = apply(inst, scenario(demand=[{"factor": 0.5, "area": "p1-west"}]))
    assert demand(out)[(None, "p1-west", "general", 2023)] == 2e6
    assert demand(out)[("P2", None, "dry_bulk", 2026)] == 30e6


def test_costs_scale_capex_opex_and_route_costs(base: Instance) -> None:
    inst = apply(base, scenario(costs={"capex": 2, "opex": 3, "routes": 4}))
    a = inst.project_by_id["p1w-ct-a"]
    assert (a.capex, a.opex) == (5200, 60)
    dom = next(r for r in inst.routes if r.id == "dom-south")
    assert (dom.opening_cost, dom.annual_cost) == (20, 8)


def test_force_and_forbid_set_the_decisions(base: Instance) -> None:
    sc = scenario(force=["p1w-ct-b", "deep-sea-europe"], forbid=["p1w-channel", "dom-south"])
    inst = apply(base, sc)
    assert inst.project_by_id["p1w-ct-b"].decision == "build"
    assert inst.project_by_id["p1w-channel"].decision == "skip"
    decisions = {r.id: r.decision for r in inst.routes}
    assert decisions == {
        "near-sea-existing": "free",
        "dom-south": "skip",
        "deep-sea-europe": "open",
    }


def test_forced_is_built_and_forbidden_skipped_in_the_solved_plan(base: Instance) -> None:
    # Base plan: p1w-channel skipped, deep-sea-europe skipped, dom-south open in 2023.
    sc = scenario(force=["p1w-channel", "deep-sea-europe"], forbid=["p1w-ct-a"])
    plan = berthplan.solve(apply(base, sc), "highs")
    projects = plan.tables["projects"].set_index("project_id")["decision"]
    routes = plan.tables["routes"].set_index("route_id")["decision"]
    assert projects["p1w-channel"] == "build"
    assert projects["p1w-ct-a"] == "skip"
    assert routes["deep-sea-europe"] == "open"


def test_fix_start_fixes_the_window_and_builds(base: Instance) -> None:
    inst = apply(base, scenario(fix_start={"p1w-channel": 2025, "p1e-ct-3": 2022}))
    ch = inst.project_by_id["p1w-channel"]
    assert (ch.earliest_start, ch.latest_start, ch.decision) == (2025, 2025, "build")
    assert inst.project_by_id["p1e-ct-3"].start == 2022
    plan = berthplan.solve(inst, "highs")
    starts = plan.tables["projects"].set_index("project_id")["start_year"]
    assert (starts["p1w-channel"], starts["p1e-ct-3"]) == (2025, 2022)


def test_discount_rate_and_penalties(base: Instance) -> None:
    inst = apply(base, scenario(discount_rate=0.08, penalties={"unserved_teu": 0.001}))
    assert inst.discount_rate == 0.08
    assert (inst.penalties.unserved_teu, inst.penalties.unserved_ton) == (0.001, 0.00002)


def test_an_empty_scenario_changes_nothing(base: Instance) -> None:
    assert apply(base, Scenario()).canonical_hash() == base.canonical_hash()
    assert overridden(base, None, ()) == (base, [])


# -- the path grammar ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "read"),
    [
        ("projects[p1w-ct-a].capex", 9000.0, lambda i: i.project_by_id["p1w-ct-a"].capex),
        ("routes[dom-south].annual_cost", 3.0, lambda i: i.routes[1].annual_cost),
        ("ports[P1].areas[p1-west].depth_m", 16.0, lambda i: i.area_by_id["p1-west"].depth_m),
        ("budget[2024].capex", 5000.0, lambda i: i.budget[0].capex),
        (
            "targets[container_teu:2026].value",
            1e6,
            lambda i: target(i, "container_teu", 2026).value,
        ),
        (
            "targets[cargo_tons:2026:P2].penalty",
            0.1,
            lambda i: target(i, "cargo_tons", 2026, "P2").penalty,
        ),
        (
            "demand[P2:dry_bulk:2026].value",
            31e6,
            lambda i: demand(i)[("P2", None, "dry_bulk", 2026)],
        ),
        ("ports[#1].areas[#0].depth_m", 13.0, lambda i: i.area_by_id["p2-main"].depth_m),
        ("projects[#3].adds[#0].capacity", 1e6, lambda i: i.projects[3].adds[0].capacity),
        ("discount_rate", 0.05, lambda i: i.discount_rate),
        ("penalties.unserved_teu", 0.002, lambda i: i.penalties.unserved_teu),
        ("max_utilization.dry_bulk", 1.1, lambda i: i.utilization("dry_bulk")),
    ],
)
def test_set_paths(base: Instance, path: str, value: Any, read: Any) -> None:
    assert read(apply(base, Scenario(), [(path, value)])) == value


def test_set_null_makes_a_soft_target_hard(base: Instance) -> None:
    inst = apply(base, Scenario(), [parse_set("targets[cargo_tons:2026:P2].penalty=null")])
    assert target(inst, "cargo_tons", 2026, "P2").hard


def test_scenario_set_applies_after_the_other_overrides(base: Instance) -> None:
    sc = scenario(costs={"capex": 2}, set={"projects[p1w-ct-a].capex": 100})
    assert apply(base, sc).project_by_id["p1w-ct-a"].capex == 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discount_rate=0.08", ("discount_rate", 0.08)),
        ("budget[2024].capex=4500", ("budget[2024].capex", 4500)),
        ("projects[x].requires=[a, b]", ("projects[x].requires", ["a", "b"])),
        (" name = a=b ", ("name", "a=b")),
        ("x=true", ("x", True)),
        ("x=", ("x", "")),
        ("x={", ("x", "{")),
    ],
)
def test_parse_set_reads_yaml_scalars(text: str, expected: tuple[str, Any]) -> None:
    assert parse_set(text) == expected


@pytest.mark.parametrize("text", ["bad", "=3", " =3"])
def test_parse_set_needs_path_and_value(text: str) -> None:
    with pytest.raises(UsageError, match="expected PATH=VALUE"):
        parse_set(text)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("projects[nosuch].capex", "no item 'nosuch' in projects"),
        ("budget[2030].capex", "no item '2030' in budget"),
        ("targets[container_teu:2025].value", "no item 'container_teu:2025' in targets"),
        ("ports[#5].name", "'ports' has 2 items, no #5"),
        ("projects[p1w-ct-a", "a list key must end with ']'"),
        ("projects..capex", "empty field name"),
        ("projects[p1w-ct-a]", "a path must end with a field name"),
        ("discount_rate.x", "no record 'discount_rate' here"),
        ("nosuch.x", "no record 'nosuch' here"),
        ("name[x].y", "'name' is not a list"),
        ("projects[#3].requires[#0].x", "requires[#0] is not a record"),
    ],
)
def test_bad_set_paths(base: Instance, path: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        apply(base, Scenario(), [(path, 1)])


def test_set_path_in_raw_data() -> None:
    data: dict[str, Any] = {"budget": [{"year": 2024, "capex": 1}], "horizon": {"end": 2026}}
    set_path(data, "budget[2024].capex", 2)
    set_path(data, "horizon.end", 2027)
    assert data == {"budget": [{"year": 2024, "capex": 2}], "horizon": {"end": 2027}}


# -- bad overrides ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([("projects[p1w-ct-a].captex", 1)], "unknown field 'captex'"),
        ([("nosuch", 1)], "nosuch"),
        ([("discount_rate", "abc")], "discount_rate"),
        ([("projects[p1w-ct-a].duration", 2.5)], "duration"),
        ([("discount_rate", 1.5)], "discount_rate"),
        ([("targets[#0].port", "PX")], "unknown port 'PX'"),
    ],
)
def test_sets_that_break_the_instance_are_usage_errors(
    base: Instance, sets: list[tuple[str, Any]], message: str
) -> None:
    with pytest.raises(UsageError, match="the merged instance is invalid") as err:
        apply(base, Scenario(), sets)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"force": ["nosuch"]}, "force: no project or route 'nosuch'"),
        ({"forbid": ["nosuch"]}, "forbid: no project or route 'nosuch'"),
        ({"fix_start": {"nosuch": 2024}}, "fix_start: no project 'nosuch'"),
        ({"forbid": ["p1e-ct-3"]}, "an ongoing project is committed"),
        ({"force": ["near-sea-existing"]}, "an existing route is open throughout"),
        ({"force": ["p1w-ct-a", "p1w-ct-b"]}, "more than one committed project"),
        ({"fix_start": {"p1w-channel": 2023}}, "empty start window"),
        ({"penalties": {"unserved_tons": 1}}, "unserved_tons"),
        ({"targets": [{"metric": "teu", "year": 2024, "value": 1}]}, "metric"),
    ],
)
def test_bad_overrides_are_usage_errors(
    base: Instance, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        apply(base, scenario(**fields))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budgets: {factor: 0.8}\n", "budgets: unknown key"),
        ("budget: {factor: 0.8, yeers: [2023, 2024]}\n", "budget.yeers: unknown key"),
        ("budget: {factor: lots}\n", "budget.factor"),
        ("budget: {factor: -1}\n", "budget.factor"),
        ("discount_rate: 1.2\n", "discount_rate"),
        ("force: p1w-ct-a\n", "force"),
        ("- a\n- b\n", "scenario"),
        ("budget: [\n", "YAML syntax error"),
    ],
)
def test_bad_scenario_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        Scenario.from_file(path)


def test_scenario_file_name_and_description(tmp_path: Path) -> None:
    assert (
        Scenario.from_file(write(tmp_path / "cheap.yaml", {"costs": {"capex": 0.5}})).name
        == "cheap"
    )
    named = Scenario.from_file(write(tmp_path / "x.yaml", {"name": "budget-cut"}))
    assert named.name == "budget-cut"
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert Scenario.from_file(tmp_path / "empty.yaml") == Scenario(name="empty")
    with pytest.raises(UsageError, match="cannot read scenario"):
        Scenario.from_file(tmp_path / "missing.yaml")


def test_describe_lists_the_overrides_only(tmp_path: Path, base: Instance) -> None:
    path = write(
        tmp_path / "s.yaml",
        {
            "description": "x",
            "budget": {"factor": 0.8, "years": [2023, 2025]},
            "force": ["p1w-channel"],
        },
    )
    _, described = overridden(base, path, ("discount_rate=0.07",))
    assert described == [
        f"scenario={path}",
        'budget={"factor": 0.8, "years": [2023, 2025]}',
        'force=["p1w-channel"]',
        "set discount_rate=0.07",
    ]


# -- bugs found and fixed ------------------------------------------------------------------------


def test_set_path_into_a_record_at_its_defaults() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del data["penalties"], data["max_utilization"]
    inst = loads(yaml.safe_dump(data))
    out = apply(
        inst, Scenario(), [("penalties.unserved_teu", 0.001), ("max_utilization.container", 0.9)]
    )
    assert (out.penalties.unserved_teu, out.utilization("container")) == (0.001, 0.9)


@pytest.mark.parametrize("change", [{"cargo": "drybulk"}, {"port": "P9"}, {"area": "nowhere"}])
def test_a_demand_change_that_matches_nothing_is_an_error(
    base: Instance, change: dict[str, Any]
) -> None:
    with pytest.raises(UsageError, match=r"^demand: no demand point matches \{'factor': 1\.2, "):
        apply(base, scenario(demand=[{"factor": 1.2, **change}]))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"force": ["p1w-ct-a"], "forbid": ["p1w-ct-a"]}, "force and forbid both name p1w-ct-a"),
        (
            {"forbid": ["p1w-channel"], "fix_start": {"p1w-channel": 2025}},
            "fix_start and forbid both name p1w-channel",
        ),
    ],
)
def test_contradictory_decisions_are_an_error(
    base: Instance, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=f"^{message}$"):
        apply(base, scenario(**fields))


# -- scenario plans on the command line ---------------------------------------------------------


@pytest.fixture(scope="module")
def scenario_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("scenario-plan")
    path = write(tmp / "s.yaml", {"costs": {"capex": 1.2}, "force": ["deep-sea-europe"]})
    out = tmp / "plan"
    result = invoke(
        "solve", str(EXAMPLE), "--scenario", path, "--set", "discount_rate=0.07", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    return out, path


def test_scenario_plan_solve_json_holds_both_hashes_and_the_overrides(
    base: Instance, scenario_plan: tuple[Path, str]
) -> None:
    out, path = scenario_plan
    info = json.loads((out / "solve.json").read_text(encoding="utf-8"))["instance"]
    merged, described = overridden(base, path, ("discount_rate=0.07",))
    assert info["base_hash"] == base.canonical_hash()
    assert info["hash"] == merged.canonical_hash() != base.canonical_hash()
    assert info["overrides"] == described
    assert info["file"] == str(EXAMPLE)
    routes = pd.read_csv(out / "routes.csv").set_index("route_id")
    assert routes.loc["deep-sea-europe", "decision"] == "open"


def test_check_passes_with_the_scenario_and_fails_without(scenario_plan: tuple[Path, str]) -> None:
    out, path = scenario_plan
    ok = invoke("check", str(EXAMPLE), str(out), "--scenario", path, "--set", "discount_rate=0.07")
    assert ok.exit_code == 0, ok.output
    # without flags, check applies the overrides solve.json records (the issue-12 behaviour)
    recorded = invoke("check", str(EXAMPLE), str(out))
    assert recorded.exit_code == 0 and "overrides solve.json records" in recorded.output
    # flags given explicitly are taken as they are: half of the overrides is a mismatch
    assert invoke("check", str(EXAMPLE), str(out), "--scenario", path).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "bad"],
        ["--set", "projects[nosuch].capex=1"],
        ["--set", "discount_rate=abc"],
        ["--set", "projects[p1w-ct-a].captex=1"],
        ["--scenario", "MISSING.yaml"],
    ],
)
def test_cli_bad_override_exits_2_without_traceback(tmp_path: Path, args: list[str]) -> None:
    result = invoke("solve", str(EXAMPLE), "--out", str(tmp_path / "p"), *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ")
    assert not (tmp_path / "p").exists()


def test_cli_unknown_scenario_key_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", {"budgett": {"factor": 0.5}})
    result = invoke("solve", str(EXAMPLE), "--scenario", path, "--out", str(tmp_path / "p"))
    assert result.exit_code == 2
    assert "budgett: unknown key" in result.output


def test_a_budget_cut_below_committed_spend_is_infeasible(base: Instance) -> None:
    from berthplan.optimization.solve import InfeasibleError, solve

    cut = apply(base, Scenario(), [("budget[2024].capex", 10)])
    with pytest.raises(InfeasibleError, match="budget 2024: committed projects alone spend 700"):
        solve(cut)


def test_a_shipped_scenario_is_read_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no file of that name here: the shipped example stands in
    scenario = Scenario.from_file("liaoning-budget-minus-20")
    assert scenario.name == "budget-minus-20"
    assert scenario.budget is not None and scenario.budget.factor == 0.8


def test_an_instance_file_given_as_a_scenario_says_so(tmp_path: Path) -> None:
    wrong = tmp_path / "inst.yaml"
    wrong.write_text(
        (Path(__file__).parents[1] / "instances/liaoning-2023.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match=r"inst\.yaml: an instance file, not a scenario"):
        Scenario.from_file(wrong)


def test_many_errors_of_a_scenario_are_cut_to_the_first_twelve(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("".join(f"unknown_{i:02d}: 1\n" for i in range(30)), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        Scenario.from_file(bad)
    text = str(info.value)
    assert text.count("unknown key") == 12
    assert "unknown_00: unknown key" in text and "unknown_12" not in text
    assert text.endswith("; and 18 more")

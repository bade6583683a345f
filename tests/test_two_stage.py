"""Two-stage plans under demand uncertainty: the hand-solved instance, an enumeration oracle,
the figures of merit, the uncertainty file's rules and the CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import DATA, expectation, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berthplan.errors import InstanceError, UsageError
from berthplan.generator.uncertainty import sample, to_yaml
from berthplan.model.commitment import Commitment
from berthplan.model.instance import Instance
from berthplan.model.io import load
from berthplan.model.scenario import Scenario, apply
from berthplan.model.uncertainty import Uncertainty, load_uncertainty, scenario_instance
from berthplan.optimization.extensive import Risk, stack
from berthplan.optimization.formulation import build
from berthplan.optimization.solve import InfeasibleError, solve
from berthplan.optimization.two_stage import cvar, solve_two_stage

UNC = DATA / "uncertainty"
TINY = UNC / "tiny-two-stage.yaml"
LOW_HIGH = UNC / "tiny-two-stage.unc.yaml"
INVALID = sorted((UNC / "invalid").glob("*.yaml"))


# -- the hand-solved instance (enumeration in tiny-two-stage.yaml's header) --------------------


def test_hand_solved_two_stage_plan_and_figures() -> None:
    base = load(TINY)
    two = solve_two_stage(base, load_uncertainty(LOW_HIGH, base), 1)
    m = two.measures
    assert m["status"] == "optimal"
    assert m["objective"] == pytest.approx(90.0, abs=1e-6)
    assert m["solver_objective"] == pytest.approx(90.0, abs=1e-6)
    assert m["expected_cost"] == pytest.approx(90.0, abs=1e-6)
    assert m["ws"] == pytest.approx(50.0, abs=1e-6)
    assert m["evpi"] == pytest.approx(40.0, abs=1e-6)
    assert m["ev"] == pytest.approx(100.0, abs=1e-6)
    assert m["eev"] == pytest.approx(100.0, abs=1e-6)
    assert m["vss"] == pytest.approx(10.0, abs=1e-6)
    assert two.commitment == Commitment(before=2031)  # `early` not built
    low, high = two.recourse
    assert (low.cost, high.cost) == pytest.approx((0.0, 180.0), abs=1e-6)
    assert low.plan.decisions.starts == {"early": None, "late": None}
    assert high.plan.decisions.starts == {"early": None, "late": 2031}
    assert (low.perfect_foresight, high.perfect_foresight) == pytest.approx((0.0, 100.0))
    # the here-and-now plan of the base (high) demand: `late` as its recourse
    assert two.plan.decisions.starts == {"early": None, "late": 2031}
    assert two.plan.objective == pytest.approx(180.0, abs=1e-6)


def test_risk_averse_plan_builds_early() -> None:
    # risk weight 1, CVaR level 0.5: the worst half is the high scenario (header)
    base = load(TINY)
    unc = load_uncertainty(LOW_HIGH, base)
    two = solve_two_stage(base, unc, 1, risk=Risk(weight=1.0, level=0.5))
    assert two.commitment.starts == {"early": 2030}
    assert two.measures["objective"] == pytest.approx(100.0, abs=1e-6)
    assert two.measures["cvar"] == pytest.approx(100.0, abs=1e-6)
    assert two.measures["expected_cost"] == pytest.approx(100.0, abs=1e-6)
    assert two.measures["evpi"] is None  # defined for risk-neutral plans only


def test_a_start_in_the_last_committed_year_is_first_stage() -> None:
    # --commit-years 2: 2031, the last committed year, is first stage too: `late` is decided
    # before the demand is known, like `early`. Enumeration (both scenarios alike):
    #   neither: low 0, high 240 (1 Mt unserved in 2031 and 2032)      E = 120
    #   early:   low 100, high 100                                      E = 100
    #   late:    low 60, high 60 + 120 (2031 unserved) = 180            E = 120
    #   both:    low 160, high 160                                      E = 160
    # RP = 100 with `early` alone (with one committed year, 90: `late` was recourse).
    base = load(TINY)
    two = solve_two_stage(base, load_uncertainty(LOW_HIGH, base), 2)
    assert two.measures["objective"] == pytest.approx(100.0, abs=1e-6)
    assert two.measures["solver_objective"] == pytest.approx(100.0, abs=1e-6)
    assert two.commitment == Commitment(before=2032, starts={"early": 2030})
    low, high = two.recourse
    assert (low.cost, high.cost) == pytest.approx((100.0, 100.0), abs=1e-6)
    assert low.plan.decisions.starts == high.plan.decisions.starts == {"early": 2030, "late": None}


@pytest.mark.parametrize(
    ("weight", "objective", "early"),
    [(0.1, 99.0, False), (1 / 9, 100.0, None), (0.125, 100.0, True)],
)
def test_risk_weight_around_the_tie(weight: float, objective: float, early: bool | None) -> None:
    # CVaR level 0.5 (the high scenario): (1 - w) E + w CVaR. Not `early`: (1 - w) 90 + w 180
    # = 90 + 90 w; `early`: 100 whatever w. They tie at w = 1/9 (objective 100, either plan
    # optimal); below it `early` is not built (0.1: 99), above it it is (0.125: 100 against
    # 101.25).
    base = load(TINY)
    unc = load_uncertainty(LOW_HIGH, base)
    two = solve_two_stage(base, unc, 1, risk=Risk(weight=weight, level=0.5))
    assert two.measures["objective"] == pytest.approx(objective, abs=1e-6)
    assert two.measures["solver_objective"] == pytest.approx(objective, abs=1e-6)
    if early is not None:
        assert ("early" in two.commitment.starts) is early


def test_cvar_of_a_discrete_distribution() -> None:
    costs, p = np.array([0.0, 10.0, 40.0, 100.0]), np.array([0.4, 0.3, 0.2, 0.1])
    assert cvar(costs, p, 0.9) == pytest.approx(100.0)  # the worst 10 %
    assert cvar(costs, p, 0.7) == pytest.approx((0.2 * 40 + 0.1 * 100) / 0.3)
    assert cvar(costs, p, 0.0) == pytest.approx(float(p @ costs))  # the mean


def test_extensive_form_shares_first_stage_columns_only() -> None:
    base = load(TINY)
    unc = load_uncertainty(LOW_HIGH, base)
    builts = [build(scenario_instance(base, s, {})) for s in unc.scenarios]
    ext = stack(builts, unc.probabilities, 2031)
    n, first = len(ext.scenarios[0].c), int(ext.first.sum())
    assert first == 1  # x[early,2030]
    assert len(ext.arrays.c) == n + (n - first)
    assert ext.arrays.A.shape[0] == 2 * ext.scenarios[0].A.shape[0]
    assert ext.columns[1][ext.first].tolist() == ext.columns[0][ext.first].tolist()
    assert set(ext.columns[1][~ext.first]).isdisjoint(ext.columns[0])


# -- an enumeration oracle on small instances ---------------------------------------------------


def _first_stage_options(inst: Instance, before: int) -> list[Commitment]:
    """Every combination of starts and openings before ``before`` (each record: one or none)."""
    starts = [
        [(p.id, None)]
        + [(p.id, y) for y in range(inst.start_window(p)[0], inst.start_window(p)[1] + 1)]
        for p in inst.projects
        if p.stage != "ongoing" and inst.start_window(p)[0] < before
    ]
    opens = [
        [(r.id, None)]
        + [(r.id, y) for y in range(inst.open_window(r)[0], inst.open_window(r)[1] + 1)]
        for r in inst.routes
        if r.status == "candidate" and inst.open_window(r)[0] < before
    ]
    out = []
    for s_choice in itertools.product(*starts):
        for o_choice in itertools.product(*opens):
            out.append(
                Commitment(
                    before=before,
                    starts={k: v for k, v in s_choice if v is not None and v < before},
                    opens={k: v for k, v in o_choice if v is not None and v < before},
                )
            )
    return list({c.model_dump_json(): c for c in out}.values())


def _enumerated_optimum(base: Instance, unc: Uncertainty, before: int) -> float:
    """min over first stages of the expected cost of each scenario's best recourse."""
    scenario_instances = [scenario_instance(base, s, unc.penalties) for s in unc.scenarios]
    best = np.inf
    for commit in _first_stage_options(base, before):
        total = 0.0
        for s, inst in zip(unc.scenarios, scenario_instances, strict=True):
            try:
                plan = solve(apply(inst, Scenario(commit=commit)))
            except (InfeasibleError, UsageError):
                total = np.inf
                break
            total += np.inf if plan.status == "infeasible" else s.probability * plan.objective
        best = min(best, total)
    return float(best)


ORACLE_CASES = [
    ("13-unserved-tons.yaml", 1),
    ("14-interpolated-demand.yaml", 1),
    ("09-route-capacity.yaml", 1),
    ("11-growth.yaml", 2),
    ("07-requires.yaml", 2),
]


@pytest.mark.parametrize(("name", "commit_years"), ORACLE_CASES)
def test_extensive_form_matches_enumeration(name: str, commit_years: int) -> None:
    base = load(DATA / "tiny" / name)
    penalties = {"cargo_tons": 0.001, "container_teu": 0.01}
    unc = sample(base, 3, seed=7, level_sd=0.3, growth_sd=0.1, penalties=penalties)
    two = solve_two_stage(base, unc, commit_years)
    expected = _enumerated_optimum(base, unc, base.horizon.start + commit_years)
    assert np.isfinite(expected)
    assert two.measures["objective"] == pytest.approx(expected, rel=1e-7, abs=1e-6)
    tol = 1e-6 * max(1.0, abs(expected))
    assert two.measures["vss"] >= -tol
    assert two.measures["evpi"] >= -tol
    assert two.measures["ws"] <= two.measures["objective"] + tol <= two.measures["eev"] + 2 * tol


def test_liaoning_figures_of_merit_are_not_negative() -> None:
    base = load(Path(__file__).parents[1] / "instances" / "liaoning-2023.yaml")
    penalties = {"cargo_tons": 0.0001, "container_teu": 0.001}
    unc = sample(base, 3, seed=1, level_sd=0.15, growth_sd=0.03, penalties=penalties)
    two = solve_two_stage(base, unc, 2)
    m = two.measures
    assert m["status"] == "optimal"
    assert m["vss"] >= -1e-6 * m["objective"]
    assert m["evpi"] >= -1e-6 * m["objective"]
    # the commitment is the same in every scenario's recourse
    for r in two.recourse:
        early = {k: v for k, v in r.plan.decisions.starts.items() if v is not None and v < 2025}
        assert early == two.commitment.starts


# -- scenario instances --------------------------------------------------------------------------


def test_shift_scales_ceilings_per_year() -> None:
    base = load(TINY)
    unc = Uncertainty.model_validate(
        {
            "scenarios": [
                {
                    "id": "s",
                    "probability": 1,
                    "demand": [
                        {"cargo": "general", "factor": 2, "growth": 0.5},
                        {"port": "P", "path": {2030: 1.0, 2032: 3.0}, "cargo": "general"},
                    ],
                }
            ]
        }
    )
    inst = scenario_instance(base, unc.scenarios[0], {})
    values = {d.year: d.value for d in inst.demand}
    # base ceilings 0, 1e6, 1e6; m(y) = 2 * 1.5^(y - 2030) * path(y), path 1, 2, 3
    assert values == pytest.approx({2030: 0.0, 2031: 1e6 * 2 * 1.5 * 2, 2032: 1e6 * 2 * 2.25 * 3})


def test_container_shift_scales_calls() -> None:
    base = load(DATA / "tiny" / "11-growth.yaml")
    unc = Uncertainty.model_validate(
        {"scenarios": [{"id": "s", "probability": 1, "demand": [{"factor": 0.5, "growth": 0.1}]}]}
    )
    inst = scenario_instance(base, unc.scenarios[0], {})
    for before, after in zip(base.routes, inst.routes, strict=True):
        for c0, c1 in zip(before.calls, after.calls, strict=True):
            assert c1.teu == pytest.approx(0.5 * c0.teu)
            assert 1 + c1.growth == pytest.approx((1 + c0.growth) * 1.1)


def test_target_penalties_make_every_target_of_the_metric_soft() -> None:
    base = load(DATA / "tiny" / "12-soft-target.yaml")
    metric = base.targets[0].metric
    unc = Uncertainty.model_validate({"scenarios": [{"id": "s", "probability": 1}]})
    inst = scenario_instance(base, unc.scenarios[0], {metric: 7.0})
    assert [t.penalty for t in inst.targets if t.metric == metric] == [
        7.0 for t in base.targets if t.metric == metric
    ]


# -- the uncertainty file ----------------------------------------------------------------------


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_uncertainty_file_is_located(path: Path) -> None:
    expected, line = expectation(path)
    with pytest.raises(InstanceError) as err:
        load_uncertainty(path, load(TINY))
    rendered = err.value.render()
    hits = [text for text in rendered.splitlines() if expected in text]
    assert hits, rendered
    if line is not None:
        assert any(text.startswith(f"{path}:{line}: ") for text in hits), rendered


@pytest.mark.parametrize("path", INVALID[:3], ids=[p.stem for p in INVALID[:3]])
def test_cli_refuses_invalid_uncertainty_file_with_exit_2(path: Path, tmp_path: Path) -> None:
    result = invoke("solve", str(TINY), "--uncertainty", str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(path) in result.output
    assert not (tmp_path / "o").exists()


def test_sample_is_seeded_and_valid(tmp_path: Path) -> None:
    base = load(DATA / "valid" / "example.yaml")
    a, b = sample(base, 20, seed=3), sample(base, 20, seed=3)
    assert to_yaml(a) == to_yaml(b)
    assert to_yaml(sample(base, 20, seed=4)) != to_yaml(a)
    assert sum(a.probabilities) == pytest.approx(1.0)
    file = tmp_path / "u.yaml"
    file.write_text(to_yaml(a), encoding="utf-8")
    again = load_uncertainty(file, base)
    assert [s.id for s in again.scenarios] == [s.id for s in a.scenarios]
    factors = np.array([sh.factor for s in a.scenarios for sh in s.demand])
    assert 0.5 < factors.mean() < 1.5 and factors.std() > 0


def test_sample_correlation_one_moves_ports_together() -> None:
    base = load(DATA / "valid" / "example.yaml")
    unc = sample(base, 10, seed=0, correlation=1.0)
    for s in unc.scenarios:
        assert len({sh.factor for sh in s.demand}) == 1
        assert len({sh.growth for sh in s.demand}) == 1


# -- the command -----------------------------------------------------------------------------


def test_cli_writes_a_checkable_two_stage_folder(tmp_path: Path) -> None:
    out = tmp_path / "two"
    result = invoke("solve", str(TINY), "--uncertainty", str(LOW_HIGH), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "VSS 10.000" in result.output and "EVPI 40.000" in result.output
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    two = record["two_stage"]
    assert (two["vss"], two["evpi"], two["commit_before"]) == pytest.approx((10.0, 40.0, 2031))
    scen = pd.read_csv(out / "scenarios.csv")
    assert scen["scenario"].tolist() == ["low", "high"]
    assert scen["cost"].tolist() == pytest.approx([0.0, 180.0])
    assert scen["regret"].tolist() == pytest.approx([0.0, 80.0])
    rec = pd.read_csv(out / "recourse.csv")
    assert rec.to_dict("records") == [
        {"scenario": "high", "kind": "project", "id": "late", "year": 2031, "stage": "recourse"}
    ]
    checked = invoke("check", str(TINY), str(out))
    assert checked.exit_code == 0, checked.output


def test_cli_two_stage_output_is_deterministic(tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        result = invoke("solve", str(TINY), "--uncertainty", str(LOW_HIGH), "--out", str(out))
        assert result.exit_code == 0, result.output
    for name in ("scenarios.csv", "recourse.csv", "projects.csv", "kpis.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()


def test_cli_uncertainty_refuses_scenario(tmp_path: Path) -> None:
    result = invoke(
        "solve", str(TINY), "--uncertainty", str(LOW_HIGH), "--set", "discount_rate=0.1",
        "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--uncertainty does not combine" in result.output


def test_cli_sample_writes_a_loadable_file(tmp_path: Path) -> None:
    out = tmp_path / "u.yaml"
    args = ("uncertainty", "sample", str(TINY), "--scenarios", "5", "--seed", "2")
    result = invoke(*args, "--target-penalty", "cargo_tons=0.001", "--out", str(out))
    assert result.exit_code == 0, result.output
    unc = load_uncertainty(out, load(TINY))
    assert len(unc.scenarios) == 5 and unc.penalties == {"cargo_tons": 0.001}
    again = invoke(*args, "--out", str(out))
    assert again.exit_code == 2 and "exists" in again.output  # no silent overwrite
    bad = invoke(*args, "--target-penalty", "tons=1", "--out", str(tmp_path / "v.yaml"))
    assert bad.exit_code == 2 and "--target-penalty tons=1" in bad.output


# -- figures of merit on many instances (hypothesis) ----------------------------------------------

FUZZ_INSTANCES = [
    p.name for p in sorted((DATA / "tiny").glob("*.yaml")) if not p.name.startswith("15-")
]  # 15 is infeasible by design


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(FUZZ_INSTANCES),
    seed=st.integers(0, 10_000),
    count=st.integers(1, 4),
    level_sd=st.floats(0.0, 0.6),
    commit_years=st.integers(1, 3),
    risk_weight=st.sampled_from([0.0, 0.0, 0.5]),
)
def test_figures_of_merit_are_never_negative(
    name: str, seed: int, count: int, level_sd: float, commit_years: int, risk_weight: float
) -> None:
    base = load(DATA / "tiny" / name)
    penalties = {"cargo_tons": 0.01, "container_teu": 0.1, "berths_10k": 1e4, "new_routes": 1e4}
    unc = sample(base, count, seed=seed, level_sd=level_sd, growth_sd=0.05, penalties=penalties)
    two = solve_two_stage(base, unc, commit_years, risk=Risk(weight=risk_weight, level=0.5))
    m = two.measures
    tol = 1e-6 * max(1.0, abs(m["objective"]))
    assert m["vss"] is None or m["vss"] >= -tol
    if risk_weight == 0:
        assert m["evpi"] >= -tol and m["ws"] <= m["objective"] + tol
    # every scenario's plan holds the commitment and the recomputed expectation is the objective
    costs = np.array([r.cost for r in two.recourse])
    assert float(np.array(unc.probabilities) @ costs) == pytest.approx(m["expected_cost"])
    for r in two.recourse:
        early = {k: v for k, v in r.plan.decisions.starts.items() if v is not None}
        early = {k: v for k, v in early.items() if v < two.commitment.before}
        ongoing = {p.id for p in base.projects if p.stage == "ongoing"}
        assert {k: v for k, v in early.items() if k not in ongoing} == {
            k: v for k, v in two.commitment.starts.items() if k not in ongoing
        }


def test_schemas_of_the_uncertainty_and_actuals_files() -> None:
    unc = json.loads(invoke("uncertainty", "schema").output)
    assert set(unc["properties"]) == {"name", "description", "target_penalties", "scenarios"}
    assert unc["$defs"]["Shift"]["additionalProperties"] is False
    act = json.loads(invoke("uncertainty", "schema", "--actuals").output)
    assert set(act["properties"]) == {"projects", "demand", "routes"}
    assert "description" in act["$defs"]["ProjectActual"]["properties"]["delay"]

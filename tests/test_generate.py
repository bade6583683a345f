"""The synthetic instance generator: valid, seeded, feasible by construction, and binding.

Every size must generate and validate; only ``small`` is solved here (``large`` and
``national`` are never solved in tests). Feasibility is checked twice: the generator's own
reference schedule meets every hard target and budget (recomputed here from its decisions,
constraint by constraint), and HiGHS finds the small instances optimal with the hard targets
met. "Binding" means the optimum must build optional projects, some hard target row is tight
at the optimum, and the budgets change the optimum.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import berthplan
from berthplan.cli import main
from berthplan.cli.generate import register
from berthplan.generator.generate import construct, generate, generate_text
from berthplan.generator.sizes import SIZES
from berthplan.model.instance import Instance
from berthplan.results.outcome import Outcome

BINDING_SEEDS = (0, 1, 2, 3, 4)


def _counts(inst: Instance) -> dict[str, int]:
    return {
        "ports": len(inst.ports),
        "areas": sum(len(p.areas) for p in inst.ports),
        "projects": len(inst.projects),
        "routes": sum(r.status == "candidate" for r in inst.routes),
        "years": len(inst.years),
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_every_size_generates_and_validates(size: str) -> None:
    text = generate_text(size, seed=0)
    inst = berthplan.loads(text, source=f"<{size}>")
    k = SIZES[size]
    assert _counts(inst) == {
        "ports": k.ports,
        "areas": k.areas,
        "projects": k.projects,
        "routes": k.routes,
        "years": k.years,
    }
    assert {p.stage for p in inst.projects} == {"ongoing", "new", "preliminary", "candidate"}
    assert any(t.hard for t in inst.targets) and any(not t.hard for t in inst.targets)
    assert {b.year for b in inst.budget} == set(inst.years)


def test_text_round_trips_to_the_generated_instance() -> None:
    inst = generate("small", seed=5)
    assert berthplan.loads(generate_text("small", seed=5)) == inst
    assert berthplan.loads(generate_text("small", seed=5, fmt="json"), as_json=True) == inst


def test_same_seed_same_bytes() -> None:
    assert generate_text("small", seed=7) == generate_text("small", seed=7)
    assert generate_text("medium", seed=7) == generate_text("medium", seed=7)
    assert generate_text("small", seed=7, fmt="json") == generate_text("small", seed=7, fmt="json")


def test_different_seed_different_instance() -> None:
    texts = {generate_text("small", seed=s) for s in range(4)}
    assert len(texts) == 4
    a, b = generate("small", seed=1), generate("small", seed=2)
    assert [p.capex for p in a.projects] != [p.capex for p in b.projects]


def test_knobs_override_the_preset() -> None:
    inst = generate("small", seed=3, ports=2, areas_per_port=3, projects=15, routes=4, years=5)
    assert _counts(inst) == {"ports": 2, "areas": 6, "projects": 15, "routes": 4, "years": 5}
    assert generate("small", seed=3, start_year=2030).horizon.start == 2030


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"ports": 0}, "ports"),
        ({"years": 1}, "years"),
        ({"areas_per_port": 0}, "areas_per_port"),
        ({"projects": "many"}, "projects"),
        ({"colour": 3}, "unknown knob"),
    ],
)
def test_bad_knobs_are_usage_errors(knobs: dict[str, object], message: str) -> None:
    with pytest.raises(berthplan.errors.UsageError, match=message):
        generate("small", seed=0, **knobs)


def test_bad_size_and_seed_are_usage_errors() -> None:
    with pytest.raises(berthplan.errors.UsageError, match="size"):
        generate("huge")
    with pytest.raises(berthplan.errors.UsageError, match="seed"):
        generate("small", seed=-1)


@pytest.mark.parametrize(
    ("size", "seed"), [("small", s) for s in range(6)] + [("medium", 0), ("large", 0)]
)
def test_reference_schedule_is_feasible(size: str, seed: int) -> None:
    """The generator's own schedule satisfies every constraint family, recomputed here."""
    g = construct(size, seed)
    inst, dec = g.instance, g.reference.decisions
    y0, y1 = inst.horizon.start, inst.horizon.end
    byid = inst.project_by_id
    groups: dict[str, int] = {}
    for p in inst.projects:
        start = dec.starts[p.id]
        if p.committed:
            assert start is not None, p.id
        if start is None:
            continue
        lo, hi = inst.start_window(p)
        assert lo <= start <= hi, p.id
        for req in p.requires:
            pre = dec.starts[req]
            assert pre is not None and pre + byid[req].duration <= start, (p.id, req)
        if p.group is not None:
            groups[p.group] = groups.get(p.group, 0) + 1
    assert all(n <= 1 for n in groups.values())
    for r in inst.routes:
        opened = dec.opens.get(r.id)
        if r.status != "candidate" or opened is None:
            continue
        lo, hi = inst.open_window(r)
        assert lo <= opened <= hi
        for call in r.calls:
            if inst.area_by_id[call.area].depth_m < r.min_depth_m:
                assert any(
                    p.area == call.area
                    and (p.deepens_to_m or 0) >= r.min_depth_m
                    and dec.starts[p.id] is not None
                    and (dec.starts[p.id] or 0) + p.duration <= opened
                    for p in inst.projects
                ), (r.id, call.area)
    out = Outcome(g.reference.outcome.s, dec)
    for t in inst.targets:
        if t.hard:
            assert out.shortfall(t) <= 1e-6 * max(1.0, t.value), t
    capex = out.capex_by_year()
    for b in inst.budget:
        assert capex.get(b.year, 0.0) <= b.capex * (1 + 1e-9) + 1e-6, b.year
    assert y0 <= min(g.tight_years, default=y0) and max(g.tight_years, default=y1) <= y1


def test_small_solves_to_optimal_and_meets_hard_targets() -> None:
    plan = berthplan.solve(generate("small", seed=0), "highs")
    assert plan.status == "optimal"
    targets = plan.tables["targets"]
    hard = targets[targets["hard"]]
    assert len(hard) > 0
    assert (hard["shortfall"] <= 1e-6 * hard["target"].clip(lower=1.0)).all()


def _optional_built(inst: Instance, plan: berthplan.Plan) -> int:
    return sum(
        1 for p in inst.projects if not p.committed and plan.decisions.starts.get(p.id) is not None
    )


@pytest.mark.parametrize("seed", BINDING_SEEDS)
def test_targets_bind(seed: int) -> None:
    """The optimum builds beyond the committed projects, and a hard row is tight."""
    inst = generate("small", seed=seed)
    plan = berthplan.solve(inst, "highs")
    assert plan.status == "optimal"
    assert _optional_built(inst, plan) >= 1
    targets = plan.tables["targets"]
    hard_tight = targets[targets["hard"] & targets["binding"]]
    budget = {b.year: b.capex for b in inst.budget}
    kpis = plan.tables["kpis"]
    budget_tight = [
        int(y)
        for y, c in zip(kpis["year"], kpis["capex"], strict=True)
        if int(y) in budget and abs(float(c) - budget[int(y)]) <= 1e-6
    ]
    assert len(hard_tight) > 0 or budget_tight


def test_budgets_bind() -> None:
    """Dropping the budgets lowers the optimal cost on most small seeds."""
    binding = 0
    for seed in BINDING_SEEDS:
        inst = generate("small", seed=seed)
        with_budget = berthplan.solve(inst, "highs").objective
        without = berthplan.solve(inst.model_copy(update={"budget": []}), "highs").objective
        assert without <= with_budget * (1 + 1e-6) + 1e-6
        binding += without < with_budget * (1 - 1e-6)
    assert binding >= 3


# -- command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli() -> click.Group:
    @click.group()
    def group() -> None:
        pass

    register(group)
    return group


def test_cli_writes_yaml_and_json(cli: click.Group, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "gen.yaml"
    result = runner.invoke(cli, ["generate", "--size", "small", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == generate_text("small", seed=4)
    out_json = tmp_path / "gen.json"
    result = runner.invoke(cli, ["generate", "--seed", "4", "--out", str(out_json)])
    assert result.exit_code == 0, result.output
    assert json.loads(out_json.read_text(encoding="utf-8"))["name"] == "gen-small-seed4"
    assert berthplan.load(out_json) == berthplan.load(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen.json", "gen.yaml"]
    assert out.stat().st_mode & 0o044  # readable by others (umask), not mkstemp's 0600


def test_cli_knobs(cli: click.Group, tmp_path: Path) -> None:
    out = tmp_path / "k.yaml"
    args = ["generate", "--out", str(out), "--ports", "2", "--areas-per-port", "2"]
    args += ["--projects", "10", "--routes", "3", "--years", "4", "--start-year", "2025"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    inst = berthplan.load(out)
    assert _counts(inst) == {"ports": 2, "areas": 4, "projects": 10, "routes": 3, "years": 4}
    assert inst.horizon.start == 2025


@pytest.mark.parametrize(
    "extra",
    [["--ports", "0"], ["--years", "1"], ["--routes", "-1"], ["--size", "huge"], ["--seed", "-3"]],
)
def test_cli_bad_knobs_exit_2(cli: click.Group, tmp_path: Path, extra: list[str]) -> None:
    out = tmp_path / "bad.yaml"
    result = CliRunner().invoke(cli, ["generate", "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert not out.exists()


def test_cli_missing_folder_exit_2(cli: click.Group, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["generate", "--out", str(tmp_path / "no" / "x.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# -- service levels (--service-levels) ---------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_service_level_instances_are_feasible_and_check(seed: int, tmp_path: Path) -> None:
    from berthplan.checker import check_plan
    from berthplan.model.pools import pools

    inst = generate("small", seed, service_levels=True)
    assert inst.name.endswith("-sl")
    assert {s.cargo for s in inst.service_levels} <= {"container", "dry_bulk", "liquid_bulk"}
    assert pools(inst)
    plan = berthplan.solve(inst)
    assert plan.status == "optimal"
    assert plan.info.solver_objective == pytest.approx(plan.objective, rel=1e-6)
    assert (
        plan.tables["queues"]["wait_ratio"] <= plan.tables["queues"]["max_wait_ratio"] + 1e-9
    ).all()
    folder = plan.write(tmp_path / "plan")
    report = check_plan(inst, folder)
    assert report.ok, [str(v) for v in report.violations]


def test_service_level_pools_start_at_the_design_volumes() -> None:
    # Each pool's call size is calibrated so that its capacity with the berths it starts with
    # equals design capacity x the class's utilization (to the call-size grid: 10 TEU, 1,000 t).
    from berthplan.generator import calibration as cal
    from berthplan.model.pools import pools

    inst = generate("small", 0, service_levels=True)
    for pool in pools(inst):
        if not pool.existing:
            continue
        design = sum(
            b.count * b.capacity
            for b in inst.berths
            if (b.area, b.cargo) == (pool.area, pool.cargo)
        )
        unit = 10.0 if pool.cargo == "container" else 1000.0
        tolerance = 0.5 * unit / float(pool.params.call_size or 1)
        assert pool.capacity(pool.existing) == pytest.approx(
            cal.MAX_UTILIZATION[pool.cargo] * design, rel=tolerance + 1e-9
        )


def test_service_levels_change_nothing_but_the_pools() -> None:
    plain, pooled = generate("small", 2), generate("small", 2, service_levels=True)
    assert plain.projects == pooled.projects and plain.berths == pooled.berths
    assert plain.routes == pooled.routes and plain.service_levels == []


def test_cli_generate_service_levels(tmp_path: Path) -> None:
    out = tmp_path / "sl.yaml"
    result = CliRunner().invoke(
        main, ["generate", "--size", "small", "--seed", "1", "--service-levels", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "service_levels:\n  - cargo: container" in out.read_text(encoding="utf-8")
    assert berthplan.load(out).service_levels

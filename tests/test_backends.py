"""Every available backend answers the same question the same way.

Parametrized over the registry: a backend that is not available here is skipped, not failed.
Exact backends must reach the HiGHS optimum (1e-6 relative) on every tiny instance and on
Liaoning, and `berthplan check` must accept each plan. CP-SAT is checked within its own stated
rounding bound where it accepts the model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import highspy
import pytest

import berthplan
import berthplan.optimization.solve
from berthplan.backends import REGISTRY, factory
from berthplan.checker import check_plan
from berthplan.optimization.export import write_model

ROOT = Path(__file__).resolve().parent.parent
TINY = sorted((ROOT / "tests" / "data" / "tiny").glob("*.yaml"))
POOLS = sorted((ROOT / "tests" / "data" / "pools").glob("*.yaml"))  # service levels
LIAONING = ROOT / "instances" / "liaoning-2023.yaml"
EXAMPLE = ROOT / "instances" / "example.yaml"
INTEGER_ONLY = {"ortools:cpsat"}
# Per-backend time cap on Liaoning, so CI stays bounded whatever the machine.
LIAONING_LIMIT_S = 120.0


def _available(name: str) -> bool:
    try:
        return factory(name)().available()[0]
    except ImportError:
        return False


EXACT = [n for n in REGISTRY if n not in INTEGER_ONLY]
BACKENDS = [
    pytest.param(n, marks=pytest.mark.skipif(not _available(n), reason=f"{n} not available"))
    for n in EXACT
]


def reference(path: Path) -> float:
    return berthplan.solve(berthplan.load(path), "highs").objective


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", [*TINY, *POOLS, EXAMPLE], ids=lambda p: p.stem)
def test_exact_backends_agree_on_small_instances(backend: str, path: Path, tmp_path: Path) -> None:
    inst = berthplan.load(path)
    plan = berthplan.solve(inst, backend)
    assert plan.status in ("optimal", "infeasible")
    assert plan.objective == pytest.approx(reference(path), rel=1e-6)
    report = check_plan(inst, plan.write(tmp_path / "plan"))
    assert report.ok, [str(v) for v in report.violations]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_exact_backends_agree_on_liaoning(backend: str, tmp_path: Path) -> None:
    inst = berthplan.load(LIAONING)
    plan = berthplan.solve(inst, backend, time_limit=LIAONING_LIMIT_S)
    assert plan.status == "optimal", (
        f"{backend} did not prove the optimum within {LIAONING_LIMIT_S} s"
    )
    assert plan.objective == pytest.approx(reference(LIAONING), rel=1e-6)
    assert check_plan(inst, plan.write(tmp_path / "plan")).ok


def test_at_least_six_exact_backends_are_available() -> None:
    available = [n for n in EXACT if _available(n)]
    assert len(available) >= 6, available


@pytest.mark.parametrize("fmt", ["mps", "lp"])
@pytest.mark.parametrize("path", [EXAMPLE, LIAONING], ids=lambda p: p.stem)
def test_exported_model_solved_outside_berthplan(fmt: str, path: Path, tmp_path: Path) -> None:
    # The file alone, read by HiGHS directly, gives berthplan's optimum (offset included).
    out = tmp_path / f"model.{fmt}"
    write_model(berthplan.load(path), out, fmt)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(out)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(reference(path), rel=1e-6)


def test_exported_names_are_readable(tmp_path: Path) -> None:
    out = tmp_path / "model.lp"
    write_model(berthplan.load(EXAMPLE), out, "lp")
    text = out.read_text()
    for name in ("x(p1w_channel.2024)", "z(dom_south.2023)", "budget(2024)", "commit(p1e_ct_3)"):
        assert name in text


@pytest.mark.filterwarnings(
    r"ignore:.*PuLP 4\.0:DeprecationWarning"
)  # PuLP's own API, used directly
def test_to_pulp_names_and_solves() -> None:
    import pulp

    from berthplan.optimization.export import to_pulp

    prob = to_pulp(berthplan.load(EXAMPLE))
    names = {v.name for v in prob.variables()}
    assert "x_p1w_channel_2024" in names
    assert "budget_2024" in prob.constraints
    prob.solve(pulp.HiGHS(msg=False))
    assert pulp.value(prob.objective) == pytest.approx(reference(EXAMPLE), rel=1e-6)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "code",
    [
        "import berthplan.cli",
        "import berthplan\nberthplan.solve(berthplan.load('instances/example.yaml'), 'highs')",
    ],
    ids=["cli", "highs-solve"],
)
def test_no_ortools_or_pulp_import(code: str) -> None:
    loaded = _modules_after(code)
    assert not {m for m in loaded if m.split(".")[0] in ("ortools", "pulp")}


@pytest.mark.parametrize("backend", ["highs", "pulp:cbc"])
def test_a_time_limited_run_is_feasible_never_optimal(backend: str, tmp_path: Path) -> None:
    # medium-0 takes HiGHS ~17 s to prove; stopped after 2 s, a plan in hand is `feasible`
    # with a positive gap (PuLP's own status says "Optimal" here; berthplan reads sol_status).
    inst = berthplan.load(ROOT / "instances" / "bench" / "medium-0.yaml")
    try:
        plan = berthplan.solve(inst, backend, time_limit=2)
    except berthplan.optimization.solve.SolveError as error:
        # no plan within the limit (a slow or loaded machine): exit 4, also not "optimal"
        assert str(error).startswith(f"{backend}: no_solution"), str(error)
        return
    assert plan.status == "feasible"
    assert plan.info.gap is not None and plan.info.gap > 0
    assert plan.info.best_bound is not None and plan.info.best_bound < plan.objective
    assert check_plan(inst, plan.write(tmp_path / "plan")).ok


def test_export_applies_scenario_and_set(tmp_path: Path) -> None:
    # The what-if's model, read by HiGHS directly, has the what-if's optimum.
    from helpers import invoke

    out = tmp_path / "whatif.mps"
    args = ("export", str(EXAMPLE), "--format", "mps", "--out", str(out))
    result = invoke(*args, "--set", "discount_rate=0.1")
    assert result.exit_code == 0, result.output
    expected = berthplan.solve(
        berthplan.apply_scenario(berthplan.load(EXAMPLE), sets=["discount_rate=0.1"])
    )
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(out)) == highspy.HighsStatus.kOk
    h.run()
    value = h.getInfo().objective_function_value
    assert value == pytest.approx(expected.objective, rel=1e-6)
    assert value != pytest.approx(reference(EXAMPLE), rel=1e-3)  # the override took effect
    bad = invoke(*args, "--force", "--set", "nope=1")
    assert bad.exit_code == 2 and "nope" in bad.output

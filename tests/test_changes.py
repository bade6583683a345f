"""A what-if solved against the base model (optimization.changes) is the what-if solved afresh.

For scenarios touching each kind of field (targets, budgets, capex, opex, route costs, the
discount rate; structural changes: a fixed start, a forbidden project), the changes found are the kind the
field implies, and the plan is the one ``solve`` finds for the merged instance: the same
objective and the same tables, byte for byte.
"""

from __future__ import annotations

import numpy as np
import pytest

from berthplan.model.io import load
from berthplan.model.scenario import Scenario, apply
from berthplan.optimization.changes import BaseModel, changes, describe, same_structure
from berthplan.optimization.profiles import resolve
from berthplan.optimization.solve import solve
from berthplan.results import atomic

LIAONING = "liaoning-2023"

SCENARIOS: dict[str, dict[str, object]] = {
    "targets": {"targets": [{"metric": "container_teu", "factor": 1.08, "years": [2026, 2030]}]},
    "budget": {"budget": {"factor": 0.85, "years": [2026, 2030]}},
    "capex": {"costs": {"capex": 1.25}},
    "opex": {"costs": {"opex": 0.8}},
    "routes": {"costs": {"routes": 1.3}},
    "discount": {"discount_rate": 0.03},
    "forbid": {"forbid": ["dl-tpw-ph1"]},
    "mixed": {
        "budget": {"factor": 1.2},
        "costs": {"capex": 0.9, "routes": 1.1},
        "discount_rate": 0.08,
        "targets": [{"metric": "berths_10k", "factor": 1.02, "years": [2028, 2030]}],
    },
    "structural": {"fix_start": {"yk-bq-basin-17m": 2027}},
}


@pytest.fixture(scope="module")
def base_model() -> BaseModel:
    profile = resolve("highs")
    return BaseModel(load(LIAONING), profile, profile.options(threads=1))


def _variant(base: BaseModel, name: str) -> object:
    return apply(base.instance, Scenario.model_validate(SCENARIOS[name] | {"name": name}))


def _families(base: BaseModel, rows: np.ndarray) -> set[str]:
    return {base.arrays.row_names[r].split("[")[0] for r in rows}


def _blocks(base: BaseModel, cols: np.ndarray) -> set[str]:
    return {base.arrays.col_names[c].split("[")[0] for c in cols}


def test_the_base_instance_changes_nothing(base_model: BaseModel) -> None:
    _, arrays, change = base_model.variant(base_model.instance)
    assert change is not None and change.empty and change.objective_only
    assert same_structure(base_model.arrays, arrays)
    assert describe(change) == "the base model unchanged"


def test_what_a_change_is_described_as(base_model: BaseModel) -> None:
    _, _, budget = base_model.variant(_variant(base_model, "budget"))  # type: ignore[arg-type]
    assert describe(budget) == "changes 5 right-hand sides"  # 2026-2030
    _, _, rate = base_model.variant(_variant(base_model, "discount"))  # type: ignore[arg-type]
    assert describe(rate).startswith("changes ") and describe(rate).endswith(" and the constant")
    assert "solved on its own" in describe(None)


@pytest.mark.parametrize(
    ("name", "rows", "coefficients", "cost"),
    [
        ("targets", {"target"}, set(), False),
        ("budget", {"budget"}, set(), False),
        ("capex", set(), {"budget"}, True),
        ("opex", set(), set(), True),
        ("routes", set(), set(), True),
        ("discount", set(), set(), True),
    ],
)
def test_each_kind_of_field_changes_what_it_should(
    base_model: BaseModel, name: str, rows: set[str], coefficients: set[str], cost: bool
) -> None:
    _, _, change = base_model.variant(_variant(base_model, name))  # type: ignore[arg-type]
    assert change is not None, "same rows and columns: not a structural change"
    assert _families(base_model, change.rows) == rows
    assert _families(base_model, change.coefficients) == coefficients
    assert bool(change.cost.size) == cost
    assert change.bounds.size == 0
    assert change.objective_only == (not rows and not coefficients)
    if name == "capex":
        assert _blocks(base_model, change.cost) == {"x"}


@pytest.mark.parametrize("name", ["structural", "forbid"])
def test_a_structural_change_is_found(base_model: BaseModel, name: str) -> None:
    _, arrays, change = base_model.variant(_variant(base_model, name))  # type: ignore[arg-type]
    assert change is None
    assert not same_structure(base_model.arrays, arrays)
    assert changes(arrays, arrays) is not None  # against itself, nothing is structural


def _texts(plan: object) -> dict[str, str]:
    return {name: atomic.csv_text(df) for name, df in plan.tables.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_plan_is_the_one_a_fresh_solve_finds(base_model: BaseModel, name: str) -> None:
    instance = _variant(base_model, name)
    plan = base_model.solve(instance)  # type: ignore[arg-type]
    fresh = solve(instance, "highs", threads=1)  # type: ignore[arg-type]
    assert plan is not None and plan.status == fresh.status == "optimal"
    assert plan.objective == fresh.objective
    assert plan.info.solver_objective == fresh.info.solver_objective
    assert plan.info.options == fresh.info.options
    assert plan.info.model_size == fresh.info.model_size
    assert _texts(plan) == _texts(fresh)


def test_what_only_a_full_solve_can_explain_is_left_to_it(base_model: BaseModel) -> None:
    overspent = apply(base_model.instance, Scenario(budget={"factor": 0.5, "years": (2023, 2023)}))
    assert base_model.solve(overspent) is None
    unreachable = apply(
        base_model.instance,
        Scenario.model_validate(
            {"targets": [{"metric": "berths_10k", "year": 2023, "value": 400}]}
        ),
    )
    assert base_model.solve(unreachable) is None  # a hard target no plan reaches


def test_threads_out_of_range_are_refused() -> None:
    from berthplan.errors import UsageError

    profile = resolve("highs")
    with pytest.raises(UsageError, match="out of range"):
        BaseModel(load(LIAONING), profile, profile.options(threads=0))


@pytest.mark.parametrize("name", ["targets", "capex", "mixed", "structural"])
def test_a_warm_start_reaches_the_same_optimum(base_model: BaseModel, name: str) -> None:
    import dataclasses

    from berthplan.backends import Options

    if "start" not in {f.name for f in dataclasses.fields(Options)}:
        pytest.skip("the backends take no start yet")
    warm = BaseModel(base_model.instance, base_model.profile, base_model.options, warm_start=True)
    instance = _variant(base_model, name)
    plan = warm.solve(instance)  # type: ignore[arg-type]
    fresh = solve(instance, "highs", threads=1)  # type: ignore[arg-type]
    assert warm.start() is not None
    assert plan is not None and plan.status == "optimal"
    assert plan.objective == pytest.approx(fresh.objective, rel=1e-9)

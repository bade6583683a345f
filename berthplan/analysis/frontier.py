"""The cost–target trade-off of one target, by ε-constraint: ``berthplan frontier``.

``berthplan frontier FILE --metric M --year Y [--port P] --from A --to B --steps N --out DIR``
sets the target (M, Y, P) hard at each of N evenly spaced values from A to B (adding it when
the instance has none; every other target as in the instance) and solves each step to a proven
optimum, one after the other. It writes each step's plan to ``DIR/step-NN/`` (for an
unreachable step, the closest plan) with its scenario file ``DIR/step-NN.yaml``,
``DIR/frontier.csv`` and the plot ``DIR/frontier.png``. With ``--scenario``/``--set`` the
frontier is that what-if's: each step's scenario file holds the what-if and the step's target,
and the ``--set`` overrides are applied after it (as ``solve`` does); solve.json records both,
so ``berthplan check FILE DIR/step-NN`` rebuilds them.

The *baseline* (the instance, with the what-if, without the target forced) is solved first
into ``DIR/baseline/``: its row in frontier.csv has step ``baseline``, and ``target`` the
value of the metric its plan reaches (what the target costs nothing up to).

frontier.csv has the baseline row, then one row per step, in step order, with the marginal
costs between steps (:mod:`berthplan.analysis.frontier_table`). An unreachable step has status
``infeasible`` and an empty objective. Raising a hard target only removes plans, so
proven-optimal costs never decrease as the target rises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from berthplan.analysis.frontier_table import READABLE, columns, table
from berthplan.analysis.sweep import METRICS, SOLVED, write_csv_atomic
from berthplan.errors import UsageError
from berthplan.results import atomic

if TYPE_CHECKING:
    from berthplan.model.instance import Instance
    from berthplan.model.scenario import Scenario
    from berthplan.results.plan import Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spec:
    """The target a frontier moves: metric, year and port (None: the province)."""

    metric: str
    year: int
    port: str | None = None

    @property
    def key(self) -> str:
        """The target's key in the scenario path grammar (``metric:year[:port]``)."""
        return f"{self.metric}:{self.year}" + (f":{self.port}" if self.port else "")


@dataclass(frozen=True)
class Step:
    """One point of the frontier; ``objective`` is None when the target is unreachable."""

    step: int
    target: float
    status: str
    objective: float | None = None


@dataclass(frozen=True)
class Baseline:
    """The what-if without the target forced: the metric's value it reaches (None: no plan)."""

    reached: float | None
    status: str
    objective: float | None = None


class Steps(list[Step]):
    """The steps of a frontier, in order, and its ``baseline`` (None when not solved)."""

    baseline: Baseline | None = None


@dataclass(frozen=True)
class WhatIf:
    """The user's what-if under every point of a frontier: a scenario and ``--set`` texts."""

    scenario: str | None = None
    sets: tuple[str, ...] = field(default_factory=tuple)

    def load(self) -> Scenario:
        """The scenario (empty without a file)."""
        from berthplan.model.scenario import Scenario

        return Scenario.from_file(self.scenario) if self.scenario else Scenario()

    def check(self, spec: Spec) -> None:
        """Refuse a ``--set`` of the very target the frontier moves (its steps set it)."""
        for text in self.sets:
            if text.replace(" ", "").startswith(f"targets[{spec.key}]"):
                raise UsageError(f"--set {text}: the frontier sets target {spec.key} itself")


def step_values(lo: float, hi: float, steps: int) -> list[float]:
    """``steps`` evenly spaced targets from ``lo`` to ``hi`` (both included)."""
    if steps == 1:
        return [lo]
    return [round(lo + i * (hi - lo) / (steps - 1), 6) for i in range(steps)]


def step_scenario(spec: Spec, value: float, under: Scenario | None = None) -> Scenario:
    """The scenario of one step: the target of ``spec`` hard at ``value`` (added if missing).

    ``under`` is the user's what-if: its changes come first, the step's target last (it wins
    where both change that target).
    """
    from berthplan.model.scenario import Scenario, TargetChange

    under = under or Scenario()
    change = TargetChange(metric=spec.metric, year=spec.year, port=spec.port, value=value)
    return under.model_copy(
        update={
            "name": f"frontier {spec.key}={value!r}",
            "targets": [*under.targets, change],
            # hard, also where the target was soft
            "set": {**under.set, f"targets[{spec.key}].penalty": None},
        }
    )


def with_target(instance: Instance, spec: Spec, value: float) -> Instance:
    """The instance with the target of ``spec`` hard at ``value``.

    Parameters
    ----------
    instance
        The base instance.
    spec
        The target to set; added when the instance has none for this metric, year and port.
    value
        The target value, in the metric's unit.

    Returns
    -------
    Instance
        The merged, validated instance.

    Raises
    ------
    UsageError
        When the merged instance is invalid (a year outside the horizon, an unknown port).
    """
    from berthplan.model.scenario import apply

    return apply(instance, step_scenario(spec, value))


def solve_step(
    base: Instance,
    spec: Spec,
    step: int,
    value: float,
    out: Path,
    what_if: WhatIf | None = None,
    **opts: Any,
) -> Step:
    """Solve one step; write its scenario to ``out/step-NN.yaml``, its plan to ``out/step-NN``.

    The scenario file (the what-if and the step's target) lets ``berthplan check FILE
    out/step-NN --scenario out/step-NN.yaml [--set ...]`` check the plan; solve.json records
    it and the ``--set`` overrides. ``opts``: ``solver``, ``time_limit``, ``instance_file``.
    """
    import yaml

    from berthplan.model.scenario import overridden

    what_if = what_if or WhatIf()
    scenario = out / f"step-{step:02d}.yaml"
    combined = step_scenario(spec, value, what_if.load())
    data = combined.model_dump(mode="json", exclude_defaults=True)
    atomic.write_text(scenario, yaml.safe_dump(data, sort_keys=False))
    instance, overrides = overridden(base, str(scenario), what_if.sets)
    plan, status = _solve(instance, opts)
    if plan is None:
        return Step(step, value, status)
    _record(plan, base, overrides, opts).write(out / f"step-{step:02d}")
    return Step(step, value, plan.status, plan.objective if plan.status in SOLVED else None)


def solve_baseline(
    base: Instance, spec: Spec, out: Path, what_if: WhatIf | None = None, **opts: Any
) -> Baseline:
    """Solve the what-if without the target forced; write its plan to ``out/baseline``."""
    from berthplan.model.scenario import overridden

    what_if = what_if or WhatIf()
    instance, overrides = overridden(base, what_if.scenario, what_if.sets)
    plan, status = _solve(instance, opts)
    if plan is None:
        return Baseline(None, status)
    _record(plan, base, overrides, opts).write(out / "baseline")
    reached = float(plan.outcome.kpi(spec.metric, spec.port)[spec.year - instance.horizon.start])
    objective = plan.objective if plan.status in SOLVED else None
    return Baseline(reached, plan.status, objective)


def _solve(instance: Instance, opts: dict[str, Any]) -> tuple[Plan | None, str]:
    """The plan, or None and why there is none (``infeasible`` or ``no_solution``)."""
    from berthplan.optimization.solve import InfeasibleError, SolveError, solve

    try:
        return solve(instance, opts.get("solver", "highs"), time_limit=opts.get("time_limit")), ""
    except InfeasibleError:
        return None, "infeasible"
    except SolveError:
        return None, "no_solution"


def _record(plan: Plan, base: Instance, overrides: list[str], opts: dict[str, Any]) -> Plan:
    """The plan with what solve.json records of its instance (``check`` rebuilds it)."""
    plan.info.instance_file = opts.get("instance_file")
    plan.info.base_hash = base.canonical_hash()
    plan.info.overrides = overrides
    return plan


def run_frontier(
    instance_file: str,
    spec: Spec,
    values: list[float],
    out: str | Path,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    on_step: Callable[[Step | Baseline], None] | None = None,
    what_if: WhatIf | None = None,
    baseline: bool = True,
    on_start: Callable[[int, float | None], None] | None = None,
) -> Steps:
    """Solve the frontier of ``spec`` at ``values``; write the plans, the CSV and the plot.

    Parameters
    ----------
    instance_file
        The base instance.
    spec
        The target moved (metric, year, port).
    values
        The target values, one step each, in order.
    out
        The frontier folder.
    solver, time_limit
        Backend name or profile, and seconds per step.
    on_step
        Called with each step (and the baseline) as soon as it is solved.
    what_if
        The user's scenario file and ``--set`` overrides, under every step and the baseline.
    baseline
        Whether to solve the baseline (the what-if without the target forced) first.
    on_start
        Called before each solve with the step's number (0: the baseline) and target value.

    Returns
    -------
    Steps
        The steps in order, unreachable ones with status ``infeasible``; ``.baseline`` set
        when it was solved.

    Raises
    ------
    UsageError
        When the metric, solver, instance, scenario or an override is invalid (before any
        solve), or ``--set`` changes the target the frontier moves.
    """
    from berthplan.optimization.profiles import resolve

    if spec.metric not in METRICS:
        raise UsageError(f"--metric {spec.metric}: expected one of {', '.join(METRICS)}")
    resolve(solver)
    what_if = what_if or WhatIf()
    what_if.check(spec)
    folder = atomic.claim_folder(out, "frontier.csv", "frontier folder")
    base = _checked_base(instance_file, what_if, spec, values)
    folder.mkdir(parents=True, exist_ok=True)
    opts = {"solver": solver, "time_limit": time_limit, "instance_file": str(instance_file)}
    steps = Steps()

    def started(n: int, value: float | None) -> None:
        if n == 0:
            log.info("frontier baseline: the target not forced")
        else:
            log.info("frontier step %d/%d: target %g", n, len(values), value)
        if on_start is not None:
            on_start(n, value)

    if baseline:
        started(0, None)
        steps.baseline = solve_baseline(base, spec, folder, what_if, **opts)
        if on_step is not None:
            on_step(steps.baseline)
    for i, v in enumerate(values, 1):
        started(i, v)
        steps.append(solve_step(base, spec, i, v, folder, what_if, **opts))
        if on_step is not None:
            on_step(steps[-1])
    rows = table(steps, spec.metric, steps.baseline)
    write_csv_atomic(folder / "frontier.csv", columns(spec.metric), rows)
    _plot(steps, spec, base.money_unit, folder / "frontier.png")
    return steps


def _plot(steps: Steps, spec: Spec, money_unit: str, path: Path) -> None:
    from berthplan.analysis.frontier_plot import plot

    _, label, scale = READABLE[spec.metric]
    where = f"{spec.metric} target {spec.year} ({spec.port or 'province'}), {label}"
    b = steps.baseline
    mark = None
    if b is not None and b.reached is not None and b.objective is not None:
        mark = (b.reached / scale, b.objective)
    plot([(s.target / scale, s.objective) for s in steps], where, money_unit, path, mark)


def _checked_base(instance_file: str, what_if: WhatIf, spec: Spec, values: list[float]) -> Instance:
    """The base instance, after checking that the what-if and the first step apply to it.

    Bad input (an unknown port, a year outside the horizon, a malformed override) is
    reported before the first solve, not after minutes of them; the steps differ only in the
    target's value, so the first stands for all.
    """
    from berthplan.model.io import load
    from berthplan.model.overrides import parse_set
    from berthplan.model.scenario import apply

    base = load(instance_file)
    scenario = what_if.load()
    pairs = [parse_set(text) for text in what_if.sets]
    apply(base, step_scenario(spec, values[0], scenario), pairs)
    return base

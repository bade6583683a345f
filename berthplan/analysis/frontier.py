"""The cost–target trade-off of one target, by ε-constraint: ``berthplan frontier``.

``berthplan frontier FILE --metric M --year Y [--port P] --from A --to B --steps N --out DIR``
sets the target (M, Y, P) hard at each of N evenly spaced values from A to B (adding it when
the instance has none; every other target as in the instance) and solves each step to a proven
optimum, one after the other. It writes each step's plan to ``DIR/step-NN/`` (for an
unreachable step, the closest plan) with its scenario file ``DIR/step-NN.yaml``,
``DIR/frontier.csv`` and the plot ``DIR/frontier.png``.

frontier.csv has one row per step, in step order: ``step, target, objective, status,
marginal_cost, marginal_cost_per_<unit>``. ``marginal_cost`` is
(objective_i − objective_{i−1}) / (target_i − target_{i−1}) in money per unit of the metric
(empty for the first step and next to an unreachable one); the last column gives it per a
readable unit: 10k TEU (container_teu), Mt (cargo_tons), berth (berths_10k), route
(new_routes). An unreachable step has status ``infeasible`` and an empty objective. Raising a
hard target only removes plans, so proven-optimal costs never decrease as the target rises.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from berthplan.analysis.sweep import METRICS, SOLVED, Row, number, write_csv_atomic
from berthplan.errors import UsageError
from berthplan.results import atomic

if TYPE_CHECKING:
    from berthplan.model.instance import Instance
    from berthplan.model.scenario import Scenario

READABLE: dict[str, tuple[str, str, float]] = {
    "container_teu": ("10k_teu", "10k TEU", 1e4),
    "cargo_tons": ("mt", "Mt", 1e6),
    "berths_10k": ("berth", "berths", 1.0),
    "new_routes": ("route", "routes", 1.0),
}
"""Per metric: the column suffix, the axis label and the size of the readable unit."""


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


def step_values(lo: float, hi: float, steps: int) -> list[float]:
    """``steps`` evenly spaced targets from ``lo`` to ``hi`` (both included)."""
    if steps == 1:
        return [lo]
    return [round(lo + i * (hi - lo) / (steps - 1), 6) for i in range(steps)]


def step_scenario(spec: Spec, value: float) -> Scenario:
    """The scenario of one step: the target of ``spec`` hard at ``value`` (added if missing)."""
    from berthplan.model.scenario import Scenario, TargetChange

    change = TargetChange(metric=spec.metric, year=spec.year, port=spec.port, value=value)
    return Scenario(
        name=f"frontier {spec.key}={value!r}",
        targets=[change],
        set={f"targets[{spec.key}].penalty": None},  # hard, also where the target was soft
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


def solve_step(base: Instance, spec: Spec, step: int, value: float, out: Path, **opts: Any) -> Step:
    """Solve one step; write its scenario to ``out/step-NN.yaml``, its plan to ``out/step-NN``.

    The scenario file lets ``berthplan check FILE out/step-NN --scenario out/step-NN.yaml``
    check the plan. ``opts``: ``solver``, ``time_limit``, ``instance_file``.
    """
    import yaml

    from berthplan.model.scenario import overridden
    from berthplan.optimization.solve import InfeasibleError, SolveError, solve

    scenario = out / f"step-{step:02d}.yaml"
    data = step_scenario(spec, value).model_dump(mode="json", exclude_defaults=True)
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    instance, overrides = overridden(base, str(scenario), ())
    try:
        plan = solve(instance, opts.get("solver", "highs"), time_limit=opts.get("time_limit"))
    except InfeasibleError:
        return Step(step, value, "infeasible")
    except SolveError:
        return Step(step, value, "no_solution")
    plan.info.instance_file = opts.get("instance_file")
    plan.info.base_hash = base.canonical_hash()
    plan.info.overrides = overrides
    plan.write(out / f"step-{step:02d}")
    return Step(step, value, plan.status, plan.objective if plan.status in SOLVED else None)


def marginal(prev: Step | None, step: Step) -> float | None:
    """(objective change) / (target change) from ``prev`` to ``step``; None where undefined."""
    if prev is None or prev.objective is None or step.objective is None:
        return None
    if step.target == prev.target:
        return None
    return (step.objective - prev.objective) / (step.target - prev.target)


def columns(metric: str) -> list[str]:
    """The columns of frontier.csv for ``metric``."""
    base = ["step", "target", "objective", "status", "marginal_cost"]
    return [*base, f"marginal_cost_per_{READABLE[metric][0]}"]


def table(steps: list[Step], metric: str) -> list[Row]:
    """The rows of frontier.csv: formatted like the results contract (``%.6f`` floats)."""
    scale, rows = READABLE[metric][2], []
    for prev, step in zip([None, *steps[:-1]], steps, strict=True):
        m = marginal(prev, step)
        rows.append(
            {
                "step": str(step.step),
                "target": number(step.target),
                "objective": number(step.objective),
                "status": step.status,
                "marginal_cost": number(m),
                columns(metric)[-1]: number(None if m is None else m * scale),
            }
        )
    return rows


def decreasing(steps: list[Step], rel: float = 1e-9) -> list[int]:
    """Steps whose cost is below an earlier reachable step's of a lower target (not optimal)."""
    found, best = [], None
    for step in sorted(steps, key=lambda s: (s.target, s.step)):
        if step.objective is None:
            continue
        if best is not None and step.objective < best - rel * max(1.0, abs(best)):
            found.append(step.step)
        best = step.objective if best is None else max(best, step.objective)
    return found


def plot(steps: list[Step], spec: Spec, money_unit: str, path: Path) -> None:
    """Objective against target, unreachable targets marked, as a PNG (Agg backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, label, scale = READABLE[spec.metric]
    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ok = [(s.target / scale, s.objective) for s in steps if s.objective is not None]
    ax.plot([x for x, _ in ok], [y for _, y in ok], "o-", label="optimal cost")
    for n, s in enumerate(x for x in steps if x.objective is None):
        ax.axvline(
            s.target / scale, color="tab:red", ls=":", label="unreachable" if n == 0 else None
        )
    ax.set_xlabel(f"{spec.metric} target {spec.year} ({spec.port or 'province'}), {label}")
    ax.set_ylabel(f"total discounted cost ({money_unit})")
    ax.set_title("Cost–target frontier")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    atomic.write_bytes(path, buffer.getvalue())


def run_frontier(
    instance_file: str,
    spec: Spec,
    values: list[float],
    out: str | Path,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> list[Step]:
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
        Called with each step as soon as it is solved (progress for a command line).

    Returns
    -------
    list of Step
        The steps in order, unreachable ones with status ``infeasible``.
    """
    from berthplan.model.io import load
    from berthplan.optimization.profiles import resolve

    if spec.metric not in METRICS:
        raise UsageError(f"--metric {spec.metric}: expected one of {', '.join(METRICS)}")
    resolve(solver)
    folder = atomic.claim_folder(out, "frontier.csv", "frontier folder")
    base = load(instance_file)
    folder.mkdir(parents=True, exist_ok=True)
    opts = {"solver": solver, "time_limit": time_limit, "instance_file": str(instance_file)}
    steps = []
    for i, v in enumerate(values, 1):
        steps.append(solve_step(base, spec, i, v, folder, **opts))
        if on_step is not None:
            on_step(steps[-1])
    write_csv_atomic(folder / "frontier.csv", columns(spec.metric), table(steps, spec.metric))
    plot(steps, spec, base.money_unit, folder / "frontier.png")
    return steps

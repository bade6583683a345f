"""frontier.csv: a frontier's steps as a cost curve, with their marginal costs (numbers only).

frontier.csv has the baseline row, then one row per step, in step order: ``step, target,
objective, status, marginal_cost, marginal_cost_per_<unit>``. ``marginal_cost`` is
(objective_i − objective_{i−1}) / (target_i − target_{i−1}) in money per unit of the metric
(empty for the first step and next to an unreachable one, :func:`marginal`); the last column
gives it per a readable unit (:data:`READABLE`): 10k TEU (container_teu), Mt (cargo_tons),
berth (berths_10k), route (new_routes). Raising a hard target only removes plans, so
proven-optimal costs never decrease as the target rises: :func:`decreasing` names the steps
that break this. :mod:`berthplan.analysis.frontier` solves the steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from berthplan.analysis.sweep import Row, number

if TYPE_CHECKING:
    from berthplan.analysis.frontier import Baseline, Step

READABLE: dict[str, tuple[str, str, float]] = {
    "container_teu": ("10k_teu", "10k TEU", 1e4),
    "cargo_tons": ("mt", "Mt", 1e6),
    "berths_10k": ("berth", "berths", 1.0),
    "new_routes": ("route", "routes", 1.0),
}
"""Per metric: the column suffix, the axis label and the size of the readable unit."""


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


def table(steps: list[Step], metric: str, baseline: Baseline | None = None) -> list[Row]:
    """The rows of frontier.csv: formatted like the results contract (``%.6f`` floats)."""
    scale, rows = READABLE[metric][2], []
    if baseline is not None:
        rows.append(
            {
                "step": "baseline",
                "target": number(baseline.reached),
                "objective": number(baseline.objective),
                "status": baseline.status,
                "marginal_cost": "",
                columns(metric)[-1]: "",
            }
        )
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

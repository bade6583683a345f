"""The two-stage plan under demand uncertainty: here-and-now commitments, recourse per scenario.

:func:`solve_two_stage` solves the extensive form (:mod:`berthplan.optimization.extensive`),
recomputes and checks every scenario's plan, and measures what planning for uncertainty is
worth (Birge and Louveaux, *Introduction to Stochastic Programming*, ch. 4):

- RP, the stochastic plan's objective; WS, the expected cost with perfect foresight (each
  scenario solved alone); EVPI = RP - WS (risk-neutral plans only);
- EV, the mean-forecast plan; EEV, the objective when the mean-forecast plan's first stage
  is committed and every scenario takes its best recourse; VSS = EEV - RP.

Both are >= 0 up to the MIP gap. The here-and-now decisions go out as a plan of the base
instance (its first stage committed, the rest re-optimised for the base demand), so the
usual tools (check, compare, report) read it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from berthplan import backends
from berthplan.backends import Backend, Options, Result, Status
from berthplan.backends.arrays import Arrays
from berthplan.model.commitment import Commitment, commitment_of
from berthplan.model.instance import Instance
from berthplan.model.scenario import Scenario, apply
from berthplan.model.uncertainty import (
    Uncertainty,
    mean_instance,
    penalty_changes,
    scenario_instance,
)
from berthplan.optimization.extensive import Extensive, Risk, stack
from berthplan.optimization.formulation import Built, build
from berthplan.optimization.profiles import Profile, resolve
from berthplan.optimization.solve import (
    InfeasibleError,
    SolveError,
    decisions_from,
    solve,
    verify,
)
from berthplan.results.plan import Plan
from berthplan.results.recourse import ScenarioPlan


@dataclass
class TwoStage:
    """The two-stage plan: the commitment, each scenario's recourse and the figures of merit."""

    plan: Plan
    commitment: Commitment
    recourse: list[ScenarioPlan]
    risk: Risk
    measures: dict[str, Any] = field(default_factory=dict)


def cvar(costs: np.ndarray, p: np.ndarray, level: float) -> float:
    """CVaR at ``level`` of a discrete cost distribution (mean of the worst 1 - level)."""
    return min(float(eta + (p * np.maximum(costs - eta, 0)).sum() / (1 - level)) for eta in costs)


def risk_objective(costs: np.ndarray, p: np.ndarray, risk: Risk) -> float:
    """(1 - lambda) E[cost] + lambda CVaR(cost): what the extensive form minimises."""
    mean = float(p @ costs)
    return (
        mean
        if risk.weight == 0
        else (1 - risk.weight) * mean + risk.weight * cvar(costs, p, risk.level)
    )


def solve_two_stage(
    base: Instance,
    uncertainty: Uncertainty,
    commit_years: int,
    solver: str | Profile = "highs",
    *,
    risk: Risk | None = None,
    options: Options | None = None,
    measures: bool = True,
    progress: Callable[[str], None] | None = None,
) -> TwoStage:
    """The two-stage plan of ``base`` under ``uncertainty``; first stage: ``commit_years``.

    Decisions taking effect before ``horizon.start + commit_years`` are common to every
    scenario. ``options`` (time limit, gap, threads) hold for the whole call: each solve
    gets what is left of the time limit. ``measures``: also compute WS, EV, EEV, VSS, EVPI.
    ``progress`` is told each step as it starts (one line each).

    Raises
    ------
    InfeasibleError
        When no first stage has a recourse in every scenario (the scenarios to blame named).
    SolveError
        When a solver fails, or a plan fails its independent check.
    """
    t0 = time.perf_counter()
    profile = solver if isinstance(solver, Profile) else resolve(solver)
    opts = options or profile.options()
    backend = backends.get(profile.backend)
    before = base.horizon.start + commit_years
    risk = risk or Risk()
    probs = np.array(uncertainty.probabilities)
    instances = [scenario_instance(base, s, uncertainty.penalties) for s in uncertainty.scenarios]
    builts = [build(inst) for inst in instances]
    ext = stack(builts, list(probs), before, risk)
    say = progress or (lambda _: None)
    n_cols, n_rows = len(ext.arrays.c), ext.arrays.A.shape[0]
    say(f"extensive form: {len(builts)} scenarios, {n_cols:,} columns, {n_rows:,} rows")
    result = backend.solve(ext.arrays, _left(opts, t0))
    if result.status == Status.INFEASIBLE:
        raise _why_infeasible(uncertainty, ext.scenarios, backend, _left(opts, t0))
    if not result.has_solution or result.x is None:
        raise SolveError(f"{profile.backend}: {result.status.value} ({result.message})")
    recourse = _recourse(uncertainty, instances, builts, ext, result.x, profile.backend)
    d0 = recourse[0].plan.decisions
    commitment = commitment_of(d0.starts, d0.opens, before)
    say("here-and-now plan of the base forecast")
    here = _here_and_now(base, uncertainty, commitment, profile, opts, t0)
    costs = np.array([r.cost for r in recourse])
    out = TwoStage(here, commitment, recourse, risk)
    out.measures = _rp(result, costs, probs, risk, len(ext.arrays.c), profile.backend)
    if measures:
        say(f"figures of merit: {len(builts)} perfect-foresight solves, the mean forecast, EEV")
        out.measures |= _figures(out, instances, builts, ext, backend, opts, t0)
    out.measures["wall_time_s"] = time.perf_counter() - t0
    return out


def _left(opts: Options, t0: float) -> Options:
    if opts.time_limit is None:
        return opts
    left = max(opts.time_limit - (time.perf_counter() - t0), 0.01)
    return replace(opts, time_limit=left)  # keeps the fields as_dict leaves out (progress)


def _why_infeasible(
    unc: Uncertainty, models: list[Arrays], backend: Backend, opts: Options
) -> InfeasibleError:
    alone = [backend.solve(a, opts).status for a in models]
    blame = [s.id for s, st in zip(unc.scenarios, alone, strict=True) if st == Status.INFEASIBLE]
    if blame:
        head = f"no plan exists for the demand of scenario{'s' if len(blame) > 1 else ''} "
        tip = "(soften the throughput targets with target_penalties in the uncertainty file)"
        return InfeasibleError(f"{head}{', '.join(blame)}, even alone {tip}", [])
    return InfeasibleError(
        "every scenario has a plan alone, but no first stage serves them all: commit fewer "
        "years (--commit-years) or soften the targets (target_penalties)",
        [],
    )


def _recourse(
    unc: Uncertainty,
    instances: list[Instance],
    builts: list[Built],
    ext: Extensive,
    x: np.ndarray,
    solver: str,
) -> list[ScenarioPlan]:
    """Every scenario's plan, recomputed and checked; its cost must be the solver's."""
    out = []
    for k, (s, inst, b) in enumerate(zip(unc.scenarios, instances, builts, strict=True)):
        decisions = decisions_from(b, ext.scenario_x(x, k))
        plan = Plan(inst, decisions, sets=b.sets)
        verify(plan, f"{solver} (scenario {s.id})")
        _agree(plan.objective, ext.scenario_cost(x, k), f"{solver} (scenario {s.id})")
        out.append(ScenarioPlan(s.id, s.probability, plan))
    return out


def _agree(recomputed: float, solver_cost: float, who: str) -> None:
    if abs(recomputed - solver_cost) > 1e-6 * max(1.0, abs(solver_cost)):
        raise SolveError(
            f"{who}: the solver's cost {solver_cost:,.6f} is not the plan's recomputed cost "
            f"{recomputed:,.6f}"
        )


def _here_and_now(
    base: Instance,
    unc: Uncertainty,
    commitment: Commitment,
    profile: Profile,
    opts: Options,
    t0: float,
) -> Plan:
    """The base instance's plan with the first stage committed (a plan folder's worth)."""
    changes = penalty_changes(base, unc.penalties)
    scenario = Scenario.model_validate({"commit": commitment, "targets": changes})
    plan = solve(apply(base, scenario), profile, options=_left(opts, t0))
    plan.info.base_hash = base.canonical_hash()
    plan.info.overrides = scenario.describe()
    return plan


def _rp(
    result: Result, costs: np.ndarray, p: np.ndarray, risk: Risk, size: int, solver: str
) -> dict[str, Any]:
    status = "optimal" if result.status == Status.OPTIMAL else "feasible"
    return {
        "status": status,
        "backend": solver,
        "objective": risk_objective(costs, p, risk),
        "solver_objective": result.objective,
        "best_bound": result.bound,
        "gap": result.gap,
        "expected_cost": float(p @ costs),
        "cvar": cvar(costs, p, risk.level) if risk.weight > 0 else None,
        "risk_weight": risk.weight,
        "cvar_level": risk.level,
        "variables": size,
    }


def _figures(
    two: TwoStage,
    instances: list[Instance],
    builts: list[Built],
    ext: Extensive,
    backend: Backend,
    opts: Options,
    t0: float,
) -> dict[str, Any]:
    """WS and EVPI; EV, EEV and VSS (None where a solve found nothing within the limits)."""
    rp = two.measures["objective"]
    for k, (r, b, inst) in enumerate(zip(two.recourse, builts, instances, strict=True)):
        r.perfect_foresight = _alone(ext.scenarios[k], b, inst, backend, _left(opts, t0))
    ws_known = all(r.perfect_foresight is not None for r in two.recourse)
    ws = float(sum(r.probability * (r.perfect_foresight or 0.0) for r in two.recourse))
    ev, eev = _eev(instances, builts, ext, backend, opts, t0)
    return {
        "ws": ws if ws_known else None,
        "evpi": rp - ws if ws_known and two.risk.weight == 0 else None,
        "ev": ev,
        "eev": eev,
        "vss": None if eev is None else eev - rp,
    }


def _alone(
    model: Arrays, b: Built, inst: Instance, backend: Backend, opts: Options
) -> float | None:
    """A scenario's optimum solved alone (its model as stacked: built once)."""
    result = backend.solve(model, opts)
    if not result.has_solution or result.x is None or result.status != Status.OPTIMAL:
        return None
    return _cost(inst, b, result.x)


def _cost(inst: Instance, b: Built, x: np.ndarray) -> float:
    """The recomputed cost of the decisions in ``x`` (a column vector of ``b``'s model)."""
    return Plan(inst, decisions_from(b, x), sets=b.sets).objective


def _eev(
    instances: list[Instance],
    builts: list[Built],
    ext: Extensive,
    backend: Backend,
    opts: Options,
    t0: float,
) -> tuple[float | None, float | None]:
    """The mean-forecast plan's cost, and its first stage's objective over the scenarios."""
    mean = mean_instance(instances, list(ext.probabilities))
    b = build(mean)
    result = backend.solve(b.model.arrays(), _left(opts, t0))
    if result.status != Status.OPTIMAL or result.x is None:
        return None, None
    ev = _cost(mean, b, result.x)
    fixed = backend.solve(ext.fixed(np.round(result.x[ext.first])), _left(opts, t0))
    if fixed.status == Status.INFEASIBLE:
        return ev, math.inf  # the mean plan's commitments leave a scenario without a plan
    if fixed.status != Status.OPTIMAL or fixed.x is None:
        return ev, None
    x = fixed.x
    costs = np.array(
        [
            _cost(inst, bk, ext.scenario_x(x, k))
            for k, (inst, bk) in enumerate(zip(instances, builts, strict=True))
        ]
    )
    return ev, risk_objective(costs, ext.probabilities, ext.risk)


__all__ = ["Risk", "TwoStage", "cvar", "solve_two_stage"]

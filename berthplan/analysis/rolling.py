"""Rolling-horizon planning: plan ``foresight`` years ahead, commit the first year, step.

What foresight is worth: the plan a planner makes who each year sees only the next few years
(:func:`~berthplan.model.replan.truncate`), against the plan of the whole horizon. Each step
re-plans from its year with everything decided before frozen
(:func:`~berthplan.model.replan.roll_forward`) and keeps the starts and openings of that year
only; the decisions of all steps make one plan of the whole horizon, recomputed and checked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from berthplan.model.commitment import Commitment
from berthplan.model.instance import Instance
from berthplan.model.replan import Actuals, roll_forward, truncate
from berthplan.optimization.profiles import Profile
from berthplan.optimization.solve import solve, verify
from berthplan.results.outcome import Decisions
from berthplan.results.plan import Plan


@dataclass
class Rolling:
    """The rolled plan and each step's status and (myopic) objective."""

    plan: Plan
    steps: list[dict[str, object]] = field(default_factory=list)


def roll(
    base: Instance,
    frozen: Commitment,
    foresight: int,
    solver: str | Profile = "highs",
    actuals: Actuals | None = None,
) -> Rolling:
    """Plan the years from ``frozen.before`` on, ``foresight`` years ahead at each step.

    Raises
    ------
    InfeasibleError, SolveError
        As :func:`~berthplan.optimization.solve.solve`, at the step that fails.
    """
    t0 = time.perf_counter()
    start, end = frozen.before, base.horizon.end
    starts, opens = dict(frozen.starts), dict(frozen.opens)
    steps: list[dict[str, object]] = []
    for year in range(start, end + 1):
        commit = Commitment(before=year, starts=starts, opens=opens)
        seen = truncate(roll_forward(base, commit, actuals), min(year + foresight - 1, end))
        plan = solve(seen, solver)
        d = plan.decisions
        starts |= {k: v for k, v in d.starts.items() if v == year}
        opens |= {k: v for k, v in d.opens.items() if v == year}
        steps.append({"year": year, "status": plan.status, "objective": plan.objective})
    rolled = roll_forward(
        base, Commitment(before=start, starts=frozen.starts, opens=frozen.opens), actuals
    )
    plan = Plan(rolled, Decisions.complete(rolled, starts, opens))
    plan.info.backend = f"rolling ({foresight}-year foresight)"
    plan.info.wall_time = time.perf_counter() - t0
    plan.info.status = "infeasible" if plan.outcome.missed() else "feasible"
    verify(plan, plan.info.backend)
    return Rolling(plan, steps)

"""Why an instance is infeasible, in planners' terms.

Two phases with every hard target elastic (docs/formulation.md, "Infeasible instances"): the
least total normalized shortfall, then the cheapest plan at that shortfall. When even that is
infeasible, no target explains it: every row gets a slack and the rows that must give are named.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from berthplan.backends import Backend, Options, Result, Status
from berthplan.optimization.formulation import Built
from berthplan.optimization.sparse import Arrays

PHASE_TOL = 1e-7
DEFINITIONS = ("in_service",)  # families that define variables rather than constrain the plan


class PhaseError(Exception):
    """An elastic phase found no answer within the limits (not an infeasibility)."""


_EXPLAIN = {
    "commit": "committed project {0} cannot be scheduled within its start window",
    "open_once": "route {0} must open (forced by the scenario) but cannot",
    "capacity": "handling at {0} ({1}) in {2} exceeds its capacity",
    "demand": "throughput of {0} ({1}) in {2} exceeds the demand ceiling",
    "served_offered": "TEU served at {0} in {1} exceeds the TEU offered",
    "served_capacity": "TEU served at {0} in {1} exceeds the container capacity",
    "depth": "route {0} calls at {1} in {2}, which is too shallow",
    "requires": "project {0} starts in {2} or earlier, but its prerequisite {1} cannot be completed by the year before",
    "group": "more than one project of group {0} is needed",
    "budget": "the {0} capex budget is exceeded",
    "target": "target {0} of {1} in {2} cannot be met",
}


@dataclass(frozen=True)
class Conflict:
    """A row that had to give, with how much (in the row's own model units)."""

    family: str
    label: str
    slack: float

    def explain(self) -> str:
        inside = self.label[self.label.index("[") + 1 : -1].split(",") if "[" in self.label else []
        template = _EXPLAIN.get(self.family, "{0}")
        try:
            text = template.format(*inside)
        except IndexError:
            text = self.label
        return f"{self.label}: {text} (short by {self.slack:.6g})"


def elastic_targets(
    built: Built, arrays: Arrays, backend: Backend, options: Options
) -> Result | None:
    """Phases 1 and 2; the closest plan, or None when no target explains the infeasibility."""
    cols = built.shortfall.cols
    hard = built.hard
    weight = np.zeros(len(arrays.c))
    scaled = built.target_scaled
    weight[cols[hard]] = np.where(scaled[hard] > 0, 1.0 / np.maximum(scaled[hard], 1e-12), 0.0)
    ub = arrays.ub.copy()
    ub[cols[hard]] = np.inf
    phase1 = replace(arrays, c=weight, offset=0.0, ub=ub)
    first = backend.solve(phase1, options)
    if first.status == Status.INFEASIBLE:
        return None
    if not first.has_solution or first.objective is None:
        raise PhaseError(f"phase 1 (least shortfall): {first.status.value} ({first.message})")
    limit = first.objective * (1 + PHASE_TOL) + 1e-9
    row = sp.csr_matrix(weight[None, :])
    phase2 = replace(
        arrays,
        ub=ub,
        A=sp.csr_matrix(sp.vstack([arrays.A, row])),
        row_lo=np.append(arrays.row_lo, -np.inf),
        row_hi=np.append(arrays.row_hi, limit),
        row_names=[*arrays.row_names, "shortfall_limit"],
    )
    second = backend.solve(phase2, options)
    second.log = first.log + "\n" + second.log
    if not second.has_solution:
        raise PhaseError(
            f"phase 2 (cheapest at that shortfall): {second.status.value} ({second.message})"
        )
    return second


def conflicting_rows(
    built: Built, arrays: Arrays, backend: Backend, options: Options
) -> list[Conflict]:
    """Relax every row with a priced slack; the rows whose slack is used are the conflict."""
    n_rows, n_cols = arrays.A.shape
    lo_finite = np.isfinite(arrays.row_lo)
    hi_finite = np.isfinite(arrays.row_hi)
    # +s helps rows with a lower bound, -s rows with an upper bound; equalities get both.
    # Definitional rows (in_service) stay exact: a slack there would fake a project in service.
    exact = np.zeros(n_rows, bool)
    for name in DEFINITIONS:
        fam = built.model.families.get(name)
        if fam is not None:
            exact[fam.start : fam.start + fam.size] = True
    up = np.nonzero(lo_finite & ~exact)[0]
    down = np.nonzero(hi_finite & ~exact)[0]
    slack = sp.hstack(
        [
            sp.csr_matrix((np.ones(len(up)), (up, np.arange(len(up)))), shape=(n_rows, len(up))),
            sp.csr_matrix(
                (-np.ones(len(down)), (down, np.arange(len(down)))), shape=(n_rows, len(down))
            ),
        ]
    )
    n_slack = len(up) + len(down)
    ub = arrays.ub.copy()
    ub[built.shortfall.cols[built.hard]] = np.inf
    relaxed = replace(
        arrays,
        c=np.concatenate([np.zeros(n_cols), np.ones(n_slack)]),
        offset=0.0,
        lb=np.concatenate([arrays.lb, np.zeros(n_slack)]),
        ub=np.concatenate([ub, np.full(n_slack, np.inf)]),
        integer=np.concatenate([arrays.integer, np.zeros(n_slack, bool)]),
        A=sp.csr_matrix(sp.hstack([arrays.A, slack])),
        col_names=[*arrays.col_names, *(f"slack{i}" for i in range(n_slack))],
    )
    result = backend.solve(relaxed, options)
    if result.status == Status.INFEASIBLE:
        return []
    if not result.has_solution or result.x is None:
        raise PhaseError(f"relaxing every row: {result.status.value} ({result.message})")
    used = result.x[n_cols:]
    rows = np.concatenate([up, down])
    out = []
    for r, amount in sorted(zip(rows, used, strict=True), key=lambda t: int(t[0])):
        if amount > 1e-6:
            fam = built.model.family_of_row(int(r))
            out.append(Conflict(fam.name, arrays.row_names[int(r)], float(amount)))
    return out


def is_infeasible(result: Result) -> bool:
    return result.status == Status.INFEASIBLE

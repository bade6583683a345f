"""The extensive form of the two-stage plan: one model, its columns indexed by scenario.

Every scenario's model is the same :func:`~berthplan.optimization.formulation.build` of the
instance under that scenario's demand (docs/formulation.md, "Plans under uncertainty"): the
same columns and rows, other coefficients. The extensive form stacks them, rows by scenario,
and shares the **first-stage** columns — project starts and route openings taking effect
before the commitment year — between all scenarios (non-anticipativity by substitution: one
column, no equality rows). Every other column is indexed by scenario. The objective is

    (1 - lambda) * sum_k p_k cost_k + lambda * CVaR_alpha(cost)

with ``cost_k = c_k x_k + offset_k`` and the CVaR of Rockafellar and Uryasev (2000):
``eta + 1/(1 - alpha) sum_k p_k u_k``, ``u_k >= cost_k - eta``, ``u_k >= 0``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from berthplan.backends.arrays import Arrays
from berthplan.optimization.formulation import Built

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Risk:
    """The risk term: ``weight`` (lambda in [0, 1]) on the CVaR of cost at ``level`` (alpha)."""

    weight: float = 0.0
    level: float = 0.9

    def __post_init__(self) -> None:
        if not (0.0 <= self.weight <= 1.0 and 0.0 <= self.level < 1.0):
            raise ValueError("risk: weight must be in [0, 1] and the CVaR level in [0, 1)")


@dataclass(frozen=True)
class Extensive:
    """The stacked model and where each scenario's columns went."""

    arrays: Arrays
    scenarios: list[Arrays]
    columns: list[IntArray]
    """``columns[k][i]``: the extensive column of scenario ``k``'s column ``i``."""
    first: BoolArray
    """The first-stage columns of a scenario's model (shared by every scenario)."""
    probabilities: FloatArray
    risk: Risk

    def scenario_x(self, x: FloatArray, k: int) -> FloatArray:
        """Scenario ``k``'s column values out of the extensive solution ``x``."""
        return x[self.columns[k]]

    def scenario_cost(self, x: FloatArray, k: int) -> float:
        """Scenario ``k``'s cost (its own objective, offset included) at ``x``."""
        a = self.scenarios[k]
        return float(a.c @ self.scenario_x(x, k) + a.offset)

    def fixed(self, first_values: FloatArray) -> Arrays:
        """The extensive form with the first-stage columns fixed to ``first_values``."""
        lb, ub = self.arrays.lb.copy(), self.arrays.ub.copy()
        cols = self.columns[0][self.first]
        lb[cols] = ub[cols] = first_values
        return replace(self.arrays, lb=lb, ub=ub)


def first_stage(built: Built, before: int) -> BoolArray:
    """Start and opening columns of years before ``before``: decided here and now."""
    s = built.sets
    mask = np.zeros(built.model.n_cols, dtype=bool)
    _, xs = s.x_cols
    _, zt = s.z_cols
    mask[built.x.cols[xs < before]] = True
    mask[built.z.cols[zt < before]] = True
    return mask


def stack(
    builts: list[Built], probabilities: list[float], before: int, risk: Risk | None = None
) -> Extensive:
    """The extensive form of the scenario models ``builts`` (docs/formulation.md).

    Raises
    ------
    ValueError
        When the scenario models differ in their columns (they must differ in data only).
    """
    risk = risk or Risk()
    models = [b.model.arrays() for b in builts]
    names = models[0].col_names
    if any(m.col_names != names for m in models[1:]):
        raise ValueError("the scenario models differ in their columns, not only in demand")
    first = first_stage(builts[0], before)
    columns = _columns(first, len(models))
    p = np.asarray(probabilities, dtype=float)
    total = int(max(c.max(initial=-1) for c in columns)) + 1
    arrays = _assemble(models, columns, p * (1.0 - risk.weight), total)
    arrays = _name(arrays, names, columns, first)
    if risk.weight > 0:
        arrays = _with_cvar(arrays, models, columns, p, risk)
    return Extensive(arrays, models, columns, first, p, risk)


def _columns(first: BoolArray, count: int) -> list[IntArray]:
    n = len(first)
    second = np.nonzero(~first)[0]
    out = []
    for k in range(count):
        cols = np.arange(n, dtype=np.int64)
        if k:
            cols[second] = n + (k - 1) * len(second) + np.arange(len(second))
        out.append(cols)
    return out


def _assemble(models: list[Arrays], columns: list[IntArray], weight: FloatArray, n: int) -> Arrays:
    rows, cols, vals = [], [], []
    c, lb, ub = np.zeros(n), np.zeros(n), np.zeros(n)
    integer = np.zeros(n, dtype=bool)
    offset, m0 = 0.0, 0
    for k, (a, col) in enumerate(zip(models, columns, strict=True)):
        coo = a.A.tocoo()
        rows.append(coo.row.astype(np.int64) + m0)
        cols.append(col[coo.col])
        vals.append(coo.data)
        np.add.at(c, col, weight[k] * a.c)
        lb[col], ub[col], integer[col] = a.lb, a.ub, a.integer
        offset += weight[k] * a.offset
        m0 += a.A.shape[0]
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m0, n)
    )
    return Arrays(
        c=c,
        offset=float(offset),
        lb=lb,
        ub=ub,
        integer=integer,
        A=A,
        row_lo=np.concatenate([a.row_lo for a in models]),
        row_hi=np.concatenate([a.row_hi for a in models]),
        col_names=[],
        row_names=[f"{name}@{k}" for k, a in enumerate(models) for name in a.row_names],
    )


def _name(arrays: Arrays, names: list[str], columns: list[IntArray], first: BoolArray) -> Arrays:
    out = [""] * len(arrays.c)
    for k, col in enumerate(columns):
        for i in np.nonzero(~first)[0] if k else range(len(names)):
            out[col[i]] = names[i] if first[i] else f"{names[i]}@{k}"
    return replace(arrays, col_names=out)


def _with_cvar(
    arrays: Arrays, models: list[Arrays], columns: list[IntArray], p: FloatArray, risk: Risk
) -> Arrays:
    """Add eta and u_k with rows ``u_k + eta - c_k x_k >= offset_k``."""
    n, K = len(arrays.c), len(models)
    eta, u = n, n + 1 + np.arange(K)
    rows, cols, vals = [], [], []
    for k, (a, col) in enumerate(zip(models, columns, strict=True)):
        nz = np.nonzero(a.c)[0]
        rows.append(np.full(len(nz) + 2, k))
        cols.append(np.concatenate([col[nz], [eta, u[k]]]))
        vals.append(np.concatenate([-a.c[nz], [1.0, 1.0]]))
    extra = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(K, n + 1 + K)
    )
    A = sp.vstack([sp.hstack([arrays.A, sp.csr_matrix((arrays.A.shape[0], 1 + K))]), extra])
    cvar = np.concatenate([[risk.weight], risk.weight * p / (1.0 - risk.level)])
    offsets = np.array([a.offset for a in models])
    return replace(
        arrays,
        c=np.concatenate([arrays.c, cvar]),
        lb=np.concatenate([arrays.lb, [-np.inf], np.zeros(K)]),
        ub=np.concatenate([arrays.ub, np.full(1 + K, np.inf)]),
        integer=np.concatenate([arrays.integer, np.zeros(1 + K, dtype=bool)]),
        A=sp.csr_matrix(A),
        row_lo=np.concatenate([arrays.row_lo, offsets]),
        row_hi=np.concatenate([arrays.row_hi, np.full(K, np.inf)]),
        col_names=[*arrays.col_names, "cvar_eta", *(f"cvar_excess@{k}" for k in range(K))],
        row_names=[*arrays.row_names, *(f"cvar[{k}]" for k in range(K))],
    )

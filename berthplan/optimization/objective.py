"""The objective: discounted costs and penalties, and the optional residual value.

``docs/formulation.md``, "Objective" and "Residual value". Terms are added in a fixed order
(the objective vector sums them per column in that order, so it is the same bit for bit).
"""

from __future__ import annotations

import numpy as np

from berthplan.model.instance import residual_value
from berthplan.model.sets import FloatArray, Sets
from berthplan.optimization.matrices import discount
from berthplan.optimization.sparse import Model, VarBlock
from berthplan.optimization.units import METRIC_SCALE, TEU, TON


def from_year(w: FloatArray) -> FloatArray:
    """``S[i, f] = w[i, f] + w[i, f + 1] + ... + w[i, -1]`` for every first year ``f``.

    What "on from year f" costs item ``i`` (``S[:, nY] = 0``), summed year by year from ``f`` on,
    the order a (items*years x columns) year map's product would use, so the sums are the same
    bit for bit without building that map (nX * nY entries).
    """
    n = w.shape[1]
    out = np.zeros((w.shape[0], n + 1))
    for f in range(n):
        acc = np.zeros(w.shape[0])
        for y in range(f, n):
            acc = acc + w[:, y]
        out[:, f] = acc
    return out


def define_objective(m: Model, s: Sets, blocks: dict[str, VarBlock]) -> None:
    """Discounted capex (also after the horizon), opex, route costs, unserved volume, shortfalls."""
    x, z = blocks["x"], blocks["z"]
    delta = s.discount
    # capex: every non-sunk construction year, discounted at its own year
    k, ys, amounts = s.spend
    live = ys >= s.y0
    m.add_cost(k[live] + x.start, amounts[live] * discount(s, ys[live]))
    # opex in service within the horizon
    opex = np.array([p.opex for p in s.projects])
    xj, xs = s.x_cols
    first = np.clip(xs + s.duration[xj] - s.y0, 0, s.ny)  # first year index in service
    m.add_cost(x.cols, from_year(opex[:, None] * delta[None, :])[xj, first])
    # candidate routes: opening cost in the opening year, annual cost while open
    zr, zt = s.z_cols
    n = np.array([r.count for r in s.candidates], dtype=float)
    opening = np.array([r.opening_cost for r in s.candidates]) * n
    annual = np.array([r.annual_cost for r in s.candidates]) * n
    open_costs = from_year(annual[:, None] * delta[None, :])[zr, np.clip(zt - s.y0, 0, s.ny)]
    m.add_cost(z.cols, opening[zr] * discount(s, zt) + open_costs)
    m.offset += sum(r.count * r.annual_cost for r in s.existing) * float(delta.sum())
    # unserved TEU: penalty * (offered - served)
    pen_teu = s.inst.penalties.unserved_teu
    if pen_teu and len(s.called_areas):
        called = s.called_areas
        rows_sel = (called[:, None] * s.ny + np.arange(s.ny)[None, :]).ravel()
        weight = np.tile(delta, len(called)) * pen_teu
        m.add_cost(z.cols, s.offered_z[rows_sel].T @ weight)
        m.add_cost(blocks["served"].cols, -weight / TEU)
        m.offset += float((s.offered0[called].ravel() * weight).sum())
    # unserved tonnes within demand scopes: penalty * (ceiling - handled)
    pen_ton = s.inst.penalties.unserved_ton
    index = {pair: i for i, pair in enumerate(s.handled_pairs)}
    for scope in s.scopes if pen_ton else []:
        m.offset += float((scope.ceiling * delta).sum() * pen_ton)
        for a in scope.areas:
            p = index.get((int(a), scope.cargo))
            if p is not None:
                first = blocks["handled"].start + p * s.ny  # no block-sized array per area
                m.add_cost(np.arange(first, first + s.ny), -delta * pen_ton / TON)
    # soft targets' shortfall, discounted at the target year
    pen = [
        (t.penalty or 0.0) * s.inst.discount(t.year) / METRIC_SCALE[t.metric]
        for t in s.inst.targets
    ]
    m.add_cost(blocks["shortfall"].cols, pen)


def define_residual_value(m: Model, s: Sets, x: VarBlock) -> None:
    """With ``residual_value: true``: credit each start's value left after the horizon.

    Start column (j, s) earns -delta(y1 + 1) * R_j(s), R_j(s) the capex spent by the horizon end
    times the share of the economic life left (:func:`~berthplan.model.instance.residual_value`).
    Capex after the horizon earns nothing, so the credit stays below the discounted capex.
    """
    if not s.inst.residual_value:
        return
    xj, xs = s.x_cols
    value = [residual_value(s.projects[j], int(y), s.y1) for j, y in zip(xj, xs, strict=True)]
    m.add_cost(x.cols, -s.inst.discount(s.y1 + 1) * np.asarray(value, dtype=float))

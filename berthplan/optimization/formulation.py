"""The planning MILP, written once against the solver-neutral :class:`~berthplan.optimization.sparse.Model`.

Each constraint family of ``docs/formulation.md`` is one ``define_<family>`` function, called
in order by :func:`build`: the families on volumes live in :mod:`.volumes`, the targets in
:mod:`.targets`, the objective in :mod:`.objective`, the queue pools in :mod:`.pools`. Volumes are scaled (kTEU, Mt) so the matrix stays well conditioned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from berthplan.model.instance import Instance
from berthplan.model.records import CARGO_CLASSES, Target
from berthplan.model.sets import FloatArray, IntArray, Sets
from berthplan.optimization.matrices import grid, scope_label
from berthplan.optimization.objective import define_objective, define_residual_value
from berthplan.optimization.pools import (
    PoolBlocks,
    define_pool_capacity,
    define_pool_levels,
    define_pool_variables,
    define_pool_wait,
    wait_cost,
)
from berthplan.optimization.sparse import Model, Sense, VarBlock
from berthplan.optimization.targets import define_targets
from berthplan.optimization.units import METRIC_SCALE, TEU, TON
from berthplan.optimization.volumes import (
    define_capacity,
    define_containers,
    define_demand,
    define_depth,
)

__all__ = ["METRIC_SCALE", "TEU", "TON", "Built", "build"]


@dataclass
class Built:
    """A built model with its index sets and the blocks the results layer reads."""

    model: Model
    sets: Sets
    x: VarBlock
    z: VarBlock
    served: VarBlock
    handled: VarBlock
    shortfall: VarBlock
    service: VarBlock
    pools: PoolBlocks
    targets: list[Target]
    hard: NDArray[np.bool_]
    target_scaled: FloatArray


# -- variables ---------------------------------------------------------------------------------


def define_variables(m: Model, s: Sets) -> tuple[VarBlock, ...]:
    xj, xs = s.x_cols
    zr, zt = s.z_cols
    ids = [f"x[{p.id}," for p in s.projects]
    x_labels = [ids[j] + f"{y}]" for j, y in zip(xj.tolist(), xs.tolist(), strict=True)]
    x = m.add_variables("x", x_labels, ub=1, integer=True)
    ids = [f"z[{r.id}," for r in s.candidates]
    z_labels = [ids[r] + f"{y}]" for r, y in zip(zr.tolist(), zt.tolist(), strict=True)]
    z = m.add_variables("z", z_labels, ub=1, integer=True)
    served = m.add_variables(
        "served", grid("served", [s.areas[a] for a in s.called_areas], s.years)
    )
    pairs = [f"{s.areas[a]},{CARGO_CLASSES[c]}" for a, c in s.handled_pairs]
    handled = m.add_variables("handled", grid("handled", pairs, s.years))
    targets = s.inst.targets
    shortfall = m.add_variables(
        "shortfall",
        [f"shortfall[{t.metric},{scope_label(t)},{t.year}]" for t in targets],
        ub=np.array([0.0 if t.hard else np.inf for t in targets]),
    )
    service_years = [*s.years.tolist(), s.y1 + 1]
    service = m.add_variables(
        "service", grid("service", [p.id for p in s.projects], service_years), ub=1
    )
    return x, z, served, handled, shortfall, service


# -- constraint families -------------------------------------------------------------------------


def _at_most_once(
    m: Model,
    name: str,
    ids: list[str],
    flags: list[tuple[bool, bool]],
    owner: IntArray,
    block: VarBlock,
) -> None:
    """One row per record over its columns: ``== 1`` if forced, ``<= 0`` if skipped, else ``<= 1``."""
    senses: list[Sense] = ["<=" if skip else "==" if forced else "<=" for forced, skip in flags]
    rhs = [0.0 if skip else 1.0 for _, skip in flags]
    labels = [f"{name}[{i}]" for i in ids]
    m.add_constraints(name, labels, senses, rhs, owner, block.cols, np.ones(len(owner)))


def define_commitments(m: Model, s: Sets, x: VarBlock, z: VarBlock) -> None:
    """commit[project], open_once[route]: committed projects start exactly once, optional ones
    at most once; a candidate route opens at most once (scenario decisions force or forbid)."""
    projects = [(p.committed, p.decision == "skip") for p in s.projects]
    _at_most_once(m, "commit", [p.id for p in s.projects], projects, s.x_cols[0], x)
    routes = [(r.decision == "open", r.decision == "skip") for r in s.candidates]
    _at_most_once(m, "open_once", [r.id for r in s.candidates], routes, s.z_cols[0], z)


def define_in_service(m: Model, s: Sets, x: VarBlock, service: VarBlock) -> None:
    """in_service[project,year]: service[j,y] = service[j,y-1] + (start in y - duration).

    The linked form: each start variable appears once, and the families that need "in service
    in y" (or "completed in y", in service in y + 1) read ``service`` instead of summing every
    earlier start, which keeps the rows sparse. Years run to the horizon end + 1.
    """
    ny = s.ny + 1
    n = len(s.projects) * ny
    if n == 0:
        return
    xj, xs = s.x_cols
    first = xs + s.duration[xj] - s.y0  # year index of the first in-service year
    live = first < ny
    start_rows = xj[live] * ny + np.maximum(first[live], 0)
    own = np.arange(n)
    carried = own[own % ny > 0]
    rows = np.concatenate([own, carried, start_rows])
    cols = np.concatenate([own + service.start, carried - 1 + service.start, x.cols[live]])
    vals = np.concatenate([np.ones(n), -np.ones(len(carried)), -np.ones(len(start_rows))])
    labels = grid("in_service", [p.id for p in s.projects], list(range(s.y0, s.y1 + 2)))
    m.add_constraints("in_service", labels, "==", 0.0, rows, cols, vals)


def define_requires(m: Model, s: Sets, x: VarBlock) -> None:
    """requires[project,prerequisite,year]: started by y only if the prerequisite is completed by y-1."""
    _, xs = s.x_cols
    index = {p.id: j for j, p in enumerate(s.projects)}
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    labels: list[str] = []
    for j, p in enumerate(s.projects):
        own = s.x_of(j)
        for req in p.requires:
            i = index[req]
            pre = s.x_of(i)
            years = xs[own]  # one row per start year of j: all its starts by then ...
            mine_r, mine_c = np.nonzero(years[:, None] >= years[None, :])
            # ... against the prerequisite's starts completed by the year before
            done_r, done_c = np.nonzero(xs[pre][None, :] + s.duration[i] <= years[:, None])
            base = len(labels)
            rows += [base + mine_r, base + done_r]
            cols += [own[mine_c] + x.start, pre[done_c] + x.start]
            vals += [np.ones(len(mine_r)), -np.ones(len(done_r))]
            labels += [f"requires[{p.id},{req},{y}]" for y in years]
    if labels:
        cat = np.concatenate
        m.add_constraints("requires", labels, "<=", 0.0, cat(rows), cat(cols), cat(vals))


def define_groups(m: Model, s: Sets, x: VarBlock) -> None:
    """group[group]: at most one project of a group is built."""
    xj, _ = s.x_cols
    names = sorted({p.group for p in s.projects if p.group is not None})
    if not names:
        return
    gidx = {g: i for i, g in enumerate(names)}
    member = np.array([gidx.get(p.group, -1) if p.group else -1 for p in s.projects])
    k = np.nonzero(member[xj] >= 0)[0]
    m.add_constraints(
        "group",
        [f"group[{g}]" for g in names],
        "<=",
        1.0,
        member[xj[k]],
        k + x.start,
        np.ones(len(k)),
    )


def define_budget(m: Model, s: Sets, x: VarBlock) -> None:
    """budget[year]: capex spent in a year within its budget (sunk spend has no column year)."""
    if not s.inst.budget:
        return
    years = [b.year for b in s.inst.budget]
    k, ys, amounts = s.spend
    rows, cols, vals = [], [], []
    for r, y in enumerate(years):
        hit = ys == y
        rows.append(np.full(int(hit.sum()), r))
        cols.append(k[hit] + x.start)
        vals.append(amounts[hit])
    cat = np.concatenate
    rhs = [b.capex for b in s.inst.budget]
    m.add_constraints(
        "budget", [f"budget[{y}]" for y in years], "<=", rhs, cat(rows), cat(cols), cat(vals)
    )


def build(inst: Instance, sets: Sets | None = None) -> Built:
    """Build the MILP of ``inst`` (docs/formulation.md), family by family."""
    s = sets if sets is not None else Sets(inst)
    m = Model(name=inst.name)
    x, z, served, handled, shortfall, service = define_variables(m, s)
    blocks = {
        "x": x,
        "z": z,
        "served": served,
        "handled": handled,
        "shortfall": shortfall,
        "service": service,
    }
    define_commitments(m, s, x, z)
    define_in_service(m, s, x, service)
    define_capacity(m, s, service, handled)
    define_demand(m, s, handled)
    define_containers(m, s, service, z, served)
    queue = define_pool_variables(m, s, handled, served)
    define_pool_levels(m, s, queue, service)
    define_pool_capacity(m, s, queue)
    define_pool_wait(m, s, queue)
    define_depth(m, s, service, z)
    define_requires(m, s, x)
    define_groups(m, s, x)
    define_budget(m, s, x)
    target_scaled = define_targets(m, s, blocks)
    define_objective(m, s, blocks)
    define_residual_value(m, s, x)
    m.add_cost(*wait_cost(s, queue))
    hard = np.array([t.hard for t in inst.targets], dtype=bool)
    return Built(
        m,
        s,
        x,
        z,
        served,
        handled,
        shortfall,
        service,
        queue,
        list(inst.targets),
        hard,
        target_scaled,
    )

"""The target family: KPI + shortfall >= target, per metric, scope and year (family 11).

Each target's KPI terms are picked with masks over the areas, (area, class) pairs, projects and
opening columns in its scope: numpy work per target, no Python loop over the model's items.
"""

from __future__ import annotations

import numpy as np

from berthplan.model.records import Target
from berthplan.model.sets import FloatArray, IntArray, Sets
from berthplan.optimization.matrices import scope_label
from berthplan.optimization.sparse import Model, VarBlock
from berthplan.optimization.units import METRIC_SCALE, TEU, TON


class _Scopes:
    """What every target reads: the areas of a port, the routes calling there (cached)."""

    def __init__(self, s: Sets) -> None:
        self.s = s
        self.pair_area = np.array([a for a, _ in s.handled_pairs], dtype=np.int64)
        self.count = np.array([float(r.count) for r in s.candidates])
        self._routes: dict[int, np.ndarray] = {}

    def areas(self, t: Target) -> np.ndarray:
        s = self.s
        if t.port is None:
            return np.ones(len(s.areas), bool)
        return np.asarray(s.area_port == s.ports.index(t.port))

    def routes(self, port: int) -> np.ndarray:
        """Candidate routes calling at ``port`` (bool per candidate)."""
        if port not in self._routes:
            calls = [port in ports for ports in self.s.route_ports]
            self._routes[port] = np.array(calls, dtype=bool)
        return self._routes[port]


def kpi_terms(
    s: Sets, t: Target, blocks: dict[str, VarBlock], scopes: _Scopes | None = None
) -> tuple[IntArray, FloatArray, float]:
    """Columns, coefficients and constant of the KPI a target constrains (model units)."""
    scopes = scopes if scopes is not None else _Scopes(s)
    yi = t.year - s.y0
    in_scope = scopes.areas(t)
    cols: list[IntArray] = []
    coefs: list[FloatArray] = []
    const = 0.0
    if t.metric in ("container_teu", "cargo_tons"):
        factor = 1.0 if t.metric == "container_teu" else s.inst.tons_per_teu * TON / TEU
        n = np.nonzero(in_scope[s.called_areas])[0]
        cols.append(blocks["served"].start + n * s.ny + yi)
        coefs.append(np.full(len(n), factor))
    if t.metric == "cargo_tons":
        p = np.nonzero(in_scope[scopes.pair_area])[0]
        cols.append(blocks["handled"].start + p * s.ny + yi)
        coefs.append(np.ones(len(p)))
    if t.metric == "berths_10k":
        # completed by the end of y = in service in y + 1 (a service column each, not every start)
        js = np.nonzero(in_scope[s.p_area] & (s.b10 != 0))[0]
        cols.append(blocks["service"].start + js * (s.ny + 1) + yi + 1)
        coefs.append(s.b10[js].astype(float))
        const = float(s.berths10_existing(t.port))
    if t.metric == "new_routes":
        zr, zt = s.z_cols
        hit = zt == t.year
        if t.port is not None:
            hit &= scopes.routes(s.ports.index(t.port))[zr]
        k = np.nonzero(hit)[0]
        cols.append(blocks["z"].start + k)
        coefs.append(scopes.count[zr[k]])
    if not cols:
        return np.zeros(0, np.int64), np.zeros(0), const
    return np.concatenate(cols).astype(np.int64), np.concatenate(coefs), const


def define_targets(m: Model, s: Sets, blocks: dict[str, VarBlock]) -> FloatArray:
    """target[metric,scope,year]: KPI + shortfall >= target (shortfall fixed at 0 if hard)."""
    scopes = _Scopes(s)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    rhs, labels = [], []
    for r, t in enumerate(s.inst.targets):
        c, v, const = kpi_terms(s, t, blocks, scopes)
        rows.append(np.full(len(c) + 1, r, dtype=np.int64))
        cols += [c, np.array([blocks["shortfall"].start + r], dtype=np.int64)]
        vals += [v, np.ones(1)]
        rhs.append(t.value * METRIC_SCALE[t.metric] - const)
        labels.append(f"target[{t.metric},{scope_label(t)},{t.year}]")
    if labels:
        cat = np.concatenate
        m.add_constraints("target", labels, ">=", rhs, cat(rows), cat(cols), cat(vals))
    return np.array([t.value * METRIC_SCALE[t.metric] for t in s.inst.targets])

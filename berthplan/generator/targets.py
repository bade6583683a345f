"""The targets and budgets of a generated instance, set from its reference schedule.

Province and port targets (hard in a few years, soft in the others) and the capex ceiling of
every year are set from the reference schedule's own KPIs and capex
(:func:`berthplan.generator.schedule.reference_schedule`, as computed by
:class:`~berthplan.results.outcome.Outcome`): hard targets at or below what the schedule
reaches and budgets at or above what it spends, so the schedule is feasible and the instance
with it.
"""

from __future__ import annotations

import math

import numpy as np

from berthplan.generator import calibration as cal
from berthplan.generator.draft import Draft, Rec, whole
from berthplan.generator.schedule import Reference
from berthplan.model.instance import Instance
from berthplan.model.sets import CONTAINER

GRID = {"cargo_tons": 1e5, "container_teu": 1e3, "berths_10k": 1.0, "new_routes": 1.0}


def _hard_years(d: Draft) -> list[int]:
    n = d.knobs.years
    m = min(3, n - 1)
    return sorted({d.y0} | {d.y0 + round(k * (n - 1) / m) for k in range(1, m + 1)})


def _down(value: float, grid: float) -> float:
    return math.floor(round(value / grid, 6)) * grid


def _up(value: float, grid: float) -> float:
    return math.ceil(round(value / grid, 6)) * grid


def build_targets(d: Draft, ref: Reference) -> None:
    """Province targets every year (hard in a few years, soft in the others) and port targets.

    Hard targets sit at or just below the schedule's KPIs (tonnes and TEU 0-1 % below, floored
    to 0.1 Mt / 1,000 TEU; 10k-t berths equal in the last year and 0-1 below otherwise; new
    routes equal or one below), so the schedule meets them; soft ones sit above (tonnes
    +0.5-3 %, TEU +1-5 %, berths +1-3, routes +0-2) with the Liaoning penalties.
    """
    o = ref.outcome
    hard = _hard_years(d)
    kpi = {m: o.kpi(m) for m in GRID}
    for y in range(d.y0, d.y1 + 1):
        yi = y - d.y0
        for metric, grid in GRID.items():
            v = float(kpi[metric][yi])
            if y in hard:
                if metric in ("cargo_tons", "container_teu"):
                    value = _down(v * (1 - d.uniform(0.0, 0.01)), grid)
                elif metric == "berths_10k":
                    value = v - (0 if y == d.y1 else d.integer(0, 1))
                else:
                    value = v - (d.integer(0, 1) if v >= 2 else 0)
                rec: Rec = {"year": y, "metric": metric, "value": whole(value)}
            else:
                if metric == "cargo_tons":
                    value = _up(v * d.uniform(1.005, 1.03), grid)
                elif metric == "container_teu":
                    value = _up(v * d.uniform(1.01, 1.05), grid)
                elif metric == "berths_10k":
                    value = v + d.integer(1, 3)
                else:
                    value = v + d.integer(0, 2)
                rec = {"year": y, "metric": metric, "value": whole(value)}
                rec["penalty"] = cal.SOFT_PENALTY[metric]
            if value > 0:
                d.targets.append(rec)
    _port_targets(d, ref)


def _port_targets(d: Draft, ref: Reference) -> None:
    o, s = ref.outcome, ref.outcome.s
    teu_cap = np.zeros(len(s.ports))
    np.add.at(teu_cap, s.area_port, s.cap0[:, CONTAINER])
    ranked = [int(i) for i in np.argsort(-teu_cap, kind="stable") if teu_cap[i] > 0]
    mid = d.y0 + (d.knobs.years - 1) // 2
    for i in ranked[: min(max(1, len(s.ports) // 3), 12)]:
        port = s.ports[i]
        teu = float(o.kpi("container_teu", port)[-1])
        value = _down(teu * (1 - d.uniform(0.0, 0.02)), GRID["container_teu"])
        if value > 0:
            d.targets.append(
                {"year": d.y1, "metric": "container_teu", "value": whole(value), "port": port}
            )
        tons = float(o.kpi("cargo_tons", port)[mid - d.y0])
        d.targets.append(
            {
                "year": mid,
                "metric": "cargo_tons",
                "value": whole(_up(tons * d.uniform(1.0, 1.03), GRID["cargo_tons"])),
                "port": port,
                "penalty": cal.SOFT_PENALTY["cargo_tons"],
            }
        )
        if d.chance(0.5):
            berths = float(o.kpi("berths_10k", port)[-1]) - d.integer(0, 1)
            d.targets.append(
                {"year": d.y1, "metric": "berths_10k", "value": whole(berths), "port": port}
            )
    d.targets.sort(key=lambda t: (t["year"], list(GRID).index(t["metric"]), t.get("port") or ""))


def build_budget(d: Draft, inst: Instance, ref: Reference) -> list[int]:
    """A capex ceiling every year; returns the years where it equals the schedule's capex.

    ``B_y = max(f_y * capex_y, 1.05 * committed_y, 0.3 * mean capex)``, rounded up to 0.01.
    ``f_y = 1`` in the years the optimum is most likely to want more: every year where the
    schedule spends on optional projects and that lies one or two years before a hard target
    year (when projects that must be complete by then are under way), or, if there is none,
    one such year drawn at random; ``f_y`` is 1.02-1.10 in the other years.
    """
    capex = ref.outcome.capex_by_year()
    committed: dict[int, float] = {}
    for p in inst.projects:
        start = ref.decisions.starts[p.id]
        if p.committed and start is not None:
            for k, share in enumerate(p.spend_profile()):
                committed[start + k] = committed.get(start + k, 0.0) + p.capex * share
    years = list(range(d.y0, d.y1 + 1))
    optional = [y for y in years if capex.get(y, 0.0) > 1.05 * committed.get(y, 0.0) + 1e-6]
    hard = _hard_years(d)
    tight = [y for y in optional if y + 1 in hard or y + 2 in hard]
    if not tight and optional:
        tight = [int(d.pick(optional))]
    floor = 0.3 * float(np.mean([capex.get(y, 0.0) for y in years]))
    for y in years:
        f = 1.0 if y in tight else d.uniform(1.02, 1.10)
        value = max(f * capex.get(y, 0.0), 1.05 * committed.get(y, 0.0), floor)
        d.budget.append({"year": y, "capex": whole(math.ceil(round(value * 100, 4)) / 100)})
    return tight

"""KPIs, target shortfalls, yearly costs and the objective, from a plan's :class:`Facts`.

The definitions are formulation.md's: the KPIs of family 9 (targets), the timing conventions
for costs, and the objective with its constants (sunk spend excluded, existing routes' annual
cost and the penalty on volume offered by existing routes included), less the residual value
credit where the instance asks for it (``residual_value: true``).
"""

from __future__ import annotations

from dataclasses import dataclass

from berthplan.checker.facts import NON_CONTAINER, Facts, YearCost
from berthplan.model.records import DEFAULT_ECONOMIC_LIFE, TEN_THOUSAND_TON, Project, Target

BREAKDOWN = ("capex", "opex", "route_cost", "unserved_teu", "unserved_tons", "shortfall")
"""The keys of ``solve.json``'s ``breakdown``: discounted money."""


def berths_10k(facts: Facts, year: int, port: str | None = None) -> float:
    """Berths of 10,000-ton class at the end of ``year``: existing plus completed projects.

    Parameters
    ----------
    facts
        The plan's facts.
    year
        The year.
    port
        A port id, or None for the province.

    Returns
    -------
    float
        The berth count.
    """
    areas = set(facts.areas_of(port))
    inst = facts.instance
    existing = sum(b.count for b in inst.berths if b.area in areas and b.dwt >= TEN_THOUSAND_TON)
    added = sum(p.berths_10k() for p in facts.built if p.area in areas and facts.completed(p, year))
    return float(existing + added)


def new_routes(facts: Facts, year: int, port: str | None = None) -> float:
    """Candidate routes opened in ``year`` (``count`` included), calling at ``port`` if given."""
    areas = set(facts.areas_of(port))
    return float(
        sum(
            r.count
            for r in facts.instance.routes
            if facts.opens.get(r.id) == year and any(c.area in areas for c in r.calls)
        )
    )


def cargo_tons(facts: Facts, year: int, port: str | None = None) -> float:
    """Tonnes handled plus ``tons_per_teu`` x TEU served in ``year`` at ``port``'s areas."""
    areas = facts.areas_of(port)
    tons = sum(facts.handled(year, areas, c) for c in NON_CONTAINER)
    return tons + facts.instance.tons_per_teu * facts.served(year, port)


def kpi(facts: Facts, metric: str, year: int, port: str | None = None) -> float:
    """The KPI ``metric`` of ``year`` for ``port`` (None: the province).

    Parameters
    ----------
    facts
        The plan's facts.
    metric
        cargo_tons, container_teu, berths_10k or new_routes.
    year
        The year.
    port
        A port id, or None for the province.

    Returns
    -------
    float
        The KPI's value.
    """
    if metric == "container_teu":
        return facts.served(year, port)
    if metric == "cargo_tons":
        return cargo_tons(facts, year, port)
    if metric == "berths_10k":
        return berths_10k(facts, year, port)
    return new_routes(facts, year, port)


def shortfall(facts: Facts, target: Target) -> float:
    """How far the plan falls short of ``target`` (0 when met, or missed by < 1e-9 relative)."""
    short = target.value - kpi(facts, target.metric, target.year, target.port)
    return short if short > 1e-9 * max(1.0, abs(target.value)) else 0.0


def target_penalty(facts: Facts, year: int) -> float:
    """Undiscounted shortfall penalties of the soft targets of ``year``."""
    soft = [t for t in facts.instance.targets if t.penalty is not None and t.year == year]
    return sum((t.penalty or 0.0) * shortfall(facts, t) for t in soft)


def volume_penalty(facts: Facts, year: int) -> tuple[float, float]:
    """Undiscounted penalties of unserved TEU and unserved tonnes in a horizon year."""
    if year not in facts.instance.years:
        return 0.0, 0.0
    pen = facts.instance.penalties
    return pen.unserved_teu * facts.unserved_teu(year), pen.unserved_ton * facts.unserved_tons(year)


@dataclass(frozen=True)
class CreditedYearCost(YearCost):
    """The last horizon year's costs with the residual value credit (``residual_value: true``).

    ``credit`` is the assets' value after the horizon in money of the year after it; the total
    brings it back one year, so ``discount(y1) * total`` credits it at ``discount(y1 + 1)``.
    """

    credit: float = 0.0
    rate: float = 0.0

    @property
    def total(self) -> float:
        """The year's costs less the credit, discounted to this year."""
        return super().total - self.credit / (1.0 + self.rate)


def project_residual(facts: Facts, project: Project) -> float:
    """Value left after the horizon of a built project: capex spent by the horizon end (sunk
    included) times the share of its economic life not used by then (straight line from the
    in-service year); 0 for a project not built."""
    if project.id not in facts.starts:
        return 0.0
    spent = sum(a for y, a in facts.spend[project.id].items() if y <= facts.y1)
    first = facts.completion(project) + 1
    used = max(0, facts.y1 + 1 - first)
    life = project.economic_life or DEFAULT_ECONOMIC_LIFE
    return spent * max(0.0, 1.0 - used / life)


def residual_total(facts: Facts) -> float:
    """Undiscounted residual value of every built project (0 when the switch is off)."""
    if not facts.instance.residual_value:
        return 0.0
    return sum(project_residual(facts, p) for p in facts.built)


def year_cost(facts: Facts, year: int) -> YearCost:
    """The undiscounted costs of ``year``, as the kpis.csv row of that year reports them."""
    teu, tons = volume_penalty(facts, year)
    parts = {
        "capex": facts.capex(year),
        "opex": facts.opex(year),
        "route_cost": facts.route_cost(year),
        "penalty_cost": teu + tons + target_penalty(facts, year),
        "waiting_cost": facts.waiting_cost(year),
    }
    if facts.instance.residual_value and year == facts.y1:
        rate = facts.instance.discount_rate
        return CreditedYearCost(**parts, credit=residual_total(facts), rate=rate)
    return YearCost(**parts)


def breakdown(facts: Facts) -> dict[str, float]:
    """The objective by component, discounted (the keys of :data:`BREAKDOWN`)."""
    d = facts.instance.discount
    years = facts.instance.years
    out = dict.fromkeys(BREAKDOWN, 0.0)
    if facts.pools:
        out["waiting_cost"] = sum(d(y) * facts.waiting_cost(y) for y in years)
    out["capex"] = sum(d(y) * facts.capex(y) for y in facts.cost_years())
    out["opex"] = sum(d(y) * facts.opex(y) for y in years)
    out["route_cost"] = sum(d(y) * facts.route_cost(y) for y in years)
    for y in years:
        teu, tons = volume_penalty(facts, y)
        out["unserved_teu"] += d(y) * teu
        out["unserved_tons"] += d(y) * tons
        out["shortfall"] += d(y) * target_penalty(facts, y)
    if facts.instance.residual_value:  # a credit, discounted from the year after the horizon
        out["residual_value"] = -d(facts.y1 + 1) * residual_total(facts)
    return out


def objective(facts: Facts) -> float:
    """The total discounted cost of the plan (formulation.md's objective with its constants)."""
    return sum(breakdown(facts).values())

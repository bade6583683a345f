"""Seeded synthetic instances, calibrated on Liaoning, feasible by construction.

``generate(size, seed, **knobs)`` returns a validated :class:`~berthplan.model.instance.Instance`;
``generate_text`` its YAML (or JSON) text, the same bytes for the same arguments. Sizes:

========  =====  =====  ========  ================  =====
size      ports  areas  projects  candidate routes  years
========  =====  =====  ========  ================  =====
small         3      8        20                10      6
medium       10     40       200                80     10
large        25    120     1,000               300     15
national     60    300     3,000             1,000     26
========  =====  =====  ========  ================  =====

Knobs override a preset: ``ports``, ``areas_per_port``, ``projects``, ``routes``, ``years``,
``start_year`` (default 2023). All draws come from one ``numpy.random.default_rng(seed)``, in a
fixed order, and every number is rounded to a coarse grid before it is written.

What is drawn (the ranges are in :mod:`berthplan.generator.calibration`, taken from
``instances/liaoning-2023.yaml``): ports whose size falls with rank (a few hubs, many small
ports); areas of five archetypes (container, energy, bulk, multipurpose, old port) with their
depths and existing berth groups (container 0.3-0.65 M TEU per berth, ore 10-20 Mt, crude 12-20
Mt, general 1.5-3 Mt, ...); existing route groups filling 80-97 % of each container area's usable
capacity and growing 3-6 %/yr; projects by archetype, costing per berth what the Liaoning
projects cost (container ~2.3-3 bn CNY per large berth, general ~0.5-0.9 bn, crude 1.4-2.5 bn;
money in CNY million), lasting 1-4 years with the Liaoning spend profiles and 1-2 % opex;
deepening projects of container areas that deep-sea routes need, channels that big crude and ore
berths require, breakwaters, phase II/III chains (``requires`` only points backwards: acyclic)
and groups of exclusive options; stages ~10 % ongoing, ~8 % new, ~42 % preliminary, the rest
candidate; candidate routes near-sea (20-80k TEU), domestic (100-130k) and deep-sea (50-150k,
15-17 m); demand ceilings growing past existing capacity.

Feasibility by construction
---------------------------
Before any target or budget exists, the generator builds a **reference schedule** itself
(:func:`berthplan.generator.schedule.reference_schedule`), respecting every structural
constraint: every committed project at a start in its window; deepening projects (probability
0.7) and breakwaters (0.5) early in their windows; then berth projects, cheapest per unit of
capacity first and only once their prerequisites are decided, built (probability 0.85) where
their class's demand, or the existing routes' TEU, will outgrow usable capacity, starting up
to two years before the shortage, provided their group is still free, every prerequisite is
scheduled and a start in the window, no earlier than every prerequisite's completion + 1,
completes within the horizon; then the cheapest projects per 10k-t berth until berths grow
1-2 %/yr, and at least one optional 10k-t berth project; candidate routes open in a year of
their window no earlier than the in-service year of a scheduled deepening project reaching
their minimum depth at every shallow call (preferably where container capacity has room).
Its KPIs and yearly capex are computed by :class:`~berthplan.results.outcome.Outcome`, the same code
that scores plans, and then:

- **targets** for the province every year and every metric, hard in the first year and about
  three spread years including the last, soft (Liaoning penalties) in the others; hard ones at
  or slightly below the schedule (tonnes and TEU 0-1 % below, floored to 0.1 Mt / 1,000 TEU;
  10k-t berths exactly the schedule's in the last year and 0-1 below in the other hard years;
  new routes equal or one below); soft ones above it (tonnes +0.5-3 %, TEU +1-5 %, berths
  +1-3, routes +0-2); plus, for the largest container ports, a hard port TEU target in the last
  year (0-2 % below), a soft port tonnage target mid-horizon and sometimes a hard port berth
  target;
- **budgets** every year: ``max(f * capex_y, 1.05 * committed_y, 0.3 * mean capex)`` rounded
  up to 0.01, with ``f = 1`` in the years with optional spend one or two years before a hard
  target year (at least one year) and ``f`` in 1.02-1.10 elsewhere.

So the reference schedule meets every hard target and budget, and the MILP is feasible.

Why targets and budgets bind
----------------------------
The last year's hard 10k-t berth target equals the schedule's, which includes at least one
optional project's berths: committed projects alone fall short, so every feasible plan builds
optional projects. New-route targets are met only by opening routes, which only costs money,
so the optimum opens exactly the number required (the target row is tight). TEU demand
outgrows existing container capacity within a few years and cargo demand outgrows existing
capacity, so the TEU and tonnage targets need new berths. The schedule builds the cheapest
projects, as the optimum would, but earlier; the budget equals its capex in the years before
hard target years, so the optimum cannot push its spending as late as discounting would
have it. Measured with HiGHS: on small seeds 0-9, dropping the budgets lowers the optimal cost
in every seed (1-14 %); on medium seeds 0-3 in three (0.02-0.3 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from berthplan.errors import UsageError
from berthplan.generator.sizes import SIZES, Knobs, resolve
from berthplan.results import atomic

if TYPE_CHECKING:  # the generator proper is imported when used: `berthplan --help` stays fast
    from berthplan.generator.draft import Draft
    from berthplan.generator.schedule import Reference
    from berthplan.model.instance import Instance

__all__ = ["SIZES", "Generated", "construct", "generate", "generate_text"]


@dataclass
class Generated:
    """A generated instance with the reference schedule that proves it feasible.

    Attributes
    ----------
    instance : Instance
        The validated instance.
    data : dict
        Its records as plain data, in file order.
    reference : Reference
        The reference schedule (decisions and their :class:`~berthplan.results.outcome.Outcome`).
    tight_years : list of int
        Years whose budget equals the reference schedule's capex.
    knobs : Knobs
        The resolved counts.
    header : list of str
        Comment lines of the YAML text.
    """

    instance: Instance
    data: dict[str, Any]
    reference: Reference
    tight_years: list[int]
    knobs: Knobs
    header: list[str]

    def text(self, fmt: Literal["yaml", "json"] = "yaml") -> str:
        """The instance file text: YAML with the comment header, or JSON."""
        from berthplan.generator.emit import to_json, to_yaml

        return to_json(self.data) if fmt == "json" else to_yaml(self.data, self.header)


def _assemble(
    d: Draft, name: str, description: str, pools: tuple[list[Any], dict[str, float]] | None = None
) -> dict[str, Any]:
    from berthplan.generator import calibration as cal
    from berthplan.generator.emit import clean

    data: dict[str, Any] = {
        "schema_version": 1,
        "name": name,
        "description": description,
        "horizon": {"start": d.y0, "end": d.y1},
        "discount_rate": cal.DISCOUNT_RATE,
        "price_year": d.y0,
        "money_unit": cal.MONEY_UNIT,
        "tons_per_teu": cal.TONS_PER_TEU,
        "max_utilization": dict(cal.MAX_UTILIZATION) if pools is None else pools[1],
        "penalties": dict(cal.PENALTIES),
        "service_levels": [] if pools is None else pools[0],
        "ports": d.ports,
        "berths": d.berths,
        "projects": d.projects,
        "routes": d.routes,
        "demand": d.demand,
        "targets": d.targets,
        "budget": d.budget,
    }
    return clean(data)  # type: ignore[no-any-return]


def _name(size: str, seed: int, k: Knobs) -> str:
    base = SIZES[size]
    diff = [
        f"{key}{getattr(k, key)}"
        for key in ("ports", "areas", "projects", "routes", "years", "start_year")
        if getattr(k, key) != getattr(base, key)
    ]
    return "-".join(["gen", size, f"seed{seed}", *diff])


def construct(
    size: str = "small", seed: int = 0, *, service_levels: bool = False, **knobs: Any
) -> Generated:
    """Generate an instance and keep its reference schedule.

    Parameters
    ----------
    size : str
        ``small``, ``medium``, ``large`` or ``national``.
    seed : int
        Seed of ``numpy.random.default_rng`` (non-negative).
    service_levels : bool
        Make container, dry bulk and liquid bulk berths queue pools sized by service level
        (:mod:`berthplan.generator.service`); the draws are the same as without.
    **knobs
        ``ports``, ``areas_per_port``, ``projects``, ``routes``, ``years``, ``start_year``.

    Returns
    -------
    Generated
        The instance, its data, the reference schedule and the tight budget years.

    Raises
    ------
    UsageError
        For an unknown size or knob, or a value out of range.
    """
    import numpy as np

    from berthplan.generator.catalog import build_projects
    from berthplan.generator.draft import Draft
    from berthplan.generator.network import build_berths, build_existing_routes, build_ports
    from berthplan.generator.routes import build_candidate_routes
    from berthplan.generator.schedule import build_demand, reference_schedule
    from berthplan.generator.service import service_levels as pool_records
    from berthplan.generator.targets import build_budget, build_targets
    from berthplan.model.instance import Instance
    from berthplan.model.io import validate_instance

    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UsageError(f"seed: must be a non-negative integer, not {seed!r}")
    k = resolve(size, knobs)
    d = Draft(k, np.random.default_rng(int(seed)))
    build_ports(d)
    build_berths(d)
    build_existing_routes(d)
    build_projects(d)
    build_candidate_routes(d)
    build_demand(d)
    pools = pool_records(d) if service_levels else None
    name = _name(size, int(seed), k) + ("-sl" if service_levels else "")
    description = (
        f"Synthetic instance (berthplan generate --size {size} --seed {seed}), calibrated on "
        f"liaoning-2023: {k.ports} ports, {k.areas} areas, {k.projects} projects, {k.routes} "
        f"candidate routes, {k.start_year}-{k.end_year}. Targets and budgets are set from a "
        "reference schedule the generator built, so the instance is feasible."
    )
    draft_instance = Instance.model_validate(_assemble(d, name, description, pools))
    ref = reference_schedule(d, draft_instance)
    build_targets(d, ref)
    tight = build_budget(d, draft_instance, ref)
    data = _assemble(d, name, description, pools)
    inst = validate_instance(Instance.model_validate(data), f"<generate {size} seed {seed}>")
    return Generated(inst, data, ref, tight, k, _header(size, int(seed), k, inst, ref, tight))


def _header(
    size: str, seed: int, k: Knobs, inst: Instance, ref: Reference, tight: list[int]
) -> list[str]:
    stages: dict[str, int] = {}
    for p in inst.projects:
        stages[p.stage] = stages.get(p.stage, 0) + 1
    stage_text = ", ".join(
        f"{stages.get(s, 0)} {s}" for s in ("ongoing", "new", "preliminary", "candidate")
    )
    lines = [
        f"Synthetic berthplan instance: size {size}, seed {seed} (berthplan generate, calibrated on liaoning-2023).",
        f"{k.ports} ports, {k.areas} areas, {len(inst.berths)} existing berth groups, {len(inst.projects)} projects "
        f"({stage_text}),",
        f"{sum(r.status == 'candidate' for r in inst.routes)} candidate and "
        f"{sum(r.status == 'existing' for r in inst.routes)} existing routes, {k.start_year}-{k.end_year}.",
        "Feasible by construction: targets and budgets were set from this reference schedule, which meets",
        f"every hard target and budget ({ref.optional_built} optional projects, {ref.routes_opened} routes; "
        f"budget = its capex in {', '.join(map(str, tight)) or 'no year'}).",
    ]
    items = [f"{pid}={y}" for pid, y in ref.decisions.starts.items() if y is not None]
    items += [f"{rid}@{y}" for rid, y in ref.decisions.opens.items() if y is not None]
    line = "reference:"
    for item in items:
        if len(line) + len(item) + 1 > 98:
            lines.append(line)
            line = "reference:"
        line += " " + item
    lines.append(line)
    return lines


def generate(size: str = "small", seed: int = 0, **knobs: Any) -> Instance:
    """A validated synthetic instance (see the module docstring).

    Parameters
    ----------
    size : str
        ``small``, ``medium``, ``large`` or ``national``.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same instance.
    **knobs
        ``ports``, ``areas_per_port``, ``projects``, ``routes``, ``years``, ``start_year``.

    Returns
    -------
    Instance
        The instance, feasible by construction.

    Raises
    ------
    UsageError
        For an unknown size or knob, or a value out of range.
    """
    return construct(size, seed, **knobs).instance


def generate_text(
    size: str = "small", seed: int = 0, *, fmt: Literal["yaml", "json"] = "yaml", **knobs: Any
) -> str:
    """The instance file text of :func:`generate`, byte-stable for a seed.

    Parameters
    ----------
    size, seed, **knobs
        As for :func:`generate`.
    fmt : {"yaml", "json"}
        YAML (with a comment header naming the reference schedule) or JSON.

    Returns
    -------
    str
        Text that :func:`berthplan.loads` validates (``as_json=True`` for JSON).
    """
    if fmt not in ("yaml", "json"):
        raise UsageError(f"fmt: unknown format '{fmt}' (yaml or json)")
    g = construct(size, seed, **knobs)
    return g.text(fmt)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; the folder must exist (a typo is not created)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--out: folder '{folder}' does not exist")
    if path.is_dir():
        raise UsageError(f"--out: '{path}' is a directory")
    atomic.write_text(path, text)

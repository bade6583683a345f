"""Reports for people: a comparison as text, and a plan as one self-contained HTML file.

The HTML report answers a port planner's first questions, one section each (see
``docs/report.md``): the summary with units, KPIs against targets, projects built and skipped,
routes opened by year, every port's capacity, throughput, demand and targets, capacity by cargo
class (and what capacity means), capex against the budget, the objective broken down, the
shortfalls, service levels where the plan has queue pools and, with plans to compare, overlaid
charts and the differences. Charts are base64 PNG data URIs and the CSS is inline: the file
loads nothing from elsewhere and opens offline. Charts and tables are capped or scroll, so the
page stays 1,400 pixels wide or less whatever the instance's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from berthplan.analysis.compare import compare
from berthplan.results import atomic
from berthplan.results.folder import read_plan, records
from berthplan.results.plan import Plan
from berthplan.viz.comparing import comparability, compare_section, render_comparison
from berthplan.viz.context import context
from berthplan.viz.markup import esc, img, page, section, table, warning
from berthplan.viz.ports import capacity, ports
from berthplan.viz.sections import SECTIONS, build_sections

if TYPE_CHECKING:
    from berthplan.model.instance import Instance

__all__ = ["HEADINGS", "render_comparison", "report_html", "write_report"]

HEADINGS = {**SECTIONS, "queues": "Service levels: ship waiting per queue pool"}
HEADINGS["comparison"] = "Comparison with other plans"
"""Every section heading the report can have, by section id, in order."""


def _queues(plan: Plan) -> list[str]:
    """Occupancy and W/S per pool against the limit, and the pool-years closest to it."""
    from berthplan.viz.queues import queues_figure

    q = plan.table("queues")
    use = q["wait_ratio"].astype(float) / q["max_wait_ratio"].astype(float)
    top = q.assign(_use=use).sort_values("_use", ascending=False, kind="stable").head(10)
    header = ["year", "area", "cargo", "queue", "berths", "occupancy", "W/S", "W/S limit"]
    header += ["mean wait (h)", "waiting cost"]
    cols = ["year", "area", "cargo", "queue", "berths", "occupancy", "wait_ratio"]
    cols += ["max_wait_ratio", "wait_hours", "waiting_cost"]
    rows = [[r[c] for c in cols] for r in records(top)]
    note = (
        "<p>W/S is the ships' mean waiting time over their mean service time; a pool's "
        "capacity is its throughput at the W/S limit. The pool-years closest to their limit:</p>"
    )
    return [img(queues_figure(plan), HEADINGS["queues"]), note, table(header, rows)]


def report_html(
    plan: Plan | str | Path,
    compare_with: Sequence[Plan | str | Path] = (),
    *,
    instance: Instance | None = None,
) -> str:
    """The HTML report of ``plan`` (in memory or a plan folder; see :func:`write_report`).

    ``instance`` is the instance the plan was solved for, when neither the plan carries it
    nor the file its solve.json names can be found: the budget, the demand ceilings and the
    skipped projects' costs come from it (see :mod:`berthplan.viz.context`).
    """
    from berthplan.viz.figures import TABLES

    plan = plan if isinstance(plan, Plan) else read_plan(plan, TABLES)
    ctx = context(plan, instance)
    parts = dict(build_sections(plan, ctx))
    parts["ports"] = ports(plan, ctx)
    parts["capacity"] = capacity(plan, ctx)
    if "queues" in plan.tables:
        parts["queues"] = _queues(plan)
    head = f"<p>{esc(plan.get('status'))} plan of {esc(plan.get('instance.name'))}</p>"
    if compare_with:
        c = compare([plan, *compare_with])
        contexts = [ctx, *(context(p) for p in c.plans[1:])]
        parts["comparison"] = compare_section(c, contexts)
        differ = comparability(list(c.labels), contexts)
        if differ:  # said at the top too: a reader may skip to the numbers
            head += warning(
                f"Compared plans: {esc('; '.join(differ))}; their discounted costs are not "
                'comparable (see <a href="#comparison">the comparison</a>).'
            )
    done = [(k, HEADINGS[k], section(k, HEADINGS[k], parts[k])) for k in HEADINGS if k in parts]
    return page(f"berthplan report: {plan.get('instance.name')}", head, done)


def write_report(
    plan: Plan | str | Path,
    out_html: str | Path,
    compare: Sequence[Plan | str | Path] = (),
    *,
    instance: Instance | None = None,
) -> Path:
    """Write one self-contained HTML report of ``plan``, atomically.

    Parameters
    ----------
    plan : Plan or path
        The plan reported (in memory or a plan folder), and the baseline of the comparison.
    out_html : path
        The HTML file to write (written to a temporary sibling, then renamed).
    compare : sequence of Plan or path, optional
        Plans of the same instance (or its scenarios) to compare with: overlaid charts of
        their KPIs and costs, their differences as tables, and a warning when their discount
        rates, money units or price years differ.
    instance : Instance, optional
        The plan's instance, where the plan does not carry it and solve.json's file is gone.

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    UsageError
        When a folder or table is missing, or the plans are of unrelated instances.
    """
    text = report_html(plan, compare, instance=instance)
    return atomic.write_text(out_html, text)

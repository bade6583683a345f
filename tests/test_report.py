"""Charts and the HTML report of plan folders: headless, deterministic, self-contained."""

from __future__ import annotations

import base64
import html
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import click
import matplotlib
import pytest
import yaml
from click.testing import CliRunner, Result
from test_compare import solve_to, variant

import berthplan
from berthplan.cli.planning import register
from berthplan.errors import UsageError
from berthplan.results.folder import read_plan
from berthplan.results.plan import Plan
from berthplan.viz.charts import budget_state
from berthplan.viz.comparing import comparability
from berthplan.viz.context import Context, context, inferred_rate
from berthplan.viz.figures import FIGURES, plot_plan
from berthplan.viz.report import HEADINGS, report_html, write_report

CHARTED = ("targets", "projects", "routes", "ports", "capacity", "budget", "objective")
"""The sections with one chart each."""

PNG = b"\x89PNG\r\n\x1a\n"
IMG = '<img src="data:image/png;base64,'
VOID = {"img", "meta", "br", "hr", "link", "input"}


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("plans")
    out = {n: solve_to(root / n, n) for n in ("base", "budget", "berths")}
    out["renamed"] = solve_to(root / "renamed", "renamed", scenario=False)
    return out


def cli(*args: str) -> Result:
    group = click.Group("berthplan")
    register(group)
    return CliRunner().invoke(group, list(args), catch_exceptions=True)


class Page(HTMLParser):
    """Collects the tags of a page, its image sources and tag-nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.images: list[str] = []
        self.open: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert not page.errors and not page.open, (page.errors, page.open)
    return page


def png_chunks(data: bytes) -> list[bytes]:
    assert data.startswith(PNG)
    chunks, i = [], len(PNG)
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        chunks.append(data[i + 4 : i + 8])
        i += 12 + n
    return chunks


def check_self_contained(text: str, images: int) -> Page:
    page = parse(text)
    assert text.count(IMG) == images
    assert len(page.images) == images
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(PNG)
    outside_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert "http" not in outside_images.lower()
    assert not {"link", "script", "iframe", "object"} & set(page.tags)
    assert "url(" not in outside_images and "@import" not in outside_images
    return page


def test_the_backend_is_agg() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def test_plot_writes_pngs_byte_identical_on_a_rerun(plans: dict[str, Path], tmp_path: Path) -> None:
    first = plot_plan(plans["base"], tmp_path / "a")
    assert [p.name for p in first] == [f"{n}.png" for n in FIGURES]
    again = plot_plan(plans["base"], tmp_path / "b")
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        # no text chunk: neither a Software tag nor a timestamp
        assert set(png_chunks(a.read_bytes())) <= {b"IHDR", b"pHYs", b"IDAT", b"IEND"}
    plot_plan(plans["base"], tmp_path / "a")  # replacing the files gives the same bytes
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in first)


def test_plot_of_an_incomplete_folder_is_a_usage_error(
    plans: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        plot_plan(tmp_path / "absent", tmp_path / "out")
    result = cli("plot", str(tmp_path / "absent"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def sections(text: str) -> dict[str, str]:
    """The HTML of every ``<section id=...>`` of a report, by id."""
    return dict(re.findall(r'<section id="([a-z]+)">(.*?)</section>', text, flags=re.S))


def rows_of(html_part: str) -> list[list[str]]:
    """The cells' text of every body row of the tables in ``html_part``."""
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html_part, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        if cells:
            out.append([html.unescape(c) for c in cells])
    return out


def test_report_embeds_every_chart_and_nothing_external(
    plans: dict[str, Path], tmp_path: Path
) -> None:
    out = write_report(plans["base"], tmp_path / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    text = out.read_text(encoding="utf-8")
    page = check_self_contained(text, len(CHARTED))
    body = " ".join(page.text)
    parts = sections(text)
    assert list(parts) == [k for k in HEADINGS if k not in ("queues", "comparison")]
    for key in parts:
        assert f"<h2>{HEADINGS[key]}</h2>" in parts[key]
        assert parts[key].count(IMG) == (1 if key in CHARTED else 0), key
    for alt in ("Construction schedule", "Capex against budget", "Objective breakdown"):
        assert f'alt="{alt}"' in text
    # the KPI table against the targets: one row per target of targets.csv
    targets = (plans["base"] / "targets.csv").read_text(encoding="utf-8").splitlines()
    assert parts["targets"].count('<tr class="') == len(targets) - 1
    assert "Comparison" not in body


def test_report_with_comparisons_overlays_the_plans(plans: dict[str, Path], tmp_path: Path) -> None:
    out = write_report(
        plans["base"], tmp_path / "cmp.html", compare=[plans["budget"], plans["berths"]]
    )
    text = out.read_text(encoding="utf-8")
    page = check_self_contained(text, len(CHARTED) + 1)  # one overlaid chart, not thumbnails
    assert sections(text)["comparison"].count(IMG) == 1
    body = " ".join(page.text)
    assert "p2-ore-1 (Main area ore berth): delayed, start 2024 -> 2025 (+1 yr)" in body
    for table_header in ("delta_years", "delta vs baseline", "total discounted cost"):
        assert f"<th>{table_header}</th>" in text
    assert "p1w-ct-a" in body and "added" in body
    assert "not comparable" not in body  # same discount rate, money unit and price year


def test_report_of_unrelated_plans_is_refused(plans: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unrelated instances"):
        write_report(plans["base"], tmp_path / "r.html", compare=[plans["renamed"]])
    assert not (tmp_path / "r.html").exists()
    result = cli(
        "report", str(plans["base"]), "--compare", str(plans["renamed"]), "--out", "r.html"
    )
    assert result.exit_code == 2 and "unrelated instances" in result.output


def test_cli_plot_and_report(plans: dict[str, Path], tmp_path: Path) -> None:
    result = cli("plot", str(plans["budget"]), "--out", str(tmp_path / "png"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "png").glob("*.png"))) == len(FIGURES)
    html_file = tmp_path / "r.html"
    args = ["report", str(plans["base"]), "--compare", str(plans["budget"])]
    result = cli(*args, "--out", str(html_file))
    assert result.exit_code == 0, result.output
    check_self_contained(html_file.read_text(encoding="utf-8"), len(CHARTED) + 1)


# -- the sections a planner reads ------------------------------------------------------------
def solved(name: str, **changes: Any) -> Plan:
    """A variant of the example (see test_compare) solved in memory, with top-level changes."""
    doc = yaml.safe_load(variant(name))
    doc.update(changes)
    return berthplan.solve(berthplan.loads(yaml.safe_dump(doc, sort_keys=False)), "highs")


@pytest.fixture(scope="module")
def base() -> Plan:
    return solved("base")


def test_skipped_projects_show_what_they_would_cost(base: Plan) -> None:
    part = sections(report_html(base))["projects"]
    skipped = part[part.index("Skipped: 3 projects") :]
    rows = rows_of(skipped)
    # largest first: option B 3,900, option A 2,600, the channel 800; then the total
    assert [r[0] for r in rows] == ["p1w-ct-b", "p1w-ct-a", "p1w-channel", "total"]
    assert [r[4] for r in rows] == ["3,900", "2,600", "800", "7,300"]
    assert [r[5] for r in rows[:2]] == ["3", "2"]  # berths they would add
    assert "would cost 7,300.0 CNY million more capex" in skipped
    built = rows_of(part[: part.index("Skipped")])
    assert [r[0] for r in built] == ["p1e-ct-3", "p2-ore-1", "total"]
    assert built[1][4:7] == ["2024", "2026", "1,400"]  # start, in service, capex


def test_a_year_at_its_budget_is_flagged(base: Plan) -> None:
    # the base plan spends 700 in 2024: a budget of exactly 700 keeps the plan and binds
    at = solved("base", budget=[{"year": 2024, "capex": 700}, {"year": 2025, "capex": 730}])
    part = sections(report_html(at))["budget"]
    rows = {r[0]: r for r in rows_of(part)}
    assert rows["2024"][1:] == ["700.0", "700.0", "100.0%", "at budget"]
    assert rows["2025"][1:] == ["700.0", "730.0", "95.9%", "near"]
    assert rows["2023"][4] == "no budget"
    assert "Spending exactly its budget: 2024." in part
    assert '<tr class="at-budget"><td>2024</td>' in part
    roomy = sections(report_html(base))["budget"]  # 2024 budget 4,000
    assert "Spending exactly its budget" not in roomy
    assert {r[0]: r[4] for r in rows_of(roomy)}["2024"] == "within"


@pytest.mark.parametrize(
    ("cap", "budget", "state"),
    [
        (700.0, 700.0, "at budget"),
        (700.0 * (1 - 1e-9), 700.0, "at budget"),
        (699.0, 700.0, "near"),
        (600.0, 700.0, "within"),
        (701.0, 700.0, "over"),
        (10.0, None, ""),
    ],
)
def test_budget_state(cap: float, budget: float | None, state: str) -> None:
    assert budget_state(cap, budget) == state


def test_the_discount_rate_warning_appears_exactly_when_rates_differ(base: Plan) -> None:
    same = solved("budget")
    other = solved("base", discount_rate=0.08)
    for plan in (same, other):
        plan.info.base_hash = base.instance.canonical_hash()
    text = report_html(base, [other])
    part = sections(text)["comparison"]
    assert part.count('class="warning"') == 1
    assert (
        "discount rates differ (example-two-ports 6.00%, example-two-ports#2 8.00%)"
        in html.unescape(part)
    )
    assert rows_of(part)[1][-1] == "not comparable"
    quiet = sections(report_html(base, [same]))["comparison"]
    assert 'class="warning"' not in quiet and "not comparable" not in quiet
    assert rows_of(quiet)[1][-1] != ""  # a real cost delta


def test_the_rate_is_read_off_the_tables_without_the_instance(base: Plan, tmp_path: Path) -> None:
    other = solved("base", discount_rate=0.08)
    assert inferred_rate(base.table("kpis")) == 0.06
    assert inferred_rate(other.table("kpis")) == 0.08
    folder = read_plan(other.write(tmp_path / "p"))  # solve.json names no file: no instance
    ctx = context(folder)
    assert (ctx.discount_rate, ctx.rate_source, ctx.known) == (0.08, "kpis.csv", False)
    summary = sections(report_html(folder))["summary"]
    assert "8.00% per year (read off kpis.csv)" in summary
    assert "budget, the demand ceilings and what skipped projects" in summary


def test_routes_by_year() -> None:
    part = sections(report_html(solved("route")))["routes"]
    rows = rows_of(part)
    assert [r[:2] for r in rows] == [["2023", "dom-south"], ["2025", "deep-sea-europe"]]
    assert "2 candidate routes opened, 0 not opened; 1 existing routes" in part
    assert "Not opened" not in part
    assert "Not opened: deep-sea-europe." in sections(report_html(solved("base")))["routes"]


def test_objective_breakdown_sums_to_the_total(base: Plan) -> None:
    part = sections(report_html(base))["objective"]
    rows = rows_of(part[: part.index("Per year")])
    total = float(rows[-1][1].replace(",", ""))
    assert rows[-1][0] == "total discounted cost"
    assert total == pytest.approx(base.objective, abs=1e-3)
    assert sum(float(r[1].replace(",", "")) for r in rows[:-1]) == pytest.approx(total, abs=5e-3)
    assert [r[0] for r in rows[:3]] == ["capex", "opex", "route costs"]
    assert "discounted CNY million (2023 prices)" in part


def test_throughput_above_capacity_is_explained(base: Plan) -> None:
    # the example lets dry bulk run at 1.3 x design capacity, and the plan uses it in 2025
    part = sections(report_html(base))["capacity"]
    assert "dry_bulk up to 130% of capacity, max_utilization 1.3." in part
    plain = sections(report_html(solved("base", max_utilization={})))["capacity"]
    assert "no area's throughput exceeds its capacity" in plain
    assert "up to 1" not in plain


def test_the_report_is_deterministic(base: Plan, plans: dict[str, Path]) -> None:
    assert report_html(base) == report_html(base)
    assert report_html(plans["base"], [plans["budget"]]) == report_html(
        plans["base"], [plans["budget"]]
    )


def test_a_large_gantt_is_capped(tmp_path: Path) -> None:
    from berthplan.viz.figures import gantt_figure

    plan = solved("base")
    full = gantt_figure(plan)
    capped = gantt_figure(plan, 1)
    assert len(full.axes[0].get_yticks()) == 2 and len(capped.axes[0].get_yticks()) == 1
    assert "(the 1 largest by capex of 2 built projects)" in capped.axes[0].get_title()
    # the larger of the two: p1e-ct-3 (capex 3,000) over p2-ore-1 (1,400)
    assert [t.get_text() for t in capped.axes[0].get_yticklabels()] == [
        "P1: East container terminal phase III"
    ]


def test_a_plan_folder_finds_its_instance_file_only_while_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "base.yaml"
    source.write_text(variant("base"), encoding="utf-8")
    base = berthplan.load(source)
    what_if = berthplan.apply_scenario(base, sets=["discount_rate=0.08"])
    plan = berthplan.solve(what_if, "highs")
    plan.info.instance_file = str(source)
    plan.info.base_hash = base.canonical_hash()
    plan.info.overrides = ["set discount_rate=0.08"]
    folder = plan.write(tmp_path / "plan")
    ctx = context(read_plan(folder))  # the file, with the override re-applied
    assert (ctx.known, ctx.rate_source, ctx.discount_rate) == (True, "instance", 0.08)
    assert ctx.budget == {2024: 4000.0}
    assert ctx.skipped["p1w-ct-b"] == (3900.0, 3)
    part = sections(report_html(folder))["budget"]
    assert {r[0]: r[2] for r in rows_of(part)}["2024"] == "4,000.0"
    source.write_text(variant("budget"), encoding="utf-8")  # the file changed since the solve
    ctx = context(read_plan(folder))
    assert not ctx.known and "has changed" in ctx.missing and ctx.budget == {}
    assert ctx.discount_rate == 0.08  # from kpis.csv
    assert "No budget shown" in sections(report_html(folder))["budget"]


@pytest.mark.parametrize(
    ("second", "said"),
    [
        (("CNY million", "2023", 0.06), []),
        (("CNY million", "2023", 0.0600000001), []),
        (("CNY million", "2023", 0.08), ["discount rates differ (a 6.00%, b 8.00%)"]),
        (("CNY million", "2023", None), ["discount rates differ (a 6.00%, b unknown)"]),
        (("USD million", "2023", 0.06), ["money units differ (a CNY million, b USD million)"]),
        (("CNY million", "2020", 0.06), ["price years differ (a 2023, b 2020)"]),
    ],
)
def test_comparability(second: tuple[str, str, float | None], said: list[str]) -> None:
    first = Context("CNY million", "2023", 0.06, "instance")
    other = Context(*second, "kpis.csv")
    assert comparability(["a", "b"], [first, other]) == said


def test_the_summary_gives_the_cost_with_its_unit_and_the_kpis_against_targets(
    base: Plan,
) -> None:
    part = sections(report_html(base))["summary"]
    cost = f"<b>{base.objective:,.1f}</b><span>total discounted cost, CNY million (2023 prices)"
    assert cost in part
    assert "<b>optimal</b><span>solve status" in part and "<b>highs</b><span>solver" in part
    assert "<b>2 / 5</b><span>projects built / all" in part
    kpis = rows_of(part[part.index("first and last year") :])
    assert kpis[1] == ["container_teu", "M TEU", "2.000", "3.200", "1 of 1", "–"]
    assert kpis[0][4] == "0 of 0"  # the cargo_tons target is P2's, not the province's
    # a missed province target: 12 berths in 2026 are out of reach (9 at most in the base)
    short = solved(
        "base", targets=[{"year": 2026, "metric": "berths_10k", "value": 12, "penalty": 1.0}]
    )
    kpis = rows_of(sections(report_html(short))["summary"].split("first and last year")[1])
    assert kpis[2][4:] == ["0 of 1", "2026"]


def test_report_takes_the_instance_file_only_when_it_is_the_plans(
    base: Plan, tmp_path: Path
) -> None:
    folder = base.write(tmp_path / "p")  # solve.json names no file: the budget is unknown
    mine, other = tmp_path / "mine.yaml", tmp_path / "other.yaml"
    mine.write_text(variant("base"), encoding="utf-8")
    doc = yaml.safe_load(variant("base"))
    doc["discount_rate"] = 0.08
    other.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    result = cli("report", str(folder), "--out", str(tmp_path / "none.html"))
    assert result.exit_code == 0, result.output
    alone = sections((tmp_path / "none.html").read_text(encoding="utf-8"))["summary"]
    assert "read off kpis.csv" in alone

    result = cli("report", str(folder), "--out", str(tmp_path / "a.html"), "--instance", str(mine))
    assert result.exit_code == 0, result.output
    summary = sections((tmp_path / "a.html").read_text(encoding="utf-8"))["summary"]
    assert "read off kpis.csv" not in summary  # the rate and budget come from the file

    result = cli("report", str(folder), "--out", str(tmp_path / "b.html"), "--instance", str(other))
    assert result.exit_code == 2
    assert "not the instance this plan was solved for" in result.output
    assert not (tmp_path / "b.html").exists()

"""Charts and the HTML report of plan folders: headless, deterministic, self-contained."""

from __future__ import annotations

import base64
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import click
import matplotlib
import pytest
from click.testing import CliRunner, Result
from test_compare import solve_to

from berthplan.cli.planning import register
from berthplan.errors import UsageError
from berthplan.viz.figures import FIGURES, plot_plan
from berthplan.viz.report import PLAN_FIGURES, SIDE_FIGURES, write_report

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


def test_report_embeds_every_chart_and_nothing_external(
    plans: dict[str, Path], tmp_path: Path
) -> None:
    out = write_report(plans["base"], tmp_path / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    text = out.read_text(encoding="utf-8")
    page = check_self_contained(text, len(PLAN_FIGURES))
    body = " ".join(page.text)
    for heading in ("Construction schedule", "Capacity, throughput and targets", "Yearly spending"):
        assert heading in body
    # the KPI table against the targets: one row per target of targets.csv
    targets = (plans["base"] / "targets.csv").read_text(encoding="utf-8").splitlines()
    assert text.count('<tr class="') == len(targets) - 1
    assert "Comparison" not in body


def test_report_with_comparisons_side_by_side(plans: dict[str, Path], tmp_path: Path) -> None:
    out = write_report(
        plans["base"], tmp_path / "cmp.html", compare=[plans["budget"], plans["berths"]]
    )
    text = out.read_text(encoding="utf-8")
    page = check_self_contained(text, len(PLAN_FIGURES) + 3 * len(SIDE_FIGURES))
    body = " ".join(page.text)
    assert "p2-ore-1 (Main area ore berth): delayed, start 2024 -> 2025 (+1 yr)" in body
    for table_header in ("delta_years", "delta_objective", "discounted_cost"):
        assert f"<th>{table_header}</th>" in text
    assert "p1w-ct-a" in body and "added" in body


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
    check_self_contained(html_file.read_text(encoding="utf-8"), 4 + 2 * len(SIDE_FIGURES))

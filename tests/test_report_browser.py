"""The HTML report in a real browser: headless Chromium at 1,400 pixels, screenshot and DOM.

For the Liaoning plan and a generated large instance's plan (1,000 projects, 25 ports), the
report is opened in headless Chromium twice: once with a small measuring script added to a copy
of the page (``--dump-dom`` then prints the script's findings: the page's scroll width and
height, every ``<h2>``, every element wider than the window outside a scrolling box, how large
each chart shows against its own size), once for a full-page screenshot whose size and pixels
are checked (and copied into the folder ``BERTHPLAN_SCREENSHOTS`` names, when set, for a
person to look at). A missing browser skips these tests, unless ``BERTHPLAN_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it): then it fails them.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

import berthplan
from berthplan.generator.generate import generate
from berthplan.results.plan import Plan
from berthplan.viz.report import HEADINGS, write_report

WIDTH = 1400
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)
"""Chromium's flags: headless, and no network of its own (this machine has none)."""
MEASURE = """<script>
window.addEventListener("load", () => {
  const w = window.innerWidth, d = document.documentElement;
  const wide = [...document.body.querySelectorAll("*")]
    .filter(e => !e.closest(".scroll, pre") && e.getBoundingClientRect().right > w + 0.5)
    .map(e => e.tagName + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""));
  const images = [...document.images].map(i => ({
    complete: i.complete, natural: i.naturalWidth, shown: i.getBoundingClientRect().width}));
  const out = {width: w, scrollWidth: d.scrollWidth, scrollHeight: d.scrollHeight, wide: wide,
    headings: [...document.querySelectorAll("h2")].map(h => h.textContent), images: images};
  const pre = document.createElement("pre");
  pre.id = "berthplan-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def browser() -> str:
    """The Chromium executable; skip (or fail, under BERTHPLAN_REQUIRE_BROWSER) without one."""
    for name in ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("BERTHPLAN_REQUIRE_BROWSER"):
        pytest.fail("BERTHPLAN_REQUIRE_BROWSER is set but no chromium is installed")
    pytest.skip("no chromium installed (apt-get install chromium); the report is not screenshot")


def run_browser(exe: str, profile: Path, *args: str) -> str:
    result = subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def measure(exe: str, report: Path, work: Path) -> dict[str, Any]:
    """What the measuring script finds in ``report`` at :data:`WIDTH` pixels."""
    page = work / "measured.html"
    text = report.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", MEASURE + "</body>", 1), encoding="utf-8")
    dom = run_browser(
        exe,
        work / "profile-dom",
        f"--window-size={WIDTH},1000",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    )
    found = re.search(r'<pre id="berthplan-measure">(.*?)</pre>', dom, flags=re.S)
    assert found, "the measuring script did not run"
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


def screenshot(exe: str, report: Path, height: int, work: Path) -> Path:
    png = work / f"{report.stem}.png"
    run_browser(
        exe,
        work / "profile-shot",
        f"--window-size={WIDTH},{height}",
        f"--screenshot={png}",
        report.as_uri(),
    )
    return png


def check_in_browser(report: Path, headings: list[str], work: Path) -> Path:
    """Every check of the report at 1,400 pixels; returns the screenshot."""
    exe = browser()
    m = measure(exe, report, work)
    assert m["width"] == WIDTH
    assert m["scrollWidth"] <= WIDTH, m["scrollWidth"]  # nothing makes the page scroll sideways
    assert m["wide"] == [], m["wide"][:10]  # no element outside a scrolling box is too wide
    assert m["headings"] == headings
    assert m["images"] and all(i["complete"] and i["natural"] > 0 for i in m["images"])
    # every chart shows at (nearly) its own size: text drawn at 8.5 pt stays legible
    assert all(i["shown"] >= 0.9 * min(i["natural"], WIDTH - 64) for i in m["images"]), m["images"]
    png = screenshot(exe, report, int(m["scrollHeight"]), work)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (WIDTH, m["scrollHeight"])
    with Image.open(png) as im:
        grey = im.convert("L")
        stat = ImageStat.Stat(grey)
        assert stat.stddev[0] > 20, stat.stddev  # not blank
        ink = sum(grey.histogram()[:200]) / (grey.width * grey.height)
        assert ink > 0.02, ink  # text and charts, not an empty page
    keep = os.environ.get("BERTHPLAN_SCREENSHOTS")  # a folder to keep them in, for a person
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, Path(keep) / png.name)
    return png


def expected(plan: Plan, compared: bool = False) -> list[str]:
    keys = [k for k in HEADINGS if k not in ("queues", "comparison")]
    if "queues" in plan.tables:
        keys.append("queues")
    return [HEADINGS[k] for k in keys] + ([HEADINGS["comparison"]] if compared else [])


@pytest.fixture(scope="module")
def liaoning() -> Plan:
    return berthplan.solve(berthplan.load("liaoning-2023"), "highs")


def test_the_liaoning_report_in_a_browser(liaoning: Plan, tmp_path: Path) -> None:
    report = write_report(liaoning, tmp_path / "liaoning.html")
    png = check_in_browser(report, expected(liaoning), tmp_path)
    assert png.stat().st_size > 100_000


def test_a_comparison_at_another_discount_rate_in_a_browser(liaoning: Plan, tmp_path: Path) -> None:
    other = berthplan.solve(
        berthplan.apply_scenario(liaoning.instance, sets=["discount_rate=0.08"])
    )
    other.info.base_hash = liaoning.instance.canonical_hash()
    report = write_report(liaoning, tmp_path / "compare.html", [other])
    check_in_browser(report, expected(liaoning, compared=True), tmp_path)
    text = report.read_text(encoding="utf-8")
    alerts = re.findall(r'role="alert">(.*?)</p>', text)
    rates = [a for a in alerts if "discount rates differ (liaoning-2023 6.00%" in a]
    assert len(rates) == 2, alerts  # at the top and in the comparison


@pytest.mark.slow
def test_a_large_generated_report_in_a_browser(tmp_path: Path) -> None:
    instance = generate("large", seed=0)
    assert len(instance.projects) == 1000
    # the first incumbent is within 3.2 % of the bound (about 10 s unloaded): the gap stops there
    plan = berthplan.solve(instance, "highs", time_limit=50, gap=0.05)
    report = write_report(plan, tmp_path / "large.html")
    check_in_browser(report, expected(plan), tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "The chart shows the 40 largest projects by capex" in text
    assert "The chart shows the 12 busiest of 25 ports" in text


def test_the_measure_finds_a_page_too_wide(tmp_path: Path) -> None:
    """The width checks can fail: a table wider than the window outside a scrolling box."""
    exe = browser()
    wide = "<table><tr>" + "<td>wide-cell-text</td>" * 150 + "</tr></table>"
    boxed = f'<div class="scroll" style="overflow:auto">{wide}</div>'
    page = tmp_path / "wide.html"
    page.write_text(f"<!DOCTYPE html><html><body><h2>x</h2>{wide}{boxed}</body></html>")
    m = measure(exe, page, tmp_path)
    assert m["scrollWidth"] > WIDTH
    assert "TABLE" in m["wide"] and m["headings"] == ["x"]
    page.write_text(f"<!DOCTYPE html><html><body><h2>x</h2>{boxed}</body></html>")
    m = measure(exe, page, tmp_path)
    assert m["scrollWidth"] <= WIDTH and m["wide"] == []


def test_a_missing_browser_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("BERTHPLAN_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium installed"):
        browser()
    monkeypatch.setenv("BERTHPLAN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="BERTHPLAN_REQUIRE_BROWSER is set"):
        browser()

"""``berthplan xlsx``: a plan folder (or a comparison) as one workbook.

A summary sheet, then one sheet per table with the values of its CSV, the unit of every column
in the frozen header row (the units of docs/results.md), number formats, and the same bytes
for the same plan.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pandas as pd
import pytest
from click.testing import CliRunner

import berthplan
from berthplan.cli import main
from berthplan.viz.workbook import TABLE_UNITS, UNITS, plan_workbook, unit

ROOT = Path(__file__).parent.parent
UNCERTAINTY = ROOT / "tests" / "data" / "uncertainty"
MONEY = "CNY million"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plan of tiny-depth (hand optimum 225) and the two-stage plan of tiny-two-stage."""
    root = tmp_path_factory.mktemp("plans")
    _run("solve", str(ROOT / "instances/tiny/10-depth.yaml"), "--out", str(root / "depth"))
    _run(
        "solve",
        str(UNCERTAINTY / "tiny-two-stage.yaml"),
        "--uncertainty",
        str(UNCERTAINTY / "tiny-two-stage.unc.yaml"),
        "--commit-years",
        "1",
        "--out",
        str(root / "two-stage"),
    )
    return {"depth": root / "depth", "two-stage": root / "two-stage"}


def _book(path: Path) -> Any:
    return openpyxl.load_workbook(path)


def _headers(ws: Any) -> list[str]:
    return [str(c.value) for c in ws[1]]


def test_a_sheet_per_table_after_the_summary(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    assert _run("xlsx", str(plans["two-stage"]), "--out", str(out)) == (
        f"workbook written to {out}\n"
    )
    wb = _book(out)
    contract = ["projects", "routes", "capacity", "spend", "kpis", "targets"]
    assert wb.sheetnames == ["summary", *contract, "scenarios", "recourse"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title


def test_headers_carry_units_and_cells_the_csv_values(
    plans: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    _run("xlsx", str(plans["two-stage"]), "--out", str(out))
    wb = _book(out)
    assert _headers(wb["kpis"])[:7] == [
        "year",
        "cargo_tons (t)",
        "container_teu (TEU)",
        "berths_10k (berths)",
        "new_routes (routes)",
        "unserved_teu (TEU)",
        "unserved_tons (t)",
    ]
    assert "capex (CNY million)" in _headers(wb["projects"])
    # scenarios.csv: the same names are money there
    assert "unserved_teu (CNY million)" in _headers(wb["scenarios"])
    assert "capacity (TEU/yr or t/yr)" in _headers(wb["capacity"])
    for name in ("kpis", "scenarios", "spend", "recourse"):
        csv = pd.read_csv(plans["two-stage"] / f"{name}.csv")
        rows = list(wb[name].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(csv)
        for row, expected in zip(rows, csv.itertuples(index=False), strict=True):
            for got, want in zip(row, expected, strict=True):
                if isinstance(want, float) and pd.isna(want):
                    assert got is None
                elif isinstance(want, float):
                    assert got == pytest.approx(want, abs=1e-9)
                else:
                    assert got == want


def test_number_formats(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    _run("xlsx", str(plans["two-stage"]), "--out", str(out))
    wb = _book(out)
    kpis = wb["kpis"]
    formats = {h: kpis.cell(2, j).number_format for j, h in enumerate(_headers(kpis), start=1)}
    assert formats["year"] == "0"
    assert formats["cargo_tons (t)"] == "#,##0"
    assert formats["capex (CNY million)"] == "#,##0.00"
    scenarios = wb["scenarios"]
    assert scenarios.cell(2, 2).value == 0.5
    assert scenarios.cell(2, 2).number_format == "0.000"  # probability: a ratio
    spend = wb["spend"]
    assert [c.value for c in spend[2]] == ["late", 2031, 60, False]  # booleans stay booleans


def test_the_summary(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    _run("xlsx", str(plans["two-stage"]), "--out", str(out))
    rows = dict(_book(out)["summary"].iter_rows(min_row=2, values_only=True))
    assert rows["instance"] == "tiny-two-stage"
    assert rows["status"] == "optimal"
    assert rows["solver"] == "highs"
    # the here-and-now plan on the base forecast: late built (60) and 1 Mt unserved (120)
    assert rows[f"objective ({MONEY}, discounted)"] == pytest.approx(180.0)
    assert rows[f"  capex ({MONEY}, discounted)"] == pytest.approx(60.0)
    assert rows[f"  unserved_tons ({MONEY}, discounted)"] == pytest.approx(120.0)
    assert rows["gap"] == 0
    # tests/data/uncertainty/tiny-two-stage.yaml's header: RP 90, VSS 10, EVPI 40
    assert rows[f"expected cost, RP ({MONEY})"] == pytest.approx(90.0)
    assert rows[f"VSS ({MONEY})"] == pytest.approx(10.0)
    assert rows[f"EVPI ({MONEY})"] == pytest.approx(40.0)


def test_the_same_plan_gives_the_same_bytes(plans: dict[str, Path], tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _run("xlsx", str(plans["depth"]), "--out", str(first))
    _run("xlsx", str(plans["depth"]), "--out", str(second))
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        core = z.read("docProps/core.xml").decode()
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())
    assert re.findall(r"<dcterms:\w+[^>]*>([^<]*)<", core) == ["2000-01-01T00:00:00Z"] * 2


def test_an_in_memory_plan(plans: dict[str, Path]) -> None:
    plan = berthplan.solve(berthplan.load(ROOT / "instances/tiny/10-depth.yaml"))
    wb = openpyxl.load_workbook(io.BytesIO(plan_workbook(plan)))
    assert wb.sheetnames == _book_names(plans["depth"])
    rows = dict(wb["summary"].iter_rows(min_row=2, values_only=True))
    assert rows[f"objective ({MONEY}, discounted)"] == pytest.approx(225.0)  # the hand optimum


def _book_names(folder: Path) -> list[str]:
    return list(openpyxl.load_workbook(io.BytesIO(plan_workbook(folder))).sheetnames)


def test_compare(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "compare.xlsx"
    depth = str(plans["depth"])
    _run("xlsx", depth, "--compare", depth, "--out", str(out))
    wb = _book(out)
    assert wb.sheetnames == ["summary", "totals", "projects_diff", "routes_diff", "kpis_diff"]
    rows = dict(wb["summary"].iter_rows(min_row=2, values_only=True))
    assert rows["identical to the baseline"] == "yes"
    assert "delta_objective (CNY million)" in _headers(wb["totals"])
    assert wb["kpis_diff"].max_row == 1  # no differences: the header only


def test_compare_with_differences(plans: dict[str, Path], tmp_path: Path) -> None:
    # the same instance at a 10 % discount rate: every discounted cost differs (opex, routes)
    other = tmp_path / "discounted"
    depth = ROOT / "instances/tiny/10-depth.yaml"
    _run("solve", str(depth), "--set", "discount_rate=0.1", "--out", str(other))
    out = tmp_path / "compare.xlsx"
    _run("xlsx", str(plans["depth"]), "--compare", str(other), "--out", str(out))
    wb = _book(out)
    rows = dict(wb["summary"].iter_rows(min_row=2, values_only=True))
    assert rows["identical to the baseline"] == "no"
    totals = list(wb["totals"].iter_rows(values_only=True))
    delta = _headers(wb["totals"]).index("delta_objective (CNY million)")
    assert totals[1][delta] == 0
    assert totals[2][delta] < 0  # discounting makes the same plan cheaper
    assert wb["kpis_diff"].max_row > 1


def test_column_widths_fit_the_headers(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    _run("xlsx", str(plans["two-stage"]), "--out", str(out))
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    for ws in _book(out):
        widest = 80 if ws.title == "summary" else 50  # the summary's values: paths, overrides
        for j, header in enumerate(_headers(ws), start=1):
            width = ws.column_dimensions[get_column_letter(j)].width
            assert min(len(header), widest - 2) <= width <= widest, (ws.title, header)


def test_output_policy(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    out.write_text("mine")
    run = CliRunner().invoke
    result = run(main, ["xlsx", str(plans["depth"]), "--out", str(out)])
    assert (result.exit_code, result.output) == (
        2,
        f"error: {out}: exists; pass --force to replace it\n",
    )
    assert out.read_text() == "mine"
    assert run(main, ["xlsx", str(plans["depth"]), "--out", str(out), "--force"]).exit_code == 0
    assert zipfile.is_zipfile(out)
    missing = tmp_path / "nope"
    result = run(main, ["xlsx", str(missing), "--out", str(tmp_path / "x.xlsx")])
    assert (result.exit_code, result.output) == (2, f"error: {missing}: no such folder\n")
    assert not (tmp_path / "x.xlsx").exists()


def _documented_units() -> dict[tuple[str, str], str]:
    """(table, column) -> unit of every column docs/results.md gives a unit, for plan tables."""
    out: dict[tuple[str, str], str] = {}
    table: str | None = None
    for line in (ROOT / "docs" / "results.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            found = re.match(r"## (\w+)\.csv", line)
            table = found.group(1) if found else None
        elif line.startswith("`scenarios.csv`"):
            table = "scenarios"
        elif table and line.startswith("| ") and not line.startswith(("| column", "|---")):
            columns, doc_unit = (c.strip() for c in line.split("|")[1:3])
            for column in columns.split(", "):
                out[(table, column)] = doc_unit
    return out


def test_every_documented_unit_is_in_the_mapping() -> None:
    documented = _documented_units()
    assert ("kpis", "cargo_tons") in documented
    assert ("scenarios", "regret") in documented
    for (table, column), doc_unit in documented.items():
        if doc_unit in ("–", ""):
            continue
        assert column in UNITS or column in TABLE_UNITS.get(table, {}), (table, column)
        shown, kind = unit(table, column, MONEY)
        if doc_unit == "money":
            assert (shown, kind) == (MONEY, "money"), (table, column)
        elif doc_unit == "year":
            assert kind == "year", (table, column)
        else:
            assert shown == doc_unit, (table, column)


def test_a_damaged_folder_is_one_line(plans: dict[str, Path], tmp_path: Path) -> None:
    import json
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(plans["depth"], folder)
    record = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    record["breakdown"], record["versions"] = [1, 2], "hand-edited"
    (folder / "solve.json").write_text(json.dumps(record), encoding="utf-8")
    _run("xlsx", str(folder), "--out", str(tmp_path / "a.xlsx"))  # summary rows left out
    (folder / "notes.csv").write_text('a,b\n1,"x\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["xlsx", str(folder), "--out", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {folder / 'notes.csv'}: unreadable (")
    assert len(result.output.splitlines()) == 1
    assert not (tmp_path / "b.xlsx").exists()

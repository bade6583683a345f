"""Comparing plan folders: decisions moved, KPI and cost deltas, related instances only.

The plans are solved from variants of the example instance whose decisions are known:

- base: the example with the ore berth ``p2-ore-1`` (stage new, 2 years, 700 + 700 capex) free
  to start 2023-2025; the optimum starts it in 2024 (completed 2025).
- budget: the base with a 2024 capex budget of 600 — neither a 2023 nor a 2024 start fits, so
  the ore berth is delayed to 2025 (completed 2026).
- berths: the base with a 2026 target of 11 berths of 10,000-ton class — the west channel
  (ready 2024, 1 year) is built in 2024 and container berths option A (2 berths, 2 years,
  requires the channel completed the year before) in 2025, completed 2026.
- route: the base with a 2025 target of one new route — the Europe service opens in 2025.

Scenario plans carry the base instance's hash as ``base_hash`` (as ``berthplan solve --set``
and ``--scenario`` write it), which makes them comparable with the base plan.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

import berthplan
from berthplan.analysis.compare import COST_COLUMNS, KPI_COLUMNS, Comparison, compare
from berthplan.cli import main
from berthplan.cli.planning import register
from berthplan.errors import UsageError
from berthplan.viz.report import render_comparison

EXAMPLE = Path(__file__).parents[1] / "instances" / "example.yaml"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    (ore,) = (p for p in doc["projects"] if p["id"] == "p2-ore-1")
    ore.update(earliest_start=2023, latest_start=2025)
    return doc


def variant(name: str) -> str:
    """The YAML text of a variant of the example (see the module docstring)."""
    doc = _doc()
    if name == "budget":
        doc["budget"] = [{"year": 2024, "capex": 600}]
    elif name == "berths":
        doc["targets"].append({"year": 2026, "metric": "berths_10k", "value": 11})
    elif name == "route":
        doc["targets"].append({"year": 2025, "metric": "new_routes", "value": 1})
    elif name == "renamed":
        doc["name"] = "another-instance"
    else:
        assert name == "base", name
    return yaml.safe_dump(doc, sort_keys=False)


def solve_to(folder: Path, name: str, solver: str = "highs", scenario: bool = True) -> Path:
    """Solve a variant and write its plan folder; a scenario plan records the base's hash."""
    plan = berthplan.solve(berthplan.loads(variant(name)), solver)
    if scenario:
        plan.info.base_hash = berthplan.loads(variant("base")).canonical_hash()
    return plan.write(folder)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("plans")
    out = {n: solve_to(root / n, n) for n in ("base", "budget", "berths", "route")}
    out["cbc"] = solve_to(root / "cbc", "base", "pulp:cbc")
    out["renamed"] = solve_to(root / "renamed", "renamed", scenario=False)
    out["unstamped"] = solve_to(root / "unstamped", "budget", scenario=False)
    return out


def cli(*args: str) -> Result:
    group = click.Group("berthplan")
    register(group)
    return CliRunner().invoke(group, list(args), catch_exceptions=True)


def _solve_json(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    return data


def _start(folder: Path, project: str) -> Any:
    p = pd.read_csv(folder / "projects.csv", dtype={"start_year": "Int64"})
    return p.set_index("project_id").loc[project, "start_year"]


def test_the_variants_decide_as_described(plans: dict[str, Path]) -> None:
    assert _start(plans["base"], "p2-ore-1") == 2024
    assert _start(plans["budget"], "p2-ore-1") == 2025
    assert pd.isna(_start(plans["base"], "p1w-channel"))
    assert _start(plans["berths"], "p1w-channel") == 2024
    assert _start(plans["berths"], "p1w-ct-a") == 2025


def test_a_delayed_project_with_its_years(plans: dict[str, Path]) -> None:
    c = compare([plans["base"], plans["budget"]])
    assert not c.identical
    assert c.projects.to_dict("records") == [
        {
            "plan": "budget",
            "project_id": "p2-ore-1",
            "name": "Main area ore berth",
            "port": "P2",
            "stage": "new",
            "change": "delayed",
            "base_decision": "build",
            "decision": "build",
            "base_start_year": 2024,
            "start_year": 2025,
            "delta_years": 1,
            "base_completion_year": 2025,
            "completion_year": 2026,
            # 700 + 700 spent 2025-2026, not 2024-2025, at 6 % from 2023 (CSV: 6 decimals)
            "delta_discounted_cost": pytest.approx(700 * (1.06**-3 - 1.06**-1), abs=2e-6),
        }
    ]
    assert c.routes.empty
    text = render_comparison(c)
    assert "p2-ore-1 (Main area ore berth): delayed, start 2024 -> 2025 (+1 yr)" in text
    assert "completion 2025 -> 2026" in text


def test_added_projects_and_berths(plans: dict[str, Path]) -> None:
    c = compare([plans["base"], plans["berths"]])
    rows = c.projects.set_index("project_id")
    assert list(rows.index) == ["p1w-channel", "p1w-ct-a"]
    assert list(rows["change"]) == ["added", "added"]
    assert list(rows["start_year"]) == [2024, 2025]
    assert list(rows["completion_year"]) == [2024, 2026]
    assert rows["base_start_year"].isna().all() and rows["delta_years"].isna().all()
    berths = c.kpis.set_index("year")["berths_10k"]
    assert berths.loc[2026] == 2  # option A adds two 10k-class berths, completed 2026


def test_a_route_opened(plans: dict[str, Path]) -> None:
    c = compare([plans["base"], plans["route"]])
    assert c.projects.empty
    (row,) = c.routes.to_dict("records")
    assert (row["route_id"], row["change"], row["open_year"]) == ("deep-sea-europe", "opened", 2025)
    assert pd.isna(row["base_open_year"])
    assert (
        "deep-sea-europe (Weekly Europe service (large ships)): opened, open 2025"
        in render_comparison(c)
    )


@pytest.mark.parametrize("variant_name", ["budget", "berths", "route"])
def test_cost_delta_is_the_difference_of_objectives(
    plans: dict[str, Path], variant_name: str
) -> None:
    base, other = plans["base"], plans[variant_name]
    c = compare([base, other])
    delta = float(c.totals.set_index("plan")["delta_objective"].to_dict()[variant_name])
    assert delta == _solve_json(other)["objective"] - _solve_json(base)["objective"]
    sums = [pd.read_csv(f / "kpis.csv")["discounted_cost"].sum() for f in (base, other)]
    assert delta == pytest.approx(sums[1] - sums[0], abs=1e-5)
    assert c.kpis["discounted_cost"].sum() == pytest.approx(delta, abs=1e-5)
    assert f"({delta:+,.3f}" in render_comparison(c)


def test_kpi_deltas_cover_every_kpi_and_cost_column(plans: dict[str, Path]) -> None:
    c = compare([plans["base"], plans["budget"]])
    header = (plans["base"] / "kpis.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert list(c.kpis.columns) == ["plan", *header]
    assert header[1:] == [*KPI_COLUMNS, *COST_COLUMNS]
    by_year = c.kpis.set_index("year")
    # the ore berth's spend moves from 2024-2025 to 2025-2026
    assert by_year.loc[2024, "capex"] == -700 and by_year.loc[2026, "capex"] == 700
    assert by_year.loc[2025, "berths_10k"] == -1  # completed 2026 instead of 2025


def test_the_same_folder_twice_is_identical(plans: dict[str, Path]) -> None:
    c = compare([plans["base"], plans["base"]])
    assert c.identical
    assert c.labels == ("base", "base#2")
    assert c.projects.empty and c.routes.empty and c.kpis.empty
    assert "identical" in render_comparison(c)


def test_highs_and_cbc_plans_of_the_example_are_identical(plans: dict[str, Path]) -> None:
    a, b = _solve_json(plans["base"]), _solve_json(plans["cbc"])
    assert a["instance"]["hash"] == b["instance"]["hash"] and a["backend"] != b["backend"]
    c = compare([plans["base"], plans["cbc"]])
    assert c.identical, render_comparison(c)
    assert list(c.totals["backend"]) == ["highs", "pulp:cbc"]
    assert "cbc vs base: identical" in render_comparison(c)


def test_unrelated_instances_are_refused(plans: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="unrelated instances"):
        compare([plans["base"], plans["renamed"]])
    result = cli("compare", str(plans["base"]), str(plans["renamed"]))
    assert result.exit_code == 2, result.output
    assert "unrelated instances" in result.output and "Traceback" not in result.output


def test_an_edited_copy_of_the_instance_is_related(plans: dict[str, Path]) -> None:
    # Same instance name, different contents and no scenario stamp: compared, not refused.
    c = compare([plans["base"], plans["unstamped"]])
    assert not c.identical


def test_missing_folders_and_files_are_usage_errors(plans: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        compare([plans["base"], tmp_path / "absent"])
    with pytest.raises(UsageError, match="at least two"):
        compare([plans["base"]])
    broken = shutil.copytree(plans["budget"], tmp_path / "broken")
    (broken / "kpis.csv").unlink()
    with pytest.raises(UsageError, match=r"kpis\.csv missing"):
        compare([plans["base"], broken])
    (broken / "solve.json").unlink()
    with pytest.raises(UsageError, match=r"solve\.json missing"):
        compare([plans["base"], broken])
    result = cli("compare", str(plans["base"]), str(tmp_path / "absent"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def _comparison(plans: dict[str, Path]) -> Comparison:
    return compare([plans["base"], plans["budget"], plans["berths"], plans["route"]])


def test_write_csvs_atomically_with_six_decimals(plans: dict[str, Path], tmp_path: Path) -> None:
    c = _comparison(plans)
    out = c.write(tmp_path / "cmp")
    names = ["kpis_diff.csv", "projects_diff.csv", "routes_diff.csv", "totals.csv"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]  # no temporary folder left
    first = {n: (out / n).read_bytes() for n in names}
    for n, data in first.items():
        frame = getattr(c, n.split("_")[0].removesuffix(".csv"))
        assert data.decode().count("\n") == len(frame) + 1
        for cell in re.findall(r"(?<=,)-?\d+\.\d+(?=,|\n)", data.decode()):
            assert len(cell.split(".")[1]) == 6, (n, cell)
    assert "\r" not in first["totals.csv"].decode()
    c.write(out)  # replacing a comparison folder gives the same bytes
    assert {n: (out / n).read_bytes() for n in names} == first
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a comparison folder"):
        c.write(tmp_path / "other")


def test_totals_and_sort_order(plans: dict[str, Path]) -> None:
    c = _comparison(plans)
    assert list(c.totals["plan"]) == ["base", "budget", "berths", "route"]
    assert c.totals.loc[0, "delta_objective"] == 0
    assert list(c.projects["plan"]) == ["budget", "berths", "berths"]
    assert list(c.kpis["plan"]) == sorted(c.kpis["plan"], key=list(c.labels).index)
    assert (c.totals["status"] == "optimal").all()


def test_cli_compare_prints_and_writes(plans: dict[str, Path], tmp_path: Path) -> None:
    result = cli("compare", str(plans["base"]), str(plans["budget"]), "--out", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert "delayed, start 2024 -> 2025" in result.output
    assert (tmp_path / "c" / "projects_diff.csv").is_file()
    same = cli("compare", str(plans["base"]), str(plans["cbc"]))
    assert same.exit_code == 0 and "identical" in same.output


def test_a_scenario_plan_from_the_command_line_is_related(tmp_path: Path) -> None:
    base, scen = tmp_path / "base", tmp_path / "scen"
    runner = CliRunner()
    ok = runner.invoke(main, ["solve", str(EXAMPLE), "--out", str(base), "--quiet"])
    assert ok.exit_code == 0, ok.output
    sets = ["--set", "projects[p1w-channel].stage=new"]
    sets += ["--set", "projects[p1w-channel].earliest_start=2024"]
    ok = runner.invoke(main, ["solve", str(EXAMPLE), "--out", str(scen), "--quiet", *sets])
    assert ok.exit_code == 0, ok.output
    c = compare([base, scen])
    assert c.projects[["project_id", "change", "start_year"]].values.tolist() == [
        ["p1w-channel", "added", 2024]
    ]


def test_compare_imports_no_model_or_solver_module() -> None:
    """Only the plan folder contract is read: no model, solver or plotting module is loaded."""
    code = (
        "import sys, berthplan.analysis.compare; "
        "print(' '.join(m for m in sys.modules if m.startswith(('berthplan.', 'matplotlib'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    model = ("formulation", "optimize", "backends", "plan", "outcome", "sets", "sparse")
    forbidden = {f"berthplan.{m}" for m in model} | {"matplotlib"}
    assert "berthplan.analysis.compare" in loaded
    assert not [m for m in loaded if m in forbidden or m.split(".")[0] == "matplotlib"]

"""One Plan type: a plan just solved and the same plan read back from its folder answer alike.

Every view (figures, report, compare) reads a Plan; these tests draw, report and compare a plan
that was never written, and check that reading a folder back gives the same tables and the same
pictures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import berthplan
from berthplan.errors import UsageError
from berthplan.results.folder import read_plan
from berthplan.results.plan import Plan
from berthplan.results.tables import TABLES
from berthplan.viz.figures import FIGURES, png_bytes
from berthplan.viz.report import report_html

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


@pytest.fixture(scope="module")
def solved() -> Plan:
    return berthplan.solve(berthplan.load(EXAMPLE))


@pytest.fixture(scope="module")
def folder(solved: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plans") / "example"
    solved.write(out)
    return out


def test_public_api_names() -> None:
    for name in ("load", "solve", "read_plan", "Plan", "compare", "check", "apply_scenario"):
        assert callable(getattr(berthplan, name)), name


def test_read_plan_has_the_written_tables(solved: Plan, folder: Path) -> None:
    back = berthplan.read_plan(folder)
    assert isinstance(back, Plan) and back.path == folder
    for name in TABLES:
        pd.testing.assert_frame_equal(
            back.table(name).reset_index(drop=True),
            solved.table(name).reset_index(drop=True),
            check_dtype=False,
        )
    assert back.objective == pytest.approx(solved.objective, rel=1e-12)
    assert back.get("instance.name") == solved.get("instance.name") == "example-two-ports"
    assert back.record["status"] == solved.status == "optimal"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figures_of_an_unwritten_plan_equal_those_of_its_folder(
    solved: Plan, folder: Path, name: str
) -> None:
    in_memory = png_bytes(FIGURES[name](solved))
    assert in_memory[:8] == b"\x89PNG\r\n\x1a\n"
    assert in_memory == png_bytes(FIGURES[name](read_plan(folder)))


def test_report_and_compare_take_plans_in_memory(solved: Plan, folder: Path) -> None:
    html = report_html(solved, [folder])
    assert "(in memory)" in html and "example-two-ports" in html
    c = berthplan.compare([solved, folder])
    assert c.identical
    assert list(c.totals["folder"]) == ["", str(folder)]


def test_repr_names_instance_status_and_objective(solved: Plan, folder: Path) -> None:
    assert repr(solved).startswith("<Plan 'example-two-ports': optimal, objective ")
    assert f"folder={str(folder)!r}" in repr(read_plan(folder))


def test_a_plan_read_back_has_no_decisions(folder: Path) -> None:
    with pytest.raises(UsageError, match="has its tables only"):
        _ = read_plan(folder).decisions


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: p, "solve.json missing"),
    ],
)
def test_read_plan_refuses_what_is_not_a_plan(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        read_plan(make(tmp_path))


def test_read_plan_refuses_a_missing_table(folder: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "kpis.csv").unlink()
    with pytest.raises(UsageError, match=r"kpis\.csv missing"):
        read_plan(copy, ("kpis",))


def test_a_solve_validates_once_and_builds_the_index_sets_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from berthplan.model import io, sets, validate

    counts = {"cross_check": 0, "sets": 0}
    cross_check, init = validate.cross_check, sets.Sets.__init__

    def counted_check(*args, **kwargs):  # type: ignore[no-untyped-def]
        counts["cross_check"] += 1
        return cross_check(*args, **kwargs)

    def counted_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts["sets"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(io, "cross_check", counted_check)
    monkeypatch.setattr(sets.Sets, "__init__", counted_init)
    plan = berthplan.solve(berthplan.load(EXAMPLE))
    assert len(plan.tables["capacity"]) > 0
    assert counts == {"cross_check": 1, "sets": 1}
    edited = plan.instance.model_copy(update={"discount_rate": 0.05})
    berthplan.solve(edited)
    assert counts == {"cross_check": 2, "sets": 2}  # an edited copy is checked again


def test_importing_the_figures_keeps_the_users_backend() -> None:
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import berthplan.viz.figures, "
        "berthplan.viz.report, berthplan.viz.queues; print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_notebook_reprs(solved: Plan, folder: Path) -> None:
    inst = solved.instance
    assert repr(inst) == (
        "<Instance 'example-two-ports': 2023-2026, 2 ports, 3 areas, 3 berth groups, "
        "5 projects, 3 routes, 0 service levels>"
    )
    assert "&lt;Instance" in inst._repr_html_()
    for plan in (solved, read_plan(folder)):
        html = plan._repr_html_()
        assert html.startswith("<p><code>&lt;Plan &#x27;example-two-ports&#x27;: optimal")
        assert "<th>discounted_cost</th>" in html

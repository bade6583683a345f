"""``berthplan sweep``: 20 scenarios of the example instance, locally and on a Dask
LocalCluster (2 workers each), failures recorded, re-runs skipping finished scenarios, and an
interrupted sweep completed by running it again."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from berthplan.analysis import executors, sweep
from berthplan.analysis.sweep import Options, Outcome, SweepReport, Task, run_sweep
from berthplan.cli import studies
from berthplan.errors import UsageError
from berthplan.model.io import load
from berthplan.results import atomic

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"
YEARS = [2023, 2026]  # the example's target years
TABLES = ("projects", "routes", "capacity", "spend", "kpis", "targets")

SCENARIOS: dict[str, dict[str, Any]] = {
    **{
        f"s0{i}-capex-{f}": {"costs": {"capex": f}}
        for i, f in enumerate([0.7, 0.85, 1.0, 1.15, 1.3, 1.5], 1)
    },
    "s07-rate-3": {"discount_rate": 0.03},
    "s08-rate-5": {"discount_rate": 0.05},
    "s09-rate-9": {"discount_rate": 0.09},
    "s10-channel": {"force": ["p1w-channel"]},
    "s11-europe": {"force": ["deep-sea-europe"]},
    "s12-west-a": {"force": ["p1w-ct-a"]},
    "s13-channel-2026": {"fix_start": {"p1w-channel": 2026}},
    "s14-berths-10": {"targets": [{"metric": "berths_10k", "year": 2026, "value": 10}]},
    "s15-teu-up": {"targets": [{"metric": "container_teu", "factor": 1.5}]},
    "s16-demand-down": {"demand": [{"factor": 0.8}], "budget": {"factor": 0.5}},
    "s17-penalty": {"penalties": {"unserved_teu": 0.001}},
    "s18-bad-key": {"costz": {"capex": 2}},
    "s19-bad-id": {"force": ["nosuch"]},
    "s20-unreachable": {"targets": [{"metric": "berths_10k", "year": 2026, "value": 20}]},
}
ERRORS = {"s18-bad-key", "s19-bad-id"}
INFEASIBLE = {"s20-unreachable"}
SOLVED = set(SCENARIOS) - ERRORS - INFEASIBLE


def write_scenarios(folder: Path, scenarios: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in scenarios.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenarios(tmp_path_factory.mktemp("scenarios"), SCENARIOS)


@pytest.fixture(scope="module")
def local(scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepReport, Path]:
    out = tmp_path_factory.mktemp("local") / "sweep"
    return run_sweep(str(EXAMPLE), str(scenario_dir), out, Options(workers=2)), out


@pytest.fixture(scope="module")
def dask(scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepReport, Path]:
    pytest.importorskip("distributed")
    out = tmp_path_factory.mktemp("dask") / "sweep"
    return run_sweep(str(EXAMPLE), str(scenario_dir), out, Options(executor="dask", workers=2)), out


@pytest.fixture
def copy(local: tuple[SweepReport, Path], tmp_path: Path) -> Path:
    out = tmp_path / "sweep"
    shutil.copytree(local[1], out)
    return out


def plans(out: Path) -> list[str]:
    """The finished plan folders of a sweep (a hidden one is a write under way or cut short)."""
    return sorted(p.parent.name for p in out.glob("[!.]*/solve.json"))


def mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in sorted(out.glob("*/solve.json"))}


def summary(out: Path) -> list[dict[str, str]]:
    import csv

    with (out / "summary.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def without(rows: list[dict[str, str]], *drop: str) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


# -- one sweep ------------------------------------------------------------------------------------


def test_a_summary_row_per_scenario_sorted(local: tuple[SweepReport, Path]) -> None:
    report, out = local
    rows = summary(out)
    assert [r["scenario"] for r in rows] == [sweep.BASELINE, *sorted(SCENARIOS)]
    assert rows == [report.baseline, *report.rows]
    assert list(rows[0]) == sweep.columns(YEARS)
    assert sorted(report.solved) == sorted(SOLVED)
    assert sorted(report.failed) == sorted(ERRORS | INFEASIBLE)
    assert report.skipped == []
    assert {r["status"] for r in rows if r["scenario"] in SOLVED} == {"optimal"}
    assert report.exit_code == 2


def test_every_solved_scenario_has_a_complete_plan_folder(local: tuple[SweepReport, Path]) -> None:
    _, out = local
    base = load(EXAMPLE)
    for name in SOLVED | INFEASIBLE:
        assert all((out / name / f"{t}.csv").is_file() for t in TABLES)
        info = json.loads((out / name / "solve.json").read_text(encoding="utf-8"))
        assert info["options"]["threads"] == 1
        assert info["instance"]["base_hash"] == base.canonical_hash()
        assert info["instance"]["overrides"][0].startswith("scenario=/")
        assert info["instance"]["overrides"][0].endswith(f"{name}.yaml")
    assert not any((out / name).exists() for name in ERRORS)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_summary_values_are_those_of_the_plan_folders(local: tuple[SweepReport, Path]) -> None:
    _, out = local
    row = next(r for r in summary(out) if r["scenario"] == "s14-berths-10")
    info = json.loads((out / "s14-berths-10" / "solve.json").read_text(encoding="utf-8"))
    assert row["objective"] == f"{info['objective']:.6f}"
    assert row["wall_time"] == f"{info['wall_time_s']:.6f}"
    assert (row["berths_10k_2023"], row["berths_10k_2026"], row["new_routes_2023"]) == (
        "8",
        "11",
        "1",
    )
    assert row["container_teu_2026"] == "3200000.000000"
    assert all(row[f"shortfall_{m}_2026"] == "0.000000" for m in sweep.METRICS)
    base = next(r for r in summary(out) if r["scenario"] == "s03-capex-1.0")
    assert float(base["objective"]) == pytest.approx(16957.327398, abs=1e-6)
    assert float(row["objective"]) > float(base["objective"])


def test_the_baseline_row_comes_first(local: tuple[SweepReport, Path]) -> None:
    report, out = local
    rows = summary(out)
    assert rows[0]["scenario"] == sweep.BASELINE and rows[0] == report.baseline
    assert (rows[0]["status"], rows[0]["message"]) == ("optimal", "")
    same = next(r for r in rows if r["scenario"] == "s03-capex-1.0")  # capex x 1: the base
    assert without([rows[0]], "scenario", "wall_time") == without([same], "scenario", "wall_time")
    info = json.loads((out / sweep.BASELINE / "solve.json").read_text(encoding="utf-8"))
    assert info["instance"]["overrides"] == []
    assert info["instance"]["hash"] == info["instance"]["base_hash"]
    assert sweep.BASELINE not in {*report.solved, *report.failed, *report.skipped}


def test_a_sweep_without_the_baseline(scenario_dir: Path, tmp_path: Path) -> None:
    report = run_sweep(
        str(EXAMPLE), str(scenario_dir / "s07-*.yaml"), tmp_path / "o", Options(baseline=False)
    )
    assert report.baseline is None
    assert [r["scenario"] for r in summary(tmp_path / "o")] == ["s07-rate-3"]
    assert plans(tmp_path / "o") == ["s07-rate-3"]


def test_a_shipped_example_by_name(tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "s", {"rate": {"discount_rate": 0.05}})
    report = run_sweep("liaoning-2023", str(folder), tmp_path / "o", Options(workers=1))
    assert report.baseline is not None and report.baseline["status"] == "optimal"
    assert [r["status"] for r in report.rows] == ["optimal"]
    info = json.loads((tmp_path / "o" / "rate" / "solve.json").read_text(encoding="utf-8"))
    assert info["instance"]["file"].endswith("liaoning-2023.yaml")


def test_a_scenario_named_like_the_baseline_is_refused(tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "s", {"a": {}, sweep.BASELINE: {}})
    with pytest.raises(UsageError, match="the baseline's name"):
        run_sweep(str(EXAMPLE), str(folder), tmp_path / "o", Options(workers=1))
    assert not (tmp_path / "o").exists()


def test_summary_floats_have_six_decimals(local: tuple[SweepReport, Path]) -> None:
    for row in summary(local[1]):
        for col in ("objective", "gap", "wall_time", *[f"cargo_tons_{y}" for y in YEARS]):
            assert row[col] == "" or re.fullmatch(r"-?\d+\.\d{6}", row[col]), (col, row[col])


def test_failures_are_recorded_and_the_sweep_goes_on(local: tuple[SweepReport, Path]) -> None:
    rows = {r["scenario"]: r for r in summary(local[1])}
    assert rows["s18-bad-key"]["status"] == "error"
    assert "costz: unknown key" in rows["s18-bad-key"]["message"]
    assert rows["s19-bad-id"]["status"] == "error"
    assert "force: no project or route 'nosuch'" in rows["s19-bad-id"]["message"]
    assert rows["s18-bad-key"]["objective"] == rows["s18-bad-key"]["cargo_tons_2023"] == ""
    unreachable = rows["s20-unreachable"]
    assert (unreachable["status"], unreachable["objective"]) == ("infeasible", "")
    assert float(unreachable["shortfall_berths_10k_2026"]) == pytest.approx(9.0)  # 11 of 20
    assert float(unreachable["shortfall_container_teu_2026"]) == 0.0  # units never mix
    info = json.loads((local[1] / "s20-unreachable" / "solve.json").read_text(encoding="utf-8"))
    assert info["status"] == "infeasible"


def test_dask_local_cluster_gives_the_same_results(
    local: tuple[SweepReport, Path], dask: tuple[SweepReport, Path]
) -> None:
    assert without(summary(dask[1]), "wall_time") == without(summary(local[1]), "wall_time")
    assert sorted(dask[0].solved) == sorted(SOLVED)


# -- re-runs --------------------------------------------------------------------------------------


def test_a_rerun_skips_finished_scenarios(copy: Path, scenario_dir: Path) -> None:
    before, text = mtimes(copy), (copy / "summary.csv").read_bytes()
    report = run_sweep(str(EXAMPLE), str(scenario_dir), copy, Options(workers=2))
    assert sorted(report.skipped) == sorted(SOLVED | INFEASIBLE)
    assert report.solved == [] and sorted(report.failed) == sorted(ERRORS)
    assert mtimes(copy) == before
    assert (copy / "summary.csv").read_bytes() == text


def test_force_solves_every_scenario_again(copy: Path, scenario_dir: Path) -> None:
    before = mtimes(copy)
    report = run_sweep(str(EXAMPLE), str(scenario_dir), copy, Options(workers=2, force=True))
    assert report.skipped == [] and sorted(report.solved) == sorted(SOLVED)
    after = mtimes(copy)
    assert after.keys() == before.keys()
    assert all(after[k] != before[k] for k in before)
    assert report.baseline is not None
    rows = [report.baseline, *report.rows]
    assert without(summary(copy), "wall_time", "gap") == without(rows, "wall_time", "gap")


def test_an_edited_scenario_is_solved_again(copy: Path, scenario_dir: Path, tmp_path: Path) -> None:
    edited = write_scenarios(
        tmp_path / "edited", SCENARIOS | {"s10-channel": {"force": ["p1w-ct-a"]}}
    )
    report = run_sweep(str(EXAMPLE), str(edited), copy, Options(workers=2))
    assert report.solved == ["s10-channel"]
    rows = {r["scenario"]: r for r in report.rows}
    assert rows["s10-channel"]["objective"] == rows["s12-west-a"]["objective"]


def test_an_interrupted_sweep_is_completed(copy: Path, scenario_dir: Path) -> None:
    complete = summary(copy)
    shutil.rmtree(copy / "s05-capex-1.3")  # never finished
    dead = subprocess.Popen(["true"])
    dead.wait()
    cut = copy / f".s05-capex-1.3.{dead.pid}@{atomic._host()}.abcd1234.tmp"  # a write cut short
    cut.mkdir()
    (cut / "kpis.csv").write_text("year\n", encoding="utf-8")
    inner = copy / f".{cut.name}.{dead.pid}@{atomic._host()}.efgh5678.tmp"  # its files' folder
    inner.mkdir()
    (inner / "solve.json").write_text("{}", encoding="utf-8")
    (copy / "summary.csv").unlink()
    report = run_sweep(str(EXAMPLE), str(scenario_dir), copy, Options(workers=2))
    assert report.solved == ["s05-capex-1.3"]
    assert without(summary(copy), "wall_time") == without(complete, "wall_time")
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]


def test_a_killed_sweep_completes_when_run_again(scenario_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code = (
        "import sys; from berthplan.analysis.sweep import Options, run_sweep; "
        "run_sweep(sys.argv[1], sys.argv[2], sys.argv[3], Options(workers=1))"
    )
    args = [sys.executable, "-c", code, str(EXAMPLE), str(scenario_dir), str(out)]
    proc = subprocess.Popen(args, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not [p for p in plans(out) if p != sweep.BASELINE] and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers
        proc.wait()
    done = len([p for p in plans(out) if p != sweep.BASELINE])
    assert 0 < done < len(SOLVED | INFEASIBLE)  # killed midway
    report = run_sweep(str(EXAMPLE), str(scenario_dir), out, Options(workers=2))
    assert len(report.skipped) == done and len(report.rows) == len(SCENARIOS)
    assert {r["scenario"] for r in summary(out) if r["status"] == "optimal"} == SOLVED | {
        sweep.BASELINE
    }
    for name in SOLVED:
        assert all((out / name / f"{t}.csv").is_file() for t in TABLES)


MEDIUM = Path(__file__).parent.parent / "instances" / "bench" / "medium-0.yaml"


def _session(sid: int) -> list[int]:
    """The live (not zombie) processes of session ``sid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _slow_sweep(tmp_path: Path) -> subprocess.Popen[str]:
    """A sweep of two medium-0 scenarios (each many seconds), started in its own session."""
    scenarios = write_scenarios(
        tmp_path / "s", {"a": {"costs": {"capex": 1.0}}, "b": {"costs": {"capex": 1.1}}}
    )
    args = [sys.executable, "-m", "berthplan", "sweep", str(MEDIUM), "--scenarios"]
    args += [str(scenarios), "--out", str(tmp_path / "sweep"), "--workers", "2"]
    proc = subprocess.Popen(
        args, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while len(_session(proc.pid)) < 3 and time.monotonic() < deadline:  # sweep, server, worker
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are solving
    return proc


def _gone(sid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while _session(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _session(sid)
    for pid in left:  # never leave them running for the other tests
        os.kill(pid, signal.SIGKILL)
    return not left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_sweep(tmp_path: Path) -> None:
    proc = _slow_sweep(tmp_path)
    assert len(_session(proc.pid)) >= 3
    os.kill(proc.pid, signal.SIGKILL)  # the sweep only: its workers are on their own
    proc.communicate()
    assert _gone(proc.pid, within=3), "workers outlived the sweep"
    assert not plans(tmp_path / "sweep")  # none wrote a plan


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_of_a_sweep_stops_it_and_writes_its_summary(tmp_path: Path) -> None:
    proc = _slow_sweep(tmp_path)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 8
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in out + err
    assert _gone(proc.pid, within=3), "workers outlived the sweep"
    rows = {r["scenario"]: r for r in summary(tmp_path / "sweep")}
    assert sorted(rows) == [sweep.BASELINE, "a", "b"]
    for name, row in rows.items():  # what finished, from its folder; the rest marked
        finished = (tmp_path / "sweep" / name / "solve.json").is_file()
        assert row["status"] == ("optimal" if finished else "interrupted")


# -- pieces ---------------------------------------------------------------------------------------


def test_solve_one_in_a_worker_and_its_errors(tmp_path: Path) -> None:
    # The success path runs in a fresh worker: HiGHS refuses threads=1 in a process that has
    # already solved with another thread count (see the report on berthplan/backends/highs.py).
    path = write_scenarios(tmp_path / "s", {"a": {"force": ["p1w-channel"]}}) / "a.yaml"
    task = Task("a", str(EXAMPLE), str(path), str(tmp_path / "out" / "a"))
    assert list(sweep.run_local([task], 1)) == [Outcome("a", "optimal")]
    assert (tmp_path / "out" / "a" / "solve.json").is_file()
    bad = Task("b", str(EXAMPLE), str(tmp_path / "missing.yaml"), str(tmp_path / "out" / "b"))
    outcome = sweep.solve_one(bad)
    assert outcome.status == "error" and "cannot read scenario" in outcome.message
    broken = Task("c", str(tmp_path / "missing-instance.yaml"), str(path), str(tmp_path / "c"))
    assert sweep.solve_one(broken).status == "error"


def test_ctrl_c_is_held_while_the_workers_start() -> None:
    before = signal.getsignal(signal.SIGINT)
    reached = False
    with pytest.raises(KeyboardInterrupt), executors.sigint_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here: nothing is raised inside the block
        reached = True
    assert reached and signal.getsignal(signal.SIGINT) is before
    with executors.sigint_held():  # no Ctrl-C: nothing raised
        pass
    assert signal.getsignal(signal.SIGINT) is before


def test_a_lost_worker_is_an_error_outcome() -> None:
    future: Future[list[Outcome]] = Future()
    future.set_exception(RuntimeError("process died"))
    task = Task("x", "i.yaml", "x.yaml", "out/x")
    (outcome,) = executors.collected(future, [task])
    assert outcome.status == "error" and "process died" in outcome.message
    two = executors.collected(future, [task, Task("y", "i.yaml", "y.yaml", "out/y")])
    assert [o.name for o in two] == ["x", "y"] and {o.status for o in two} == {"error"}


def test_scenario_files_from_a_glob_sorted_by_name(tmp_path: Path) -> None:
    write_scenarios(tmp_path, {"b": {}, "a": {}, "c": {}})
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in sweep.scenario_files(str(tmp_path / "[ab].yaml"))] == [
        "a.yaml",
        "b.yaml",
    ]
    assert [p.stem for p in sweep.scenario_files(str(tmp_path))] == ["a", "b", "c"]


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("berthplan")
    studies.register(group)
    return group


def run(group: click.Group, *args: str) -> Result:
    return CliRunner().invoke(group, list(args), catch_exceptions=True)


def test_cli_sweep_and_rerun(cli: click.Group, tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "sc", {k: SCENARIOS[k] for k in sorted(SOLVED)[:3]})
    args = [
        "sweep",
        str(EXAMPLE),
        "--scenarios",
        str(folder),
        "--out",
        str(tmp_path / "o"),
        "--workers",
        "2",
    ]
    first = run(cli, *args)
    assert first.exit_code == 0, first.output
    assert "3 scenarios: 3 solved, 0 skipped (finished), 0 failed" in first.output
    again = run(cli, *args)
    assert "0 solved, 3 skipped (finished)" in again.output
    assert [r["scenario"] for r in summary(tmp_path / "o")] == [sweep.BASELINE, *sorted(SOLVED)[:3]]


def test_cli_exit_code_and_message_of_a_failed_scenario(cli: click.Group, tmp_path: Path) -> None:
    folder = write_scenarios(tmp_path / "sc", {"ok": {}, "bad": SCENARIOS["s19-bad-id"]})
    result = run(
        cli, "sweep", str(EXAMPLE), "--scenarios", str(folder), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 2
    assert "bad: error: force: no project or route 'nosuch'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --executor dask"),
        (["--solver", "nosuch"], "nosuch"),
    ],
)
def test_cli_usage_errors(cli: click.Group, tmp_path: Path, extra: list[str], message: str) -> None:
    folder = write_scenarios(tmp_path / "sc", {"a": {}})
    result = run(
        cli, "sweep", str(EXAMPLE), "--scenarios", str(folder), "--out", str(tmp_path / "o"), *extra
    )
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_cli_no_scenarios_and_duplicate_names(cli: click.Group, tmp_path: Path) -> None:
    result = run(
        cli,
        "sweep",
        str(EXAMPLE),
        "--scenarios",
        str(tmp_path / "*.yaml"),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 2 and "no scenario files" in result.output
    write_scenarios(tmp_path, {"a": {}})
    (tmp_path / "a.yml").write_text("{}", encoding="utf-8")
    result = run(
        cli, "sweep", str(EXAMPLE), "--scenarios", str(tmp_path), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 2 and "more than one file for a" in result.output


def test_cli_dask_missing_is_a_usage_error(
    cli: click.Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(name: str) -> Any:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(executors, "import_module", missing)
    folder = write_scenarios(tmp_path / "sc", {"a": {}})
    result = run(
        cli,
        "sweep",
        str(EXAMPLE),
        "--scenarios",
        str(folder),
        "--out",
        str(tmp_path / "o"),
        "--executor",
        "dask",
    )
    assert result.exit_code == 2
    assert "pip install 'berthplan[dask]'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["..yaml", ".hidden.yaml", "..json"])
def test_a_scenario_file_that_cannot_name_a_folder_is_refused(tmp_path: Path, name: str) -> None:
    scenarios = tmp_path / "s"
    scenarios.mkdir()
    (scenarios / name).write_text("discount_rate: 0.05\n", encoding="utf-8")
    out = tmp_path / "sweep"
    with pytest.raises(UsageError, match="cannot name a plan folder"):
        run_sweep(str(EXAMPLE), str(scenarios), out, Options(workers=1))
    assert not out.exists()  # nothing written, not even the folder

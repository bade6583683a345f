"""Solve every scenario of an instance in parallel: ``berthplan sweep``.

Each scenario file of ``--scenarios`` (a directory or a glob) is one task of paths and options:
a worker process (one solver thread) loads the instance, applies the scenario, solves and
writes ``OUT/<name>/`` (the file name without extension) with the atomic
:meth:`~berthplan.results.plan.Plan.write`. A folder with ``solve.json`` is finished: a re-run skips it
(unless ``--force``, or when it holds another base instance or other overrides), so re-running
an interrupted sweep completes it. ``OUT/summary.csv`` (atomic, sorted by scenario) has
``scenario, status, objective, gap, wall_time``, per target year ``y`` of the base instance the
KPIs ``cargo_tons_y, container_teu_y, berths_10k_y, new_routes_y`` and per metric the year's
target shortfalls ``shortfall_<metric>_y`` (t, TEU, berths, routes: summed over the province and
port targets of that metric, never across units), and ``message``; values are
read back from the plan folders. ``error`` (no folder), ``infeasible`` (closest plan written,
objective left empty) and ``no_solution`` are recorded and the sweep goes on. ``--executor
dask`` (optional ``berthplan[dask]``) uses the scheduler at ``--scheduler`` (workers sharing
the file system) or a local cluster of ``--workers`` single-threaded processes.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any, cast

from berthplan.analysis.workers import init, kill
from berthplan.errors import (
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_SOLVER,
    InstanceError,
    UsageError,
)
from berthplan.results import atomic

METRICS = ("cargo_tons", "container_teu", "berths_10k", "new_routes")
SOLVED = ("optimal", "feasible")
Row = dict[str, str]


@dataclass(frozen=True)
class Task:
    """One scenario to solve: only paths and options, so it pickles to any worker."""

    name: str
    instance_file: str
    scenario_file: str
    folder: str
    solver: str = "highs"
    time_limit: float | None = None


@dataclass(frozen=True)
class Outcome:
    """What a worker reports: the status and, when it wrote no plan, why."""

    name: str
    status: str
    message: str = ""

    def row(self) -> Row:
        """The summary row of a scenario that left no plan folder."""
        message = "; ".join(self.message.splitlines())  # one line per scenario
        return {"scenario": self.name, "status": self.status, "message": message}


@dataclass(frozen=True)
class Options:
    """How to run a sweep: executor, workers, solver, and whether to redo finished ones."""

    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    solver: str = "highs"
    time_limit: float | None = None
    force: bool = False
    progress: bool = False


@dataclass
class SweepReport:
    """The summary rows and the scenarios solved, skipped (finished before) and failed."""

    rows: list[Row]
    summary: Path
    solved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every scenario has a plan; else 2 (an error), 3 (infeasible) or 4."""
        codes = {"error": EXIT_INPUT, "infeasible": EXIT_INFEASIBLE}
        bad = [codes.get(r["status"], EXIT_SOLVER) for r in self.rows if r["status"] not in SOLVED]
        return min(bad, default=EXIT_OK)


def solve_one(task: Task) -> Outcome:
    """Solve one scenario and write its plan folder (runs in a worker process).

    Parameters
    ----------
    task
        The instance and scenario files, the plan folder and the solver options.

    Returns
    -------
    Outcome
        The plan's status, or ``error``/``infeasible``/``no_solution`` with the message.
    """
    from berthplan.model.io import load
    from berthplan.model.scenario import overridden
    from berthplan.optimization.solve import InfeasibleError, SolveError, solve

    try:
        base = load(task.instance_file)
        instance, described = overridden(base, task.scenario_file, ())
        plan = solve(instance, task.solver, time_limit=task.time_limit, threads=1)
        plan.info.instance_file = task.instance_file
        plan.info.base_hash = base.canonical_hash()
        plan.info.overrides = described
        plan.write(task.folder)
    except (InstanceError, UsageError, InfeasibleError, SolveError) as e:
        kinds = {InfeasibleError: "infeasible", SolveError: "no_solution"}
        return Outcome(task.name, kinds.get(type(e), "error"), str(e))
    except Exception as e:  # a bug must not stop the other scenarios
        return Outcome(task.name, "error", f"{type(e).__name__}: {e}")
    return Outcome(task.name, plan.status)


def _collected(future: Any, task: Task) -> Outcome:
    try:
        return cast(Outcome, future.result())
    except Exception as e:  # the worker process died or the cluster lost the task
        return Outcome(task.name, "error", f"worker failed: {type(e).__name__}: {e}")


def run_local(tasks: list[Task], workers: int) -> Iterator[Outcome]:
    """Solve ``tasks`` in a pool of ``workers`` processes, yielding outcomes as they finish."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["berthplan.analysis.sweep", "berthplan.optimization.solve"])
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init, initargs=(os.getpid(),)
    )
    try:
        futures = {pool.submit(solve_one, t): t for t in tasks}
        for future in as_completed(futures):
            yield _collected(future, futures[future])
    except BaseException:  # Ctrl-C, or the consumer gave up: no worker may go on writing
        kill(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def distributed() -> Any:
    """The ``distributed`` module (Dask), or a usage error saying how to install it."""
    try:
        return import_module("distributed")
    except ImportError:
        msg = "--executor dask needs Dask distributed: pip install 'berthplan[dask]'"
        raise UsageError(msg) from None


@contextmanager
def dask_client(workers: int, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: of ``scheduler``'s cluster, or of a local one of ``workers`` processes."""
    dd = distributed()
    local = {"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
    cluster = dd.LocalCluster(processes=True, **local) if scheduler is None else None
    try:
        client = dd.Client(cluster if cluster is not None else scheduler)
    except OSError as e:
        raise UsageError(f"--scheduler {scheduler}: cannot connect ({e})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_dask(tasks: list[Task], workers: int, scheduler: str | None = None) -> Iterator[Outcome]:
    """Solve ``tasks`` on a Dask cluster: ``scheduler``'s, or a local one of ``workers``."""
    with dask_client(workers, scheduler) as client:
        futures = client.map(solve_one, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in distributed().as_completed(futures):
            yield _collected(future, by_key[future.key])


def scenario_files(spec: str) -> list[Path]:
    """The scenario files of a directory (``*.yaml``, ``*.yml``, ``*.json``) or a glob."""
    if Path(spec).is_dir():
        found = [p for p in Path(spec).iterdir() if p.suffix in (".yaml", ".yml", ".json")]
    else:
        found = [Path(p) for p in glob.glob(spec) if Path(p).is_file()]
    if not found:
        raise UsageError(f"--scenarios {spec}: no scenario files")
    odd = sorted(p.name for p in found if p.stem in ("", ".", "..") or p.stem.startswith("."))
    if odd:  # '..yaml' would write its plan into the sweep folder itself
        raise UsageError(
            f"--scenarios {spec}: {', '.join(odd)} cannot name a plan folder "
            "(a scenario's name is its file name without extension, not starting with '.')"
        )
    stems = [p.stem for p in found]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise UsageError(f"--scenarios {spec}: more than one file for {', '.join(twice)}")
    return sorted(found, key=lambda p: p.stem)


def finished(folder: Path, base_hash: str, scenario_file: str) -> bool:
    """Whether ``folder`` holds a plan of this base instance with this scenario's overrides."""
    from berthplan.model.scenario import Scenario

    try:
        given = json.loads((folder / "solve.json").read_text(encoding="utf-8"))["instance"]
        wanted = Scenario.from_file(scenario_file).describe()
    except (OSError, ValueError, KeyError, TypeError, UsageError):
        return False
    overrides = [o for o in given.get("overrides", []) if not o.startswith("scenario=")]
    return bool(given.get("base_hash") == base_hash and overrides == wanted)


def number(value: Any) -> str:
    """A float as the results contract writes it (``%.6f``, no ``-0``); empty for None."""
    if value is None or value == "":
        return ""
    x = float(value)
    return "%.6f" % (0.0 if abs(x) < 5e-7 else x)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def columns(years: list[int]) -> list[str]:
    """The summary's columns for a base instance with targets in ``years``."""
    per_year = [f"{m}_{y}" for y in years for m in (*METRICS, *(f"shortfall_{k}" for k in METRICS))]
    return ["scenario", "status", "objective", "gap", "wall_time", *per_year, "message"]


def row_from_folder(name: str, folder: Path, years: list[int]) -> Row:
    """The summary row of a finished plan folder, read from solve.json and its CSVs."""
    info = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    kpis = {r["year"]: r for r in _read_csv(folder / "kpis.csv")}
    targets = _read_csv(folder / "targets.csv")
    status = str(info["status"])
    objective = number(info["objective"]) if status in SOLVED else ""
    row = {"scenario": name, "status": status, "objective": objective}
    row |= {"gap": number(info.get("gap")), "wall_time": number(info.get("wall_time_s"))}
    for y in years:
        kpi = kpis.get(str(y), {})
        row |= {f"{m}_{y}": kpi.get(m, "") for m in METRICS}
        for m in METRICS:  # one column per metric: tonnes, TEU, berths and routes never add up
            short = sum(
                float(t["shortfall"]) for t in targets if t["year"] == str(y) and t["metric"] == m
            )
            row[f"shortfall_{m}_{y}"] = number(short)
    return row


def write_csv_atomic(path: Path, header: list[str], rows: list[Row]) -> None:
    """Write ``rows`` under ``header`` to ``path`` through a temporary file and a rename."""
    text = io.StringIO()
    writer = csv.DictWriter(text, header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, text.getvalue())


def _tasks(instance_file: str, scenarios: str, out: Path, opts: Options) -> list[Task]:
    base, folder = str(Path(instance_file).resolve()), out.resolve()
    return [
        Task(p.stem, base, str(p.resolve()), str(folder / p.stem), opts.solver, opts.time_limit)
        for p in scenario_files(scenarios)
    ]


def _checked(opts: Options) -> Options:
    from berthplan.optimization.profiles import resolve

    if opts.executor == "dask":
        distributed()
    elif opts.executor != "local":
        raise UsageError(f"--executor {opts.executor}: expected local or dask")
    elif opts.scheduler is not None:
        raise UsageError("--scheduler needs --executor dask")
    resolve(opts.solver)  # an unknown solver is one error, not one per scenario
    return opts


def _todo(tasks: list[Task], base_hash: str, opts: Options, report: SweepReport) -> list[Task]:
    """The tasks to solve: all with ``force``, else those not finished (skipped ones noted)."""
    todo = []
    for t in tasks:
        if not opts.force and finished(Path(t.folder), base_hash, t.scenario_file):
            report.skipped.append(t.name)
            continue
        atomic.clean_stale(t.folder)  # left by a killed run (never a running one's)
        todo.append(t)
    return todo


def run_sweep(
    instance_file: str, scenarios: str, out: str | Path, opts: Options | None = None
) -> SweepReport:
    """Solve every scenario file of ``scenarios`` for ``instance_file``; write ``out``.

    Parameters
    ----------
    instance_file
        The base instance (YAML or JSON).
    scenarios
        A directory of scenario files or a glob pattern.
    out
        The sweep folder: one plan folder per scenario and ``summary.csv``.
    opts
        Executor, workers, solver and the other options (:class:`Options`).

    Returns
    -------
    SweepReport
        The summary rows and the names solved, skipped (finished before) and failed.
    """
    from berthplan.model.io import load

    opts = _checked(opts or Options())
    out = Path(out)
    if out.is_dir() and not any((child / "solve.json").is_file() for child in out.iterdir()):
        atomic.claim_folder(out, "summary.csv", "sweep folder")  # an interrupted one resumes
    elif out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a sweep folder; refusing to write into it")
    base = load(instance_file)
    tasks = _tasks(instance_file, scenarios, out, opts)  # a bad --scenarios creates nothing
    out.mkdir(parents=True, exist_ok=True)
    report = SweepReport([], out / "summary.csv")
    failures: dict[str, Row] = {}
    try:
        _solve_all(_todo(tasks, base.canonical_hash(), opts, report), opts, report, failures)
    except KeyboardInterrupt:  # the summary says what finished; a re-run completes the rest
        stopped = Outcome("", "interrupted", "not solved: the sweep was interrupted")
        ended = {*report.solved, *report.failed, *report.skipped}
        failures |= {
            t.name: replace(stopped, name=t.name).row() for t in tasks if t.name not in ended
        }
        _summarize(report, tasks, failures, base.target_years())
        raise
    _summarize(report, tasks, failures, base.target_years())
    return report


def _summarize(
    report: SweepReport, tasks: list[Task], failures: dict[str, Row], years: list[int]
) -> None:
    """Write ``summary.csv``: a failure's row, else the row read back from its plan folder."""
    header = columns(years)
    rows = [failures.get(t.name) or row_from_folder(t.name, Path(t.folder), years) for t in tasks]
    report.rows = [{c: row.get(c, "") for c in header} for row in rows]
    write_csv_atomic(report.summary, header, report.rows)


def _outcomes(todo: list[Task], opts: Options) -> Iterator[Outcome]:
    if not todo:
        return iter(())
    workers = opts.workers or min(os.cpu_count() or 1, len(todo))
    if opts.executor == "dask":
        return run_dask(todo, workers, opts.scheduler)
    return run_local(todo, min(workers, len(todo)))


def _solve_all(
    todo: list[Task], opts: Options, report: SweepReport, failures: dict[str, Row]
) -> None:
    """Run ``todo`` with a progress bar; note in ``failures`` the rows of those left no plan."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    text = "done {task.fields[done]}  failed {task.fields[failed]}  remaining {task.remaining:.0f}"
    bar_columns = (TextColumn("sweep"), BarColumn(), TextColumn(text), TimeElapsedColumn())
    with Progress(*bar_columns, console=Console(stderr=True), disable=not opts.progress) as bar:
        counts = bar.add_task("sweep", total=len(todo), done=0, failed=0)
        outcomes = _outcomes(todo, opts)
        try:
            for outcome in outcomes:
                ok = outcome.status in SOLVED
                (report.solved if ok else report.failed).append(outcome.name)
                if outcome.message:  # no plan folder was written
                    failures[outcome.name] = outcome.row()
                done, failed = len(report.solved), len(report.failed)
                bar.update(counts, advance=1, done=done, failed=failed)
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:  # Ctrl-C here too stops the workers (the generator's own)
                close()

"""Solve every scenario of an instance in parallel: ``berthplan sweep``.

Each scenario file of ``--scenarios`` (a directory or a glob) is one task of paths and options;
tasks go to the workers in small batches. A worker (one solver thread) loads the base instance
and builds its model once, then per scenario applies the scenario, builds and solves the
what-if's model (the base plan as a start only with ``Options.warm_start``), checks the plan
folder with the independent checker and renames it into ``OUT/<name>/`` (the file name without
extension) (:mod:`berthplan.analysis.batch`); the plan folders are those ``berthplan solve
--scenario`` writes. A folder with ``solve.json`` is finished: a re-run skips it (unless
``--force``, or when it holds another base instance or other overrides), so re-running an
interrupted sweep completes it.

``OUT/_base/`` is the baseline: the base instance without any scenario, solved and written
like a scenario (a scenario file may not be named ``_base``). ``OUT/summary.csv`` (atomic) has
the baseline's row first, its ``scenario`` column ``_base``, then one row per scenario sorted
by name; columns (:mod:`berthplan.analysis.summary`): ``scenario, status, objective, gap,
wall_time``, per target year ``y`` of the base instance the KPIs ``cargo_tons_y,
container_teu_y, berths_10k_y, new_routes_y`` and per metric the year's target shortfalls
``shortfall_<metric>_y`` (t, TEU, berths, routes: summed over the province and port targets of
that metric, never across units), and ``message``; values are read back from the plan folders.
``error`` (no folder), ``infeasible`` (closest plan written, objective left empty) and
``no_solution`` are recorded and the sweep goes on. ``--executor dask`` (optional
``berthplan[dask]``) runs the same batches on the scheduler at ``--scheduler`` (workers sharing
the file system) or on a local cluster of ``--workers`` single-threaded processes.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from berthplan.analysis.batch import BASELINE, Outcome, Task, solve_one
from berthplan.analysis.executors import dask_client, distributed, run_dask, run_local
from berthplan.analysis.summary import (
    METRICS,
    SOLVED,
    Row,
    columns,
    number,
    row_from_folder,
    write_csv_atomic,
)
from berthplan.errors import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_OK, EXIT_SOLVER, UsageError
from berthplan.results import atomic

__all__ = [
    "BASELINE",
    "METRICS",
    "SOLVED",
    "Options",
    "Outcome",
    "Row",
    "SweepReport",
    "Task",
    "columns",
    "dask_client",
    "distributed",
    "number",
    "row_from_folder",
    "run_dask",
    "run_local",
    "run_sweep",
    "scenario_files",
    "solve_one",
    "write_csv_atomic",
]


@dataclass(frozen=True)
class Options:
    """How to run a sweep: executor, workers, solver, and whether to redo finished ones.

    ``baseline`` adds the base instance's row and folder (``_base``); ``warm_start`` hands the
    base plan to the backend as a start, which may pick another of several equally good plans
    than ``berthplan solve`` would (off by default; see :mod:`berthplan.optimization.changes`).
    """

    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    solver: str = "highs"
    time_limit: float | None = None
    force: bool = False
    progress: bool = False
    baseline: bool = True
    warm_start: bool = False


@dataclass
class SweepReport:
    """The summary rows and the scenarios solved, skipped (finished before) and failed.

    ``rows``, ``solved``, ``skipped`` and ``failed`` are the scenarios'; ``baseline`` is the
    baseline's row (the first of ``summary.csv``), None when the sweep was run without it.
    """

    rows: list[Row]
    summary: Path
    solved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    baseline: Row | None = None

    @property
    def exit_code(self) -> int:
        """0 when every scenario has a plan; else 2 (an error), 3 (infeasible) or 4."""
        codes = {"error": EXIT_INPUT, "infeasible": EXIT_INFEASIBLE}
        bad = [codes.get(r["status"], EXIT_SOLVER) for r in self.rows if r["status"] not in SOLVED]
        return min(bad, default=EXIT_OK)


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
    if any(p.stem == BASELINE for p in found):
        raise UsageError(
            f"--scenarios {spec}: '{BASELINE}' is the baseline's name (the base instance "
            "without any scenario); rename that scenario file"
        )
    stems = [p.stem for p in found]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise UsageError(f"--scenarios {spec}: more than one file for {', '.join(twice)}")
    return sorted(found, key=lambda p: p.stem)


def finished(folder: Path, base_hash: str, scenario_file: str | None) -> bool:
    """Whether ``folder`` holds a plan of this base instance with this scenario's overrides."""
    from berthplan.model.scenario import Scenario

    try:
        given = json.loads((folder / "solve.json").read_text(encoding="utf-8"))["instance"]
        wanted = [] if scenario_file is None else Scenario.from_file(scenario_file).describe()
    except (OSError, ValueError, KeyError, TypeError, UsageError):
        return False
    overrides = [o for o in given.get("overrides", []) if not o.startswith("scenario=")]
    return bool(given.get("base_hash") == base_hash and overrides == wanted)


def _tasks(
    instance_file: str, scenarios: str, out: Path, opts: Options, base_hash: str
) -> list[Task]:
    """The baseline's task (first, unless ``opts.baseline`` is off), then each scenario's."""
    from berthplan.model.examples import resolve

    base, folder = str(Path(resolve(instance_file)).resolve()), out.resolve()  # or an example
    named: list[tuple[str, str | None]] = [
        (p.stem, str(p.resolve())) for p in scenario_files(scenarios)
    ]
    if opts.baseline:
        named.insert(0, (BASELINE, None))
    return [
        Task(
            name,
            base,
            file,
            str(folder / name),
            opts.solver,
            opts.time_limit,
            base_hash,
            opts.warm_start,
        )
        for name, file in named
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


TEMPORARY = re.compile(r"\.(.+)\.\d+@[0-9a-f]+\.[A-Za-z0-9_]+\.(?:tmp|old)")
"""A temporary sibling's name (:mod:`berthplan.results.atomic`); group 1 is its target's."""


def clean_stale(out: Path) -> None:
    """Remove what killed runs left in the sweep folder ``out`` (never a running one's).

    A plan folder is written in a temporary sibling, and its files in one inside that
    (:func:`~berthplan.analysis.batch.write_checked`): both are named after their target, so
    every hidden entry names the target whose stale siblings to remove.
    """
    targets = {m.group(1) for p in out.iterdir() if (m := TEMPORARY.fullmatch(p.name))}
    for name in sorted(targets):
        atomic.clean_stale(out / name)


def _todo(tasks: list[Task], base_hash: str, opts: Options, report: SweepReport) -> list[Task]:
    """The tasks to solve: all with ``force``, else those not finished (skipped ones noted)."""
    todo = []
    for t in tasks:
        if not opts.force and finished(Path(t.folder), base_hash, t.scenario_file):
            if t.name != BASELINE:
                report.skipped.append(t.name)
            continue
        todo.append(t)
    return todo


def run_sweep(
    instance_file: str, scenarios: str, out: str | Path, opts: Options | None = None
) -> SweepReport:
    """Solve the baseline and every scenario file of ``scenarios`` for ``instance_file``.

    Parameters
    ----------
    instance_file
        The base instance (YAML or JSON).
    scenarios
        A directory of scenario files or a glob pattern.
    out
        The sweep folder: one plan folder per scenario, ``_base/`` and ``summary.csv``.
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
    base_hash = base.canonical_hash()
    tasks = _tasks(instance_file, scenarios, out, opts, base_hash)  # a bad --scenarios: nothing
    out.mkdir(parents=True, exist_ok=True)
    report = SweepReport([], out / "summary.csv")
    failures: dict[str, Row] = {}
    clean_stale(out)  # left by a killed run
    try:
        _solve_all(_todo(tasks, base_hash, opts, report), opts, report, failures)
    except KeyboardInterrupt:  # the summary says what finished; a re-run completes the rest
        stopped = Outcome("", "interrupted", "not solved: the sweep was interrupted")
        ended = {*report.solved, *report.failed, *report.skipped, *failures}
        for t in tasks:
            if t.name not in ended and not (Path(t.folder) / "solve.json").is_file():
                failures[t.name] = replace(stopped, name=t.name).row()
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
    rows = [{c: row.get(c, "") for c in header} for row in rows]
    write_csv_atomic(report.summary, header, rows)
    if tasks and tasks[0].name == BASELINE:
        report.baseline, rows = rows[0], rows[1:]
    report.rows = rows


def _outcomes(todo: list[Task], opts: Options) -> Iterator[Outcome]:
    if not todo:
        return iter(())
    workers = min(opts.workers or os.cpu_count() or 1, len(todo))
    if opts.executor == "dask":
        return run_dask(todo, workers, opts.scheduler)
    return run_local(todo, workers)


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
                if outcome.message:  # no plan folder was written
                    failures[outcome.name] = outcome.row()
                if outcome.name != BASELINE:
                    ok = outcome.status in SOLVED
                    (report.solved if ok else report.failed).append(outcome.name)
                done, failed = len(report.solved), len(report.failed)
                bar.update(counts, advance=1, done=done, failed=failed)
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:  # Ctrl-C here too stops the workers (the generator's own)
                close()

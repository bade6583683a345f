"""Re-simulate the queue pools of a plan: ``berthplan simulate``.

For every row of a plan's ``queues.csv`` (one pool in one year) the pool is simulated with
SimPy (:mod:`berthplan.simulation.queue_sim`): its berths, Poisson or Erlang-2 arrivals at
``calls / hours_per_year`` per operating hour, exponential, Erlang-2 or constant service times
of mean ``service_hours``, and one operating year (``hours_per_year``, after a warm-up) per
replication. The simulated mean wait per call and its 95 % Student-t interval over
replications are set beside the analytic W/S of the plan; ``inside`` says whether the analytic
value lies in the interval. Pool-years without calls get zeros and are not simulated.

Determinism
    Pool-year ``(pool, year)`` draws from ``SeedSequence([seed, pool, year])`` (``pool`` its
    position in :func:`~berthplan.model.pools.pools`), spawned into one child per replication,
    so its numbers depend on neither the order tasks finish in nor the number of workers nor
    the executor: the same instance, plan, seed and replications give the same bytes.
Parallelism
    One task per pool-year, run in this process (``workers=1``), on a pool of local processes
    (forkserver) or on Dask (a local cluster of ``workers`` single-threaded processes, or the
    scheduler at ``scheduler``). Tasks are submitted largest first (calls × replications).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist

from berthplan.analysis.sweep import distributed
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.model.pools import Pool, pools
from berthplan.results import atomic
from berthplan.results.plan import Plan
from berthplan.simulation import ReplicationStats, SimResult, simulate_replication
from berthplan.simulation.queue_sim import PoolSpec
from berthplan.simulation.replications import CONFIDENCE

__all__ = [
    "COLUMNS",
    "SimTask",
    "pool_spec",
    "ratio_summary",
    "resimulate",
    "run_tasks",
    "simulate_task",
    "write_simulation",
]

COLUMNS = (
    "year", "port", "area", "cargo", "queue", "berths", "occupancy", "calls",
    "wait_ratio", "sim_wait_ratio", "sim_wait_ratio_low", "sim_wait_ratio_high",
    "wait_hours", "sim_wait_hours", "sim_wait_hours_low", "sim_wait_hours_high",
    "sim_occupancy", "replications", "inside",
)  # fmt: skip
"""The columns of ``simulation.csv`` (docs/results.md)."""

_SHAPES = {"M": 1, "E2": 2}
_SHIPS = 200_000  # default: a worker per 200,000 simulated calls (~1.5 s), not to start idle ones
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SimTask:
    """One pool-year to simulate: its spec, replications and seed entropy (picklable)."""

    index: int
    spec: PoolSpec
    replications: int
    entropy: tuple[int, ...]


def pool_spec(pool: Pool, berths: int, throughput: float) -> PoolSpec:
    """The simulation spec of ``pool`` at ``berths`` and ``throughput`` over one year.

    Raises :class:`UsageError` for a queue model the simulator cannot run or an occupancy of 1
    or more (no steady state).
    """
    queue = str(pool.params.queue)
    arrival, service, _ = [*queue.split("/"), ""][:3]
    if arrival not in _SHAPES or service not in (*_SHAPES, "D"):
        raise UsageError(f"{pool.id}: cannot simulate queue model {queue}")
    hours = float(pool.params.hours_per_year or 0)
    rate, es = pool.calls(throughput) / hours, float(pool.params.service_hours or 0)
    shapes = _SHAPES[arrival], _SHAPES.get(service, 1)
    spec = PoolSpec(berths, rate, es, *shapes, hours, deterministic_service=service == "D")
    if spec.occupancy >= 1:
        raise UsageError(
            f"{pool.id}: occupancy {spec.occupancy:.4f} >= 1 with {berths} berths; "
            "an overloaded pool has no steady state to simulate"
        )
    return spec


def ratio_summary(spec: PoolSpec, reps: Sequence[ReplicationStats]) -> SimResult | None:
    """Mean wait per call over all replications, Σ wait / Σ calls, with a 95 % t-interval.

    Unlike the mean of per-replication means (:func:`~berthplan.simulation.summarise`), the
    ratio is not biased low when a year has few calls (a year with more calls also has longer
    waits, and equal weights under-count it: by 2-3 % at 40-70 calls a year). The interval is
    the delta method's: ``t * sd(wait_r - mean * calls_r) / (sqrt(n) * mean calls)`` with
    ``n - 1`` degrees of freedom, cut at 0. None when no replication had a call.
    """
    n = len(reps)
    calls = math.fsum(r.calls for r in reps) / n
    if calls == 0 or n < 2:
        return None
    total = math.fsum(r.total_wait_hours for r in reps) / n
    mean = total / calls
    sd = math.sqrt(math.fsum((r.total_wait_hours - mean * r.calls) ** 2 for r in reps) / (n - 1))
    half = float(t_dist.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / (math.sqrt(n) * calls)
    es = spec.service_hours
    low, high = max(mean - half, 0.0), mean + half  # no wait is negative
    occupancy = math.fsum(r.occupancy for r in reps) / n
    ratios = mean / es, low / es, high / es
    return SimResult(n, calls, *ratios, mean, low, high, total, occupancy)


def simulate_task(task: SimTask) -> SimResult | None:
    """Simulate one pool-year (runs in a worker): :func:`ratio_summary` of its replications."""
    seeds = np.random.SeedSequence(list(task.entropy)).spawn(task.replications)
    return ratio_summary(task.spec, [simulate_replication(task.spec, s) for s in seeds])


# -- executors ------------------------------------------------------------------------------


def _local(fn: Callable[[T], R], tasks: Sequence[T], workers: int) -> Iterator[tuple[int, R]]:
    if workers == 1:
        for i, task in enumerate(tasks):
            yield i, fn(task)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([fn.__module__])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        futures = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    fn: Callable[[T], R], tasks: Sequence[T], workers: int, scheduler: str | None
) -> Iterator[tuple[int, R]]:
    dd = distributed()
    local = {"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
    cluster = dd.LocalCluster(processes=True, **local) if scheduler is None else None
    try:
        try:
            client = dd.Client(cluster if cluster is not None else scheduler)
        except OSError as e:
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        try:
            futures = client.map(fn, list(tasks), pure=False)
            by_key = {f.key: i for i, f in enumerate(futures)}
            for future in dd.as_completed(futures):
                yield by_key[future.key], future.result()
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    executor: str = "local",
    scheduler: str | None = None,
) -> Iterator[tuple[int, R]]:
    """Run ``fn`` on every task, yielding ``(position in tasks, result)`` as each finishes.

    ``fn`` must be a module-level function and the tasks picklable. ``executor`` is ``local``
    (this process when ``workers`` is 1, else a pool of processes) or ``dask`` (the
    scheduler at ``scheduler``, or a local cluster of ``workers`` processes).
    """
    if not tasks:
        return iter(())
    if executor == "dask":
        return _dask(fn, tasks, workers, scheduler)
    return _local(fn, tasks, min(workers, len(tasks)))


# -- the study ------------------------------------------------------------------------------


def _options(
    replications: int, seed: int, workers: int | None, executor: str, scheduler: str | None
) -> None:
    def whole(value: object) -> bool:
        return isinstance(value, int | np.integer) and not isinstance(value, bool)

    if not whole(replications) or replications < 2:
        msg = "a 95 % interval over replications needs at least 2"
        raise UsageError(f"--replications {replications}: {msg}")
    if not whole(seed) or seed < 0:
        raise UsageError(f"--seed {seed}: expected an integer >= 0")
    if workers is not None and (not whole(workers) or workers < 1):
        raise UsageError(f"--workers {workers}: expected an integer >= 1")
    if executor == "dask":
        distributed()
    elif executor != "local":
        raise UsageError(f"--executor {executor}: expected local or dask")
    elif scheduler is not None:
        raise UsageError("--scheduler needs --executor dask")


def _queues(plan: Plan) -> pd.DataFrame:
    where = plan.path if plan.path is not None else "the plan"
    has = (plan.path / "queues.csv").is_file() if plan.path is not None else None
    if has is False or (has is None and "queues" not in plan.tables):
        raise UsageError(f"{where}: the plan has no queue pools: nothing to simulate")
    df = plan.table("queues")
    need = ("queue", "calls", "occupancy", "wait_ratio", "wait_hours")
    if missing := [c for c in need if c not in df]:
        raise UsageError(f"{where}: queues.csv lacks column(s) {', '.join(missing)}")
    return df


def _same_instance(instance: Instance, plan: Plan) -> bool:
    """Whether the plan is of ``instance`` itself (True) or of a scenario of it (False)."""
    mine = instance.canonical_hash()
    if plan.get("instance.hash") == mine:
        return True
    if plan.base_hash == mine:
        return False
    name, where = plan.get("instance.name") or "?", plan.path or "the plan"
    raise UsageError(
        f"{where}: a plan of another instance ({name!r}, hash {plan.get('instance.hash')[:12]}) "
        f"than {instance.name!r} (hash {mine[:12]}); simulate it with the instance it was "
        "solved for"
    )


def _matched(instance: Instance, plan: Plan, df: pd.DataFrame) -> list[tuple[int, Pool]]:
    """The pool (and its position) of every row, after checking the rows agree with it."""
    same = _same_instance(instance, plan)
    by_id = {(p.area, p.cargo): (i, p) for i, p in enumerate(pools(instance))}
    out = []
    for row in df.itertuples(index=False):
        r: Any = row
        found = by_id.get((str(r.area), str(r.cargo)))
        berths, h = int(r.berths), float(r.throughput)
        if found is None:
            problem = "no such pool in the instance"
        elif str(r.queue) != str(found[1].params.queue):
            problem = f"queue {r.queue} in the plan, {found[1].params.queue} in the instance"
        elif not all(  # queues.csv holds 6 decimals
            math.isclose(a, float(b), rel_tol=1e-6, abs_tol=2e-6)
            for a, b in ((found[1].calls(h), r.calls), (found[1].occupancy(berths, h), r.occupancy))
        ):
            problem = "calls or occupancy differ from the instance's pool parameters"
        else:
            out.append(found)
            continue
        why = "" if same else " (the plan is of a scenario that changes the pools)"
        raise UsageError(
            f"{plan.path or 'the plan'}: queues.csv {r.year} {r.area}/{r.cargo}: {problem}{why}"
        )
    return out


def _row(r: Any, res: SimResult | None, simulated: bool) -> dict[str, Any]:
    row = {c: getattr(r, c) for c in ("port", "area", "cargo", "queue")}
    row |= {"year": int(r.year), "berths": int(r.berths)}
    row |= {c: float(getattr(r, c)) for c in ("occupancy", "calls", "wait_ratio", "wait_hours")}
    sim: tuple[str, ...] = ("wait_ratio", "wait_ratio_low", "wait_ratio_high", "wait_hours")
    sim += ("wait_hours_low", "wait_hours_high", "occupancy")
    if not simulated:  # no calls: nothing waits
        row |= {f"sim_{c}": 0.0 for c in sim} | {"replications": 0, "inside": True}
    elif res is None:  # no replication had a call
        row |= {f"sim_{c}": math.nan for c in sim} | {"replications": 0, "inside": False}
    else:
        row |= {f"sim_{c}": float(getattr(res, c)) for c in sim}
        inside = res.wait_ratio_low <= row["wait_ratio"] <= res.wait_ratio_high
        row |= {"replications": res.replications, "inside": bool(inside)}
    return row


def resimulate(
    instance: Instance | str | Path,
    plan: Plan | str | Path,
    replications: int = 20,
    seed: int = 0,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    *,
    progress: bool = False,
) -> pd.DataFrame:
    """Simulate every pool-year of ``plan`` and set the results beside its analytic waits.

    Parameters
    ----------
    instance
        The instance the plan was solved for (an :class:`Instance` or its file).
    plan
        A :class:`Plan` or a plan folder with ``queues.csv``.
    replications
        Independent one-year replications per pool-year, at least 2.
    seed
        Master seed (integer >= 0); pool-year ``(pool, year)`` uses
        ``SeedSequence([seed, pool, year])``.
    workers
        Processes (default: the cores, but at most one per pool-year with calls and one per
        200,000 simulated calls; 1 runs in this process).
    executor
        ``local`` or ``dask``; ``scheduler`` is a Dask scheduler address (else a local cluster).
    progress
        Show a progress bar on stderr.

    Returns
    -------
    pandas.DataFrame
        The rows of ``simulation.csv`` (:data:`COLUMNS`), by year, then pool order.

    Raises
    ------
    UsageError
        Bad options, a plan without queue pools, a plan of another instance (or of a scenario
        that changes the pools), or a pool the simulator cannot run.
    """
    from berthplan.model.io import load
    from berthplan.results.folder import read_plan

    _options(replications, seed, workers, executor, scheduler)
    inst = instance if isinstance(instance, Instance) else load(instance)
    the_plan = plan if isinstance(plan, Plan) else read_plan(plan)
    df = _queues(the_plan)
    matched = _matched(inst, the_plan, df)
    years = [int(y) for y in df["year"].tolist()]
    order = sorted(range(len(df)), key=lambda i: (years[i], matched[i][0]))
    rows: list[Any] = list(df.iloc[order].itertuples(index=False))
    tasks: list[SimTask] = []
    for n, (r, (k, pool)) in enumerate(zip(rows, [matched[i] for i in order], strict=True)):
        berths, year = int(r.berths), int(r.year)
        if float(r.calls) > 0 and berths > 0:
            spec = pool_spec(pool, berths, float(r.throughput))
            tasks.append(SimTask(n, spec, replications, (seed, k, year)))
    tasks.sort(key=lambda t: -t.spec.arrival_rate * t.spec.hours)  # largest first
    results = _run(tasks, workers, executor, scheduler, progress)
    simulated = {t.index for t in tasks}
    out = [_row(r, results.get(n), n in simulated) for n, r in enumerate(rows)]
    table = pd.DataFrame(out, columns=list(COLUMNS))
    return table.astype({"year": "int64", "berths": "int64", "replications": "int64"})


def _run(
    tasks: list[SimTask], workers: int | None, executor: str, scheduler: str | None, bar: bool
) -> dict[int, SimResult | None]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    ships = sum(t.spec.arrival_rate * t.spec.hours * t.replications for t in tasks)
    n = workers or max(1, min(os.cpu_count() or 1, len(tasks), math.ceil(ships / _SHIPS)))
    text = TextColumn("remaining {task.remaining:.0f}")
    parts = (TextColumn("simulate"), BarColumn(), MofNCompleteColumn(), text, TimeElapsedColumn())
    done: dict[int, SimResult | None] = {}
    with Progress(*parts, console=Console(stderr=True), disable=not bar) as progress:
        counter = progress.add_task("simulate", total=len(tasks))
        for i, result in run_tasks(simulate_task, tasks, n, executor, scheduler):
            done[tasks[i].index] = result
            progress.update(counter, advance=1)
    return done


def write_simulation(df: pd.DataFrame, path: str | Path, force: bool = False) -> Path:
    """Write ``df`` as ``simulation.csv`` at ``path`` (atomically, contract formatting).

    Raises
    ------
    UsageError
        When ``path`` exists and ``force`` is false, or is a folder.
    """
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory")
    if target.exists() and not force:
        raise UsageError(f"{target}: exists; pass --force to replace it")
    return atomic.write_csv(df[list(COLUMNS)], target)

"""Where a sweep's batches run: a local pool of worker processes, or a Dask cluster.

Both run the same function (:func:`~berthplan.analysis.batch.solve_batch`) on the same
batches: a few scenarios per round trip, so the workers, which keep the base model between
batches, spend their time solving. Outcomes come back as batches finish. Local workers never
outlive the sweep (:mod:`berthplan.analysis.workers`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from berthplan.analysis.batch import Outcome, Task, solve_batch
from berthplan.analysis.workers import init, kill
from berthplan.errors import UsageError

BATCH = 8
"""Most scenarios per batch (one round trip to a worker)."""

PRELOAD = [
    "berthplan.analysis.batch",
    "berthplan.optimization.changes",
    "berthplan.optimization.solve",
    "berthplan.checker",
    "berthplan.model.scenario",
]
"""Modules the forkserver imports once, so that each worker starts with them."""


def batches(tasks: list[Task], workers: int) -> list[list[Task]]:
    """``tasks`` in batches: at most :data:`BATCH`, and at least four batches per worker."""
    size = max(1, min(BATCH, math.ceil(len(tasks) / (4 * max(workers, 1)))))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def collected(future: Any, batch: list[Task]) -> list[Outcome]:
    """A batch's outcomes; each an ``error`` when its worker died or the cluster lost it."""
    try:
        return list(future.result())
    except Exception as e:  # the worker process died or the cluster lost the batch
        why = f"worker failed: {type(e).__name__}: {e}"
        return [Outcome(t.name, "error", why) for t in batch]


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends; it is raised then.

    Starting a worker asks the forkserver for a process and records its id only when the
    forkserver answers (after its own imports: seconds on a busy machine). Ctrl-C in between
    would leave a worker no one knows to stop, which then fails to start and prints a
    traceback; held back, it arrives once every worker is known and :func:`kill` reaches all.
    Outside the main thread (where Python runs signal handlers) nothing is held.
    """
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def run_local(tasks: list[Task], workers: int) -> Iterator[Outcome]:
    """Solve ``tasks`` in a pool of ``workers`` processes, yielding outcomes as they finish."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init, initargs=(os.getpid(),)
    )
    try:
        with sigint_held():  # the workers start here
            futures = {pool.submit(solve_batch, b): b for b in batches(tasks, workers)}
        for future in as_completed(futures):
            yield from collected(future, futures[future])
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
        yield from run_on(client, tasks, workers)


def run_on(client: Any, tasks: list[Task], workers: int) -> Iterator[Outcome]:
    """Solve ``tasks`` on the cluster of a Dask ``client``, yielding outcomes as they finish."""
    parts = batches(tasks, workers)
    futures = client.map(solve_batch, parts, pure=False)
    by_key = {f.key: b for f, b in zip(futures, parts, strict=True)}
    for future in distributed().as_completed(futures):
        yield from collected(future, by_key[future.key])


__all__ = ["batches", "dask_client", "distributed", "run_dask", "run_local", "run_on"]

"""Out-of-sample evaluation of a plan: ``berthplan evaluate FILE PLAN_DIR --uncertainty U``.

The plan's decisions taking effect before the commitment year are fixed (by default every
decision: the plan as it stands), and each demand scenario gets its best recourse: with
nothing left to decide and no pool charging waiting, the plan's outcome is recomputed
directly (no solver); otherwise the scenario is solved with the commitment
(:mod:`berthplan.model.commitment`), and every plan passes the independent check.

Scenarios run in chunks on the sweep's executors (local processes or Dask). Each finished
chunk is written atomically to ``OUT/parts/``; a re-run with the same inputs skips them
(resume). ``OUT/evaluation.csv`` has one row per scenario, ``OUT/percentiles.csv`` the
probability-weighted distribution of each measure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from berthplan.errors import UsageError
from berthplan.results import atomic

MEASURES = (
    "cost",
    "capex",
    "opex",
    "route_cost",
    "penalties",
    "waiting_cost",
    "shortfall_cargo_tons",
    "shortfall_container_teu",
    "shortfall_berths_10k",
    "shortfall_new_routes",
    "max_wait_ratio",
    "wait_hours",
)
COLUMNS = ("scenario", "probability", "status", *MEASURES, "message")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MARKER = "evaluation.json"


@dataclass(frozen=True)
class Chunk:
    """Scenarios to evaluate in one worker: only paths and plain data, so it pickles."""

    number: int
    instance_file: str
    plan_dir: str
    uncertainty_file: str
    before: int
    solver: str
    ids: tuple[str, ...]
    part: str


def evaluate_chunk(chunk: Chunk) -> int:
    """Evaluate ``chunk``'s scenarios and write its part file; the number of rows."""
    from berthplan.model.io import load
    from berthplan.model.uncertainty import load_uncertainty

    base = load(chunk.instance_file)
    unc = load_uncertainty(chunk.uncertainty_file, base)
    commit = plan_commitment(chunk.plan_dir, chunk.before)
    wanted = set(chunk.ids)
    rows = [
        _evaluate(base, s, unc.penalties, commit, chunk.solver)
        for s in unc.scenarios
        if s.id in wanted
    ]
    atomic.write_csv(pd.DataFrame(rows, columns=list(COLUMNS)), chunk.part)
    return len(rows)


def plan_commitment(plan_dir: str | Path, before: int) -> Any:
    """The commitment of the plan in ``plan_dir``: its starts and openings before ``before``."""
    from berthplan.model.commitment import commitment_of
    from berthplan.results.folder import read_plan, to_int

    plan = read_plan(plan_dir)
    starts = {
        str(r["project_id"]): to_int(r["start_year"]) for _, r in plan.table("projects").iterrows()
    }
    opens = {
        str(r["route_id"]): to_int(r["open_year"])
        for _, r in plan.table("routes").iterrows()
        if r["status"] == "candidate"
    }
    return commitment_of(starts, opens, before)


def _evaluate(
    base: Any, scenario: Any, penalties: dict[str, float], commit: Any, solver: str
) -> dict[str, Any]:
    from berthplan.model.scenario import Scenario, apply
    from berthplan.model.uncertainty import scenario_instance
    from berthplan.optimization.solve import InfeasibleError, SolveError, solve
    from berthplan.results.outcome import Decisions
    from berthplan.results.plan import Plan

    head = {"scenario": scenario.id, "probability": scenario.probability}
    inst = scenario_instance(base, scenario, penalties)
    settled = commit.before > inst.horizon.end and not any(
        s.waiting_cost for s in inst.service_levels
    )
    try:
        if settled:  # nothing left to decide: the outcome is the decisions' own
            plan = Plan(inst, Decisions.complete(inst, commit.starts, commit.opens))
            plan.info.status = "infeasible" if plan.outcome.missed() else "feasible"
        else:
            plan = solve(apply(inst, Scenario(commit=commit)), solver)
    except InfeasibleError as e:
        return head | {"status": "infeasible", "message": str(e).splitlines()[0]}
    except SolveError as e:
        return head | {"status": "error", "message": str(e).splitlines()[0]}
    return head | {"status": plan.status} | measures(plan) | {"message": ""}


def measures(plan: Any) -> dict[str, float]:
    """A plan's cost, its parts, target shortfalls by metric and ship waiting."""
    parts = plan.summary()["breakdown"]
    t = plan.tables["targets"]
    out = {
        "cost": plan.objective,
        "capex": parts["capex"],
        "opex": parts["opex"],
        "route_cost": parts["route_cost"],
        "penalties": parts["unserved_teu"] + parts["unserved_tons"] + parts["shortfall"],
        "waiting_cost": parts.get("waiting_cost", 0.0),
    }
    for metric in ("cargo_tons", "container_teu", "berths_10k", "new_routes"):
        out[f"shortfall_{metric}"] = float(t.loc[t["metric"] == metric, "shortfall"].sum())
    q = plan.tables.get("queues")
    has_queues = q is not None and len(q)
    out["max_wait_ratio"] = float(q["wait_ratio"].max()) if has_queues else 0.0
    out["wait_hours"] = float(q["total_wait_hours"].sum()) if has_queues else 0.0
    return out


# -- running and collecting ----------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What an evaluation folder was made from (its resume key)."""

    instance_hash: str
    plan_objective: str
    uncertainty_sha256: str
    before: int
    solver: str
    chunk_size: int


def chunks(
    instance_file: str, plan_dir: str, unc_file: str, ids: list[str], before: int, solver: str,
    out: Path, size: int,
) -> list[Chunk]:  # fmt: skip
    """The scenarios in chunks of ``size``, in file order, each with its part file."""
    width = len(str(max(1, (len(ids) - 1) // size + 1)))
    return [
        Chunk(n, instance_file, plan_dir, unc_file, before, solver, tuple(ids[i : i + size]),
              str(out / "parts" / f"part-{n:0{width}d}.csv"))
        for n, i in enumerate(range(0, len(ids), size))
    ]  # fmt: skip


def setup_of(base: Any, plan_dir: str, unc_file: str, before: int, solver: str, size: int) -> Setup:
    record = json.loads((Path(plan_dir) / "solve.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(Path(unc_file).read_bytes()).hexdigest()
    objective = str(record.get("objective"))
    return Setup(base.canonical_hash(), objective, digest, before, solver, size)


def prepare(out: Path, setup: Setup, force: bool) -> None:
    """Claim ``out``: new, or an evaluation of the same inputs to resume (or ``force``)."""
    marker = out / MARKER
    atomic.claim_folder(out, MARKER, "evaluation folder")
    if marker.is_file() and not force:
        before = json.loads(marker.read_text(encoding="utf-8")).get("setup")
        if before != asdict(setup):
            raise UsageError(
                f"{out}: an evaluation of other inputs; use another --out or --force to redo it"
            )
    elif marker.is_file() and (out / "parts").is_dir():
        for part in (out / "parts").glob("part-*.csv"):
            part.unlink()
    (out / "parts").mkdir(parents=True, exist_ok=True)
    atomic.write_text(marker, json.dumps({"setup": asdict(setup)}, indent=2) + "\n")


def run(todo: list[Chunk], executor: str, workers: int, scheduler: str | None) -> Iterator[int]:
    """Evaluate chunks on local processes or Dask, yielding each chunk's row count."""
    if executor == "dask":
        yield from _dask(todo, workers, scheduler)
        return
    if workers <= 1 or len(todo) <= 1:
        yield from (evaluate_chunk(c) for c in todo)
        return
    yield from _local(evaluate_chunk, todo, workers)


def _local(fn: Callable[[Chunk], int], todo: list[Chunk], workers: int) -> Iterator[int]:
    """Chunks on local processes that die with this one (:mod:`berthplan.analysis.workers`)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from berthplan.analysis.executors import sigint_held
    from berthplan.analysis.workers import init, kill

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init, initargs=(os.getpid(),)
    )
    try:
        with sigint_held():  # the workers start here: Ctrl-C waits until every one is known
            futures = [pool.submit(fn, c) for c in todo]
        for future in as_completed(futures):
            yield future.result()
    except BaseException:  # Ctrl-C, a failed chunk, or the consumer gave up: stop every worker
        kill(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(todo: list[Chunk], workers: int, scheduler: str | None) -> Iterator[int]:
    from berthplan.analysis.sweep import dask_client, distributed

    with dask_client(workers, scheduler) as client:
        for future in distributed().as_completed(client.map(evaluate_chunk, todo, pure=False)):
            yield future.result()


def collect(todo: list[Chunk], out: Path) -> pd.DataFrame:
    """evaluation.csv and percentiles.csv from the part files; the rows."""
    frames = [pd.read_csv(c.part, keep_default_na=False, na_values=[""]) for c in todo]
    rows = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    atomic.write_csv(rows, out / "evaluation.csv")
    atomic.write_csv(percentiles(rows), out / "percentiles.csv")
    return rows


def percentiles(rows: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the probability-weighted mean, quantiles, minimum and maximum."""
    ok = rows[rows["status"].isin(["optimal", "feasible", "infeasible"])]
    p = ok["probability"].to_numpy(dtype=float)
    out = []
    for m in MEASURES:
        v = ok[m].to_numpy(dtype=float)
        if not len(v):
            continue
        row: dict[str, Any] = {"measure": m, "scenarios": len(v), "mean": float(p @ v / p.sum())}
        row |= {f"p{round(q * 100):02d}": weighted_quantile(v, p, q) for q in QUANTILES}
        out.append(row | {"min": float(v.min()), "max": float(v.max())})
    return pd.DataFrame(out)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative probability reaches ``q`` (the inverse CDF)."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(int(np.searchsorted(cum, q - 1e-12)), len(values) - 1)])

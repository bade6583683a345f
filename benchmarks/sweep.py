"""The sweep benchmark: seeded Liaoning what-ifs, today's sweep against the new one.

    python benchmarks/sweep.py generate --count 1000 --seed 0 --out /tmp/scenarios
    python benchmarks/sweep.py compare --count 40 --rounds 3 --old-commit 20ffc6a
    python benchmarks/sweep.py worker --count 40 --rounds 3 --old-commit 20ffc6a
    python benchmarks/sweep.py run --count 1000 --workers 2

``generate`` writes ``--count`` scenario files varying what a planner varies most: targets
(container TEU, cargo tonnes, 10,000-ton berths, by factor over a year range), the capex budget
(a factor over a year range), capex, opex and route costs, and the discount rate; each file
changes one to four of them (``random.Random(seed)``, so the same seed writes the same files).
``compare`` times ``berthplan sweep`` of the old commit (extracted with ``git archive`` into a
temporary folder, run with its own ``PYTHONPATH``) and of the work tree, interleaved, each in a
fresh process and a fresh output folder, ``--rounds`` times; it prints one JSON line per run and
the medians, then checks that the two sweeps wrote the same plan tables and summaries (wall
times and gaps aside). ``worker`` measures one worker's work per scenario, the same way for both: a fresh process
(old commit or work tree, interleaved) solves every scenario one after the other with the
path its sweep workers run (old: ``analysis.sweep.solve_one``, from the files; new:
``analysis.batch.solve_task``, against the base model) and reports the median CPU and wall
seconds per scenario (the first scenario, which loads the caches, left out). ``run`` times
one sweep of the work tree. Protocol: benchmarks/sweep.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
LIAONING = ROOT / "berthplan" / "examples" / "liaoning-2023.yaml"
TABLES = ("projects", "routes", "capacity", "spend", "kpis", "targets")
RUN_SPECIFIC = {"wall_time", "gap"}  # the columns of summary.csv that differ run to run


def _years(rng: random.Random, first: int, last: int) -> list[int]:
    a = rng.randint(first, last)
    return [a, rng.randint(a, last)]


def _targets(rng: random.Random) -> list[dict[str, Any]]:
    metric = rng.choice(["container_teu", "cargo_tons", "berths_10k"])
    spread = {"container_teu": 0.12, "cargo_tons": 0.06, "berths_10k": 0.03}[metric]
    factor = round(rng.uniform(1 - spread, 1 + spread), 3)
    return [{"metric": metric, "factor": factor, "years": _years(rng, 2026, 2030)}]


def scenario(rng: random.Random) -> dict[str, Any]:
    """One what-if: one to four of targets, budget, costs and discount rate."""
    kinds = rng.sample(["targets", "budget", "costs", "discount_rate"], rng.randint(1, 4))
    data: dict[str, Any] = {}
    if "targets" in kinds:
        data["targets"] = _targets(rng)
    if "budget" in kinds:
        data["budget"] = {
            "factor": round(rng.uniform(0.8, 1.3), 3),
            "years": _years(rng, 2023, 2030),
        }
    if "costs" in kinds:
        which = rng.sample(["capex", "opex", "routes"], rng.randint(1, 3))
        data["costs"] = {k: round(rng.uniform(0.8, 1.3), 3) for k in sorted(which)}
    if "discount_rate" in kinds:
        data["discount_rate"] = round(rng.uniform(0.02, 0.10), 4)
    return data


def generate(count: int, seed: int, out: Path) -> Path:
    """Write ``count`` scenario files ``w0000.yaml`` ... to ``out`` (seeded)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        text = yaml.safe_dump(scenario(rng), sort_keys=True)
        (out / f"w{i:04d}.yaml").write_text(text, encoding="utf-8")
    return out


def old_tree(commit: str, into: Path) -> Path:
    """The package of ``commit``, extracted (``git archive``) into ``into``: its PYTHONPATH."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "berthplan"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _session_cpu(sid: int, seen: dict[int, float]) -> None:
    """Note the CPU seconds (user + system) of every live process of session ``sid``."""
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields[3]: session id; [11], [12]: utime, stime
            seen[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick


def timed_sweep(
    pythonpath: Path, scenarios: Path, out: Path, workers: int, extra: list[str]
) -> dict[str, Any]:
    """One ``berthplan sweep`` in a fresh process (session): wall time and CPU seconds.

    CPU is the sum over the processes of the sweep's session (the sweep, the forkserver, the
    workers) of their user + system time, sampled every 50 ms (a process's last 50 ms may be
    missed): unlike wall time, it hardly depends on what else the shared machine runs.
    """
    env = os.environ | {"PYTHONPATH": str(pythonpath)}
    args = [sys.executable, "-m", "berthplan", "sweep", str(LIAONING), "--scenarios"]
    args += [str(scenarios), "--out", str(out), "--workers", str(workers), *extra]
    where = [sys.executable, "-c", "import berthplan; print(berthplan.__file__)"]
    found = subprocess.run(where, env=env, cwd=pythonpath, capture_output=True, text=True)
    if not found.stdout.strip().startswith(str(pythonpath)):  # -m puts the cwd first
        raise RuntimeError(f"berthplan from {found.stdout.strip()}, not from {pythonpath}")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=pythonpath,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: dict[int, float] = {}
    while proc.poll() is None:
        _session_cpu(proc.pid, seen)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    output = proc.stdout.read() if proc.stdout is not None else ""
    n = len(list(scenarios.glob("*.yaml")))
    cpu = sum(seen.values())
    return {
        "exit": proc.returncode,
        "scenarios": n,
        "wall_s": round(wall, 3),
        "per_s": round(n / wall, 3),
        "cpu_s": round(cpu, 3),
        "cpu_per_scenario_s": round(cpu / n, 4),
        "load1": os.getloadavg()[0],
        "tail": output.strip().splitlines()[-1:],
    }


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "summary.csv").open(encoding="utf-8", newline="") as f:
        return {
            r["scenario"]: {k: v for k, v in r.items() if k not in RUN_SPECIFIC}
            for r in csv.DictReader(f)
        }


def same_outputs(old: Path, new: Path) -> list[str]:
    """Differences between two sweep folders: plan tables byte for byte, summary rows."""
    diffs = []
    old_rows, new_rows = _rows(old), _rows(new)
    for name, row in old_rows.items():
        if new_rows.get(name) != row:
            diffs.append(f"summary row {name}")
        for t in TABLES:
            a, b = old / name / f"{t}.csv", new / name / f"{t}.csv"
            if a.exists() != b.exists() or (a.exists() and a.read_bytes() != b.read_bytes()):
                diffs.append(f"{name}/{t}.csv")
    return diffs


def compare(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="berthplan-bench-sweep-"))
    try:
        scenarios = generate(args.count, args.seed, work / "scenarios")
        old = old_tree(args.old_commit, work / "old")
        runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for which in order:
                path = old if which == "old" else ROOT
                out = work / f"{which}-{r}"
                m = timed_sweep(path, scenarios, out, args.workers, [])
                m |= {"which": which, "round": r}
                runs[which].append(m)
                print(json.dumps(m), flush=True)
        diffs = same_outputs(work / "old-0", work / "new-0")
        med = {
            (w, k): statistics.median(m[k] for m in runs[w])
            for w in runs
            for k in ("per_s", "cpu_per_scenario_s", "load1")
        }
        summary = {
            "count": args.count,
            "workers": args.workers,
            "old_per_s": med["old", "per_s"],
            "new_per_s": med["new", "per_s"],
            "ratio_per_s": round(med["new", "per_s"] / med["old", "per_s"], 2),
            "old_cpu_per_scenario_s": med["old", "cpu_per_scenario_s"],
            "new_cpu_per_scenario_s": med["new", "cpu_per_scenario_s"],
            "ratio_cpu": round(
                med["old", "cpu_per_scenario_s"] / med["new", "cpu_per_scenario_s"], 2
            ),
            "load1": round((med["old", "load1"] + med["new", "load1"]) / 2, 1),
            "differences": diffs,
        }
        print(json.dumps(summary), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="berthplan-bench-sweep-"))
    try:
        scenarios = generate(args.count, args.seed, work / "scenarios")
        extra = ["--executor", args.executor]
        m = timed_sweep(ROOT, scenarios, work / "out", args.workers, extra)
        print(json.dumps(m | {"executor": args.executor}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


WORKER = """
import json, statistics, sys, time
from pathlib import Path
if sys.argv[1] == "old":
    from berthplan.analysis.sweep import Task, solve_one as path
else:
    from berthplan.analysis.batch import Task, solve_task as path
files = sorted(Path(sys.argv[3]).glob("*.yaml"))
cpu, wall = [], []
for f in files:
    c, w = time.process_time(), time.perf_counter()
    path(Task(f.stem, sys.argv[2], str(f), str(Path(sys.argv[4]) / f.stem)))
    cpu.append(time.process_time() - c)
    wall.append(time.perf_counter() - w)
print(json.dumps({"cpu_s": statistics.median(cpu[1:]), "wall_s": statistics.median(wall[1:])}))
"""


def worker(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="berthplan-bench-worker-"))
    try:
        scenarios = generate(args.count, args.seed, work / "scenarios")
        trees = {"old": old_tree(args.old_commit, work / "old"), "new": ROOT}
        runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for r in range(args.rounds):
            for which in ["old", "new"] if r % 2 == 0 else ["new", "old"]:
                tree, out = trees[which], work / f"{which}-{r}"
                env = os.environ | {"PYTHONPATH": str(tree)}
                cmd = [sys.executable, "-c", WORKER, which, str(LIAONING), str(scenarios), str(out)]
                done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True)
                m = json.loads(done.stdout.strip().splitlines()[-1])
                m |= {"which": which, "round": r, "load1": os.getloadavg()[0]}
                runs[which].append(m)
                print(json.dumps(m), flush=True)
        med = {
            (w, k): statistics.median(m[k] for m in runs[w])
            for w in runs
            for k in ("cpu_s", "wall_s")
        }
        print(
            json.dumps(
                {
                    "count": args.count,
                    "old_cpu_per_scenario_s": round(med["old", "cpu_s"], 4),
                    "new_cpu_per_scenario_s": round(med["new", "cpu_s"], 4),
                    "ratio_cpu": round(med["old", "cpu_s"] / med["new", "cpu_s"], 2),
                    "old_wall_per_scenario_s": round(med["old", "wall_s"], 4),
                    "new_wall_per_scenario_s": round(med["new", "wall_s"], 4),
                    "ratio_wall": round(med["old", "wall_s"] / med["new", "wall_s"], 2),
                }
            ),
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write seeded scenario files")
    cmp_ = sub.add_parser("compare", help="old commit against the work tree, interleaved")
    one = sub.add_parser("run", help="one sweep of the work tree")
    wrk = sub.add_parser("worker", help="one worker's work per scenario, old against new")
    for p in (gen, cmp_, one, wrk):
        p.add_argument("--count", type=int, default=40)
        p.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", type=Path, required=True)
    for p in (cmp_, one):
        p.add_argument("--workers", type=int, default=2)
    for p in (cmp_, wrk):
        p.add_argument("--rounds", type=int, default=3)
        p.add_argument("--old-commit", default="20ffc6a")
    cmp_.add_argument("--keep", action="store_true", help="keep the sweep folders")
    one.add_argument("--executor", default="local", choices=["local", "dask"])
    args = parser.parse_args()
    if args.command == "generate":
        print(generate(args.count, args.seed, args.out))
    elif args.command == "compare":
        compare(args)
    elif args.command == "worker":
        worker(args)
    else:
        run(args)


if __name__ == "__main__":
    main()

"""Does ``--time-limit`` bound the whole command? Wall time of ``berthplan solve`` per backend.

    python benchmarks/time_limits.py run [--rungs small medium large national]
        [--backends highs pulp:cbc ...] [--repeats 3] [--limits small=5 medium=10 ...]
    python benchmarks/time_limits.py table

Each case is one ``berthplan solve FILE --out DIR --time-limit L --solver B --quiet`` in a fresh
process (under ``nice``), timed from before the process starts to after it exits: Python's
start-up, imports, loading, building, solving, checking and writing all count, as the user
waits for them. The instances are the ladder's rungs, generated with ``berthplan generate
--size R --seed 0`` into a temporary folder. The rounds go rung by rung, every backend side by
side in each repeat, so a busy spell of the machine falls on all of them. One JSON line per
case is appended to ``benchmarks/results/time_limits.jsonl``. The promise checked: wall time
at most 1.1 x the limit + 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "time_limits.jsonl"
BACKENDS = [
    "highs",
    "pulp:cbc",
    "pulp:highs",
    "ortools:scip",
    "ortools:cbc",
    "ortools:highs",
    "scipy",
    "ortools:cpsat",
]
RUNGS = ["small", "medium", "large", "national"]
LIMITS = {"small": 5.0, "medium": 10.0, "large": 20.0, "national": 30.0}
BERTHPLAN = str(Path(sys.executable).with_name("berthplan"))


def generate(rung: str, folder: Path) -> Path:
    """The rung's seed-0 instance, generated into ``folder``."""
    path = folder / f"{rung}.yaml"
    if not path.exists():
        cmd = [BERTHPLAN, "generate", "--size", rung, "--seed", "0", "--out", str(path)]
        subprocess.run(cmd, check=True, capture_output=True)
    return path


def case(instance: Path, backend: str, limit: float, out: Path) -> dict[str, Any]:
    """One timed ``berthplan solve``: wall seconds, exit code and the last line it printed."""
    cmd = ["nice", "-n", "5", BERTHPLAN, "solve", str(instance), "--out", str(out)]
    cmd += ["--time-limit", f"{limit:g}", "--solver", backend, "--quiet"]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    lines = (run.stdout + run.stderr).strip().splitlines()
    status = ""
    if run.returncode == 0 and (out / "solve.json").exists():
        status = json.loads((out / "solve.json").read_text())["status"]
    return {"wall_s": round(wall, 3), "exit": run.returncode, "status": status,
            "last": lines[-1][:200] if lines else ""}  # fmt: skip


def run(rungs: list[str], backends: list[str], repeats: int, limits: dict[str, float]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    with tempfile.TemporaryDirectory(prefix="berthplan-tl-") as tmp:
        folder = Path(tmp)
        for rung in rungs:
            instance = generate(rung, folder)
            for repeat in range(repeats):
                for backend in backends:
                    out = folder / f"plan-{rung}-{backend.replace(':', '_')}"
                    row = {"run": stamp, "rung": rung, "backend": backend, "repeat": repeat,
                           "limit_s": limits[rung]}  # fmt: skip
                    row |= case(instance, backend, limits[rung], out)
                    with RESULTS.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)


def table(run_id: str | None = None) -> None:
    """One markdown table per backend: median wall per rung against the promise."""
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    run_id = run_id or max(r["run"] for r in rows)
    rows = [r for r in rows if r["run"] == run_id]
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[(r["backend"], r["rung"])].append(r)
    print(f"run {run_id}")
    for backend in [b for b in BACKENDS if any(k[0] == b for k in by)]:
        print(f"\n#### {backend}\n")
        print("| rung | limit s | wall s, median (min–max) | bound 1.1 L + 2 | within | outcomes |")
        print("|---|---|---|---|---|---|")
        for rung in [g for g in RUNGS if (backend, g) in by]:
            cases = by[(backend, rung)]
            walls = [c["wall_s"] for c in cases]
            limit = cases[0]["limit_s"]
            bound = 1.1 * limit + 2
            ok = sum(w <= bound for w in walls)
            outcomes = ", ".join(sorted({_outcome(c) for c in cases}))
            print(
                f"| {rung} | {limit:g} | {statistics.median(walls):.1f} ({min(walls):.1f}–"
                f"{max(walls):.1f}) | {bound:.1f} | {ok}/{len(walls)} | {outcomes} |"
            )


def _outcome(c: dict[str, Any]) -> str:
    if c["exit"] == 0:
        return c["status"] or "exit 0"
    if "used up before" in c["last"]:
        return "exit 4 (budget spent before the solve)"
    if "time limit" in c["last"] and "reached" in c["last"]:
        return "exit 4 (limit reached)"
    return f"exit {c['exit']}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--rungs", nargs="+", default=RUNGS, choices=RUNGS)
    r.add_argument("--backends", nargs="+", default=BACKENDS)
    r.add_argument("--repeats", type=int, default=3)
    r.add_argument("--limits", nargs="*", default=[], help="rung=seconds")
    t = sub.add_parser("table")
    t.add_argument("--run", default=None)
    args = p.parse_args()
    if args.cmd == "run":
        limits = dict(LIMITS)
        limits |= {k: float(v) for k, v in (item.split("=") for item in args.limits)}
        run(args.rungs, args.backends, args.repeats, limits)
    else:
        table(args.run)


if __name__ == "__main__":
    main()

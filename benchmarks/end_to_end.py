"""Liaoning end to end: ``berthplan solve FILE --out DIR`` as a user runs it, phase by phase.

    python benchmarks/end_to_end.py [FILE] [--runs 10] [--tree NAME=SRC ...] [--gap G]

Each run is a fresh ``python -m berthplan solve FILE --out DIR --verbose`` (``--quiet`` prints
the same work without the phase lines); runs of the trees (the installed one, "after", and any
``--tree NAME=SRC`` put first on ``PYTHONPATH``) are interleaved, with bare ``python -c pass``
and ``python -c "import berthplan"`` runs as the floor. Printed: the median wall time and CPU
time (user + system of the child) per tree, and the median of each phase from the command's
own log: start (interpreter and imports until the command logs "loading"), load (reading,
validating and the imports it needs), build, solve, check and write.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = r"\[\s*([\d.]+) s\] "


def _run(cmd: list[str], src: str | None) -> tuple[float, float, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # from a neutral folder: ``python -m`` puts the working folder first on sys.path, which
    # would shadow the tree on PYTHONPATH with a checkout in the working folder
    done = subprocess.run(
        cmd, capture_output=True, text=True, env=env, check=True, cwd=tempfile.gettempdir()
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout + done.stderr


def phases(log: str, wall: float) -> dict[str, float]:
    """Seconds per phase from the ``--verbose`` log (its clock starts at "loading")."""

    def at(rx: str) -> float:
        found = re.search(MARK + rx, log)
        return float(found.group(1)) if found else float("nan")

    def took(rx: str) -> float:
        found = re.search(rx + r" in ([\d.]+) s", log)
        return float(found.group(1)) if found else 0.0

    building, solving = at("building the model"), at("solving with")
    checked, written = at("debug: plan recomputed"), at("debug: plan folder written")
    check = took("plan recomputed and checked")
    return {
        "start": wall - written,  # interpreter, imports and exit, outside the log's clock
        "load": building,
        "build": solving - building,
        "solve": checked - solving - check,
        "check": check,
        "write": written - checked,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", default=ROOT / "instances" / "liaoning-2023.yaml", type=Path)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--tree", action="append", default=[], help="NAME=SRC: measure it too")
    ap.add_argument("--gap", type=float, help="pass --gap G to solve")
    args = ap.parse_args()
    trees: dict[str, str | None] = dict(t.split("=", 1) for t in args.tree)
    trees["after"] = None
    out = Path(tempfile.mkdtemp()) / "plan"
    solve = [
        sys.executable,
        "-m",
        "berthplan",
        "solve",
        str(args.file.resolve()),
        "--out",
        str(out),
    ]
    solve += ["--verbose"] + ([] if args.gap is None else ["--gap", str(args.gap)])
    floors = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import berthplan": [sys.executable, "-c", "import berthplan"],
    }
    walls: dict[str, list[float]] = {k: [] for k in [*floors, *trees]}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    parts: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    for _ in range(args.runs):
        for name, cmd in floors.items():
            wall, cpu, _ = _run(cmd, None)
            walls[name].append(wall)
            cpus[name].append(cpu)
        for name, src in trees.items():
            try:
                wall, cpu, log = _run(solve, src)
            except subprocess.CalledProcessError:  # an older tree without --verbose
                wall, cpu, log = _run([a if a != "--verbose" else "--quiet" for a in solve], src)
            walls[name].append(wall)
            cpus[name].append(cpu)
            parts[name].append(phases(log, wall))
    med = statistics.median
    print(
        "| run | wall s (median) | cpu s (median) | start | load | build | solve | check | write |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in walls:
        cells = ""
        if name in parts:
            cells = " | ".join(
                f"{med(p[k] for p in parts[name]):.3f}"
                for k in ("start", "load", "build", "solve", "check", "write")
            )
        else:
            cells = " | ".join([""] * 6)
        print(f"| {name} | {med(walls[name]):.3f} | {med(cpus[name]):.3f} | {cells} |")


if __name__ == "__main__":
    main()

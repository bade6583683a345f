"""Time and memory of each stage against model size, one fresh process per measurement.

    python benchmarks/scaling.py FILE [FILE ...] [--stages load,validate,build,arrays,floor,export]
        [--repeats 3] [--tree NAME=SRC ...] [--out results/scaling.jsonl]

Stages: ``load`` (read and parse the file), ``validate`` (field and cross-record checks),
``build`` (index sets and formulation, :func:`~berthplan.optimization.formulation.build`),
``arrays`` (the assembled CSR model, ``Model.arrays``), ``floor`` (handing those arrays to HiGHS
with ``passModel``, as ``benchmarks/case.py`` defines the floor) and ``export`` (the MPS file,
build included). Each (file, stage) runs in its own process twice: once timed (median of
``--repeats``; CPU seconds too, steadier on a shared machine), once under ``tracemalloc`` for the
stage's peak of Python and numpy allocations; the process's peak RSS is reported with both.
``--tree NAME=SRC`` (repeatable) runs every measurement again with ``SRC`` (an unpacked
older tree, e.g. ``git archive COMMIT | tar -x -C SRC``) first on ``PYTHONPATH``, interleaved
with the installed tree's ("after"), for a side-by-side table. The summary fits ``log(metric) = a + b log(nonzeros)`` per stage: ``b`` is the exponent.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = ("load", "validate", "build", "arrays", "floor", "export")


def _stage(name: str, file: str) -> tuple[Callable[[], Any], dict[str, Any]]:
    """The stage as a callable, its prerequisites already run; and the model's size."""
    from berthplan.model.io import instance_from_document, read_document

    if name == "load":
        return lambda: read_document(file, collect=True), {}
    doc = read_document(file, collect=True)
    if name == "validate":
        return lambda: instance_from_document(doc), {}
    inst = instance_from_document(doc)
    from berthplan.optimization.formulation import build

    if name == "build":
        return lambda: build(inst), {}
    if name == "export":
        from berthplan.optimization.export import write_model

        out = Path(tempfile.mkdtemp()) / "model.mps"
        return lambda: write_model(inst, out, "mps"), {}
    model = build(inst).model
    if name == "arrays":
        return model.arrays, {}
    arrays = model.arrays()
    import highspy

    from berthplan.backends.highs import _lp

    def floor() -> Any:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        return h.passModel(_lp(arrays))

    size = {"rows": arrays.A.shape[0], "columns": arrays.A.shape[1], "nonzeros": arrays.A.nnz}
    return floor, size


def one(file: str, stage: str, mode: str, repeats: int) -> dict[str, Any]:
    """Measure ``stage`` on ``file`` in this process (``mode``: ``time`` or ``memory``)."""
    fn, size = _stage(stage, file)
    out: dict[str, Any] = {"file": Path(file).name, "stage": stage, **size}
    if mode == "time":
        wall, cpu = [], []
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        out |= {"wall_s": statistics.median(wall), "cpu_s": statistics.median(cpu)}
    else:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["traced_peak_mb"] = peak / 1e6
        out["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _run(file: str, stage: str, mode: str, repeats: int, src: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--one", file, "--stage", stage, "--mode", mode]
    cmd += ["--repeats", str(repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--tree", action="append", default=[], help="NAME=SRC: a source tree to measure too"
    )
    ap.add_argument("--out", help="append every measurement to this JSONL file")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.stage, args.mode, args.repeats)), flush=True)
        return
    trees: dict[str, str | None] = dict(t.split("=", 1) for t in args.tree)
    trees["after"] = None
    sizes = {f: _run(f, "floor", "time", 1, None)["nonzeros"] for f in args.files}
    rows: list[dict[str, Any]] = []
    for stage in args.stages.split(","):
        for f in args.files:
            for tree, src in trees.items():  # interleaved: the same machine state for both
                rec = _run(f, stage, "time", args.repeats, src)
                rec |= {
                    k: v
                    for k, v in _run(f, stage, "memory", 1, src).items()
                    if k in ("traced_peak_mb", "rss_growth_mb")
                }
                rec |= {"tree": tree, "nonzeros": sizes[f]}
                rows.append(rec)
                print(json.dumps(rec), file=sys.stderr, flush=True)
                if args.out:
                    with open(args.out, "a", encoding="utf-8") as fh:
                        fh.write(json.dumps(rec) + "\n")
    print("| stage | tree | " + " | ".join(Path(f).name for f in args.files) + " | exponent |")
    print("|---|---|" + "---|" * (len(args.files) + 1))
    for stage in args.stages.split(","):
        for tree in trees:
            got = [r for r in rows if r["stage"] == stage and r["tree"] == tree]
            nnz = [float(r["nonzeros"]) for r in got]
            for key, unit in (("wall_s", "s"), ("cpu_s", "s cpu"), ("traced_peak_mb", "MB")):
                vals = [float(r[key]) for r in got]
                cells = " | ".join(f"{v:.3g} {unit}" for v in vals)
                fit = f"{exponent(nnz, vals):.2f}" if len(vals) > 1 else ""
                print(f"| {stage} | {tree} | {cells} | {fit} |")


if __name__ == "__main__":
    main()

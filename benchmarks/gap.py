"""The default MIP gap by measurement: time, work and objective of HiGHS at several gaps.

    python benchmarks/gap.py [FILE ...] [--gaps 0,1e-6,1e-5,1e-4,1e-3] [--rounds 3]
        [--out results/gap.jsonl]

Each instance is built once; each gap is solved ``--rounds`` times in this process by a fresh
HiGHS (berthplan's own options otherwise: default threads, no time limit), interleaved
(every gap in turn, then again) so a busy machine slows them alike. Printed per gap: median
wall time, HiGHS's work (branch-and-bound nodes and LP iterations, which do not depend on the
machine's load), the objective, its excess over the gap-0 optimum (relative), whether the plan
(every binary) is the gap-0 plan, and the proven gap at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [
    ROOT / "instances" / "liaoning-2023.yaml",
    ROOT / "instances" / "bench" / "small-0.yaml",
    ROOT / "instances" / "bench" / "small-1.yaml",
    ROOT / "instances" / "bench" / "small-2.yaml",
    ROOT / "instances" / "bench" / "medium-0.yaml",
]


def solve_once(arrays: Any, gap: float) -> dict[str, Any]:
    import highspy

    from berthplan.backends.highs import _lp

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    h.passModel(_lp(arrays))
    t0 = time.perf_counter()
    h.run()
    wall = time.perf_counter() - t0
    info = h.getInfo()
    x = np.array(h.getSolution().col_value)
    return {
        "wall_s": wall,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": info.objective_function_value + 0.0,
        "bound": info.mip_dual_bound,
        "final_gap": info.mip_gap,
        "nodes": int(info.mip_node_count),
        "lp_iterations": int(info.simplex_iteration_count),
        "plan": np.round(x[arrays.integer]).astype(np.int8),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    ap.add_argument("--gaps", default="0,1e-6,1e-5,1e-4,1e-3")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from berthplan.model.io import load
    from berthplan.optimization.formulation import build

    gaps = [float(g) for g in args.gaps.split(",")]
    print(
        "| instance | gap | wall s (median) | nodes | LP iterations | objective | excess "
        "| same plan | proven gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for file in args.files:
        arrays = build(load(file)).model.arrays()
        runs: dict[float, list[dict[str, Any]]] = {g: [] for g in gaps}
        for _ in range(args.rounds):
            for g in gaps:
                runs[g].append(solve_once(arrays, g))
        best = runs[gaps[0]][0]
        for g in gaps:
            r = runs[g]
            last = r[-1]
            rec = {
                "file": file.name,
                "gap": g,
                "wall_s": statistics.median(x["wall_s"] for x in r),
                "walls": [round(x["wall_s"], 4) for x in r],
                "nodes": last["nodes"],
                "lp_iterations": last["lp_iterations"],
                "deterministic": len({(x["nodes"], x["lp_iterations"]) for x in r}) == 1,
                "objective": last["objective"],
                "excess": (last["objective"] - best["objective"]) / abs(best["objective"]),
                "same_plan": bool(np.array_equal(last["plan"], best["plan"])),
                "final_gap": last["final_gap"],
                "status": last["status"],
            }
            if args.out:
                with args.out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
            print(
                f"| {file.stem} | {g:g} | {rec['wall_s']:.3f} | {rec['nodes']} | "
                f"{rec['lp_iterations']} | {rec['objective']:.6f} | {rec['excess']:.2e} | "
                f"{'yes' if rec['same_plan'] else 'no'} | {rec['final_gap']:.2e} |",
                flush=True,
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""The full solve after the primal heuristics, alone, under different HiGHS options (issue 11).

    python benchmarks/full_solve.py prep --instance national-0.yaml --tag n0
    python benchmarks/full_solve.py check --instance national-0.yaml --tag n0
    python benchmarks/full_solve.py run --tag n0 --instance national-0.yaml \\
        --extra '{"mip_heuristic_run_rins": false}' [--time-limit 1500]

``prep`` runs RENS and the local search of :mod:`berthplan.optimization.primal` as the default
solve does (single-threaded, gap 1 %, no time limit: node limits only, so the plan is the same
on every run) and keeps the plan in ``results/full_solve-TAG.npz``; ``check`` runs it through
the independent checker (as every plan of ``berthplan solve`` is). ``run`` loads that plan
and runs only the full solve, as the default solve hands it over (start, cutoff, 1 % gap,
single-threaded) but without ``Options.prove``: HiGHS's defaults, with ``--extra`` on top
(``berthplan.backends.highs.PROVE`` as ``--extra`` is what the default solve now runs), and appends one JSON line to
``results/full_solve.jsonl``: status, objective, bound, wall and CPU seconds, HiGHS's LP
iterations (all, and those of its heuristics) from its log. Run the variants of one plan side
by side and compare CPU seconds and iterations: the iterations repeat exactly, the seconds
follow the machine's load.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _built(instance: str) -> Any:
    from berthplan.model.io import load
    from berthplan.optimization.formulation import build

    return build(load(instance))


def prep(instance: str, tag: str) -> dict[str, Any]:
    from berthplan.backends import Options, get
    from berthplan.optimization import primal

    t0 = time.perf_counter()
    built = _built(instance)
    arrays, highs = built.model.arrays(), get("highs")
    options = Options(threads=1, gap=0.01)
    found = primal.first(highs, built, arrays, options)
    if found is None:
        return {"tag": tag, "instance": instance, "rens": "no plan"}
    rens_s = time.perf_counter() - t0
    found = primal.improve(highs, arrays, options, found, primal.by_area(built, found))
    np.savez(RESULTS / f"full_solve-{tag}.npz", x=found.x, objective=found.objective)
    return {
        "tag": tag,
        "instance": instance,
        "rens_s": rens_s,
        "total_s": time.perf_counter() - t0,
        "objective": found.objective,
        "lp_bound": found.lp_bound,
    }


def check(instance: str, tag: str) -> dict[str, Any]:
    """The kept plan recomputed from its decisions and run through the independent checker."""
    from berthplan.backends import Options, Result, Status, get
    from berthplan.model.io import load
    from berthplan.optimization.formulation import build
    from berthplan.optimization.solve import model_size, plan_of, verify

    t0 = time.perf_counter()
    inst = load(instance)
    built = build(inst)
    kept = np.load(RESULTS / f"full_solve-{tag}.npz")
    found = Result(Status.FEASIBLE, kept["x"], float(kept["objective"]))
    size = model_size(built.model.arrays())
    plan = plan_of(inst, built, found, "feasible", "highs", get("highs"), Options(), size, t0, t0)
    verify(plan, "highs")  # raises if the checker finds a violation
    return {"tag": tag, "instance": instance, "checked": True, "objective": plan.objective}


def run(instance: str, tag: str, extra: dict[str, Any], limit: float) -> dict[str, Any]:
    from berthplan.backends import Options, get

    t0, c0 = time.perf_counter(), time.process_time()
    arrays = _built(instance).model.arrays()
    kept = np.load(RESULTS / f"full_solve-{tag}.npz")
    options = Options(
        threads=1,
        gap=0.01,
        time_limit=limit,
        start=kept["x"],
        cutoff=float(kept["objective"]),
        extra=extra,
        verbose=True,
    )
    result = get("highs").solve(arrays, options)
    iterations = re.search(r"LP iterations\s+(\d+)", result.log)
    heuristics = re.search(r"(\d+) \(heuristics\)", result.log)
    return {
        "tag": tag,
        "instance": instance,
        "extra": extra,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "lp_iterations": int(iterations.group(1)) if iterations else None,
        "heuristic_iterations": int(heuristics.group(1)) if heuristics else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prep", "check", "run"])
    parser.add_argument("--instance", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--extra", default="{}", help="HiGHS options as a JSON object")
    parser.add_argument("--time-limit", type=float, default=1500.0)
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    if args.command == "prep":
        line = prep(args.instance, args.tag)
    elif args.command == "check":
        line = check(args.instance, args.tag)
    else:
        line = run(args.instance, args.tag, json.loads(args.extra), args.time_limit)
    with (RESULTS / "full_solve.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())

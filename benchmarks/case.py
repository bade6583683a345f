"""One benchmark case in a fresh process: prints one JSON line of measurements.

    python benchmarks/case.py --size small --seed 0 --backend highs --time-limit 60 [--service-levels]

Measured (seconds unless said): ``generate`` (instance construction and validation),
``build`` (index sets + formulation + sparse arrays: median of --repeats), ``load`` (handing
the same arrays to the solver, without solving: median of --repeats), ``floor`` (loading the
arrays into HiGHS directly, the lower bound of any build), ``solve_1pct`` and ``solve_opt``
(wall time of a solve to a 1 % gap, then to a proven optimum, each within --time-limit; with
status, objective, bound and gap), and ``peak_rss_mb`` of this process. Run by ladder.py, one
process per case, so peak memory belongs to the case.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import berthplan
from berthplan.backends import Options, get
from berthplan.generator.generate import generate
from berthplan.optimization.formulation import build
from berthplan.optimization.sparse import Arrays


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def loader(backend: str) -> Callable[[Arrays], Any] | None:
    """The backend's own model hand-over, without the solve (None where it has no split)."""
    if backend in ("highs", "floor"):
        import highspy

        from berthplan.backends.highs import _lp

        def load_highs(a: Arrays) -> Any:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            return h.passModel(_lp(a))

        return load_highs
    if backend.startswith("pulp:"):
        from berthplan.backends.pulp import to_lp_problem

        return lambda a: to_lp_problem(a, readable=False)
    if backend in ("ortools:scip", "ortools:cbc"):
        from ortools.linear_solver import pywraplp

        from berthplan.backends.ortools import _mp_model

        def load_pywraplp(a: Arrays) -> Any:
            solver = pywraplp.Solver.CreateSolver(backend.split(":")[1].upper())
            return solver.LoadModelFromProto(_mp_model(a))

        return load_pywraplp
    if backend == "ortools:highs":
        from berthplan.backends.mathopt import _mo_model

        return _mo_model
    return None


def solve(backend: str, arrays: Arrays, gap: float, limit: float) -> dict[str, Any]:
    opts = Options(gap=gap, time_limit=limit, verbose=False)
    t0 = time.perf_counter()
    result = get(backend).solve(arrays, opts)
    return {
        "wall": time.perf_counter() - t0,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
    }


def _commit() -> str:
    try:
        here = Path(__file__).resolve().parent
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=here,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-optimum", action="store_true", help="only the 1 %% solve")
    ap.add_argument(
        "--service-levels", action="store_true", help="generate with queue pools (service levels)"
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)

    t0 = time.perf_counter()
    inst = generate(args.size, args.seed, service_levels=args.service_levels)
    out: dict[str, Any] = vars(args) | {"generate": time.perf_counter() - t0}
    out["build"], built = timed(lambda: build(inst).model.arrays(), args.repeats)
    arrays: Arrays = built
    out["model"] = {
        "variables": len(arrays.c),
        "binaries": int(arrays.integer.sum()),
        "rows": arrays.A.shape[0],
        "nonzeros": int(arrays.A.nnz),
    }
    out["floor"], _ = timed(lambda: loader("floor")(arrays), args.repeats)  # type: ignore[misc]
    load = loader(args.backend)
    out["load"] = timed(lambda: load(arrays), args.repeats)[0] if load else None
    out["solve_1pct"] = solve(args.backend, arrays, 0.01, args.time_limit)
    if not args.skip_optimum:
        out["solve_opt"] = solve(args.backend, arrays, 0.0, args.time_limit)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["versions"] = {
        "berthplan": berthplan.__version__,
        "python": sys.version.split()[0],
        "commit": _commit(),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

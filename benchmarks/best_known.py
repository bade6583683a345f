"""Reproduce a checked national-0 plan, 1,451,441.349 (instances/bench/README.md), from RENS.

    berthplan generate --size national --seed 0 --out national-0.yaml
    python benchmarks/best_known.py national-0.yaml

RENS (berthplan.optimization.primal.rens, node limits only) and then the local search over
the first 6 area groups in index order (primal.by_area without the LP ordering), no time
limit: every step is bounded by nodes, so the plan is the same on every run. The plan is
recomputed from its decisions and run through the independent checker, as every plan of
``berthplan solve`` is; its objective is printed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

from berthplan.backends import Options, Result, Status, get
from berthplan.model.io import load
from berthplan.optimization import primal
from berthplan.optimization.formulation import build
from berthplan.optimization.solve import model_size, plan_of, verify


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("--groups", type=int, default=6)
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    t0 = time.perf_counter()
    inst = load(args.instance)
    built = build(inst)
    arrays = built.model.arrays()
    highs = get("highs")
    found = primal.first(highs, built, arrays, Options(threads=1))
    if found is None:
        raise SystemExit("RENS found no plan")
    print(f"RENS: {found.objective:,.6f} (LP bound {found.lp_bound:,.6f})", flush=True)
    primal.LNS_ROUNDS = args.groups
    groups = primal.by_area(built, replace(found, x_lp=None))
    found = primal.improve(highs, arrays, Options(threads=1), found, groups)
    result = Result(Status.FEASIBLE, found.x, found.objective, found.lp_bound)
    size = model_size(arrays)
    plan = plan_of(inst, built, result, "feasible", "highs", highs, Options(), size, t0, t0)
    verify(plan, "highs")
    print(f"local search: {plan.objective:,.6f} (checked)")


if __name__ == "__main__":
    main()

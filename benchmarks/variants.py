"""Formulation experiments: the shipped model against variants, on generated instances.

    python benchmarks/variants.py --size medium --seed 0 --time-limit 120

For each variant: the LP relaxation's bound (root strength), and HiGHS's time to a proven
optimum (or the gap at the limit). Variants:

- ``shipped``: the model as built (cumulative ``requires``: started by y <= completed by y-1).
- ``disaggregated-requires``: one row per start year instead (x[j,y] <= completed[i,y-1]),
  the weaker classic form, to measure what the cumulative form buys.
- ``no-open-once``: without the open_once family (shows it is needed: routes open twice).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from berthplan.backends import Options, get
from berthplan.generator.generate import generate
from berthplan.optimization.formulation import build
from berthplan.optimization.sparse import Arrays


def drop_family(arrays: Arrays, model: object, name: str) -> Arrays:
    fam = model.families[name]  # type: ignore[attr-defined]
    keep = np.ones(arrays.A.shape[0], bool)
    keep[fam.start : fam.start + fam.size] = False
    return replace(
        arrays,
        A=arrays.A[keep],
        row_lo=arrays.row_lo[keep],
        row_hi=arrays.row_hi[keep],
        row_names=[n for n, k in zip(arrays.row_names, keep, strict=True) if k],
    )


def disaggregate_requires(arrays: Arrays, built: object) -> Arrays:
    """Replace each cumulative requires row by its difference with the previous year's row."""
    model = built.model  # type: ignore[attr-defined]
    fam = model.families["requires"]
    rows = arrays.A[fam.start : fam.start + fam.size].tolil()
    # Row r (j, i, y) minus row (j, i, y_prev) keeps x[j,y] and the prerequisite's completions
    # by y-1 that are new since y_prev; with C by y-1 on the right this is x[j,y] <= C[i,y-1].
    out = rows.copy()
    labels = fam.labels
    for r in range(1, len(labels)):
        same_pair = labels[r].rsplit(",", 1)[0] == labels[r - 1].rsplit(",", 1)[0]
        if same_pair:
            mine = rows[r].toarray() - rows[r - 1].toarray()
            own = np.where(mine > 0, mine, 0.0)  # x[j, y] only
            done = np.where(rows[r].toarray() < 0, rows[r].toarray(), 0.0)  # all completions by y-1
            out[r] = own + done
    A = sp.vstack([arrays.A[: fam.start], sp.csr_matrix(out), arrays.A[fam.start + fam.size :]])
    return replace(arrays, A=sp.csr_matrix(A))


def measure(label: str, arrays: Arrays, limit: float) -> None:
    lp = replace(arrays, integer=np.zeros_like(arrays.integer))
    backend = get("highs")
    root = backend.solve(lp, Options(verbose=False))
    t0 = time.perf_counter()
    mip = backend.solve(arrays, Options(gap=0.0, time_limit=limit, verbose=False))
    wall = time.perf_counter() - t0
    gap = "–" if mip.gap is None else f"{100 * mip.gap:.3f} %"
    print(
        f"| {label} | {arrays.A.shape[0]} | {root.objective:.3f} | {mip.objective:.3f} | "
        f"{100 * (mip.objective - root.objective) / abs(mip.objective):.3f} % | {wall:.2f} | {mip.status.value} | {gap} |",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="medium")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    built = build(generate(args.size, args.seed))
    arrays = built.model.arrays()
    print(f"{args.size} seed {args.seed}, HiGHS, limit {args.time_limit:g} s\n")
    print(
        "| variant | rows | LP bound | MIP objective | root gap | MIP wall s | status | final gap |"
    )
    print("|---|---|---|---|---|---|---|---|")
    measure("shipped", arrays, args.time_limit)
    measure("disaggregated-requires", disaggregate_requires(arrays, built), args.time_limit)
    measure("no-open-once", drop_family(arrays, built.model, "open_once"), args.time_limit)


if __name__ == "__main__":
    main()

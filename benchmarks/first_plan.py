"""Time to the first plan and the proven gap over time, per solve variant (issue 11).

    python benchmarks/first_plan.py run --instance national-0.yaml --variants off,on \\
        --time-limit 600 --gap 0.01
    python benchmarks/first_plan.py table

``run`` starts one fresh process per variant, all at once (side by side, so they share the
machine's load), each single-threaded; each solves the instance with ``berthplan.solve``
(load, build, heuristic, full solve, the independent check: the whole default path) and
records every progress report of the solver with the wall time since the process began
loading the instance. One JSON line per variant goes to ``results/first_plan.jsonl``.
``table`` prints, per instance and variant: the time to the first plan, the proven gap at
60, 300 and 600 s, and the final status, objective, bound and gap.

``--patch NAME=VALUE`` (repeatable) sets a constant of :mod:`berthplan.optimization.primal`
in the case processes (``--patch LNS_SHARE=0.3``), to try a setting against the default.
``--backend`` (default ``highs``) solves with another backend; HiGHS, ``ortools:scip``,
``ortools:cpsat`` and ``pulp:cbc`` report progress (SCIP's and CBC's through their logs), so
for the others the table has the final result alone.

Variants are the profile's ``heuristic`` option: ``off`` (HiGHS alone), ``on`` (RENS and a
local search first, the plan handed over as start and cutoff), ``auto`` (the default); and
``rens``: ``on`` without the local search (``primal.LNS_ROUNDS = 0``).

The gap at a time is (best plan so far - best bound so far) / best plan, with the bound of
a solve under a cutoff capped at that cutoff (what HiGHS prunes is at least the cutoff:
:mod:`berthplan.backends.start`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "first_plan.jsonl"
MARKS = (60.0, 300.0, 600.0)


def case(
    instance: str,
    variant: str,
    limit: float,
    gap: float,
    backend: str = "highs",
    patch: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Solve ``instance`` with heuristic ``variant`` on ``backend``; the progress timeline
    (HiGHS only: the other backends report no progress) and the outcome."""
    t0 = time.monotonic()
    from berthplan.backends.base import Progress
    from berthplan.model.io import load
    from berthplan.optimization.profiles import Profile
    from berthplan.optimization.solve import SolveError, solve

    events: list[tuple[float, float | None, float | None, float]] = []

    def record(p: Progress) -> None:
        events.append((time.monotonic() - t0, p.incumbent, p.bound, time.process_time()))

    from berthplan.optimization import primal

    for name, value in (patch or {}).items():  # a heuristic setting tried against the default
        setattr(primal, name, type(getattr(primal, name))(value))
    if variant == "rens":  # RENS without the local search after it
        primal.LNS_ROUNDS = 0
    inst = load(instance)
    mode = "on" if variant == "rens" else variant
    profile = Profile(backend=backend, heuristic=mode, verbose=False)
    out: dict[str, Any] = {"instance": Path(instance).name, "variant": variant}
    if backend != "highs":
        out["backend"] = backend
    if patch:
        out["patch"] = patch
    out |= {"time_limit": limit, "gap_asked": gap}
    try:
        plan = solve(
            inst, profile, time_limit=limit, gap=gap, threads=1, started=t0, progress=record
        )
        info = plan.info
        out |= {"status": plan.status, "objective": plan.objective, "bound": info.best_bound}
        out |= {"gap": info.gap, "timings": info.timings}
    except SolveError as e:
        out |= {"status": "no plan", "error": str(e)}
    out["wall"] = time.monotonic() - t0
    out["cpu"] = time.process_time()  # on a shared machine: how much of the wall it had
    out["events"] = events
    return out


def timeline(
    events: list[list[Any]], gap: float, cutoff: bool
) -> list[tuple[float, float | None, float | None]]:
    """(time, best plan, best bound) after each event; with ``cutoff`` (the heuristics ran,
    their plans first), bounds capped at the best plan so far less the gap."""
    best: float | None = None
    first: float | None = None
    bound: float | None = None
    rows = []
    for t, inc, bnd, *_ in events:
        if inc is not None and (best is None or inc < best):
            best = inc
            if first is None:
                first = inc
        if bnd is not None:
            # the full solve's cutoff is the heuristics' last plan less the gap; the best plan
            # so far is at most that (lower once HiGHS improves it): a conservative cap
            capped = bnd if best is None or not cutoff else min(bnd, best * (1 - gap))
            bound = capped if bound is None else max(bound, capped)
        rows.append((float(t), best, None if bound is None or best is None else min(bound, best)))
    return rows


def gap_at(rows: list[tuple[float, float | None, float | None]], t: float) -> str:
    state = [r for r in rows if r[0] <= t]
    if not state or state[-1][1] is None:
        return "no plan"
    _, inc, bnd = state[-1]
    if bnd is None or inc is None:
        return "plan, no bound"
    return f"{100 * (inc - bnd) / inc:.2f} %"


def table() -> None:
    lines = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    print("| instance | variant | run | first plan s | gap 60 s | gap 300 s | gap 600 s | final |")
    print("|---|---|---|---|---|---|---|---|")
    for d in lines:
        rows = timeline(d["events"], d["gap_asked"], "heuristic_s" in d.get("timings", {}))
        first = next((t for t, inc, _ in rows if inc is not None), None)
        marks = [gap_at(rows, m) if m <= d["time_limit"] + 1 else "–" for m in MARKS]
        final = d["status"]
        if "cpu" in d:
            final += f"; {d['cpu']:.0f} CPU s in {d['wall']:.0f} s"
        if d.get("objective") is not None:
            final += f", {d['objective']:,.3f} (bound {d['bound']:,.3f}, {100 * d['gap']:.2f} %)"
        when = "–" if first is None else f"{first:.0f}"
        run = d.get("run", "")
        variant = d["variant"] if "backend" not in d else f"{d['backend']} {d['variant']}"
        if d.get("patch"):
            variant += " " + " ".join(f"{k}={v}" for k, v in sorted(d["patch"].items()))
        print(f"| {d['instance']} | {variant} | {run} | {when} | {' | '.join(marks)} | {final} |")


def _case_file(instance: str, variant: str) -> Path:
    return RESULTS.parent / f"case-{Path(instance).stem}-{variant}.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--instance", required=True)
    r.add_argument("--variants", default="off,on")
    r.add_argument("--time-limit", type=float, default=600.0)
    r.add_argument("--gap", type=float, default=0.01)
    r.add_argument("--label", default="", help="a name for this run, kept in each line")
    r.add_argument("--backend", default="highs")
    r.add_argument("--patch", action="append", default=[], help="NAME=VALUE of primal")
    c = sub.add_parser("case")
    c.add_argument("--instance", required=True)
    c.add_argument("--variant", required=True)
    c.add_argument("--time-limit", type=float, required=True)
    c.add_argument("--gap", type=float, required=True)
    c.add_argument("--backend", default="highs")
    c.add_argument("--patch", action="append", default=[])
    sub.add_parser("table")
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    if args.cmd == "table":
        table()
    elif args.cmd == "case":
        patch = dict(p.split("=", 1) for p in args.patch)
        found = case(args.instance, args.variant, args.time_limit, args.gap, args.backend, patch)
        line = json.dumps(found)
        # not stdout: a solve abandoned past its limit leaves file descriptor 1 redirected
        # to its log (berthplan.backends.logtail.captured_stdout)
        _case_file(args.instance, args.variant).write_text(line + "\n")
        os._exit(0)  # a solver thread left behind (stopped past the limit) must not abort us
    else:
        procs = [
            subprocess.Popen(
                [
                    *(sys.executable, __file__, "case", "--instance", args.instance),
                    *("--variant", v, "--time-limit", str(args.time_limit), "--gap", str(args.gap)),
                    *("--backend", args.backend),
                    *(a for p in args.patch for a in ("--patch", p)),
                ],
            )
            for v in args.variants.split(",")
        ]
        RESULTS.parent.mkdir(exist_ok=True)
        for v, p in zip(args.variants.split(","), procs, strict=True):
            p.wait()
            kept = _case_file(args.instance, v)
            if not kept.exists():
                print(f"{v}: no result (exit {p.returncode})", file=sys.stderr)
                continue
            d = json.loads(kept.read_text()) | {"run": args.label}
            kept.unlink()
            with RESULTS.open("a") as f:
                f.write(json.dumps(d) + "\n")
        table()


if __name__ == "__main__":
    main()

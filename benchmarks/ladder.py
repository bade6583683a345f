"""The benchmark ladder: run cases (one fresh process each), append results, print tables.

    python benchmarks/ladder.py run --rung small          # all backends, seeds 0-2
    python benchmarks/ladder.py run --rung medium
    python benchmarks/ladder.py run --rung large                    # highs, ortools:scip
    python benchmarks/ladder.py run --rung national                 # 1 % only, 600 s
    python benchmarks/ladder.py table                     # markdown tables from the results
    python benchmarks/ladder.py e2e                       # Liaoning end to end

Results are appended to benchmarks/results/ladder.jsonl as each case finishes, so a partial run
keeps what it measured. See benchmarks/README.md for the protocol.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ladder.jsonl"
EXACT = ["highs", "pulp:cbc", "pulp:highs", "ortools:scip", "ortools:cbc", "ortools:highs", "scipy"]
ORDER = [*EXACT, "ortools:cpsat"]
RUNGS: dict[str, dict[str, Any]] = {
    "small": {"seeds": [0, 1, 2], "limit": 60, "backends": ORDER},
    "medium": {"seeds": [0], "limit": 120, "backends": EXACT},
    "large": {"seeds": [0], "limit": 300, "backends": ["highs", "ortools:scip"]},
    "national": {
        "seeds": [0],
        "limit": 600,
        "backends": ["highs", "ortools:scip"],
        "only_1pct": True,
    },
}


def run(
    rung: str,
    backends: list[str] | None,
    seeds: list[int] | None,
    limit: float | None,
    service_levels: bool = False,
) -> None:
    spec = RUNGS[rung]
    RESULTS.parent.mkdir(exist_ok=True)
    for seed in seeds or spec["seeds"]:
        for backend in backends or spec["backends"]:
            cmd = [
                sys.executable,
                str(HERE / "case.py"),
                "--size",
                rung,
                "--seed",
                str(seed),
                "--backend",
                backend,
                "--time-limit",
                str(limit or spec["limit"]),
            ]
            if spec.get("only_1pct"):
                cmd += ["--skip-optimum", "--repeats", "1"]
            if service_levels:
                cmd.append("--service-levels")
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            line = (
                proc.stdout.strip().splitlines()[-1]
                if proc.returncode == 0 and proc.stdout.strip()
                else ""
            )
            record = (
                json.loads(line)
                if line.startswith("{")
                else {
                    "size": rung,
                    "seed": seed,
                    "backend": backend,
                    "service_levels": service_levels,
                    "error": proc.stderr.strip()[-500:],
                }
            )
            record["process_wall"] = time.perf_counter() - t0
            with RESULTS.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            print(summary_line(record), flush=True)


def summary_line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{_rung(r)} seed {r['seed']} {r['backend']}: ERROR {r['error'][-200:]}"
    one, opt = r["solve_1pct"], r.get("solve_opt") or {}
    return (
        f"{_rung(r)} seed {r['seed']} {r['backend']}: build {r['build']:.3f}s load "
        f"{r['load'] if r['load'] is None else round(r['load'], 3)}s 1% {one['wall']:.2f}s "
        f"({one['status']}) opt {opt.get('wall', float('nan')):.2f}s ({opt.get('status')}) "
        f"obj {opt.get('objective') or one['objective']} rss {r['peak_rss_mb']:.0f} MB"
    )


def _rung(r: dict[str, Any]) -> str:
    """The rung's name, ``+sl`` for instances generated with service levels."""
    return str(r["size"]) + ("+sl" if r.get("service_levels") else "")


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table() -> None:
    records = [json.loads(x) for x in RESULTS.read_text(encoding="utf-8").splitlines() if x.strip()]
    latest: dict[tuple[str, int, str], dict[str, Any]] = {}
    for r in records:  # a re-run replaces the earlier measurement of the same case
        latest[(_rung(r), r["seed"], r["backend"])] = r
    by_size: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in latest.values():
        by_size[_rung(r)].append(r)
    for size in RUNGS:
        for name in (size, f"{size}+sl"):
            if by_size.get(name):
                print_size(name, by_size[name])


def print_size(size: str, rows: list[dict[str, Any]]) -> None:
    ok = [r for r in rows if "error" not in r]
    m = ok[0]["model"] if ok else {}
    print(
        f"\n### {size} ({m.get('variables')} variables, {m.get('binaries')} binary, {m.get('rows')} rows, {m.get('nonzeros')} nonzeros; seeds {sorted({r['seed'] for r in rows})})\n"
    )
    print(
        "| backend | build s | load s | floor s | to 1 % s | to optimum s (status) | gap at end | objective | peak MB | ratio to best (optimum) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    med: dict[str, dict[str, Any]] = {}
    for backend in sorted(
        {r["backend"] for r in ok},
        key=lambda b: ORDER.index(b) if b in ORDER else len(ORDER),
    ):
        rs = [r for r in ok if r["backend"] == backend]
        opt = [r.get("solve_opt") or r["solve_1pct"] for r in rs]
        med[backend] = {
            "build": statistics.median(r["build"] for r in rs),
            "load": statistics.median(r["load"] for r in rs)
            if all(r["load"] is not None for r in rs)
            else None,
            "floor": statistics.median(r["floor"] for r in rs),
            "one": statistics.median(r["solve_1pct"]["wall"] for r in rs),
            "opt": statistics.median(o["wall"] for o in opt),
            "status": "/".join(sorted({o["status"] for o in opt})),
            "gap": max((o["gap"] or 0.0) for o in opt),
            "objective": statistics.median((o["objective"] or float("nan")) for o in opt)
            if len(rs) == 1
            else "per seed",
            "rss": statistics.median(r["peak_rss_mb"] for r in rs),
        }
    best = min(v["opt"] for v in med.values()) if med else 1.0
    for backend, v in med.items():
        print(
            f"| {backend} | {_fmt(v['build'])} | {_fmt(v['load'])} | {_fmt(v['floor'])} | {_fmt(v['one'], 2)} | "
            f"{_fmt(v['opt'], 2)} ({v['status']}) | {100 * v['gap']:.3f} % | {_fmt(v['objective'], 3)} | {v['rss']:.0f} | {v['opt'] / best:.1f}× |"
        )
    for r in rows:
        if "error" in r:
            print(f"\n{r['backend']} seed {r['seed']}: error `{r['error'][-160:]}`")


def e2e(repeats: int) -> None:
    """Liaoning: `berthplan solve` from process start to CSVs written, against a bare import."""
    root = HERE.parent
    inst = root / "instances" / "liaoning-2023.yaml"

    def wall(cmd: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=root)
        return time.perf_counter() - t0

    exe = str(Path(sys.executable).with_name("berthplan"))
    out = Path("/tmp/berthplan-bench-e2e")
    solve = [wall([exe, "solve", str(inst), "--out", str(out), "--quiet"]) for _ in range(repeats)]
    imp = [wall([sys.executable, "-c", "import berthplan"]) for _ in range(repeats)]
    cli = [wall([exe, "--help"]) for _ in range(repeats)]
    stages = json.loads((out / "solve.json").read_text())["timings_s"]
    print(
        f"berthplan solve liaoning (process start to CSVs): median {statistics.median(solve):.3f} s over {repeats}"
    )
    print(
        f"python -c 'import berthplan': median {statistics.median(imp):.3f} s; berthplan --help: median {statistics.median(cli):.3f} s"
    )
    print(
        f"ratio solve / import: {statistics.median(solve) / statistics.median(imp):.1f}×; in-process stages of the last run: {stages}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--rung", choices=list(RUNGS), required=True)
    r.add_argument("--backends", nargs="*")
    r.add_argument("--seeds", nargs="*", type=int)
    r.add_argument("--time-limit", type=float)
    r.add_argument("--service-levels", action="store_true", help="queue-pool instances")
    sub.add_parser("table")
    e = sub.add_parser("e2e")
    e.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.rung, args.backends, args.seeds, args.time_limit, args.service_levels)
    elif args.cmd == "table":
        table()
    else:
        e2e(args.repeats)


if __name__ == "__main__":
    main()

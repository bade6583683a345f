"""Plans under uncertainty on Liaoning: the two-stage solve by scenario count, and ``evaluate``.

Usage::

    python benchmarks/uncertainty.py [--scenarios 3,10,30] [--evaluate 1000] [--repeats 3]

Prints one JSON line per measurement and a Markdown table at the end (paste it into
benchmarks/README.md). Each measurement runs the CLI in a fresh process (``berthplan ...``),
so imports and loading count, as a user would see them. Scenario sets are sampled with
``berthplan uncertainty sample`` (seed 1, level sd 0.1, growth sd 0.02, correlation 0.5,
throughput targets soft at 1e-4 per t and 1e-3 per TEU).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIAONING = ROOT / "instances" / "liaoning-2023.yaml"
PENALTIES = ("--target-penalty", "cargo_tons=0.0001", "--target-penalty", "container_teu=0.001")


def _run(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["berthplan", *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def _sample(tmp: Path, count: int) -> Path:
    out = tmp / f"u{count}.yaml"
    if not out.exists():
        _run("uncertainty", "sample", str(LIAONING), "--scenarios", str(count), "--seed", "1",
             *PENALTIES, "--out", str(out))  # fmt: skip
    return out


def two_stage(tmp: Path, count: int, repeats: int) -> dict[str, object]:
    unc = _sample(tmp, count)
    times = []
    for r in range(repeats):
        out = tmp / f"two-{count}-{r}"
        times.append(_run("solve", str(LIAONING), "--uncertainty", str(unc), "--commit-years",
                          "2", "--out", str(out)))  # fmt: skip
    record = json.loads((tmp / f"two-{count}-0" / "solve.json").read_text(encoding="utf-8"))
    two = record["two_stage"]
    return {"case": "two-stage", "scenarios": count, "median_s": statistics.median(times),
            "variables": two["variables"], "vss": two["vss"], "evpi": two["evpi"]}  # fmt: skip


def evaluate(tmp: Path, count: int, commit_years: int | None) -> dict[str, object]:
    unc = _sample(tmp, count)
    plan = tmp / "plan"
    if not plan.exists():
        _run("solve", str(LIAONING), "--out", str(plan))
    out = tmp / f"ev-{count}-{commit_years}"
    extra = ["--commit-years", str(commit_years)] if commit_years else []
    seconds = _run("evaluate", str(LIAONING), str(plan), "--uncertainty", str(unc), "--out",
                   str(out), "--no-progress", *extra)  # fmt: skip
    return {"case": "evaluate", "scenarios": count, "commit_years": commit_years,
            "wall_s": seconds, "per_scenario_ms": 1000 * seconds / count}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="3,10,30")
    parser.add_argument("--evaluate", type=int, default=1000)
    parser.add_argument("--recourse", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="berthplan-bench-") as name:
        tmp = Path(name)
        for count in (int(c) for c in args.scenarios.split(",")):
            rows.append(two_stage(tmp, count, args.repeats))
            print(json.dumps(rows[-1]), flush=True)
        for count, years in ((args.evaluate, None), (args.recourse, 2)):
            rows.append(evaluate(tmp, count, years))
            print(json.dumps(rows[-1]), flush=True)
    print("\n| case | scenarios | wall s | notes |\n|---|---|---|---|", file=sys.stdout)
    for r in rows:
        if r["case"] == "two-stage":
            note = f"{r['variables']:,} variables; VSS {r['vss']:,.1f}, EVPI {r['evpi']:,.1f}"
            print(
                f"| two-stage, 2 years committed | {r['scenarios']} | {r['median_s']:.1f} | {note} |"
            )
        else:
            what = "all decisions fixed" if r["commit_years"] is None else "recourse from 2025"
            note = f"{r['per_scenario_ms']:.0f} ms per scenario"
            print(f"| evaluate, {what} | {r['scenarios']} | {r['wall_s']:.1f} | {note} |")


if __name__ == "__main__":
    main()

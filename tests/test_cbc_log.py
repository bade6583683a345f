"""CBC's progress read from its log (berthplan.backends.cbc_log), and read while CBC runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from berthplan.backends import get
from berthplan.backends import pulp as pulp_backend
from berthplan.backends.base import Progress, Throttle
from berthplan.backends.cbc_log import CbcFeed, CbcLog
from berthplan.backends.start import Start
from berthplan.model.io import load
from berthplan.optimization.profiles import Profile
from berthplan.optimization.solve import solve

BENCH = Path(__file__).parent.parent / "instances" / "bench"

# CBC 2.10's log of small-0 (pulp:cbc, gap 0), the lines that matter and a few that do not
LOG = """\
Command line - cbc /tmp/x-pulp.mps -ratio 0.0 -threads 1 -solve -printingOptions all
Continuous objective value is -42330.6 - 0.00 seconds
Cbc0038I Initial state - 7 integers unsatisfied sum - 1.21778
Cbc0010I After 0 nodes, 1 on tree, 1e+50 best solution, best possible -4.2e+04 (0.01 seconds)
Cbc0038I Pass   1: suminf.    0.05556 (1) obj. -39851.8 iterations 27
Cbc0038I Mini branch and bound improved solution from 1.79769e+308 to -39601.1 (0.02 seconds)
Cbc0012I Integer solution of -39601.073 found by feasibility pump after 0 iterations and 0 nodes (0.03 seconds)
Cbc0012I Integer solution of -39603.259 found by DiveCoefficient after 1881 iterations and 0 nodes (0.21 seconds)
Cbc0013I At root node, 13 cuts changed objective from -40361.656 to -39857.369 in 100 passes
Cbc0010I After 0 nodes, 1 on tree, -39603.259 best solution, best possible -39857.369 (0.22 seconds)
Cbc0004I Integer solution of -39610.525 found after 2052 iterations and 1 nodes (0.23 seconds)
Cbc0001I Search completed - best objective -39610.8986900291, took 2107 iterations and 4 nodes (0.24 seconds)
Objective value:                -39610.89869003
"""

ROWS = [
    (0.0, None, -42330.6),
    (0.01, None, -42000.0),  # 1e+50: no plan yet
    (0.03, -39601.073, None),
    (0.21, -39603.259, None),
    (0.21, None, -39857.369),  # the root's bound after cuts, at the last time CBC printed
    (0.22, -39603.259, -39857.369),
    (0.23, -39610.525, None),
    (0.24, -39610.8986900291, None),
]


def test_the_log_gives_its_plans_and_bounds_in_order() -> None:
    assert CbcLog().feed(LOG) == ROWS


@pytest.mark.parametrize("size", [1, 7, 64])
def test_the_log_in_pieces_gives_the_same_rows(size: int) -> None:
    log = CbcLog()
    rows = [row for i in range(0, len(LOG), size) for row in log.feed(LOG[i : i + size])]
    assert rows == ROWS


def test_a_line_waits_for_its_end() -> None:
    log = CbcLog()
    assert log.feed("Cbc0012I Integer solution of -5 found by x after 1 iterations and 0 nod") == []
    assert log.feed("es (2.5 seconds)\n") == [(2.5, -5.0, None)]


def test_the_feed_reports_the_plans_cost_with_the_offset_and_the_start() -> None:
    seen: list[Progress] = []
    feed = CbcFeed(
        Throttle(seen.append, interval=0.0, burst=0.0), Start(None, None, None), 61456.92
    )
    feed(LOG)
    assert [p.incumbent for p in seen] == [
        None if plan is None else pytest.approx(plan + 61456.92, abs=1e-9) for _, plan, _ in ROWS
    ]
    assert seen[0].bound == pytest.approx(-42330.6 + 61456.92, abs=1e-9)
    # a start better than CBC's plans is the incumbent from the first row on
    seen.clear()
    start = CbcFeed(
        Throttle(seen.append, interval=0.0, burst=0.0), Start(None, 20_000.0, None), 0.0
    )
    start(LOG)
    assert {p.incumbent for p in seen} == {
        -39610.8986900291,
        -39610.525,
        -39603.259,
        -39601.073,
        20_000.0,
    }


def _cbc() -> None:
    if not get("pulp:cbc").available()[0]:
        pytest.skip("pulp:cbc is not installed")


def test_cbc_reports_plans_and_bounds_that_end_at_the_plan() -> None:
    _cbc()
    seen: list[Progress] = []
    quiet = Profile(backend="pulp:cbc", verbose=False, heuristic="off")
    plan = solve(load(BENCH / "small-0.yaml"), quiet, gap=0.0, time_limit=60, progress=seen.append)
    assert plan.objective == pytest.approx(21846.023098, rel=1e-9)  # the optimum
    plans = [p.incumbent for p in seen if p.incumbent is not None]
    assert plans and plans == sorted(plans, reverse=True)
    assert plans[-1] >= plan.objective * (1 - 1e-7)  # CBC prints 8 significant digits
    bounds = [p.bound for p in seen if p.bound is not None]
    assert bounds and max(bounds) <= plan.objective * (1 + 1e-7)
    assert bounds[0] == pytest.approx(19126.3, abs=0.05)  # the LP relaxation (19,126.299)


@pytest.mark.parametrize("stdbuf", [True, False])
def test_cbc_reports_while_it_runs(stdbuf: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # CBC's log is a file, which C stdio fills 4 KB at a time: through stdbuf -oL each line
    # arrives when written, so the lag of a report behind CBC's own clock stays flat; without
    # stdbuf (the fallback) the reports still come, a block at a time
    _cbc()
    if not stdbuf:
        monkeypatch.setattr(pulp_backend, "_stdbuf", lambda: None)
    elif pulp_backend._stdbuf() is None:
        pytest.skip("no stdbuf on this machine")
    lags: list[float] = []
    t0 = time.perf_counter()

    def seen(p: Progress) -> None:
        lags.append(time.perf_counter() - t0 - p.elapsed)

    quiet = Profile(backend="pulp:cbc", verbose=False, heuristic="off")
    plan = solve(load(BENCH / "medium-0.yaml"), quiet, gap=0.0, time_limit=8, progress=seen)
    assert plan.objective is not None
    assert len(lags) >= 3
    if stdbuf:
        # measured 0.3-0.5 s throughout; a block at a time lags up to 12 s (medium-0)
        assert max(lags) - min(lags) < 4.0, lags

"""The heuristics beside the full solve (berthplan.optimization.alongside) and what it rests
on: HiGHS taking plans mid-solve (Options.feed), log captures that overlap across threads,
and stop hooks addressed to one thread.

The path (a profile's ``heuristic = "beside"``) runs here on the small rungs, whose proven
optima are known (instances/bench/README.md).
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from berthplan.backends import Options, Result, Status, get
from berthplan.backends.guard import request_stop, stoppable
from berthplan.backends.logtail import captured_stdout
from berthplan.backends.start import feasible, objective
from berthplan.model.io import load
from berthplan.optimization import alongside, primal
from berthplan.optimization.formulation import build
from berthplan.optimization.profiles import Profile
from berthplan.optimization.solve import solve
from berthplan.optimization.sparse import Arrays

BENCH = Path(__file__).parents[1] / "instances" / "bench"
OPTIMA = {"small-0": 21_846.023098, "small-1": 14_963.260864, "small-2": 16_414.448623}


class _Feed:
    """Hands each of ``plans`` once, in order; counts the solver's queries."""

    def __init__(self, *plans: NDArray[np.float64]) -> None:
        self.plans, self.queries = list(plans), 0

    def take(self) -> NDArray[np.float64] | None:
        self.queries += 1
        return self.plans.pop(0) if self.plans else None


def _optimum(arrays: Arrays) -> Result:
    result = get("highs").solve(arrays, Options())
    assert result.status == Status.OPTIMAL and result.x is not None
    return result


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_beside_the_full_solve_the_proven_optimum_is_the_same(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alongside, "_cores", lambda: 2)
    taken: list[bool] = []
    real = alongside.solve

    def spied(*args: Any) -> Any:
        taken.append(True)
        return real(*args)

    monkeypatch.setattr(alongside, "solve", spied)
    profile = Profile(backend="highs", heuristic="beside", verbose=False)
    instance = load(BENCH / f"{name}.yaml")
    plan = solve(instance, profile, time_limit=300, gap=0.0, threads=2)  # checked inside
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(OPTIMA[name], rel=1e-8)
    assert plan.info.best_bound is not None
    # never above the proven optimum: small-0 is where HiGHS's setSolution once reported
    # an objective below it (issue 11); a fed plan must not do the same
    assert plan.info.best_bound <= OPTIMA[name] * (1 + 1e-8)
    assert plan.info.best_bound <= plan.objective * (1 + 1e-9)
    assert taken == [True]  # (the full solve may prove the optimum before any plan comes)


def test_the_path_is_taken_only_when_asked_with_a_time_limit_and_two_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    highs = get("highs")
    limited = Options(time_limit=60)
    monkeypatch.setattr(alongside, "_cores", lambda: 2)
    assert alongside.wanted("beside", arrays, highs, limited) is True
    for mode in ("auto", "on", "off"):
        assert alongside.wanted(mode, arrays, highs, limited) is False
    assert alongside.wanted("beside", arrays, highs, Options()) is False  # no time limit
    assert alongside.wanted("beside", arrays, highs, replace(limited, threads=1)) is False
    assert alongside.wanted("beside", arrays, highs, replace(limited, threads=2)) is True
    assert alongside.wanted("beside", arrays, get("ortools:scip"), limited) is False  # no feed
    monkeypatch.setattr(alongside, "_cores", lambda: 1)
    assert alongside.wanted("beside", arrays, highs, limited) is False
    # where it cannot run beside, "beside" is "on": the heuristics run first
    assert primal.wanted("beside", arrays, highs) is True


def test_highs_takes_a_fed_plan_as_its_incumbent() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    found = primal.rens(get("highs"), arrays, Options())  # a plan 0.05 % above the optimum
    assert found is not None and found.objective > OPTIMA["small-0"] * (1 + 1e-4)
    feed = _Feed(found.x)
    got = get("highs").solve(arrays, Options(prove=True, feed=feed, verbose=True))
    assert feed.queries >= 1
    # HiGHS's log marks a user solution "X"; its first incumbent is the fed plan
    rows = [line.split() for line in got.log.splitlines() if line.strip().startswith("X ")]
    assert rows, "HiGHS never took the fed plan"
    values = [float(t) for t in rows[0] if t.replace(".", "", 1).isdigit()]
    assert any(v == pytest.approx(found.objective, rel=1e-9) for v in values)
    assert got.status == Status.OPTIMAL and got.objective is not None
    assert got.objective == pytest.approx(OPTIMA["small-0"], rel=1e-8)


def test_highs_ignores_a_fed_vector_that_is_not_a_plan() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    wrong = np.full(len(arrays.c), 0.5)  # fractional starts, rows broken
    assert not feasible(arrays, wrong)
    got = get("highs").solve(arrays, Options(feed=_Feed(wrong)))
    assert got.status == Status.OPTIMAL and got.objective is not None
    assert got.objective == pytest.approx(OPTIMA["small-0"], rel=1e-8)


def _shared_with(arrays: Arrays, x: NDArray[np.float64], lp_bound: float) -> alongside.Shared:
    shared = alongside.Shared(None)
    shared.offer(primal.Incumbent(x, objective(arrays, x), lp_bound, 1.0))
    return shared


def test_merged_keeps_the_better_plan_and_the_higher_true_bound() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    best = _optimum(arrays)
    assert best.x is not None and best.objective is not None
    worse = primal.rens(get("highs"), arrays, Options())
    assert worse is not None and worse.objective > best.objective
    # the full solve's plan is the worse one, its bound trivial; the heuristics' is the best
    full = Result(Status.FEASIBLE, worse.x, worse.objective, -1e7, None, message="time limit")
    shared = _shared_with(arrays, best.x, worse.lp_bound)
    got = alongside.merged(full, arrays, shared, 0.01)
    assert got.x is best.x and got.objective == pytest.approx(best.objective)
    assert got.bound == pytest.approx(worse.lp_bound)  # the relaxation's, not -1e7
    assert got.status == Status.FEASIBLE  # 12 % from the LP bound: not within 1 %
    assert "heuristics' plan kept" in got.message
    # the other way round: the full solve's plan is the better one and its bound proves it
    full = Result(Status.OPTIMAL, best.x, best.objective, best.objective, 0.0)
    got = alongside.merged(full, arrays, _shared_with(arrays, worse.x, worse.lp_bound), 0.0)
    assert got.status == Status.OPTIMAL and got.x is best.x
    assert got.gap == pytest.approx(0.0, abs=1e-12)  # the objective recomputed: an ulp apart


def test_merged_never_takes_an_unchecked_plan_or_a_bound_above_the_plan() -> None:
    arrays = build(load(BENCH / "small-0.yaml")).model.arrays()
    best = _optimum(arrays)
    assert best.x is not None and best.objective is not None
    bogus = np.zeros(len(arrays.c))
    assert not feasible(arrays, bogus)
    full = Result(Status.OPTIMAL, bogus, 0.0, 0.0, 0.0)  # a solver's plan that breaks rows
    shared = _shared_with(arrays, best.x, best.objective + 500.0)  # a bound above the plan
    got = alongside.merged(full, arrays, shared, 0.0)
    assert got.x is best.x
    assert got.bound is not None and got.bound <= got.objective  # type: ignore[operator]
    # nothing from either: the full solve's result as it is
    empty = Result(Status.NO_SOLUTION, message="time limit")
    assert alongside.merged(empty, arrays, alongside.Shared(None), 0.0) is empty


class _InterruptedFullSolve:
    """HiGHS for the heuristics; the full solve is Ctrl-C'd once the feed has a plan."""

    name = "highs"

    def __init__(self) -> None:
        self.inner = get("highs")
        self.capabilities = self.inner.capabilities

    def available(self) -> tuple[bool, str]:
        return self.inner.available()

    def version(self) -> str:
        return self.inner.version()

    def solve(self, model: Arrays, options: Options) -> Result:
        if options.feed is None:
            return self.inner.solve(model, options)
        for _ in range(6000):  # the heuristics' first plan, within 60 s
            if options.feed.take() is not None:
                raise KeyboardInterrupt
            threading.Event().wait(0.01)
        raise AssertionError("the heuristics handed no plan")


def test_ctrl_c_of_the_full_solve_keeps_the_heuristics_plan() -> None:
    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()
    backend = _InterruptedFullSolve()
    result, seconds = alongside.solve(built, backend, arrays, Options(time_limit=120))
    assert result.interrupted and result.status == Status.FEASIBLE
    assert result.x is not None and feasible(arrays, result.x)
    assert seconds is not None
    assert result.bound is not None and result.bound <= OPTIMA["small-0"]


def test_ctrl_c_with_no_plan_anywhere_is_a_keyboard_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()
    monkeypatch.setattr(primal, "first", lambda *a, **k: None)  # the heuristics find nothing

    class _Interrupted(_InterruptedFullSolve):
        def solve(self, model: Arrays, options: Options) -> Result:
            if options.feed is not None:
                raise KeyboardInterrupt
            return self.inner.solve(model, options)

    with pytest.raises(KeyboardInterrupt):
        alongside.solve(built, _Interrupted(), arrays, Options(time_limit=60))


def test_an_error_in_the_heuristics_thread_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    built = build(load(BENCH / "small-0.yaml"))
    arrays = built.model.arrays()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("heuristics broke")

    monkeypatch.setattr(primal, "first", broken)
    with pytest.raises(RuntimeError, match="heuristics broke"):
        alongside.solve(built, get("highs"), arrays, Options(time_limit=60))


def test_overlapping_captures_in_two_threads_give_descriptor_1_back() -> None:
    before = os.fstat(1)
    first_open, second_open, first_closed = (threading.Event() for _ in range(3))
    texts: dict[str, str] = {}

    def second() -> None:
        first_open.wait(10)
        with captured_stdout() as out:
            second_open.set()
            first_closed.wait(10)
            os.write(1, b"after the first closed\n")
        texts["second"] = out[0]

    thread = threading.Thread(target=second)
    thread.start()
    with captured_stdout() as out:
        os.write(1, b"first\n")
        first_open.set()
        second_open.wait(10)
        os.write(1, b"both open\n")
    first_closed.set()
    thread.join(10)
    texts["first"] = out[0]
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    assert texts["first"] == "first\nboth open\n"
    assert texts["second"] == "both open\nafter the first closed\n"


def test_a_stop_addressed_to_one_thread_reaches_only_its_hooks() -> None:
    called: list[str] = []
    registered, release = threading.Event(), threading.Event()

    def other() -> None:
        with stoppable(lambda hard: called.append("other")):
            registered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    registered.wait(10)
    with stoppable(lambda hard: called.append("mine")):
        assert thread.ident is not None
        request_stop(thread=thread.ident)
        assert called == ["other"]
        request_stop()
        assert sorted(called) == ["mine", "other", "other"]
    release.set()
    thread.join(10)

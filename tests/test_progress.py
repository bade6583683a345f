"""The live status line: the solver's incumbent, bound, gap and time, never in the outputs.

HiGHS reports through its MIP callbacks; :class:`berthplan.backends.base.Throttle` forwards a
few records a second; the command line draws them with rich on a terminal and as throttled
plain lines elsewhere (here: click's runner, whose stderr is not a terminal).
"""

from __future__ import annotations

import io
import re
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from berthplan.backends.base import Progress, Throttle
from berthplan.cli import main, progress
from berthplan.generator.generate import construct

LINE = re.compile(
    r"^solving: (?:incumbent (?P<inc>[\d,]+\.\d+)|no plan yet)  bound (?P<bound>[\d,.]+|-)"
    r"(?:  gap (?P<gap>\d+\.\d\d)%)?  (?P<t>\d+\.\d) s$"
)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated medium instance: HiGHS needs several seconds and improves its plan."""
    path = tmp_path_factory.mktemp("progress") / "medium.yaml"
    path.write_text(construct("medium", 2).text("yaml"), encoding="utf-8")
    return path


def _number(text: str | None) -> float | None:
    return None if text in (None, "-") else float(str(text).replace(",", ""))


def test_throttle_forwards_improvements_at_once_and_the_rest_a_few_times_a_second() -> None:
    seen: list[Progress] = []
    t = Throttle(seen.append, interval=0.25, burst=0.05)
    t(0.00, float("inf"), float("-inf"))  # HiGHS before any plan: no numbers, not infinities
    t(0.10, None, 5.0)  # too soon, nothing new
    t(0.12, 100.0, 90.0)  # a first plan: at once
    t(0.13, 99.0, 90.0)  # better, but within the burst window
    t(0.20, 98.0, 90.0)  # better: forwarded
    t(0.30, 98.0, 91.0)  # same plan, too soon
    t(0.46, 98.0, 92.0)  # same plan, after the interval
    assert [(p.elapsed, p.incumbent, p.bound) for p in seen] == [
        (0.00, None, None),
        (0.12, 100.0, 90.0),
        (0.20, 98.0, 90.0),
        (0.46, 98.0, 92.0),
    ]
    assert seen[1].gap == pytest.approx(0.1) and seen[0].gap is None


def test_a_failing_callback_never_reaches_the_solver() -> None:
    def boom(p: Progress) -> None:
        raise RuntimeError("drawing failed")

    Throttle(boom)(1.0, 2.0, 1.0)  # no exception


def test_highs_reports_incumbents_that_end_at_the_plans_cost(medium: Path) -> None:
    from berthplan.model.io import load
    from berthplan.optimization.solve import solve

    seen: list[Progress] = []
    plan = solve(load(medium), "highs", gap=1e-3, progress=seen.append)
    plans = [p for p in seen if p.incumbent is not None]
    assert len(plans) >= 2, seen
    cost = plan.info.solver_objective
    assert cost is not None and cost == pytest.approx(plan.objective, rel=1e-9)
    for p in plans:  # the offset applied: incumbents are plans' costs, never below the final one
        assert p.incumbent is not None and p.incumbent >= cost * (1 - 1e-9)
        # (the chain had cost * (1 + 1e-9) <= incumbent * (1 + 1e-9): no tolerance at all, and
        # an incumbent one ulp below the plan's recomputed cost failed it, highspy 1.12)
        assert p.bound is None or p.bound <= cost * (1 + 1e-9)
        assert p.gap is None or p.gap >= 0
    assert min(p.incumbent for p in plans if p.incumbent is not None) <= cost * (1 + 2e-3)
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)


BENCH = Path(__file__).parent.parent / "instances" / "bench"


@pytest.mark.parametrize(
    ("backend", "rel"),
    [
        ("ortools:scip", 1e-6),  # read from SCIP's log: 7 significant digits
        ("ortools:cpsat", 1e-9),  # the model's own objective at each CP-SAT solution
    ],
)
def test_other_backends_report_plans_and_bounds(backend: str, rel: float) -> None:
    from berthplan.backends import get
    from berthplan.model.io import load
    from berthplan.optimization.profiles import Profile
    from berthplan.optimization.solve import solve

    if not get(backend).available()[0]:
        pytest.skip(f"{backend} is not installed")
    seen: list[Progress] = []
    quiet = Profile(backend=backend, verbose=False, heuristic="off")
    plan = solve(load(BENCH / "small-0.yaml"), quiet, gap=0.0, time_limit=60, progress=seen.append)
    assert plan.objective == pytest.approx(
        21846.023098, rel=1e-6
    )  # the optimum (CP-SAT: its grid's)
    assert plan.info.log == ""  # a log read for progress alone is not kept without verbose
    plans = [p.incumbent for p in seen if p.incumbent is not None]
    assert plans, seen
    assert plans == sorted(plans, reverse=True)
    assert plans[-1] >= plan.objective * (1 - rel)
    for p in seen:
        assert p.bound is None or p.bound <= plan.objective * (1 + rel)
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)


def _solve(medium: Path, out: Path) -> Any:
    args = ["solve", str(medium), "--out", str(out), "--gap", "1e-3", "--threads", "1"]
    return CliRunner().invoke(main, args)


def test_solve_prints_plain_progress_lines_and_outputs_stay_the_same(
    medium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _solve(medium, tmp_path / "shown")
    assert shown.exit_code == 0, shown.output
    lines = [m for m in map(LINE.match, shown.stderr.splitlines()) if m]
    with_plan = [m for m in lines if m["inc"]]
    assert with_plan, shown.stderr
    for m in with_plan:
        incumbent, bound = _number(m["inc"]), _number(m["bound"])
        assert incumbent is not None and (bound is None or incumbent >= bound)
        assert m["gap"] is None or float(m["gap"]) >= 0
    seconds = [float(m["t"]) for m in lines]
    assert seconds == sorted(seconds)
    assert "solving:" not in shown.stdout  # progress never on stdout
    # the same solve without any progress: the same stdout (but the time) and the same files
    monkeypatch.setattr("berthplan.cli.solving.solver_status", lambda *a: nullcontext())
    hidden = _solve(medium, tmp_path / "hidden")
    assert hidden.exit_code == 0, hidden.output
    assert "solving:" not in hidden.stderr

    def timeless(text: str) -> str:
        return re.sub(r"time: [\d.]+ s", "time: ?", text.replace("hidden", "shown"))

    assert timeless(hidden.stdout) == timeless(shown.stdout)
    names = sorted(p.name for p in (tmp_path / "shown").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "hidden").iterdir())
    for name in names:
        if name.endswith(".csv"):
            assert (tmp_path / "shown" / name).read_bytes() == (
                tmp_path / "hidden" / name
            ).read_bytes(), name


def test_quiet_shows_no_progress(tmp_path: Path) -> None:
    example = Path(__file__).parent.parent / "instances" / "example.yaml"
    result = CliRunner().invoke(main, ["solve", str(example), "--out", str(tmp_path / "p"), "-q"])
    assert result.exit_code == 0 and result.stderr == ""


def test_plain_lines_are_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    printed: list[str] = []
    status = progress.SolverStatus("solving", clock=lambda: clock[0])
    monkeypatch.setattr(progress.log, "info", lambda fmt, text: printed.append(text))
    for t, incumbent in [(0.2, None), (0.5, 10.0), (0.9, 9.0), (1.6, 8.0), (2.0, 8.0),
                         (6.0, 8.0), (6.7, 8.0), (11.75, 8.0)]:  # fmt: skip
        clock[0] = t
        status(Progress(t, incumbent, 5.0, None))
    # the first record, then a better plan at most once a second, else once every 5 s
    assert [float(p.rsplit(" ", 2)[1]) for p in printed] == [0.2, 1.6, 6.7, 11.8]
    assert "incumbent 8.000" in printed[1] and "no plan yet" in printed[0]


def test_on_a_terminal_rich_draws_the_line_in_place(
    medium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(progress, "_terminal", lambda: console)
    result = _solve(medium, tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert not [line for line in result.stderr.splitlines() if LINE.match(line)]
    drawn = screen.getvalue()
    assert "solving: " in drawn and "incumbent " in drawn
    assert "\x1b[" in drawn  # redrawn in place (cursor control), not appended
    # a spinner while loading, from the start; log lines print above the live line, through
    # its console; the result stays on stdout
    assert f"loading {medium}  0." in drawn.split("\r", 1)[0]  # the first frame drawn
    assert result.stderr.startswith(f"loaded {medium} in ")  # once the spinner is gone
    assert "model: 4,506 rows" in drawn and "model: " not in result.stderr
    assert "status: optimal" in result.stdout and "status: optimal" not in drawn


def test_on_a_terminal_the_frontiers_steps_stay_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(progress, "_terminal", lambda: console)
    example = Path(__file__).parent.parent / "instances" / "example.yaml"
    args = ["frontier", str(example), "--metric", "berths_10k", "--year", "2026"]
    args += ["--from", "9", "--to", "10", "--steps", "2", "--out", str(tmp_path / "f")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "baseline",
        "step 1",
        "step 2",
        "frontier written to " + str(tmp_path / "f" / "frontier.csv"),
    ]
    drawn = screen.getvalue()
    assert "frontier step 2/2: " in drawn and "step 1: target" not in drawn


SCRIPT = Path(sys.executable).with_name("berthplan")  # the console script pip installed


@pytest.mark.skipif(
    not SCRIPT.is_file() or not sys.platform.startswith("linux"), reason="a pty and the script"
)
def test_a_terminal_sees_a_sign_of_life_within_a_second(medium: Path, tmp_path: Path) -> None:
    import os
    import pty
    import select
    import subprocess
    import time

    main_fd, child_fd = pty.openpty()
    started = time.monotonic()
    args = [str(SCRIPT), "solve", str(medium), "--out", str(tmp_path / "p"), "--gap", "0.05"]
    proc = subprocess.Popen(args, stdin=child_fd, stdout=child_fd, stderr=child_fd)
    os.close(child_fd)
    try:
        ready, _, _ = select.select([main_fd], [], [], 10)
        waited = time.monotonic() - started
        first = os.read(main_fd, 4096) if ready else b""
    finally:
        proc.kill()
        proc.wait()
        os.close(main_fd)
    assert ready, "nothing on the terminal within 10 s"
    assert waited < 1.0, (waited, first)  # measured 0.23-0.30 s at a load average of 14
    assert first  # the spinner's first frame (or its cursor control)

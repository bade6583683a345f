"""``-q/--quiet`` and ``-v/--verbose`` on every command, backed by the standard logging module.

The library logs to ``berthplan.<module>`` loggers and configures nothing; the command line
installs one stderr handler per command and restores the caller's logging afterwards.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from berthplan.cli import main

EXAMPLE = Path(__file__).parent.parent / "instances" / "example.yaml"


def commands(group: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", commands(main), ids=lambda p: " ".join(p) or "berthplan")
def test_every_command_takes_quiet_and_verbose(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "-q, --quiet" in result.stdout
    assert "-v, --verbose" in result.stdout


def solve(tmp_path: Path, *args: str, before: tuple[str, ...] = ()) -> click.testing.Result:
    out = tmp_path / "plan"
    return CliRunner().invoke(main, [*before, "solve", str(EXAMPLE), "--out", str(out), *args])


def test_default_prints_the_phases_on_stderr(tmp_path: Path) -> None:
    result = solve(tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert re.fullmatch(rf"loaded {re.escape(str(EXAMPLE))} in \d+\.\d\d s", lines[0]), lines
    assert "model: 73 rows, 64 columns (19 binary), 180 nonzeros" in result.stderr
    assert "solving with highs" in lines and "highs: optimal in" in result.stderr
    assert "debug:" not in result.stderr
    assert "loading" not in result.stdout and "status: optimal" in result.stdout


@pytest.mark.parametrize("before", [(), ("-v",)])
def test_verbose_adds_timed_debug_lines(tmp_path: Path, before: tuple[str, ...]) -> None:
    result = solve(tmp_path, *([] if before else ["--verbose"]), before=before)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines and all(re.match(r"\[ *\d+\.\d\d s\] ", line) for line in lines), lines
    assert any("debug: plan recomputed and checked in" in line for line in lines)
    assert any("debug: plan folder written in" in line for line in lines)
    times = [float(line[1:].split(" s]")[0]) for line in lines]
    assert times == sorted(times)


@pytest.mark.parametrize(("args", "before"), [(("-q",), ()), ((), ("--quiet",))])
def test_quiet_keeps_solve_to_its_status_line(
    tmp_path: Path, args: tuple[str, ...], before: tuple[str, ...]
) -> None:
    result = solve(tmp_path, *args, before=before)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "example-two-ports: optimal, total discounted cost 16,957.327 CNY million",
        f"plan written to {tmp_path / 'plan'}",
    ]


def test_the_option_after_the_command_wins(tmp_path: Path) -> None:
    result = solve(tmp_path, "-q", before=("-v",))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_commands_that_do_not_solve_stay_silent() -> None:
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_an_input_error_is_the_first_line(tmp_path: Path) -> None:
    # nothing about loading is printed before the input is known to be good
    result = solve(tmp_path, "--set", "projects[nosuch].capex=1")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_errors_still_reach_stderr_when_quiet(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["solve", str(tmp_path / "none.yaml"), "--out", "x", "-q"])
    assert result.exit_code == 2
    assert "none.yaml" in result.stderr


def test_the_callers_logging_is_restored(tmp_path: Path) -> None:
    logger = logging.getLogger("berthplan")
    before = (logger.level, logger.propagate, list(logger.handlers))
    assert solve(tmp_path, "-v").exit_code == 0
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


def test_the_library_logs_without_configuring_logging(caplog: pytest.LogCaptureFixture) -> None:
    from berthplan.model.io import load
    from berthplan.optimization.solve import solve as run

    assert logging.getLogger("berthplan").handlers == []
    with caplog.at_level(logging.DEBUG, logger="berthplan"):
        plan = run(load(EXAMPLE))
    assert plan.status == "optimal"
    names = {r.name for r in caplog.records}
    assert names == {"berthplan.optimization.solve"}
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("model: 73 rows") for m in messages)
    assert logging.getLogger("berthplan").handlers == []


def test_a_library_user_sees_info_only_when_asked(tmp_path: Path) -> None:
    # Python's default (no handler): warnings only, so a script's stderr stays clean
    code = (
        "from berthplan.model.io import load\n"
        "from berthplan.optimization.solve import solve\n"
        f"solve(load({str(EXAMPLE)!r}))\n"
    )
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert quiet.returncode == 0, quiet.stderr
    assert "model:" not in quiet.stderr
    configured = "import logging\nlogging.basicConfig(level=logging.INFO)\n" + code
    loud = subprocess.run([sys.executable, "-c", configured], capture_output=True, text=True)
    assert loud.returncode == 0, loud.stderr
    assert "INFO:berthplan.optimization.solve:model: 73 rows" in loud.stderr


SCRIPT = Path(sys.executable).with_name("berthplan")  # the console script pip installed


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the berthplan script is not installed here")
def test_shell_completion_script_is_produced() -> None:
    env = {**os.environ, "_BERTHPLAN_COMPLETE": "bash_source"}
    run = subprocess.run([SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "_berthplan_completion()" in run.stdout
    assert "complete -o nosort -F _berthplan_completion berthplan" in run.stdout
    # ... and it completes: the commands, then a command's options (ours included)
    env = {**os.environ, "_BERTHPLAN_COMPLETE": "bash_complete", "COMP_CWORD": "1"}
    words = subprocess.run(
        [SCRIPT], env={**env, "COMP_WORDS": "berthplan so"}, capture_output=True, text=True
    )
    assert "plain,solve" in words.stdout.splitlines() and "plain,solvers" in words.stdout
    env |= {"COMP_WORDS": "berthplan solve --ver", "COMP_CWORD": "2"}
    options = subprocess.run([SCRIPT], env=env, capture_output=True, text=True)
    assert "plain,--verbose" in options.stdout.splitlines()


@pytest.mark.parametrize("flag", [[], ["-v"]])
def test_frontier_keeps_each_solves_phases_for_verbose(tmp_path: Path, flag: list[str]) -> None:
    args = ["frontier", str(EXAMPLE), "--metric", "berths_10k", "--year", "2026"]
    args += ["--from", "9", "--to", "10", "--steps", "2", "--out", str(tmp_path / "f"), *flag]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "frontier step 2/2: target 10" in result.stderr
    assert ("building the model" in result.stderr) == bool(flag)
    assert logging.getLogger("berthplan.optimization.solve").level == logging.NOTSET


def test_quiet_frontier_prints_its_steps_and_nothing_on_stderr(tmp_path: Path) -> None:
    args = ["frontier", str(EXAMPLE), "--metric", "berths_10k", "--year", "2026", "-q"]
    args += ["--from", "9", "--to", "10", "--steps", "2", "--out", str(tmp_path / "f")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "step 2: target 10  optimal" in result.stdout

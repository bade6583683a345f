"""The paths around a solve: its limits, solver profiles, `berthplan solvers`, and an instance
that no relaxation of targets makes feasible (structural infeasibility, exit 3).

The limits (--time-limit, --gap, --threads) are checked where they arrive: a recording backend
wraps HiGHS and keeps the options it was handed, and solve.json must record the same ones.
"""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

import berthplan
from berthplan import backends
from berthplan.backends.base import Options
from berthplan.backends.base import Result as SolverResult
from berthplan.cli import main
from berthplan.optimization.profiles import resolve, shipped
from berthplan.optimization.solve import InfeasibleError
from berthplan.optimization.sparse import Arrays

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny" / "01-in-service.yaml"  # optimum 110 (see its header)
PROFILES = Path(berthplan.__file__).parent / "solvers"


def solve_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["solve", *args], catch_exceptions=True)


def record(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "solve.json").read_text(encoding="utf-8"))
    return data


class Recording:
    """HiGHS, keeping the options of every solve it is asked for."""

    seen: ClassVar[list[Options]] = []

    def __init__(self) -> None:
        self.inner = backends.factory("highs")()
        self.name = "recording"
        self.capabilities = self.inner.capabilities

    def available(self) -> tuple[bool, str]:
        return True, ""

    def version(self) -> str:
        return "recording 0"

    def solve(self, model: Arrays, options: Options) -> SolverResult:
        Recording.seen.append(options)
        return self.inner.solve(model, options)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[Options]:
    Recording.seen = []
    monkeypatch.setitem(backends.REGISTRY, "recording", Recording)
    return Recording.seen


# -- --time-limit, --gap, --threads --------------------------------------------------------------


def test_limits_reach_the_backend_and_solve_json(recording: list[Options], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    flags = ["--time-limit", "30", "--gap", "0.05", "--threads", "1"]
    result = solve_cli(str(TINY), "--out", str(out), "--solver", "recording", *flags)
    assert result.exit_code == 0, result.output
    assert len(recording) == 1
    seen = recording[0]
    assert (seen.gap, seen.threads) == (0.05, 1)
    # --time-limit is the whole command's budget: the solver gets what loading and building
    # left of it (docs/reliability.md), less than the 30 s asked, far more than nothing
    assert seen.time_limit is not None and 20.0 < seen.time_limit < 30.0
    options = record(out)["options"]
    assert (options["time_limit"], options["gap"], options["threads"]) == (30.0, 0.05, 1)
    assert record(out)["objective"] == pytest.approx(110.0, rel=1e-9)


def test_without_limits_a_proven_optimum_is_asked(recording: list[Options], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = solve_cli(str(TINY), "--out", str(out), "--solver", "recording")
    assert result.exit_code == 0, result.output
    (seen,) = recording
    assert (seen.time_limit, seen.gap, seen.threads) == (None, 0.0, None)
    assert record(out)["options"]["gap"] == 0.0
    assert record(out)["status"] == "optimal"


def test_after_the_heuristic_the_full_solve_seeks_the_bound(
    recording: list[Options], tmp_path: Path
) -> None:
    # small-0 with the heuristic forced on: the LP, the restricted MIP and the local search
    # seek plans; the full solve, handed the plan as start and cutoff, is told to prove
    profile = tmp_path / "p.toml"
    profile.write_text('backend = "recording"\nheuristic = "on"\n')
    bench = Path(__file__).parents[1] / "instances" / "bench" / "small-0.yaml"
    out = tmp_path / "plan"
    result = solve_cli(str(bench), "--out", str(out), "--solver", str(profile))
    assert result.exit_code == 0, result.output
    assert len(recording) >= 3
    *before, full = recording
    assert full.prove and full.cutoff is not None and full.start is not None
    assert not any(o.prove for o in before)
    assert record(out)["status"] == "optimal"
    assert record(out)["objective"] == pytest.approx(21_846.023098, rel=1e-8)


def test_prove_turns_off_highs_root_heuristics_and_extra_still_wins() -> None:
    import highspy

    from berthplan.backends.highs import PROVE, _set_options

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    _set_options(h, Options(prove=True, extra={"mip_heuristic_run_rins": True}), None)
    got = {key: h.getOptionValue(key)[1] for key in PROVE}
    assert got == PROVE | {"mip_heuristic_run_rins": True}
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    _set_options(h, Options(), None)
    defaults = {key: h.getOptionValue(key)[1] for key in PROVE}
    # HiGHS's defaults: every heuristic on, no presolve rule off (probing included)
    assert defaults == {key: 0 if key == "presolve_rule_off" else True for key in PROVE}


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--time-limit", "0", "0.0 is not in the range x>0"),
        ("--time-limit", "-1", "-1.0 is not in the range x>0"),
        ("--gap", "-0.1", "-0.1 is not in the range x>=0"),
        ("--threads", "0", "0 is not in the range"),  # 1 to the largest count
        ("--threads", "two", "'two' is not a valid integer"),
    ],
)
def test_out_of_range_limits_are_usage_errors(
    flag: str, value: str, message: str, tmp_path: Path
) -> None:
    result = solve_cli(str(TINY), "--out", str(tmp_path / "plan"), flag, value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{flag}'" in result.output
    assert message in result.output
    assert not (tmp_path / "plan").exists()


# -- solver profiles -------------------------------------------------------------------------------


def test_the_shipped_profiles_are_the_toml_files() -> None:
    assert sorted(shipped()) == ["cbc", "highs", "highs-fast"]
    for name, path in shipped().items():
        assert path.parent == PROFILES
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        profile = resolve(name) if name != "highs" else resolve(str(path))
        assert profile.backend == data["backend"]
        options = profile.options()
        for key in ("gap", "time_limit", "threads", "seed"):
            assert getattr(options, key) == data.get(key, getattr(Options(), key)), key


def test_a_profile_by_name_and_flags_over_it(recording: list[Options], tmp_path: Path) -> None:
    # highs-fast: gap 0.01, time_limit 60; --gap given on the command line wins.
    out = tmp_path / "fast"
    result = solve_cli(str(TINY), "--out", str(out), "--solver", "highs-fast", "--gap", "0")
    assert result.exit_code == 0, result.output
    options = record(out)["options"]
    assert (options["gap"], options["time_limit"]) == (0.0, 60.0)
    assert record(out)["backend"] == "highs"


def test_the_cbc_profile_solves_with_its_seed(tmp_path: Path) -> None:
    out = tmp_path / "cbc"
    result = solve_cli(str(TINY), "--out", str(out), "--solver", "cbc")
    assert result.exit_code == 0, result.output
    rec = record(out)
    assert rec["backend"] == "pulp:cbc"
    assert (rec["options"]["seed"], rec["options"]["gap"]) == (1, 0.0)
    assert rec["objective"] == pytest.approx(110.0, rel=1e-9)


def test_a_user_profile_file_passes_its_extra_options(
    recording: list[Options], tmp_path: Path
) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text(
        'backend = "recording"\ngap = 0.02\nthreads = 1\nseed = 7\n'
        "[extra]\nmip_heuristic_effort = 0.2\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan"
    result = solve_cli(str(TINY), "--out", str(out), "--solver", str(profile))
    assert result.exit_code == 0, result.output
    (seen,) = recording
    assert (seen.gap, seen.threads, seen.seed) == (0.02, 1, 7)
    assert seen.extra == {"mip_heuristic_effort": 0.2}
    assert record(out)["options"]["extra"] == {"mip_heuristic_effort": 0.2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('backend = "highs"\ntim_limit = 5\n', "tim_limit"),
        ('backend = "highs"\ngap = 2\n', "gap"),
        ('backend = "no-such-solver"\n', "backend"),
        ('backend = "highs"\ngap = \n', "TOML syntax error"),
    ],
    ids=["unknown-key", "gap-above-one", "unknown-backend", "toml-syntax"],
)
def test_a_bad_profile_is_a_usage_error_naming_the_key(
    text: str, message: str, tmp_path: Path
) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(text, encoding="utf-8")
    result = solve_cli(str(TINY), "--out", str(tmp_path / "plan"), "--solver", str(profile))
    assert result.exit_code == 2, result.output
    assert str(profile) in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "plan").exists()


# -- berthplan solvers -------------------------------------------------------------------------


def test_solvers_lists_every_backend_with_its_availability() -> None:
    result = CliRunner().invoke(main, ["solvers"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "available", "version", "capabilities", "note"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert sorted(rows) == sorted(backends.names(discover=True))
    assert rows["highs"][1:3] == ["yes", version("highspy")]  # the wheel ships its HiGHS
    assert rows["pulp:cbc"][1] == "yes"
    assert "milp," in rows["highs"] and "threads," in rows["highs"]
    for name, cells in rows.items():
        assert cells[1] in ("yes", "no"), name
        if cells[1] == "no":  # an unavailable backend says why
            assert len(cells) > 3, name


# -- structural infeasibility --------------------------------------------------------------------

# A committed project (`terminal`, new, starts 2030) requires `channel`, whose start window
# opens in 2030 too: channel cannot be completed by 2029, so terminal cannot start, and no
# target is involved. Relaxing targets cannot help; the slack phase names commit[terminal].
STRUCTURAL = """\
schema_version: 1
name: structural
horizon: {start: 2030, end: 2031}
discount_rate: 0.0
price_year: 2030
ports:
  - {id: P, areas: [{id: A, depth_m: 15.0}]}
projects:
  - {id: channel, area: A, stage: candidate, duration: 1, capex: 100}
  - {id: terminal, area: A, stage: new, earliest_start: 2030, duration: 1, capex: 300,
     requires: [channel]}
"""


def test_structural_infeasibility_names_the_rows(tmp_path: Path) -> None:
    with pytest.raises(InfeasibleError) as info:
        berthplan.solve(berthplan.loads(STRUCTURAL, "structural.yaml"))
    assert [(c.family, c.label) for c in info.value.conflicts] == [("commit", "commit[terminal]")]
    assert info.value.conflicts[0].slack == pytest.approx(1.0, rel=1e-9)
    assert "every target relaxed" in str(info.value)


def test_structural_infeasibility_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "structural.yaml"
    path.write_text(STRUCTURAL, encoding="utf-8")
    out = tmp_path / "plan"
    result = solve_cli(str(path), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert f"{path}: infeasible" in result.output
    assert "conflicting constraint families: commit" in result.output
    assert (
        "commit[terminal]: committed project terminal cannot be scheduled within its start "
        "window (short by 1)"
    ) in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_forced_route_that_cannot_open_names_open_once(tmp_path: Path) -> None:
    # depth-exact with both dredges skipped and the route forced open: 12 m at A for ever.
    sets = ["routes[deep].decision=open"]
    sets += [f"projects[{p}].decision=skip" for p in ("dredge-14", "dredge-15")]
    args = [a for s in sets for a in ("--set", s)]
    out = tmp_path / "plan"
    result = solve_cli(str(DATA / "boundary" / "depth-exact.yaml"), "--out", str(out), *args)
    assert result.exit_code == 3, result.output
    assert (
        "open_once[deep]: route deep must open (forced by the scenario) but cannot (short by 1)"
        in result.output
    )
    assert not out.exists()

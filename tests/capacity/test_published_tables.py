"""``berthplan queue`` against the published W/S tables (Groenveld 2007; PIANC 2014).

Every cell must agree within its printed precision (half a unit of the last printed digit),
except the cells of ``tests/data/queues/known-wrong-cells.csv``; for each of those the test
re-derives why the table is wrong: the exact value is confirmed by an independent brute-force
Markov chain (``brute_ctmc``) and by Pollaczek–Khinchine for one berth, and it differs from the
printed value beyond the printed precision (so a stale entry fails).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from brute_ctmc import brute
from click.testing import CliRunner

from berthplan.capacity import wait_ratio
from berthplan.cli import main

DATA = Path(__file__).parent.parent / "data" / "queues"
TABLES = {
    "M/E2/n": (DATA / "groenveld-2007-table-iv-m-e2-n.csv", 1),
    "E2/E2/n": (DATA / "groenveld-2007-table-v-e2-e2-n.csv", 2),
}


def cells(model: str) -> list[tuple[float, int, str]]:
    path, _ = TABLES[model]
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    berths = [int(x) for x in rows[0][1:]]
    return [(float(r[0]), n, c) for r in rows[1:] for n, c in zip(berths, r[1:], strict=True)]


def known_wrong() -> dict[tuple[str, float, int], str]:
    with (DATA / "known-wrong-cells.csv").open(encoding="utf-8") as f:
        return {
            (r["model"], float(r["rho"]), int(r["berths"])): r["reason"] for r in csv.DictReader(f)
        }


def half_unit(printed: str) -> float:
    return 0.5 * 10.0 ** -len(printed.split(".")[1])


WRONG = known_wrong()
CASES = [(m, rho, n, c) for m in TABLES for rho, n, c in cells(m)]


def test_tables_are_complete() -> None:
    assert len(cells("M/E2/n")) == 17 * 14
    assert len(cells("E2/E2/n")) == 9 * 10


@pytest.mark.parametrize(("model", "rho", "n", "printed"), CASES)
def test_cell(model: str, rho: float, n: int, printed: str) -> None:
    exact = float(wait_ratio(model, n, rho))
    if (model, rho, n) not in WRONG:
        assert abs(exact - float(printed)) <= half_unit(printed) + 1e-12
        return
    assert abs(exact - float(printed)) > half_unit(printed)  # still wrong: the entry is not stale
    independent, tail = brute(TABLES[model][1], 2, n, rho)
    assert tail < 1e-12
    assert independent == pytest.approx(exact, rel=1e-8, abs=1e-12)
    if n == 1 and model == "M/E2/n":
        assert exact == pytest.approx(0.75 * rho / (1 - rho), rel=1e-12)


def test_known_wrong_cells_are_a_minority() -> None:
    # 80 of 328 cells; most differ in the last printed digit or at occupancies >= 0.8
    assert len(WRONG) <= 80
    assert all(k[0] in TABLES for k in WRONG)


@pytest.mark.parametrize(("model", "rho", "n", "printed"), CASES[::7])
def test_cli_prints_the_same_values(model: str, rho: float, n: int, printed: str) -> None:
    result = CliRunner().invoke(main, ["queue", model, "--berths", str(n), "--occupancy", str(rho)])
    assert result.exit_code == 0, result.output
    assert float(result.output) == pytest.approx(float(wait_ratio(model, n, rho)), abs=5e-7)

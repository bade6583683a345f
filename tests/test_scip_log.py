"""SCIP's progress, read from its log while it is written (``ortools:scip`` has no callback).

The log excerpt is SCIP 10's, from ``ortools:scip`` on ``instances/bench/medium-0.yaml``
(abridged): a header, root rows without a plan (``--``), heuristic rows (a letter before the
time), a restart's text and node rows.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time

import pytest

from berthplan.backends.logtail import captured_stdout, following
from berthplan.backends.scip_log import ScipLog

HEADER = (
    " time | node  | left  |LP iter|LP it/n|mem/heur|mdpt |vars |cons |rows |cuts |sepa|confs"
    "|strbr|  dualbound   | primalbound  |  gap   | compl. \n"
)
LOG = (
    "presolving:\n(round 1, fast)       1242 del vars, 254 del conss\n"
    + HEADER
    + "  0.3s|     1 |     0 |  3399 |     - |    36M |   0 |2863 |1921 |1691 |   0 |  0 | 229 "
    "|   0 | 9.830581e+04 |      --      |    Inf | unknown\n"
    "d 2.3s|     1 |     0 | 10537 |     - |conflict|   0 |2863 |1921 |1887 |   0 | 21 | 229 "
    "|   0 | 9.916290e+04 | 1.027133e+05 |   3.58%| unknown\n"
    "L 2.7s|     1 |     0 | 10537 |     - |    rens|   0 |2863 |1921 |1887 | 231 | 21 | 229 "
    "|   0 | 9.916290e+04 | 9.947607e+04 |   0.32%| unknown\n"
    "(run 1, node 1) restarting after 1157 global fixings of integer variables\n\n"
    + HEADER
    + " 10.8s|   100 |    15 | 25715 | 157.3 |    75M |  13 |1508 |1160 | 903 | 317 |  2 | 458 "
    "|1008 | 9.927524e+04 | 9.947607e+04 |   0.20%|  37.84%\n"
    "*13.3s|   273 |    47 | 36330 |  96.5 |    LP  |  31 |1508 |1215 | 943 | 869 |  2 | 515 "
    "|1376 | 9.931930e+04 | 9.940221e+04 |   0.08%|  53.97%\n"
    "\nSCIP Status        : problem is solved [optimal solution found]\n"
    "Primal Bound       : +9.93820473830563e+04 (51 solutions)\n"
)
ROWS = [
    (0.3, None, 98305.81),
    (2.3, 102713.3, 99162.90),
    (2.7, 99476.07, 99162.90),
    (10.8, 99476.07, 99275.24),
    (13.3, 99402.21, 99319.30),
]


def test_rows_of_the_display_table() -> None:
    assert ScipLog().feed(LOG) == ROWS


@pytest.mark.parametrize("size", [1, 7, 64])
def test_pieces_of_any_size_give_the_same_rows(size: int) -> None:
    log = ScipLog()
    rows = [row for i in range(0, len(LOG), size) for row in log.feed(LOG[i : i + size])]
    assert rows == ROWS


def test_a_row_waits_for_its_line_end() -> None:
    log = ScipLog()
    last = LOG.rstrip("\n").rsplit("\n", 3)[0]  # up to the last table row, without its newline
    assert log.feed(last)[-1] == ROWS[-2]
    assert log.feed("\n") == [ROWS[-1]]


def test_columns_come_from_the_header() -> None:
    # no row before a header; a header without compl. (SCIP 8) moves the bounds one column
    row = "  5.0s|  10 |  2 | 9.000000e+01 | 1.000000e+02 |  11.11%\n"
    assert ScipLog().feed(row) == []
    old = " time | node | left |  dualbound   | primalbound  |  gap   \n"
    assert ScipLog().feed(old + row) == [(5.0, 100.0, 90.0)]


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [("0.3s", 0.3), ("L12.3s", 12.3), ("* 999s", 999.0), ("1234s", 1234.0), ("20.5m", 1230.0),
     ("1.5h", 5400.0), ("2.0d", 172800.0)],
)  # fmt: skip
def test_times_in_every_unit(cell: str, seconds: float) -> None:
    line = f"{cell}| 1 | 1 | 1.000000e+00 | 2.000000e+00 | 50.00%\n"
    header = " time | node | left |  dualbound   | primalbound  |  gap   \n"
    [(found, primal, dual)] = ScipLog().feed(header + line)
    assert found == pytest.approx(seconds)
    assert (primal, dual) == (2.0, 1.0)


def test_infinite_and_missing_bounds_are_none() -> None:
    header = " time | node | left |  dualbound   | primalbound  |  gap   \n"
    rows = "1.0s| 1 | 1 | -1.000000e+20 | -- | Inf\n2.0s| 1 | 1 | -inf | 1e+20 | Inf\n"
    assert ScipLog().feed(header + rows) == [(1.0, None, None), (2.0, None, None)]


def test_following_sees_every_byte_while_it_is_written() -> None:
    text = "é-" * 5000 + "end\n"  # two-byte characters, split across reads
    data = text.encode("utf-8")
    seen: list[str] = []
    with tempfile.TemporaryFile() as tmp:
        early = threading.Event()

        def write() -> None:
            for i in range(0, len(data), 999):  # odd pieces: characters split between writes
                os.write(tmp.fileno(), data[i : i + 999])
                if i == 0:
                    time.sleep(0.3)  # the follower's read interval is 0.25 s
                    early.set()

        with following(tmp.fileno(), seen.append, interval=0.05):
            writer = threading.Thread(target=write)
            writer.start()
            early.wait(5)
            writer.join()
            during = len(seen)
    assert "".join(seen) == text
    assert during >= 1  # read while written, not only at the end


def test_a_failing_follower_never_breaks_the_capture() -> None:
    def boom(text: str) -> None:
        raise RuntimeError("display failed")

    with captured_stdout(boom) as out:
        os.write(1, b"solver says hi\n")
    assert out == ["solver says hi\n"]

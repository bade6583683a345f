"""SCIP's progress, read from its log: ``pywraplp`` gives SCIP no callback.

SCIP prints a row of its display table after each separation round at the root, at each new
incumbent (a letter or ``*`` before the time names the heuristic that found it) and every
100 nodes. The table's ``dualbound`` and ``primalbound`` columns are the original problem's
bounds, the objective's offset included (the final row equals ``Result.objective``), so they
are the plan's cost like every backend's :class:`~berthplan.backends.base.Progress`.
Columns are found by the header SCIP repeats every few rows, not by position: SCIP versions
add columns (``compl.`` came in SCIP 9).
"""

from __future__ import annotations

import math
import re

from berthplan.backends.base import Throttle
from berthplan.backends.logtail import LogRows, Row
from berthplan.backends.start import Start

_TIME = re.compile(r"^[^\d\s]?\s*(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class ScipLog(LogRows):
    """SCIP's log text, fed in pieces of any size, as the rows of its display table
    (SCIP's solving time, primal bound, dual bound)."""

    def __init__(self) -> None:
        super().__init__()
        self._columns: tuple[int, int] | None = None  # (primalbound, dualbound)

    def _row(self, line: str) -> Row | None:
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 3:
            return None
        if cells[0] == "time":
            has = "primalbound" in cells and "dualbound" in cells
            self._columns = (cells.index("primalbound"), cells.index("dualbound")) if has else None
            return None
        if self._columns is None or len(cells) <= max(self._columns):
            return None
        seconds = _seconds(cells[0])
        if seconds is None:
            return None
        primal, dual = (_bound(cells[i]) for i in self._columns)
        return seconds, primal, dual


def _seconds(cell: str) -> float | None:
    found = _TIME.match(cell)
    return None if found is None else float(found[1]) * _UNITS[found[2]]


def _bound(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:  # "--": none yet
        return None
    return value if math.isfinite(value) and abs(value) < 1e20 else None  # SCIP's infinity


class ScipFeed:
    """A log follower that forwards SCIP's rows to a :class:`Throttle`.

    SCIP is given the start as a hint, never a cutoff, so its dual bound stands as it is;
    the start's plan counts as an incumbent from the first row on, as it will in the result.
    """

    def __init__(self, throttle: Throttle, start: Start) -> None:
        self.log, self.throttle, self.start = ScipLog(), throttle, start

    def __call__(self, text: str) -> None:
        for seconds, primal, dual in self.log.feed(text):
            self.throttle(seconds, self.start.incumbent(primal), dual)

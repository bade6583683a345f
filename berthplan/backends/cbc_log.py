"""CBC's progress, read from its log: PuLP runs CBC as a program, so there is no callback.

CBC reports each new plan (``Cbc0012I``/``Cbc0004I`` "Integer solution of V found ...
(T seconds)", and ``Cbc0001I`` at the end) and its search every so many nodes (``Cbc0010I`` "After N nodes, ..., V best
solution, best possible B (T seconds)"); the LP relaxation's value and the root's bound after
cuts come before any timed line. CBC's values are its own objective, without the constant
berthplan's objective carries (PuLP does not pass it on), and printed with six significant
digits: a report is as precise as that, the result is not (it is recomputed from the plan).
"""

from __future__ import annotations

import math
import re

from berthplan.backends.base import Throttle
from berthplan.backends.logtail import LogRows, Row
from berthplan.backends.start import Start

_NUM = r"(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_SECONDS = rf"\({_NUM} seconds\)"
_PLAN = re.compile(rf"^Cbc00(?:04|12|16)I Integer solution of {_NUM} found.*{_SECONDS}")
_DONE = re.compile(rf"^Cbc0001I Search completed - best objective {_NUM}, took .*{_SECONDS}")
_NODES = re.compile(rf"^Cbc0010I After .* {_NUM} best solution, best possible {_NUM} {_SECONDS}")
_LP = re.compile(rf"^Continuous objective value is {_NUM} - {_NUM} seconds")
_ROOT = re.compile(rf"^Cbc0013I At root node, .* changed objective from {_NUM} to {_NUM}")
_NONE = 1e49  # CBC's "best solution" before it has one is 1e+50


class CbcLog(LogRows):
    """CBC's log text, fed in pieces of any size, as timed rows of its plans and bounds
    (seconds into CBC's solve, its best plan, its bound; in CBC's own objective)."""

    def __init__(self) -> None:
        super().__init__()
        self._seconds = 0.0  # the last time CBC printed: an untimed bound is reported at it

    def _row(self, line: str) -> Row | None:
        line = line.strip()
        if found := _PLAN.match(line):
            self._seconds = float(found[2])
            return self._seconds, _value(found[1]), None
        if found := _DONE.match(line):
            self._seconds = float(found[2])
            return self._seconds, _value(found[1]), None
        if found := _NODES.match(line):
            self._seconds = float(found[3])
            return self._seconds, _value(found[1]), _value(found[2])
        if found := _LP.match(line):
            self._seconds = float(found[2])
            return self._seconds, None, _value(found[1])
        if found := _ROOT.match(line):
            return self._seconds, None, _value(found[2])
        return None


def _value(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) and abs(value) < _NONE else None


class CbcFeed:
    """A log follower that forwards CBC's rows to a :class:`Throttle`, as the plan's cost.

    ``offset`` is the constant of berthplan's objective that CBC never sees. CBC takes a start
    as a MIP start, never a cutoff, so its bound stands as it is; the start's plan counts as
    an incumbent from the first row on, as it will in the result.
    """

    def __init__(self, throttle: Throttle, start: Start, offset: float) -> None:
        self.log, self.throttle, self.start, self.offset = CbcLog(), throttle, start, offset

    def __call__(self, text: str) -> None:
        for seconds, plan, bound in self.log.feed(text):
            own = None if plan is None else plan + self.offset
            cost = None if bound is None else bound + self.offset
            self.throttle(seconds, self.start.incumbent(own), cost)

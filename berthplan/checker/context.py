"""What every rule reads (:class:`Context`), and the cell comparisons the rules share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from berthplan.checker.decisions import Decisions
from berthplan.checker.facts import Facts
from berthplan.checker.report import Violation, close
from berthplan.checker.tables import PlanTables, to_float, to_int
from berthplan.model.instance import Instance


@dataclass(frozen=True)
class Context:
    """The instance, the plan's tables, its decisions and the facts they imply.

    Attributes
    ----------
    instance
        The instance the plan is for.
    tables
        The plan folder's tables.
    decisions
        Start and opening years read from the tables.
    facts
        Quantities recomputed from the decisions, the throughputs and the instance.
    """

    instance: Instance
    tables: PlanTables
    decisions: Decisions
    facts: Facts

    @property
    def status(self) -> str | None:
        """The plan's ``solve.json`` status."""
        status = self.tables.solve.get("status")
        return status if isinstance(status, str) else None

    @cached_property
    def rows_per_year(self) -> dict[int, int]:
        """Number of capacity.csv rows of each year (rounded terms a KPI of that year sums)."""
        counts: dict[int, int] = {}
        for row in self.tables.capacity:
            year = to_int(row["year"])
            if year is not None:
                counts[year] = counts.get(year, 0) + 1
        return counts

    def scale(self, year: int) -> float:
        """Absolute-tolerance scale of quantities summed from ``year``'s throughputs."""
        weight = max(1.0, self.instance.tons_per_teu)
        return 1.0 + self.rows_per_year.get(year, 0) * weight


def number(
    rule: str, record: str, year: int | None, expected: float, text: str, scale: float = 1.0
) -> list[Violation]:
    """A violation unless the cell ``text`` holds a number close to ``expected``.

    Parameters
    ----------
    rule, record, year
        Name the violation.
    expected
        The recomputed value.
    text
        The cell.
    scale
        Absolute-tolerance scale (see :func:`~berthplan.checker.report.close`).

    Returns
    -------
    list of Violation
        Empty, or the one mismatch (found: the number, or the cell's text).
    """
    value = to_float(text)
    if value is not None and close(value, expected, scale):
        return []
    return [Violation(rule, record, year, expected, text if value is None else value)]


def integer(
    rule: str, record: str, year: int | None, expected: int | None, text: str
) -> list[Violation]:
    """A violation unless the cell holds the integer ``expected`` (None: the cell is empty)."""
    if expected is None:
        return [] if text == "" else [Violation(rule, record, year, "", text)]
    value = to_int(text)
    if value == expected:
        return []
    return [Violation(rule, record, year, expected, text if value is None else value)]


def text(rule: str, record: str, year: int | None, expected: str, cell: str) -> list[Violation]:
    """A violation unless the cell's text is ``expected``."""
    return [] if cell == expected else [Violation(rule, record, year, expected, cell)]


def empty_or_zero(rule: str, record: str, year: int | None, cell: str) -> list[Violation]:
    """A violation unless the cell is empty or 0 (cost columns of post-horizon kpis rows)."""
    if cell == "" or to_float(cell) == 0.0:
        return []
    return [Violation(rule, record, year, "empty or 0", cell)]

"""The independent, solver-free plan checker (``berthplan check``).

It reads a plan folder and the instance only: it imports nothing of the formulation, the
sparse model, the backends, the solve or the results layer, so a bug there cannot hide itself.
One function per rule (:data:`~berthplan.checker.core.RULES`), each returning violations.
The ``check`` command lives in :mod:`berthplan.cli.check`.
"""

from __future__ import annotations

from berthplan.checker.core import RULES, check_plan
from berthplan.checker.report import CheckReport, Violation
from berthplan.checker.tables import PlanFolderError

__all__ = ["RULES", "CheckReport", "PlanFolderError", "Violation", "check_plan"]

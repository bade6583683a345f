"""Check a plan folder against its instance, with no solver: ``check_plan`` and ``register``.

The implementation lives in :mod:`berthplan.checker`, one module per concern; this module is
its public face. The checker imports only the data model (:mod:`berthplan.instance`,
:mod:`berthplan.records`), pandas, numpy and json, never the formulation, the model, the
backends, the solve or the results layer.
"""

from __future__ import annotations

from berthplan.checker import (
    RULES,
    CheckReport,
    PlanFolderError,
    Violation,
    check_plan,
    register,
)

__all__ = ["RULES", "CheckReport", "PlanFolderError", "Violation", "check_plan", "register"]

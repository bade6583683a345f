"""berthplan: plan a province's port capacity as a mixed-integer program.

The public API is small: :func:`load` an instance file, :func:`solve` it into a :class:`Plan`.
Solver packages are imported only when a solve needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from berthplan.errors import InstanceError
from berthplan.instance import Instance
from berthplan.io import load, loads

__version__ = "0.1.0"

__all__ = ["Instance", "InstanceError", "Plan", "__version__", "load", "loads", "solve"]

if TYPE_CHECKING:
    from berthplan.optimize import solve
    from berthplan.plan import Plan


def __getattr__(name: str) -> Any:
    # Lazy, so `import berthplan` stays light and imports no solver.
    if name == "solve":
        from berthplan.optimize import solve

        return solve
    if name == "Plan":
        from berthplan.plan import Plan

        return Plan
    raise AttributeError(f"module 'berthplan' has no attribute {name!r}")

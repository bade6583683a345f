"""berthplan: plan a province's port capacity as a mixed-integer program.

The public API: :func:`load` an instance file, make it a what-if with :func:`apply_scenario`,
:func:`solve` it into a :class:`Plan`, :func:`read_plan` a plan folder back, :func:`compare`
plans and :func:`check` a plan folder against its instance. Names that pull pandas or a solver
are imported when first used, so ``import berthplan`` stays light and imports nothing else.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Instance",
    "InstanceError",
    "Plan",
    "Scenario",
    "__version__",
    "apply_scenario",
    "check",
    "compare",
    "load",
    "loads",
    "read_plan",
    "solve",
]

if TYPE_CHECKING:
    from berthplan.analysis.compare import compare
    from berthplan.checker import check_plan as check
    from berthplan.errors import InstanceError
    from berthplan.model.instance import Instance
    from berthplan.model.io import load, loads
    from berthplan.model.scenario import Scenario, apply_scenario
    from berthplan.optimization.solve import solve
    from berthplan.results.folder import read_plan
    from berthplan.results.plan import Plan

# Everything is imported when first used: ``import berthplan`` (and so the start of every
# command) runs no code a Ctrl-C could interrupt with a traceback, and loads no dependency.
_LAZY = {
    "Instance": ("berthplan.model.instance", "Instance"),
    "InstanceError": ("berthplan.errors", "InstanceError"),
    "load": ("berthplan.model.io", "load"),
    "loads": ("berthplan.model.io", "loads"),
    "solve": ("berthplan.optimization.solve", "solve"),
    "Plan": ("berthplan.results.plan", "Plan"),
    "read_plan": ("berthplan.results.folder", "read_plan"),
    "compare": ("berthplan.analysis.compare", "compare"),
    "check": ("berthplan.checker", "check_plan"),
    "Scenario": ("berthplan.model.scenario", "Scenario"),
    "apply_scenario": ("berthplan.model.scenario", "apply_scenario"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'berthplan' has no attribute {name!r}")

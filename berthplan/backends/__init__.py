"""The backend registry: solver names to adapters, imported only when used.

A new backend is one module with a class following :class:`~berthplan.backends.base.Backend`,
plus one entry in :data:`REGISTRY` (see docs/backends.md for a worked example).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from berthplan.backends.base import Backend, Capabilities, Options, Result, Status
from berthplan.errors import UsageError

__all__ = ["REGISTRY", "Backend", "Capabilities", "Options", "Result", "Status", "get", "names"]


def _lazy(module: str, cls: str, *args: Any) -> Callable[[], Backend]:
    def make() -> Backend:
        return getattr(import_module(module), cls)(*args)  # type: ignore[no-any-return]

    return make


def _pulp(name: str, solver: str) -> Callable[[], Backend]:
    return _lazy("berthplan.backends.pulp", "PulpBackend", name, solver)


# PuLP solver classes under berthplan names; any other solver PuLP finds is pulp:<lowercase>.
PULP_NAMES = {
    "PULP_CBC_CMD": "pulp:cbc",
    "HiGHS": "pulp:highs",
    "SCIP_PY": "pulp:scip",
    "GLPK_CMD": "pulp:glpk",
    "COIN_CMD": "pulp:coin",
    "GUROBI": "pulp:gurobi",
    "CPLEX_PY": "pulp:cplex",
    "XPRESS_PY": "pulp:xpress",
    "MOSEK": "pulp:mosek",
    "COPT": "pulp:copt",
}

REGISTRY: dict[str, Callable[[], Backend]] = {
    "highs": _lazy("berthplan.backends.highs", "HighsBackend"),
    **{name: _pulp(name, solver) for solver, name in PULP_NAMES.items()},
    "ortools:scip": _lazy("berthplan.backends.ortools", "OrToolsBackend", "ortools:scip", "SCIP"),
    "ortools:cbc": _lazy("berthplan.backends.ortools", "OrToolsBackend", "ortools:cbc", "CBC"),
    "ortools:highs": _lazy(
        "berthplan.backends.ortools", "OrToolsBackend", "ortools:highs", "HIGHS"
    ),
    "ortools:cpsat": _lazy("berthplan.backends.cpsat", "CpSatBackend"),
    "scipy": _lazy("berthplan.backends.scipy_milp", "ScipyBackend"),
}


@cache
def _pulp_extras() -> dict[str, Callable[[], Backend]]:
    """Solvers PuLP reports available that have no name above (imports pulp: call lazily)."""
    try:
        import pulp
    except ImportError:  # pragma: no cover - pulp is a dependency
        return {}
    known = set(PULP_NAMES)
    return {
        f"pulp:{solver.lower()}": _pulp(f"pulp:{solver.lower()}", solver)
        for solver in pulp.listSolvers(onlyAvailable=True)
        if solver not in known
    }


def names(*, discover: bool = False) -> list[str]:
    """Registered names; with ``discover``, also the other solvers PuLP finds here."""
    extra = [n for n in _pulp_extras() if n not in REGISTRY] if discover else []
    return [*REGISTRY, *extra]


def factory(name: str) -> Callable[[], Backend]:
    if name in REGISTRY:
        return REGISTRY[name]
    if name.startswith("pulp:") and name in _pulp_extras():
        return _pulp_extras()[name]
    raise UsageError(
        f"unknown solver '{name}' (known: {', '.join(REGISTRY)}; `berthplan solvers` lists them)"
    )


def get(name: str) -> Backend:
    """The backend registered as ``name``; a clear error for unknown or unavailable ones."""
    backend = factory(name)()
    ok, why = backend.available()
    if not ok:
        raise UsageError(f"solver '{name}' is not available here: {why}{_install_hint(name)}")
    return backend


def _install_hint(name: str) -> str:
    """How to get a backend that is not available (from the package indexes named)."""
    if name.startswith("pulp:") and name not in ("pulp:cbc", "pulp:highs"):
        return " (install the solver itself; PuLP finds it on the PATH or by its Python package)"
    hints = {
        "highs": "pip install highspy",
        "pulp:cbc": "pip install pulp",
        "pulp:highs": "pip install pulp highspy",
        "scipy": "pip install scipy",
    }
    if name.startswith("ortools:"):
        return " (pip install ortools)"
    return f" ({hints[name]})" if name in hints else ""

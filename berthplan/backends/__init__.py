"""The backend registry: solver names to adapters, imported only when used.

A new backend is one module with a class following :class:`~berthplan.backends.base.Backend`,
plus one entry in :data:`REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from berthplan.backends.base import Backend, Capabilities, Options, Result, Status
from berthplan.errors import UsageError

__all__ = ["REGISTRY", "Backend", "Capabilities", "Options", "Result", "Status", "get", "names"]


def _lazy(module: str, cls: str, *args: Any) -> Callable[[], Backend]:
    def make() -> Backend:
        return getattr(import_module(module), cls)(*args)  # type: ignore[no-any-return]

    return make


REGISTRY: dict[str, Callable[[], Backend]] = {
    "highs": _lazy("berthplan.backends.highs", "HighsBackend"),
    "pulp:cbc": _lazy("berthplan.backends.pulp", "PulpBackend", "pulp:cbc", "PULP_CBC_CMD"),
    "pulp:highs": _lazy("berthplan.backends.pulp", "PulpBackend", "pulp:highs", "HiGHS"),
}


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> Backend:
    """The backend registered as ``name``; a clear error for unknown or unavailable ones."""
    if name not in REGISTRY:
        raise UsageError(f"unknown solver '{name}' (known: {', '.join(REGISTRY)})")
    backend = REGISTRY[name]()
    ok, why = backend.available()
    if not ok:
        raise UsageError(f"solver '{name}' is not available: {why}")
    return backend

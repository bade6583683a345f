"""The solver-neutral vocabulary every backend speaks: options in, :class:`Result` out.

Solver objects and solver status codes never leave a backend module; the rest of berthplan
sees only :class:`Status`, objective, bound, gap, wall time and the column values.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from berthplan.backends.arrays import Arrays


class Status(StrEnum):
    """What a solve established, the same for every backend."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a plan, but not proven optimal (a limit was hit)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # a limit was hit before any plan was found
    ERROR = "error"


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do."""

    milp: bool = True
    lp_only: bool = False
    integer_only: bool = False
    time_limit: bool = True
    gap: bool = True
    threads: bool = True
    warm_start: bool = False
    iis: bool = False


MAX_THREADS = 256
"""Most solver threads accepted: more cannot help on any machine berthplan targets, and a
solver asked for 100,000 threads spends minutes creating them."""


@dataclass(frozen=True)
class Options:
    """Solver options common to all backends; ``extra`` passes backend-specific ones through."""

    time_limit: float | None = None
    gap: float | None = 0.0
    threads: int | None = None
    seed: int | None = None
    verbose: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time_limit": self.time_limit,
            "gap": self.gap,
            "threads": self.threads,
            "seed": self.seed,
            "verbose": self.verbose,
            "extra": dict(sorted(self.extra.items())),
        }


@dataclass
class Result:
    """A solve's outcome in solver-neutral terms (objective includes the model offset)."""

    status: Status
    x: NDArray[np.float64] | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    wall_time: float = 0.0
    log: str = ""
    message: str = ""
    interrupted: bool = False  # Ctrl-C stopped the solver; x is the best plan it had

    @property
    def has_solution(self) -> bool:
        return self.x is not None and self.status in (Status.OPTIMAL, Status.FEASIBLE)


class Backend(Protocol):
    """A solver adapter: one module each, registered by name in :mod:`berthplan.backends`."""

    name: str
    capabilities: Capabilities

    def available(self) -> tuple[bool, str]:
        """Whether the solver can run here, and why not."""
        ...

    def version(self) -> str: ...

    def solve(self, model: Arrays, options: Options) -> Result: ...


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(1, |objective|), the convention every backend reports."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


@contextmanager
def captured_stdout() -> Iterator[list[str]]:
    """Capture what native solver code writes to file descriptor 1 (its log), as text."""
    out: list[str] = []
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield out
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode("utf-8", "replace"))


def budget(options: Options, t0: float) -> float | None:
    """The solver's own time limit: ``options.time_limit`` less what was spent since ``t0``.

    Backends build their solver's model inside :meth:`Backend.solve`; that time counts
    against the user's limit too (never below 0.01 s: some solvers read 0 as "no limit").
    """
    if options.time_limit is None:
        return None
    return max(options.time_limit - (time.perf_counter() - t0), 0.01)


def read_log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""

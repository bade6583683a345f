"""``scipy``: :func:`scipy.optimize.milp` (SciPy's own build of HiGHS).

It is also the worked example of docs/backends.md: a backend is one class with a name,
capabilities, ``available``, ``version`` and ``solve(Arrays, Options) -> Result``, plus one
registry entry.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import numpy as np

from berthplan.backends.arrays import Arrays
from berthplan.backends.base import (
    Capabilities,
    Options,
    Result,
    Status,
    relative_gap,
)
from berthplan.backends.logtail import captured_stdout
from berthplan.errors import UsageError

# scipy.optimize.milp's options besides the common ones; anything else is refused.
_EXTRA = {"presolve", "node_limit"}


@cache
def _version() -> str:
    from importlib.metadata import version

    return f"scipy {version('scipy')}"


class ScipyBackend:
    """``scipy``: MILP through SciPy (no threads option, no warm start)."""

    name = "scipy"
    capabilities = Capabilities(threads=False)

    def available(self) -> tuple[bool, str]:
        try:
            from scipy.optimize import milp  # noqa: F401
        except ImportError as e:  # pragma: no cover - scipy is a dependency
            return False, f"scipy.optimize.milp not importable ({e})"
        return True, ""

    def version(self) -> str:
        return _version()

    def solve(self, model: Arrays, options: Options) -> Result:
        from scipy.optimize import Bounds, LinearConstraint, milp

        unknown = set(options.extra) - _EXTRA
        if unknown:
            raise UsageError(
                f"scipy: unknown option(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_EXTRA))})"
            )
        if options.threads not in (None, 1):
            raise UsageError("scipy: milp has no threads option; leave threads unset")
        opts: dict[str, object] = {"disp": False, **options.extra}
        if options.time_limit is not None:
            opts["time_limit"] = float(options.time_limit)
        if options.gap is not None:
            opts["mip_rel_gap"] = float(options.gap)
        t0 = time.perf_counter()
        constraints = (
            [LinearConstraint(model.A, model.row_lo, model.row_hi)] if model.A.shape[0] else []
        )
        with captured_stdout() as printed:  # SciPy's HiGHS build prints on its own
            res = milp(
                model.c,
                integrality=model.integer.astype(int),
                bounds=Bounds(model.lb, model.ub),
                constraints=constraints,
                options=opts,
            )
        result = _result(res, model, time.perf_counter() - t0)
        result.log = "".join(printed) + result.log
        return result


def _result(res: Any, model: Arrays, wall: float) -> Result:
    status = int(res.status)
    x = res.x
    has_plan = x is not None
    objective = float(res.fun) + model.offset if has_plan else None
    dual = getattr(res, "mip_dual_bound", None)  # absent for pure LPs
    bound = None if dual is None or not np.isfinite(dual) else float(dual) + model.offset
    if status == 0:
        kind = Status.OPTIMAL
        bound = objective if bound is None else bound
    elif status == 1:
        kind = Status.FEASIBLE if has_plan else Status.NO_SOLUTION
    elif status == 2:
        kind = Status.INFEASIBLE
    elif status == 3:
        kind = Status.UNBOUNDED
    else:
        kind = Status.ERROR
    return Result(
        status=kind,
        x=np.asarray(x, dtype=float) if has_plan else None,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        wall_time=wall,
        log=str(res.message),
        message=str(res.message),
    )

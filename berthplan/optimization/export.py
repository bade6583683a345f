"""The model for other tools: MPS/LP files, and PuLP or OR-Tools objects with readable names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from berthplan.backends.logtail import captured_stdout
from berthplan.errors import UsageError
from berthplan.model.instance import Instance
from berthplan.optimization.formulation import build
from berthplan.optimization.sparse import Arrays

FORMATS = ("mps", "lp")


_SPACE = re.compile(r"\s+")
_LP_OTHER = re.compile(r"[^A-Za-z0-9_().]")
_LP_BRACKETS = str.maketrans({"[": "(", "]": ")", ",": "."})


def file_names(labels: list[str], fmt: str) -> list[str]:
    """Labels as names a file format accepts, unique.

    MPS names only lose white space; the LP format also reads ``[]`` as nothing and ``-+,`` as
    operators, so there ``x[taiping-bay-1,2025]`` becomes ``x(taiping_bay_1.2025)``.
    """
    if fmt == "lp":
        names = [_LP_OTHER.sub("_", _SPACE.sub("_", lab).translate(_LP_BRACKETS)) for lab in labels]
    elif _SPACE.search("\0".join(labels)):
        names = [_SPACE.sub("_", lab) for lab in labels]
    else:
        names = list(labels)  # the usual case: no label has white space (one scan, not 300,000)
    if len(set(names)) == len(names):
        return names
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}~{n}")
    return out


def write_model(instance: Instance, path: str | Path, fmt: str) -> Arrays:
    """Write the MILP of ``instance`` as an MPS or LP file (through HiGHS's writer)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    import highspy

    from berthplan.backends.highs import _lp

    arrays = build(instance).model.arrays()
    lp = _lp(arrays)
    lp.col_names_ = file_names(arrays.col_names, fmt)
    lp.row_names_ = file_names(arrays.row_names, fmt)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp.{fmt}")
    with captured_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        status = h.writeModel(str(tmp))
    if status != highspy.HighsStatus.kOk or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise UsageError(f"{target}: HiGHS could not write the model")
    tmp.replace(target)
    return arrays


def to_pulp(instance: Instance) -> Any:
    """The MILP as a ``pulp.LpProblem`` with berthplan's row and column names."""
    from berthplan.backends.pulp import to_lp_problem

    prob, _ = to_lp_problem(build(instance).model.arrays(), readable=True, name=instance.name)
    return prob


def to_ortools(instance: Instance) -> Any:
    """The MILP as an OR-Tools model with berthplan's names (see backends.ortools.to_ortools)."""
    from berthplan.backends.ortools import to_ortools as convert

    return convert(build(instance).model.arrays())

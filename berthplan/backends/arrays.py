"""The solver-neutral matrix form of a MILP: what every backend adapter accepts.

The optimization layer builds it (:meth:`berthplan.optimization.sparse.Model.arrays`);
it lives here, below the formulation, so backends import nothing of the formulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Arrays:
    """The model as arrays: min c'x + offset, row_lo <= A x <= row_hi, lb <= x <= ub."""

    c: FloatArray
    offset: float
    lb: FloatArray
    ub: FloatArray
    integer: NDArray[np.bool_]
    A: sp.csr_matrix
    row_lo: FloatArray
    row_hi: FloatArray
    col_names: list[str]
    row_names: list[str]

"""A solver-neutral sparse MILP: named variable blocks and named constraint families.

The formulation writes into a :class:`Model`; backends read its arrays
(:meth:`Model.arrays`). Row and column labels name every value in planners' terms
(``x[taiping-bay-1,2025]``, ``budget[2024]``), for diagnostics and model export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from berthplan.backends.arrays import Arrays

__all__ = ["Arrays", "Family", "Model", "Sense", "VarBlock"]

Sense = Literal["<=", ">=", "=="]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class VarBlock:
    """A block of columns ``start .. start + size - 1`` of one kind of variable."""

    name: str
    start: int
    labels: list[str]
    integer: bool

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def cols(self) -> IntArray:
        return np.arange(self.start, self.start + self.size, dtype=np.int64)


@dataclass(frozen=True)
class Family:
    """A family of rows ``start .. start + size - 1`` of one constraint kind."""

    name: str
    start: int
    labels: list[str]
    sense: str  # "<=", ">=", "==" or "mixed"

    @property
    def size(self) -> int:
        return len(self.labels)


@dataclass
class Model:
    """Accumulates variable blocks, constraint families and the objective."""

    name: str = "berthplan"
    blocks: dict[str, VarBlock] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    offset: float = 0.0
    _lb: list[FloatArray] = field(default_factory=list)
    _ub: list[FloatArray] = field(default_factory=list)
    _cost: list[FloatArray] = field(default_factory=list)
    _int: list[NDArray[np.bool_]] = field(default_factory=list)
    _cost_terms: list[tuple[IntArray, FloatArray]] = field(default_factory=list)
    _rows: list[IntArray] = field(default_factory=list)
    _cols: list[IntArray] = field(default_factory=list)
    _vals: list[FloatArray] = field(default_factory=list)
    _rhs: list[FloatArray] = field(default_factory=list)
    _senses: list[NDArray[np.int8]] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def add_variables(
        self,
        name: str,
        labels: list[str],
        *,
        lb: ArrayLike = 0.0,
        ub: ArrayLike = np.inf,
        cost: ArrayLike = 0.0,
        integer: bool = False,
    ) -> VarBlock:
        """Add a block of ``len(labels)`` columns; bounds and costs broadcast."""
        n = len(labels)
        block = VarBlock(name, self.n_cols, labels, integer)
        self.blocks[name] = block
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), n).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), n).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), n).copy())
        self._int.append(np.full(n, integer))
        self.n_cols += n
        return block

    def add_cost(self, cols: ArrayLike, coefs: ArrayLike) -> None:
        """Add ``coefs`` to the objective coefficients of global columns ``cols``."""
        # Copies, not views: a slice of a block-sized array would keep the whole block alive
        # once per term (memory quadratic in the model on national instances).
        self._cost_terms.append(
            (np.array(cols, dtype=np.int64).ravel(), np.array(coefs, dtype=float).ravel())
        )

    def add_constraints(
        self,
        name: str,
        labels: list[str],
        sense: Sense | list[Sense],
        rhs: ArrayLike,
        rows: ArrayLike,
        cols: ArrayLike,
        vals: ArrayLike,
    ) -> Family:
        """Add a family of rows given as triplets (local row, global column, coefficient).

        ``sense`` is one sense for every row or one per row. Duplicate (row, column) triplets
        are summed.
        """
        n = len(labels)
        codes = {"<=": -1, "==": 0, ">=": 1}
        if isinstance(sense, str):  # one sense for the family: no list of n senses
            kind: str = sense
            sense_codes = np.full(n, codes[sense], dtype=np.int8)
        else:
            senses = list(sense)
            kind = senses[0] if len(set(senses)) == 1 else "mixed"
            sense_codes = np.array([codes[x] for x in senses], dtype=np.int8)
        fam = Family(name, self.n_rows, labels, kind)
        self.families[name] = fam
        r = np.asarray(rows, dtype=np.int64)
        if r.size and (r.min() < 0 or r.max() >= n):
            raise ValueError(f"{name}: row index out of range")
        self._rows.append(r + self.n_rows)
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.asarray(vals, dtype=float))
        self._rhs.append(np.broadcast_to(np.asarray(rhs, dtype=float), n).copy())
        self._senses.append(sense_codes)
        self.n_rows += n
        return fam

    def arrays(self) -> Arrays:
        """The assembled model (CSR matrix with summed duplicates, zeros dropped)."""
        cat = np.concatenate
        rows = cat(self._rows) if self._rows else np.zeros(0, dtype=np.int64)
        cols = cat(self._cols) if self._cols else np.zeros(0, dtype=np.int64)
        vals = cat(self._vals) if self._vals else np.zeros(0)
        A = sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        A.sum_duplicates()
        A.eliminate_zeros()
        rhs = cat(self._rhs) if self._rhs else np.zeros(0)
        sense = cat(self._senses) if self._senses else np.zeros(0, dtype=np.int8)
        row_lo = np.where(sense >= 0, rhs, -np.inf)
        row_hi = np.where(sense <= 0, rhs, np.inf)
        return Arrays(
            c=self._objective(),
            offset=self.offset,
            lb=cat(self._lb) if self._lb else np.zeros(0),
            ub=cat(self._ub) if self._ub else np.zeros(0),
            integer=cat(self._int) if self._int else np.zeros(0, dtype=bool),
            A=A,
            row_lo=row_lo,
            row_hi=row_hi,
            col_names=[lab for b in self.blocks.values() for lab in b.labels],
            row_names=[lab for f in self.families.values() for lab in f.labels],
        )

    def _objective(self) -> FloatArray:
        cost = np.concatenate(self._cost) if self._cost else np.zeros(0)
        if self._cost_terms:
            cols = np.concatenate([c for c, _ in self._cost_terms])
            coefs = np.concatenate([v for _, v in self._cost_terms])
            cost = cost + np.bincount(cols, weights=coefs, minlength=len(cost))
        return np.asarray(cost, dtype=float)

    def family_of_row(self, row: int) -> Family:
        for fam in self.families.values():
            if fam.start <= row < fam.start + fam.size:
                return fam
        raise IndexError(row)

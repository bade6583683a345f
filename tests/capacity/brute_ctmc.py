"""An independent check of W/S: the Ek_a/Ek_s/n chain truncated and solved by brute force.

Deliberately unlike berthplan's solver (a matrix-geometric QBD with no truncation): states are
enumerated explicitly as (arrival phase, customers in system, count of busy servers in each
service phase) up to a queue length where the tail probability is negligible, the generator is
built transition by transition and the stationary distribution is one sparse linear solve.
Time unit: the mean service time (E[S] = 1).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl

State = tuple[int, int, tuple[int, ...]]


def _phases(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way of spreading ``total`` busy servers over ``parts`` service phases."""
    if parts == 1:
        yield (total,)
        return
    for i in range(total + 1):
        for rest in _phases(total - i, parts - 1):
            yield (i, *rest)


def _transitions(
    ka: int, ks: int, n: int, lam: float, top: int, s: State
) -> Iterator[tuple[State, float]]:
    a, k, c = s
    if a < ka - 1:  # the next arrival advances one phase
        yield (a + 1, k, c), ka * lam
    elif k < top:  # an arrival: it starts service in phase 0 if a berth is free
        yield (0, k + 1, (c[0] + 1, *c[1:]) if k < n else c), ka * lam
    for p in range(ks):
        if c[p] == 0:
            continue
        moved = list(c)
        moved[p] -= 1
        if p < ks - 1:  # a server moves on to the next service phase
            moved[p + 1] += 1
            yield (a, k, tuple(moved)), c[p] * ks
        else:  # a departure: the first waiting ship, if any, starts service
            if k > n:
                moved[0] += 1
            yield (a, k - 1, tuple(moved)), c[p] * ks


def brute(ka: int, ks: int, n: int, rho: float, top: int | None = None) -> tuple[float, float]:
    """W/S of an E``ka``/E``ks``/``n`` queue at occupancy ``rho``, and the truncated tail mass."""
    lam = n * rho
    top = n + int(60 / (1 - rho)) if top is None else top
    states = [(a, k, c) for k in range(top + 1) for c in _phases(min(k, n), ks) for a in range(ka)]
    index = {s: i for i, s in enumerate(states)}
    rows, cols, vals = [], [], []
    for s in states:
        for t, rate in _transitions(ka, ks, n, lam, top, s):
            rows.append(index[s])
            cols.append(index[t])
            vals.append(rate)
    size = len(states)
    q = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
    q = q - sp.diags(np.asarray(q.sum(axis=1)).ravel())
    system = q.T.tolil()
    system[0, :] = 1.0  # replace one balance equation by the normalisation
    rhs = np.zeros(size)
    rhs[0] = 1.0
    pi = spl.spsolve(system.tocsc(), rhs)
    waiting = sum(p * max(k - n, 0) for p, (_, k, _) in zip(pi, states, strict=True))
    tail = sum(p for p, (_, k, _) in zip(pi, states, strict=True) if k == top)
    return float(waiting / lam), float(tail)

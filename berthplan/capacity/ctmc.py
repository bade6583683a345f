"""Exact mean queue length of the Ek_a/Ek_s/n queue as a quasi-birth-death process.

The state of the continuous-time Markov chain is (level, arrival phase, service configuration):

* the level is the number of customers in the system (waiting or in service);
* the arrival phase is the completed-phase count of the Erlang-``k_a`` interarrival clock;
* the service configuration is the vector ``(m_1, ..., m_ks)`` counting busy servers in each
  Erlang-``k_s`` service phase, with ``sum(m) = min(level, n)``.

With mean service time 1, every service phase has rate ``k_s`` and every arrival phase has rate
``k_a * lam`` with ``lam = n * rho``. For levels ``>= n`` all servers are busy and the chain is a
level-independent quasi-birth-death process (QBD) with blocks ``A0`` (up), ``A1`` (local) and
``A2`` (down). Its stationary vector is matrix-geometric, ``pi[n + j] = pi[n] @ R**j``, where
``R`` is the minimal solution of ``A0 + R A1 + R^2 A2 = 0``. ``R`` is computed from the matrix
``G`` by logarithmic reduction (Latouche & Ramaswami, 1993), which converges quadratically.
Levels ``0..n`` are solved exactly by linear level reduction (a block Gaussian elimination
from level ``n`` downwards), so nothing is truncated. Every solve is batched over the ``rho``
values with stacked ``numpy.linalg`` calls.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

FloatArray = npt.NDArray[np.float64]

#: Largest block (arrival phases times service configurations) accepted at the top level.
MAX_BLOCK_SIZE = 600

#: Number of ``rho`` values solved together in one stacked solve (bounds memory use).
_CHUNK = 64

#: Multiply-adds per BLAS matrix product, kept below OpenBLAS's multithreading threshold.
_GEMM_BUDGET = 2**17

#: Iteration cap of logarithmic reduction (each iteration doubles the levels covered).
_LR_MAX_ITER = 64


@dataclass(frozen=True)
class _Level:
    """Structural (``rho``-free) matrices of the service process with ``b`` busy servers."""

    local: FloatArray  # phase advances, d_b x d_b
    idle: FloatArray  # completion that frees a server, d_b x d_{b-1}
    replace: FloatArray  # completion replaced by a queued customer, d_b x d_b
    start: FloatArray  # an arrival starts service in phase 1, d_b x d_{b+1}


def _configs(b: int, ks: int) -> list[tuple[int, ...]]:
    """All compositions of ``b`` busy servers over ``ks`` service phases."""
    if ks == 1:
        return [(b,)]
    out: list[tuple[int, ...]] = []
    for first in range(b, -1, -1):
        out.extend((first, *rest) for rest in _configs(b - first, ks - 1))
    return out


def n_configs(n: int, ks: int) -> int:
    """Number of service configurations with ``n`` busy servers and ``ks`` phases."""
    return math.comb(n + ks - 1, ks - 1)


@functools.lru_cache(maxsize=64)
def _structure(n: int, ks: int) -> tuple[_Level, ...]:
    """Service-process matrices for ``b = 0..n`` busy servers (rates for mean service 1)."""
    confs = [_configs(b, ks) for b in range(n + 2)]
    index = [{c: i for i, c in enumerate(cs)} for cs in confs]
    levels: list[_Level] = []
    for b in range(n + 1):
        d = len(confs[b])
        local = np.zeros((d, d))
        idle = np.zeros((d, len(confs[b - 1]) if b > 0 else 0))
        replace = np.zeros((d, d))
        start = np.zeros((d, len(confs[b + 1])))
        for i, c in enumerate(confs[b]):
            for p in range(ks - 1):
                if c[p]:
                    nxt = list(c)
                    nxt[p] -= 1
                    nxt[p + 1] += 1
                    local[i, index[b][tuple(nxt)]] += ks * c[p]
            if c[-1]:
                done = list(c)
                done[-1] -= 1
                idle[i, index[b - 1][tuple(done)]] += ks * c[-1]
                done[0] += 1
                replace[i, index[b][tuple(done)]] += ks * c[-1]
            up = list(c)
            up[0] += 1
            start[i, index[b + 1][tuple(up)]] = 1.0
        levels.append(_Level(local, idle, replace, start))
    return tuple(levels)


def _arrival(ka: int) -> tuple[FloatArray, FloatArray]:
    """Unit-rate arrival-phase advance matrix and arrival-completion matrix (``ka x ka``)."""
    advance = np.eye(ka, k=1)
    complete = np.zeros((ka, ka))
    complete[ka - 1, 0] = 1.0
    return advance, complete


def _kron(a: FloatArray, b: FloatArray) -> FloatArray:
    return cast(FloatArray, np.kron(a, b))


def _mm(a: FloatArray, b: FloatArray) -> FloatArray:
    """Stacked ``a @ b`` as BLAS calls too small for OpenBLAS to start its threads.

    OpenBLAS runs a GEMM of ``m * k * w >= 2**18`` multiply-adds on several threads; for the
    small matrices here that only pays on an idle machine, and on a busy one the thread
    hand-offs cost 10-40 times the arithmetic. Splitting ``b`` into column blocks keeps every
    call single-threaded (the result is identical).
    """
    m, k = a.shape[-2:]
    cols = b.shape[-1]
    width = max(1, _GEMM_BUDGET // max(1, m * k))
    if width >= cols:
        return cast(FloatArray, np.matmul(a, b))
    out = np.empty((*np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), m, cols))
    for j in range(0, cols, width):
        np.matmul(a, b[..., j : j + width], out=out[..., j : j + width])
    return out


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Stacked ``inv(a) @ b`` (matrix right-hand sides)."""
    return cast(FloatArray, np.linalg.solve(a, b))


def _solve_right(b: FloatArray, a: FloatArray) -> FloatArray:
    """Stacked ``b @ inv(a)`` without forming the inverse."""
    return np.swapaxes(_solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _g_matrix(a0: FloatArray, a1: FloatArray, a2: FloatArray) -> FloatArray:
    """Minimal solution ``G`` of ``A2 + A1 G + A0 G^2 = 0`` by logarithmic reduction.

    Stacked over the leading axis; each member stops iterating once the probability mass
    ``T 1`` still to be distributed (paths that have not yet returned) is below ``1e-17``.
    """
    m = a0.shape[-1]
    neg_a1 = -a1
    up = _solve(neg_a1, a0)
    down = _solve(neg_a1, np.broadcast_to(a2, a0.shape))
    g: FloatArray = down.copy()
    t = up.copy()
    eye = np.eye(m)
    active = np.arange(a0.shape[0])
    for _ in range(_LR_MAX_ITER):
        u_, d_, t_ = up[active], down[active], t[active]
        inv = _solve(eye - (_mm(u_, d_) + _mm(d_, u_)), np.broadcast_to(eye, u_.shape))
        both = np.concatenate([_mm(inv, _mm(u_, u_)), _mm(inv, _mm(d_, d_))], axis=-1)
        up[active], down[active] = both[..., :m], both[..., m:]
        g[active] += _mm(t_, both[..., m:])
        t[active] = t_ = _mm(t_, both[..., :m])
        active = active[t_.sum(axis=-1).max(axis=-1) >= 1e-17]
        if active.size == 0:
            break
    return g


def _lq_chunk(ka: int, ks: int, n: int, lam: FloatArray) -> FloatArray:
    """Mean number waiting ``L_q`` for a batch of arrival rates ``lam`` (all > 0)."""
    levels = _structure(n, ks)
    adv, comp = _arrival(ka)
    eye_a = np.eye(ka)
    rate = (ka * lam)[:, None, None]

    def local(b: int) -> FloatArray:
        lv = levels[b]
        d = lv.local.shape[0]
        struct = _kron(eye_a, lv.local) - np.eye(ka * d) * (ks * b)
        out: FloatArray = rate * (_kron(adv, np.eye(d)) - np.eye(ka * d)) + struct
        return out

    def up(b: int) -> FloatArray:
        out: FloatArray = rate * _kron(comp, levels[b].start)
        return out

    def down(b: int) -> FloatArray:
        return _kron(eye_a, levels[b].idle)

    top = levels[n]
    dn = top.local.shape[0]
    a0 = rate * _kron(comp, np.eye(dn))
    a1 = local(n)
    a2 = np.broadcast_to(_kron(eye_a, top.replace), a1.shape)
    r = _solve_right(a0, -(a1 + _mm(a0, _g_matrix(a0, a1, a2))))

    # Linear level reduction: pi[b + 1] = pi[b] @ rs[b].
    m_eff = a1 + _mm(r, a2)
    rs: list[FloatArray] = [np.empty(0)] * n
    for b in range(n - 1, -1, -1):
        rs[b] = _solve_right(up(b), -m_eff)
        m_eff = local(b) + _mm(rs[b], down(b + 1))

    # Level 0 (ka states): pi0 @ m_eff = 0 with pi0 @ 1 = 1.
    sys = m_eff.copy()
    sys[..., :, -1] = 1.0
    rhs = np.zeros((lam.size, ka, 1))
    rhs[:, -1, 0] = 1.0
    pi = _solve(np.swapaxes(sys, -1, -2), rhs)[..., 0]
    mass = pi.sum(axis=-1)
    for b in range(n):
        pi = np.einsum("ki,kij->kj", pi, rs[b])
        if b < n - 1:
            mass = mass + pi.sum(axis=-1)
    eye_r = np.eye(r.shape[-1])
    ones = np.ones((lam.size, r.shape[-1], 1))
    y = _solve(eye_r - r, ones)[..., 0]  # (I - R)^-1 1
    z = _solve(eye_r - r, y[..., None])[..., 0]  # (I - R)^-2 1
    mass = mass + np.einsum("ki,ki->k", pi, y)
    lq = np.einsum("ki,kij,kj->k", pi, r, z)
    out: FloatArray = lq / mass
    return out


@functools.cache
def _controller() -> ThreadpoolController:
    """Made once: a controller scans the loaded libraries, which costs about 2 ms."""
    return ThreadpoolController()


def single_thread() -> Any:
    """A context pinning BLAS to one thread: faster here, and the same bits in every run
    (a multithreaded BLAS may sum in another order from one run to the next)."""
    return _controller().limit(limits=1, user_api="blas")


def wait_ratio_ctmc(ka: int, ks: int, n: int, rho: FloatArray) -> FloatArray:
    """Exact ``W_q / E[S]`` of the Ek_a/Ek_s/n queue at each ``rho`` (validated by caller).

    Parameters
    ----------
    ka, ks : int
        Erlang orders of the interarrival and service times (1 = exponential).
    n : int
        Number of servers.
    rho : ndarray
        One-dimensional array of occupancies in ``[0, 1)``.

    Returns
    -------
    ndarray
        ``W_q / E[S] = L_q / (n rho)`` (Little's law, ``E[S] = 1``); 0 where ``rho == 0``.
    """
    out = np.zeros(rho.shape)
    pos = np.flatnonzero(rho > 0.0)
    if pos.size == 0:
        return out
    # Small dense products: multithreaded BLAS is 10-20x slower here than one thread (n >= 60
    # took 20-40 s instead of 1-3 s on this 2-core machine), so pin BLAS to one thread.
    with single_thread():
        for i in range(0, pos.size, _CHUNK):
            idx = pos[i : i + _CHUNK]
            lam = n * rho[idx]
            out[idx] = _lq_chunk(ka, ks, n, lam) / lam
    return out

"""Monotone piecewise-cubic Hermite interpolation (PCHIP) on a fixed grid, in numpy alone.

The same interpolant as :class:`scipy.interpolate.PchipInterpolator` (Fritsch–Carlson
derivatives: weighted harmonic means inside, the shape-preserving three-point formula at the
ends; ``tests/capacity/test_pchip.py`` checks it against SciPy to 1e-12). Written here because
importing ``scipy.interpolate`` costs about half a second, more than a whole Liaoning solve,
and only this one interpolant is needed at run time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Pchip:
    """The PCHIP interpolant through ``(x, y)``, ``x`` strictly increasing."""

    def __init__(self, x: FloatArray, y: FloatArray) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.d = _derivatives(self.x, self.y)

    def __call__(self, at: npt.ArrayLike) -> FloatArray:
        """Values at ``at`` (inside ``[x[0], x[-1]]``)."""
        t = np.asarray(at, dtype=float)
        i = np.clip(np.searchsorted(self.x, t, side="right") - 1, 0, len(self.x) - 2)
        h = self.x[i + 1] - self.x[i]
        s = (t - self.x[i]) / h
        y0, y1, d0, d1 = self.y[i], self.y[i + 1], self.d[i] * h, self.d[i + 1] * h
        h00 = (1 + 2 * s) * (1 - s) ** 2
        h10 = s * (1 - s) ** 2
        h01 = s**2 * (3 - 2 * s)
        h11 = s**2 * (s - 1)
        return np.asarray(h00 * y0 + h10 * d0 + h01 * y1 + h11 * d1, dtype=float)


def _derivatives(x: FloatArray, y: FloatArray) -> FloatArray:
    h = np.diff(x)
    m = np.diff(y) / h
    d = np.zeros_like(y)
    if len(x) == 2:
        d[:] = m[0]
        return d
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    flat = (np.sign(m[1:]) != np.sign(m[:-1])) | (m[1:] == 0) | (m[:-1] == 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = (w1 / m[:-1] + w2 / m[1:]) / (w1 + w2)
        d[1:-1] = np.where(flat, 0.0, 1.0 / mean)
    d[0] = _edge(h[0], h[1], m[0], m[1])
    d[-1] = _edge(h[-1], h[-2], m[-1], m[-2])
    return d


def _edge(h0: float, h1: float, m0: float, m1: float) -> float:
    """One-sided three-point derivative, kept shape-preserving (as SciPy's ``_edge_case``)."""
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3 * m0):
        return float(3 * m0)
    return float(d)

"""The figures' common style: fixed size, dpi and rcParams, and deterministic PNG bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["DPI", "RC", "WIDE", "WIDTH", "empty", "figure", "png_bytes", "style", "years_axis"]

DPI = 100
WIDTH = 10.0  # inches; heights grow with the content (rows of bars or panels)
WIDE = 13.0  # inches: charts with long labels or many panels (1,300 px, within a 1,400 px page)
RC: dict[str, Any] = {"svg.hashsalt": "berthplan", "font.family": "DejaVu Sans", "font.size": 8.5}
RC |= {"axes.titlesize": 9.5, "figure.dpi": DPI, "savefig.dpi": DPI}
"""rcParams over matplotlib's default style, for every figure (fixed: deterministic output)."""


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.style.context(["default", RC]):
        yield


def figure(height: float, width: float = WIDTH) -> Figure:
    """A constrained-layout figure of ``width`` x ``height`` inches with its own Agg canvas."""
    fig = Figure(figsize=(width, round(height, 2)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, deterministic (fixed dpi, no ``Software`` metadata)."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def years_axis(ax: Axes, years: list[int], offset: float = 0.0, most: int = 16) -> None:
    """Year ticks (at ``year + offset``), every k-th year so that at most ``most`` show."""
    ticks = years[:: max(1, math.ceil(len(years) / most))]
    ax.set_xticks([y + offset for y in ticks], labels=[str(y) for y in ticks])


def empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.4")
    ax.set_axis_off()

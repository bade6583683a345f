"""The frontier's chart, ``DIR/frontier.png`` of ``berthplan frontier`` (numbers in, PNG out)."""

from __future__ import annotations

import io
from pathlib import Path

from berthplan.results import atomic

__all__ = ["plot"]


def plot(
    points: list[tuple[float, float | None]],
    xlabel: str,
    money_unit: str,
    path: Path,
    baseline: tuple[float, float] | None = None,
) -> None:
    """Cost against target, unreachable targets (cost None) and the baseline marked, as a PNG.

    ``points`` and ``baseline`` are (target, cost) in the axis's units (Agg backend: no
    display needed, and no global matplotlib state touched).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ok = [(x, y) for x, y in points if y is not None]
    ax.plot([x for x, _ in ok], [y for _, y in ok], "o-", label="optimal cost")
    if baseline is not None:
        ax.plot(*baseline, "s", color="tab:green", label="baseline (target not forced)")
    for n, x in enumerate(x for x, y in points if y is None):
        ax.axvline(x, color="tab:red", ls=":", label="unreachable" if n == 0 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"total discounted cost ({money_unit})")
    ax.set_title("Cost–target frontier")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    atomic.write_bytes(path, buffer.getvalue())

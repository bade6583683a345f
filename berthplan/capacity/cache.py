"""A small on-disk cache of computed queue tables and occupancy limits.

Building a W/S table or finding rho*(n) takes 5-50 ms of exact Markov-chain solves per (model,
n), which a plan with a few dozen pools pays on every run (and every sweep worker pays again).
Results are stored as ``.npy`` files under ``$BERTHPLAN_CACHE`` (default
``$XDG_CACHE_HOME/berthplan`` or ``~/.cache/berthplan``), in a folder named after
``VERSION``: bump it whenever a computation changes. ``BERTHPLAN_CACHE=off`` disables it.
Values are stored bit for bit, so a cached run gives the same bytes as a computed one; a cache
that cannot be read or written is silently skipped (it only saves time).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

VERSION = "2"  # 2: tables built with a fixed barycentric permutation


def directory() -> Path | None:
    """The cache folder, or None when the cache is off."""
    setting = os.environ.get("BERTHPLAN_CACHE", "")
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    if setting:
        root = Path(setting)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "berthplan"
    return root / f"capacity-v{VERSION}"


def cached(key: str, compute: Callable[[], FloatArray]) -> FloatArray:
    """``compute()``, read from the cache when present and stored there when not."""
    folder = directory()
    path = None if folder is None else folder / f"{hashlib.sha256(key.encode()).hexdigest()}.npy"
    if path is not None:
        try:
            return np.asarray(np.load(path, allow_pickle=False), dtype=float)
        except (OSError, ValueError):
            pass
    value = np.asarray(compute(), dtype=float)
    if path is not None:
        _store(path, value)
    return value


def _store(path: Path, value: FloatArray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.save(f, value, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        return

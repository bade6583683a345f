"""The on-disk cache of queue tables and occupancy limits: same bits, off switch, no failure."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from berthplan.capacity import cache


def test_a_cached_value_is_the_computed_one_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BERTHPLAN_CACHE", str(tmp_path))
    calls: list[int] = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.array([1 / 3, np.pi, 1e-300])

    first = cache.cached("key a", compute)
    second = cache.cached("key a", compute)
    assert calls == [1]
    assert first.tobytes() == second.tobytes()
    assert len(list((tmp_path / f"capacity-v{cache.VERSION}").glob("*.npy"))) == 1


def test_off_computes_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERTHPLAN_CACHE", "off")
    assert cache.directory() is None
    calls: list[int] = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.zeros(1)

    for _ in range(2):
        cache.cached("key b", compute)
    assert calls == [1, 1]


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("BERTHPLAN_CACHE", str(blocked / "sub"))
    assert cache.cached("key c", lambda: np.ones(2)).tolist() == [1.0, 1.0]


def test_a_corrupt_entry_is_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERTHPLAN_CACHE", str(tmp_path))
    cache.cached("key d", lambda: np.ones(3))
    (entry,) = (tmp_path / f"capacity-v{cache.VERSION}").glob("*.npy")
    entry.write_bytes(b"garbage")
    assert cache.cached("key d", lambda: np.full(3, 2.0)).tolist() == [2.0, 2.0, 2.0]
    assert os.path.getsize(entry) > len(b"garbage")  # rewritten


def test_max_occupancy_is_the_same_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from berthplan.capacity import max_occupancy

    monkeypatch.setenv("BERTHPLAN_CACHE", "off")
    computed = max_occupancy("E2/E2/n", 7, 0.1)
    monkeypatch.setenv("BERTHPLAN_CACHE", str(tmp_path))
    assert max_occupancy("E2/E2/n", 7, 0.1) == computed  # stored
    assert max_occupancy("E2/E2/n", 7, 0.1) == computed  # read back


def test_computed_tables_are_the_same_bits_in_every_process() -> None:
    # SciPy's barycentric weights use a random permutation unless given a generator: without a
    # fixed one, capacities differed in the last bits from run to run (and so tied plans).
    import subprocess
    import sys

    code = (
        "import hashlib; from berthplan.capacity import max_occupancy; "
        "from berthplan.capacity.queues import _table; "
        "r = ''.join(max_occupancy(m, n, 0.2).hex() for m in ('E2/E2/n', 'M/E2/n') for n in (2, 9)); "
        "print(hashlib.sha256(r.encode() + _table('E2/E2/n', 9)[2].tobytes()).hexdigest())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "BERTHPLAN_CACHE": "off", "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(runs) == 1

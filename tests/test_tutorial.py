"""docs/tutorial.md runs: its ``python`` cells in order, in one namespace, in a fresh folder.

The ``text`` block right after a cell is that cell's printed output, compared exactly; a few
figures the prose states are asserted from the namespace too.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

TUTORIAL = Path(__file__).parent.parent / "docs" / "tutorial.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def cells(text: str) -> list[tuple[str, str | None]]:
    """Each ``python`` block with the ``text`` block that follows it (None when none does)."""
    blocks = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(text)]
    out: list[tuple[str, str | None]] = []
    for i, (lang, body) in enumerate(blocks):
        if lang == "python":
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            out.append((body, after[1] if after and after[0] == "text" else None))
    return out


def test_cells_are_found() -> None:
    found = cells(TUTORIAL.read_text(encoding="utf-8"))
    assert len(found) == 9
    assert all(expected is not None for _, expected in found)  # every cell shows its output


def test_the_tutorial_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files the tutorial writes land here
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    for n, (code, expected) in enumerate(cells(TUTORIAL.read_text(encoding="utf-8")), start=1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{TUTORIAL.name}, cell {n}", "exec"), namespace)
        if expected is not None:
            assert out.getvalue() == expected, f"cell {n}:\n{code}"
    ns = namespace
    assert ns["plan"].status == "optimal"
    assert ns["plan"].objective == pytest.approx(37762.374, abs=1e-3)
    assert ns["cut_plan"].objective == pytest.approx(39467.048, abs=1e-3)
    assert ns["m"]["objective"] == pytest.approx(90.0)  # the hand-solved RP, VSS and EVPI
    assert (ns["m"]["vss"], ns["m"]["evpi"]) == (pytest.approx(10.0), pytest.approx(40.0))
    assert (tmp_path / "plans" / "liaoning" / "solve.json").is_file()
    assert (tmp_path / "liaoning.xlsx").stat().st_size > 0
    assert (tmp_path / "capacity.png").read_bytes().startswith(b"\x89PNG")

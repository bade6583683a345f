"""Determinism: the same input gives the same bytes, and both backends the same optimum.

Two solves and writes of one instance with one backend must give byte-identical CSV tables
(results.md: "the same decisions always give the same bytes"); solve.json is left out, it
carries wall times. highs and pulp:cbc must agree on the objective of every hand-solved tiny
instance and of the example instance.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_hand_solved import BACKENDS, TINY

import berthplan

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "instances" / "example.yaml"
INSTANCES = [*sorted(TINY.glob("*.yaml")), EXAMPLE]
CSV_NAMES = {"projects.csv", "routes.csv", "capacity.csv", "spend.csv", "kpis.csv", "targets.csv"}


def _id(path: Path) -> str:
    return path.stem if path.parent == TINY else f"instances/{path.name}"


def _csvs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.mark.parametrize(
    ("path", "backend"),
    [
        pytest.param(path, backend, id=f"{_id(path)}-{backend}")
        for path in INSTANCES
        for backend in BACKENDS
    ],
)
def test_two_solves_write_identical_csvs(path: Path, backend: str, tmp_path: Path) -> None:
    folders = []
    for run in ("first", "second"):
        plan = berthplan.solve(berthplan.load(path), backend)
        folder = tmp_path / run
        plan.write(folder)
        folders.append(folder)
    first, second = (_csvs(f) for f in folders)
    assert set(first) >= CSV_NAMES, sorted(first)
    assert set(first) == set(second)
    for name in sorted(first):
        assert first[name] == second[name], f"{name} differs between two solves"


@pytest.mark.parametrize("path", [pytest.param(p, id=_id(p)) for p in INSTANCES])
def test_backends_agree_on_the_objective(path: Path) -> None:
    inst = berthplan.load(path)
    highs, cbc = (berthplan.solve(inst, b) for b in BACKENDS)
    assert highs.status == cbc.status
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-6)

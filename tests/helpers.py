"""Shared helpers of the tests: data paths, expectations, the CLI runner, fixed-schedule LPs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner, Result

from berthplan.backends import Options, Status, get
from berthplan.cli import main
from berthplan.model.instance import Instance
from berthplan.optimization.formulation import build
from berthplan.results.outcome import Decisions

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
VALID = DATA / "valid"
EXAMPLE = VALID / "example.yaml"

EXPECT_PREFIX = "# expect: "
MARKER = "# <-- error"
"""A trailing comment on the line an invalid file's message must point at."""

# Files that cannot carry an `# expect:` line (JSON has no comments; a zero-byte file is empty):
# expected substring and, where meaningful, the line of the message.
MODULE_EXPECTATIONS: dict[str, tuple[str, int | None]] = {
    "json-syntax-error.json": ("JSON syntax error: Expecting value", 279),
    "json-unknown-field.json": ("projects[p2-ore-1].captex: unknown field 'captex'", 114),
    "json-unknown-field-tab-indented.json": (
        "projects[p2-ore-1].captex: unknown field 'captex'",
        114,
    ),
    "json-duplicate-key.json": ("projects[p2-ore-1].duration: duplicate key", 115),
    "zero-bytes.yaml": ("an instance file must be a mapping of fields", 1),
}


def invalid_files() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if p.suffix in (".yaml", ".json"))


def expectation(path: Path) -> tuple[str, int | None]:
    """Expected message substring of an invalid file and the line it must be reported at.

    The line is that of the ``# <-- error`` marker (or the module table); None where the file
    marks no line.
    """
    if path.name in MODULE_EXPECTATIONS:
        return MODULE_EXPECTATIONS[path.name]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith(EXPECT_PREFIX), f"{path.name}: no '{EXPECT_PREFIX}' line"
    marked = [n for n, text in enumerate(lines, start=1) if text.rstrip().endswith(MARKER)]
    assert len(marked) <= 1, f"{path.name}: more than one error marker"
    return lines[0][len(EXPECT_PREFIX) :].strip(), (marked[0] if marked else None)


def message_lines(rendered: str, expected: str) -> list[str]:
    """The rendered lines that contain the expected substring."""
    return [line for line in rendered.splitlines() if expected in line]


def invoke(*args: str) -> Result:
    """Run the ``berthplan`` CLI in-process, with exceptions caught (as a user would see them)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


class FixedSchedules:
    """The MILP of an instance, built once, solved as an LP with its binaries fixed.

    ``feasible(decisions)`` fixes the start and opening binaries to the schedule and lets HiGHS
    solve what is left: an LP, or a small MILP where queue pools keep their berth-count levels
    integer. A start or opening year that has no column (outside its window) is infeasible by
    construction.
    """

    def __init__(self, inst: Instance) -> None:
        self.built = build(inst)
        self.arrays = self.built.model.arrays()
        s = self.built.sets
        xj, xs = s.x_cols
        zr, zt = s.z_cols
        self.x_keys = [(s.projects[j].id, int(y)) for j, y in zip(xj, xs, strict=True)]
        self.z_keys = [(s.candidates[r].id, int(y)) for r, y in zip(zr, zt, strict=True)]
        self.relaxed = self.arrays.integer.copy()  # the fixed binaries need no integrality
        self.relaxed[self.built.x.cols] = False
        self.relaxed[self.built.z.cols] = False

    def feasible(self, decisions: Decisions) -> bool:
        lb, ub = self.arrays.lb.copy(), self.arrays.ub.copy()
        placed = 0
        for start, keys, chosen in (
            (self.built.x.start, self.x_keys, decisions.starts),
            (self.built.z.start, self.z_keys, decisions.opens),
        ):
            for k, (ident, year) in enumerate(keys):
                on = chosen[ident] == year
                lb[start + k] = ub[start + k] = float(on)
                placed += on
        decided = [*decisions.starts.values(), *decisions.opens.values()]
        if placed != sum(year is not None for year in decided):
            return False
        fixed = replace(self.arrays, lb=lb, ub=ub, integer=self.relaxed)
        result = get("highs").solve(fixed, Options(verbose=False))
        return result.status == Status.OPTIMAL


def feasible_fixed(inst: Instance, decisions: Decisions) -> bool:
    """Whether the model of ``inst`` with its binaries fixed to ``decisions`` is feasible."""
    return FixedSchedules(inst).feasible(decisions)

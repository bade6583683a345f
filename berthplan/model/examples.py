"""The example files shipped in the package, reachable by name.

The files live in ``berthplan/examples/`` (package data, in the wheel). In a checkout each is a
symbolic link to the file the repository keeps at its usual place (``instances/``,
``scenarios/liaoning/``, ``tests/data/uncertainty/``), so there is one copy in git and the
README's paths keep working; building the wheel copies the linked files' content.

:func:`resolve` is the one place where a name stands for a file: :func:`berthplan.load` (and
so every command that takes an instance FILE) reads the shipped example ``NAME`` when no file
of that name exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXAMPLES", "Example", "example", "resolve"]

FOLDER = Path(__file__).resolve().parent.parent / "examples"
"""Where the shipped example files are (``berthplan/examples/``)."""


@dataclass(frozen=True)
class Example:
    """A shipped example file.

    Attributes
    ----------
    name : str
        Its name (the file is ``NAME.yaml``).
    kind : str
        ``instance``, ``scenario`` (for ``--scenario``) or ``uncertainty`` (for
        ``--uncertainty``).
    description : str
        One line saying what it is.
    """

    name: str
    kind: str
    description: str

    @property
    def path(self) -> Path:
        """The shipped file."""
        return FOLDER / f"{self.name}.yaml"


EXAMPLES: dict[str, Example] = {
    e.name: e
    for e in (
        Example(
            "liaoning-2023",
            "instance",
            "Liaoning Province's 2023-2030 plan: 6 ports, 31 projects, 44 candidate routes, "
            "berths sized by service level (the flagship)",
        ),
        Example(
            "liaoning-2023-design-capacity",
            "instance",
            "the Liaoning plan with fixed design capacities instead of queue pools",
        ),
        Example(
            "example", "instance", "every field of the instance format: two ports, five projects"
        ),
        Example(
            "tiny-in-service", "instance", "one project: capacity counts from start + duration"
        ),
        Example("tiny-requires", "instance", "a terminal that needs its channel finished first"),
        Example("tiny-depth", "instance", "a deep-sea route that waits for dredging"),
        Example(
            "tiny-two-stage",
            "instance",
            "two projects under uncertain demand (use with tiny-two-stage-demand)",
        ),
        Example(
            "tiny-two-stage-demand",
            "uncertainty",
            "low and high demand, equally likely, for tiny-two-stage (--uncertainty)",
        ),
        Example(
            "liaoning-budget-minus-20",
            "scenario",
            "Liaoning: the 2023-2025 capex budget cut by 20 % (--scenario)",
        ),
        Example(
            "liaoning-teu-plus-10",
            "scenario",
            "Liaoning: container targets from 2026 on 10 % higher (--scenario)",
        ),
    )
}
"""Every shipped example by name, in the order ``berthplan example --list`` shows them."""


def example(name: str) -> Example:
    """The shipped example ``name``.

    Raises
    ------
    KeyError
        When no example has that name.
    """
    return EXAMPLES[name]


def resolve(path: str | Path, kind: str = "instance") -> str | Path:
    """``path`` itself, or the shipped example of that name when no such file exists.

    Parameters
    ----------
    path : str or Path
        A file path, or the name of a shipped example (``liaoning-2023``; ``.yaml`` may be
        given).
    kind : str
        Only examples of this kind stand in for a missing file.

    Returns
    -------
    str or Path
        ``path`` unchanged when it exists or names no example of ``kind``; else the example's
        file.
    """
    text = str(path)
    if "/" in text or os.sep in text or _exists(Path(text)):
        return path  # a path, or a file of that name: never an example
    found = EXAMPLES.get(text.removesuffix(".yaml"))
    if found is None or found.kind != kind:
        return path
    return found.path


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, say: the loader reports it as for any file
        return True

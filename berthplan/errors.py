"""Errors a user can act on: every problem of an instance file, located, reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]

# The documented exit codes (docs/design and README): one meaning each, for every command.
EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER = 0, 1, 2, 3, 4
SHOWN_ERRORS = 12
"""At most this many of a small file's validation errors are listed in one message."""


@dataclass(frozen=True, order=True)
class Issue:
    """One problem of an instance, at a place in the file.

    ``path`` addresses the offending value in the raw document (list positions as ints); the
    loader turns it into ``FILE:LINE: projects[ID].field`` using the ids and line marks it kept.
    """

    line: int
    location: str
    message: str


class InstanceError(Exception):
    """An instance file that cannot be used, with every problem found in it."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = sorted(set(issues))
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for i in self.issues:
            where = f"{self.source}:{i.line}" if i.line else self.source
            lines.append(
                f"{where}: {i.location}: {i.message}" if i.location else f"{where}: {i.message}"
            )
        return "\n".join(lines)


class UsageError(Exception):
    """A bad option, override or profile: reported as ``location: message``, exit code 2."""

    @classmethod
    def from_validation(cls, source: object, error: Any, what: str) -> UsageError:
        """One message for a small file's pydantic errors (``key.sub: message; ...``).

        At most :data:`SHOWN_ERRORS` are listed, then how many more there are: a wrong kind of
        file gives hundreds, and the first few say what is wrong.
        """
        errors = error.errors()
        problems = "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or what}: "
            + ("unknown key" if err["type"] == "extra_forbidden" else err["msg"]).removeprefix(
                "Value error, "
            )
            for err in errors[:SHOWN_ERRORS]
        )
        more = len(errors) - SHOWN_ERRORS
        return cls(f"{source}: {problems}" + (f"; and {more} more" if more > 0 else ""))

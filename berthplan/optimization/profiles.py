"""Solver profiles: a backend name plus its options, built in or read from a TOML file.

``--solver highs`` picks the built-in profile of a registered backend (a proven optimum: gap 0);
``--solver solvers/highs-fast.toml`` reads a user's profile::

    backend = "highs"        # a registered backend name
    time_limit = 60          # seconds
    gap = 0.01               # relative MIP gap
    threads = 2
    seed = 1
    verbose = true
    [extra]                  # passed through to the backend; unknown keys are its error
    mip_heuristic_effort = 0.2

Unknown top-level keys are errors, never ignored.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from berthplan.backends import Options, factory
from berthplan.errors import UsageError


class Profile(BaseModel):
    """A backend with its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = Field(description="Registered backend name, e.g. highs, pulp:cbc.")
    time_limit: Annotated[float, Field(gt=0)] | None = Field(None, description="Seconds.")
    gap: Annotated[float, Field(ge=0, le=1)] = Field(0.0, description="Relative MIP gap.")
    threads: Annotated[int, Field(ge=1)] | None = Field(None, description="Solver threads.")
    seed: Annotated[int, Field(ge=0)] | None = Field(None, description="Random seed.")
    verbose: bool = Field(True, description="Let the solver write its log.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Backend-specific options.")

    def options(self, **overrides: Any) -> Options:
        """The profile's options, with the non-None ``overrides`` (CLI flags) applied."""
        values = self.model_dump(exclude={"backend"}) | {
            k: v for k, v in overrides.items() if v is not None
        }
        return Options(**values)


def builtin(name: str) -> Profile:
    """The built-in profile of a registered backend: a proven optimum (gap 0)."""
    factory(name)  # raises for an unknown name
    return Profile(backend=name)


def read_profile(path: str | Path) -> Profile:
    """Read a TOML profile; every problem is a :class:`UsageError` naming the file and key."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"{p}: cannot read solver profile ({e.strerror})") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{p}: TOML syntax error: {e}") from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as e:
        raise UsageError.from_validation(p, e, "profile") from None
    try:
        factory(profile.backend)
    except UsageError as e:
        raise UsageError(f"{p}: backend: {e}") from None
    return profile


def resolve(solver: str) -> Profile:
    """A backend name or a profile file, as a profile."""
    if solver.endswith(".toml") or Path(solver).is_file():
        return read_profile(solver)
    return builtin(solver)

"""Solver profiles: a backend name plus its options, built in or read from a TOML file.

``--solver highs`` picks the built-in profile of a registered backend (a proven optimum: gap 0);
``--solver highs-fast`` reads a profile shipped in ``berthplan/solvers/``, and
``--solver my-profile.toml`` a user's profile file::

    backend = "highs"        # a registered backend name
    time_limit = 60          # seconds
    gap = 0.01               # relative MIP gap
    threads = 2
    seed = 1
    verbose = true
    heuristic = "auto"       # RENS before the full solve: auto (big models), on, off, beside
    [extra]                  # passed through to the backend; unknown keys are its error
    mip_heuristic_effort = 0.2

Unknown top-level keys are errors, never ignored.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from berthplan.backends import Options, factory, names
from berthplan.errors import UsageError
from berthplan.model.io import read_text


class Profile(BaseModel):
    """A backend with its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = Field(description="Registered backend name, e.g. highs, pulp:cbc.")
    time_limit: Annotated[float, Field(gt=0)] | None = Field(None, description="Seconds.")
    gap: Annotated[float, Field(ge=0, le=1)] = Field(0.0, description="Relative MIP gap.")
    threads: Annotated[int, Field(ge=1)] | None = Field(None, description="Solver threads.")
    seed: Annotated[int, Field(ge=0)] | None = Field(None, description="Random seed.")
    verbose: bool = Field(True, description="Let the solver write its log.")
    heuristic: Literal["auto", "on", "off", "beside"] = Field(
        "auto",
        description="Find a plan first with RENS (berthplan.optimization.primal) and hand it "
        "to the full solve as a start and cutoff: auto (models with at least "
        "primal.MIN_INTEGERS integer columns, backends that take a start), on or off; "
        "beside: run them in a second thread beside the full solve, which takes each plan "
        "as it comes (berthplan.optimization.alongside; highs, with a time limit).",
    )
    extra: dict[str, Any] = Field(default_factory=dict, description="Backend-specific options.")

    @field_validator("extra")
    @classmethod
    def _no_files(cls, extra: dict[str, Any]) -> dict[str, Any]:
        # A profile is data a user may be handed: it must not make the solver write (or read)
        # files of its choosing (HiGHS's log_file, solution_file, write_model_file, ...).
        for key in extra:
            if any(word in key.lower() for word in ("file", "path", "dir", "write", "read")):
                raise ValueError(
                    f"'{key}' names a file or makes the solver write one; profiles may not set "
                    "such options (berthplan writes solver.log itself)"
                )
        return extra

    def options(self, **overrides: Any) -> Options:
        """The profile's options, with the non-None ``overrides`` (CLI flags) applied."""
        values = self.model_dump(exclude={"backend", "heuristic"}) | {
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
        data = tomllib.loads(read_text(p))
    except OSError as e:
        raise UsageError(f"{p}: cannot read solver profile ({e.strerror or e})") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{p}: cannot read solver profile (not UTF-8 text: {e.reason})") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{p}: TOML syntax error: {e}") from None
    except ValueError as e:
        raise UsageError(f"{p}: cannot read solver profile ({e})") from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as e:
        raise UsageError.from_validation(p, e, "profile") from None
    try:
        factory(profile.backend)
    except UsageError as e:
        raise UsageError(f"{p}: backend: {e}") from None
    return profile


def shipped() -> dict[str, Path]:
    """The profiles shipped with berthplan (``berthplan/solvers/*.toml``), by name."""
    folder = Path(__file__).resolve().parent.parent / "solvers"
    return {f.stem: f for f in sorted(folder.glob("*.toml"))}


def resolve(solver: str) -> Profile:
    """A backend name, a shipped profile's name (``highs-fast``) or a profile file."""
    if solver.endswith(".toml") or Path(solver).is_file():
        return read_profile(solver)
    profiles = shipped()
    if solver in profiles and solver not in names():
        return read_profile(profiles[solver])
    try:
        return builtin(solver)
    except UsageError as e:
        known = f"; shipped profiles: {', '.join(profiles)}" if profiles else ""
        raise UsageError(f"{e}{known}") from None

"""Decisions frozen before a year: what a plan has committed to and can no longer change.

A :class:`Commitment` says, for one year ``before``, which projects start and which routes
open before it, and that nothing else does. Applied to an instance's raw data (by a
scenario's ``commit`` section), it narrows every window so that the solver can only repeat
those early decisions and choose the later ones freely:

- a project committed to start in year ``s``: its window becomes ``[s, s]`` and it must be
  built (an ongoing project keeps its record; its ``start`` is set to ``s``);
- any other project: its window starts no earlier than ``before``; if the window ends before
  ``before`` it is skipped (a committed-stage project that must have started is an error);
- routes likewise with opening years.

It serves the two-stage plan (the here-and-now decisions), ``evaluate`` (a plan's commitments
under another demand) and ``replan`` (everything started before the re-planning year).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from berthplan.errors import UsageError
from berthplan.model.instance import open_window, start_window
from berthplan.model.records import Horizon, Project, Route


class Commitment(BaseModel):
    """Decisions taking effect before ``before``: starts and openings; nothing else then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    before: Annotated[int, Field(ge=1000, le=9999)]
    starts: dict[str, int] = Field(default_factory=dict)
    opens: dict[str, int] = Field(default_factory=dict)


def freeze(data: dict[str, Any], commit: Commitment) -> None:
    """Narrow the windows in raw instance ``data`` (in place) to ``commit``'s decisions."""
    horizon = Horizon.model_validate(data.get("horizon"))
    projects = _by_id(data.get("projects", []), "projects")
    routes = _by_id(data.get("routes", []), "routes")
    _unknown(commit.starts, projects, "project")
    _unknown(commit.opens, routes, "route")
    for ident, raw in projects.items():
        _freeze_project(raw, horizon, commit, ident)
    for ident, raw in routes.items():
        if raw.get("status") == "candidate":
            _freeze_route(raw, horizon, commit, ident)
    for ident in commit.opens:
        if routes[ident].get("status") != "candidate":
            raise UsageError(f"commit.opens.{ident}: only a candidate route opens")


def _by_id(items: Any, section: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        raise UsageError(f"{section}: not a list")
    return {str(x["id"]): x for x in items if isinstance(x, dict) and "id" in x}


def _unknown(named: dict[str, int], known: dict[str, Any], what: str) -> None:
    missing = sorted(set(named) - set(known))
    if missing:
        raise UsageError(f"commit: no {what} {', '.join(repr(m) for m in missing)}")


def _freeze_project(raw: dict[str, Any], horizon: Horizon, commit: Commitment, ident: str) -> None:
    project = Project.model_validate(raw)
    lo, hi = start_window(horizon, project)
    year = commit.starts.get(ident)
    if year is not None:
        if year >= commit.before:
            raise UsageError(
                f"commit.starts.{ident}: {year} is not before the commitment year {commit.before}"
            )
        if project.stage == "ongoing":
            raw["start"] = year
        else:
            raw.update(earliest_start=year, latest_start=year, decision="build")
        return
    if project.stage == "ongoing" or lo >= commit.before:
        return
    if hi < commit.before:
        if project.committed:
            raise UsageError(
                f"commit: committed project {ident!r} must start in {lo}-{hi}, before "
                f"{commit.before}, but the commitment does not start it"
            )
        raw["decision"] = "skip"
        return
    raw.update(earliest_start=commit.before, latest_start=hi)


def _freeze_route(raw: dict[str, Any], horizon: Horizon, commit: Commitment, ident: str) -> None:
    route = Route.model_validate(raw)
    lo, hi = open_window(horizon, route)
    year = commit.opens.get(ident)
    if year is not None:
        if year >= commit.before:
            raise UsageError(
                f"commit.opens.{ident}: {year} is not before the commitment year {commit.before}"
            )
        raw.update(earliest_open=year, latest_open=year, decision="open")
        return
    if lo >= commit.before:
        return
    if hi < commit.before:
        if route.decision == "open":
            raise UsageError(
                f"commit: route {ident!r} must open in {lo}-{hi}, before {commit.before}, "
                "but the commitment does not open it"
            )
        raw["decision"] = "skip"
        return
    raw.update(earliest_open=commit.before, latest_open=hi)


def commitment_of(
    starts: dict[str, int | None], opens: dict[str, int | None], before: int
) -> Commitment:
    """The commitment of a plan's decisions: those taking effect before ``before``."""
    return Commitment(
        before=before,
        starts={k: v for k, v in sorted(starts.items()) if v is not None and v < before},
        opens={k: v for k, v in sorted(opens.items()) if v is not None and v < before},
    )

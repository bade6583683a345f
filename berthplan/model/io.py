"""Reading instance files: YAML or JSON, safely, with the line of every value kept.

Errors come back as one :class:`~berthplan.errors.InstanceError` listing every problem as
``FILE:LINE: projects[ID].field: message``: syntax errors (:mod:`berthplan.model.parsing`), field
errors from pydantic and the cross-record errors of :mod:`berthplan.model.validate`, all from one
read.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from berthplan.errors import InstanceError, Issue, Path, UsageError
from berthplan.model import records as rec
from berthplan.model.instance import Instance
from berthplan.model.parsing import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_INPUT_MB,
    Document,
    Loader,
    parse_text,
    read_document,
    read_text,
)
from berthplan.model.service import AreaOverride, ServiceLevel
from berthplan.model.validate import cross_check
from berthplan.model.validated import records_from_raw

__all__ = [  # the parsing names stay importable from here, where they used to live
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_INPUT_MB",
    "Document",
    "Loader",
    "derived_instance",
    "field_issues",
    "instance_from_document",
    "load",
    "loads",
    "parse_text",
    "read_document",
    "read_text",
    "validate_instance",
]

# Which record type a list or mapping field holds, to name the allowed fields of a typo.
_OWNER: dict[str, type[BaseModel]] = {
    "horizon": rec.Horizon,
    "penalties": rec.Penalties,
    "ports": rec.Port,
    "areas": rec.Area,
    "berths": rec.Berth,
    "projects": rec.Project,
    "adds": rec.BerthSpec,
    "routes": rec.Route,
    "calls": rec.Call,
    "demand": rec.Demand,
    "targets": rec.Target,
    "budget": rec.Budget,
    "service_levels": ServiceLevel,
}


def _owner(loc: Path) -> type[BaseModel]:
    """The record type whose field ``loc`` names (for a "did you mean" of an unknown key)."""
    for i in range(len(loc) - 2, -1, -1):
        part = loc[i]
        if isinstance(part, str) and part in _OWNER:
            if part == "areas" and "service_levels" in loc[:i]:
                return AreaOverride  # a service level's per-area overrides, not a port's areas
            return _OWNER[part]
    return Instance


def _message(err: Any, loc: Path) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        owner = _owner(loc)
        close = difflib.get_close_matches(key, list(owner.model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown field '{key}'{hint}"
    if kind == "missing":
        return "missing required field"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    msg = msg[0].lower() + msg[1:] if msg else msg
    return msg + _number_hint(err.get("input"))


def _number_hint(given: Any) -> str:
    """Why a number written in YAML arrived as text, where that is the likely cause."""
    if not isinstance(given, str):
        return ""
    text = given.strip()
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS and re.fullmatch(r"[-+]?[0-9_]+", text):
        return f" (an integer of {digits:,} digits: far beyond any value this field takes)"
    if re.fullmatch(r"[-+]?0[0-9_]+", text):
        return f" ('{text}' has a leading zero: write it without, or quote it if text is meant)"
    if re.fullmatch(r"[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+", text):
        return f" (YAML reads '{text}' as text: write it with a dot and a signed exponent, like 1.0e+3)"
    return ""


def field_issues(doc: Document, error: ValidationError) -> list[Issue]:
    """Pydantic's field errors as located issues."""
    out = []
    for err in error.errors():
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or not str(p).startswith("["))
        out.append(doc.issue(loc, _message(err, loc)))
    return out


def instance_from_document(doc: Document) -> Instance:
    """Validate a parsed document: field errors and cross-record errors, all at once."""
    issues: list[Issue] = list(doc.pending)  # duplicate keys, with every other error
    instance: Instance | None = None
    try:
        instance = Instance.model_validate(doc.data)
    except ValidationError as e:
        issues.extend(field_issues(doc, e))
    recs = records_from_raw(doc.data) if instance is None else None
    for path, message in cross_check(instance if instance is not None else recs):
        issues.append(doc.issue(path, message))
    if issues or instance is None:
        raise InstanceError(doc.source, issues)
    instance.mark_cross_checked()
    return instance


def derived_instance(data: dict[str, Any], source: str, head: str) -> Instance:
    """An instance made in code from raw ``data`` (a what-if, a re-planning or foresight
    instance), validated like a file; what is wrong with it is a :class:`UsageError` (exit 2):
    ``head``, then every problem located in ``source``."""
    try:
        return instance_from_document(Document(source, data, {}))
    except InstanceError as e:
        raise UsageError(f"{head}:\n{e.render()}") from None


def load(path: str | FsPath) -> Instance:
    """Load and validate an instance file (YAML or JSON), or a shipped example by name.

    ``path`` that does not exist but names a shipped example instance (``liaoning-2023``,
    :mod:`berthplan.model.examples`) loads that example.

    Raises
    ------
    InstanceError
        With every problem found, each located as ``FILE:LINE: record.field``.
    """
    from berthplan.model.examples import resolve

    return instance_from_document(read_document(resolve(path), collect=True))


def loads(text: str, source: str = "<string>", *, as_json: bool = False) -> Instance:
    """Validate an instance given as YAML or JSON text."""
    return instance_from_document(parse_text(text, source, as_json=as_json, collect=True))


def validate_instance(instance: Instance, source: str = "<instance>") -> Instance:
    """Run the cross-record checks on an instance built in Python (field checks already ran).

    An instance that passed them when it was loaded is not checked again.
    """
    if instance.cross_checked:
        return instance
    doc = Document(source, instance.model_dump(mode="json"), {})
    issues = [doc.issue(p, m) for p, m in cross_check(instance)]
    if issues:
        raise InstanceError(source, issues)
    return instance

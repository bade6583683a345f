"""The path grammar of overrides: a scenario's ``set`` entries and ``--set PATH=VALUE``.

Both share one grammar (:func:`set_path`): dot-separated field names; a list item is addressed
in brackets by its ``id`` (ports, areas, berths, projects, routes), by year for ``budget``, by
``metric:year[:port]`` for ``targets``, by ``scope:cargo:year`` for ``demand``, or by position
``#N`` for any list. Values are YAML scalars (``2026``, ``0.08``, ``true``, ``[a, b]``), read by
:func:`parse_set`. A path that names nothing is a :class:`~berthplan.errors.UsageError` (exit
2). :mod:`berthplan.model.scenario` applies the overrides to an instance.
"""

from __future__ import annotations

from typing import Any

import yaml

from berthplan.errors import UsageError
from berthplan.model.io import Loader


def _key_of(section: str, item: dict[str, Any]) -> set[str]:
    if "id" in item:
        return {str(item["id"])}
    if section == "budget":
        return {str(item.get("year"))}
    if section == "targets":
        base = f"{item.get('metric')}:{item.get('year')}"
        return {f"{base}:{item['port']}"} if item.get("port") else {base}
    if section == "demand":
        return {f"{item.get('port') or item.get('area')}:{item.get('cargo')}:{item.get('year')}"}
    return set()


def _segments(path: str) -> list[str]:
    """Split on dots outside brackets (ids may contain dots)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(path):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "." and depth == 0:
            out.append(path[start:i])
            start = i + 1
    return [*out, path[start:]]


def _split(path: str) -> list[tuple[str, str | None]]:
    parts: list[tuple[str, str | None]] = []
    for seg in _segments(path):
        name, _, rest = seg.partition("[")
        if rest and not rest.endswith("]"):
            raise UsageError(f"{path}: a list key must end with ']'")
        if not name:
            raise UsageError(f"{path}: empty field name")
        parts.append((name, rest[:-1] if rest else None))
    return parts


def _item(path: str, section: str, items: Any, key: str) -> dict[str, Any]:
    if not isinstance(items, list):
        raise UsageError(f"{path}: '{section}' is not a list")
    if key.startswith("#") and key[1:].isdigit():
        i = int(key[1:])
        if i >= len(items):
            raise UsageError(f"{path}: '{section}' has {len(items)} items, no #{i}")
        found: Any = items[i]
    else:
        hits = [x for x in items if isinstance(x, dict) and key in _key_of(section, x)]
        if len(hits) != 1:
            what = "no" if not hits else "more than one"
            raise UsageError(f"{path}: {what} item '{key}' in {section}")
        found = hits[0]
    if not isinstance(found, dict):
        raise UsageError(f"{path}: {section}[{key}] is not a record")
    return found


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (the grammar of the module docstring) in raw instance data, in place."""
    node: Any = data
    parts = _split(path)
    for n, (name, key) in enumerate(parts):
        last = n == len(parts) - 1
        if not isinstance(node, dict):
            raise UsageError(f"{path}: '{name}' is inside a value, not a record")
        if key is not None:
            node = _item(path, name, node.get(name), key)
            if last:
                raise UsageError(f"{path}: a path must end with a field name")
        elif last:
            node[name] = value
        else:
            if name not in node or not isinstance(node[name], dict | list):
                raise UsageError(f"{path}: no record '{name}' here")
            node = node[name]


def parse_set(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line; the value is read as a YAML scalar."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise UsageError(f"--set {text}: expected PATH=VALUE")
    try:  # berthplan's loader: an integer of thousands of digits stays text, as in files
        value = yaml.load(raw, Loader=Loader) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path.strip(), value

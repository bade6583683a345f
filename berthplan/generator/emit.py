"""Instance text: YAML in the style of the example file (one line per small record), or JSON.

The writer is deterministic (fields in record order, floats by ``repr``), so a seed gives the
same bytes on every run.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
_BLOCK_LISTS = {"projects", "routes", "service_levels"}
_FLOW_LISTS = {"berths", "demand", "targets", "budget"}


def clean(value: Any) -> Any:
    """Drop ``None`` values and empty lists from records (their defaults apply)."""
    if isinstance(value, dict):
        return {
            k: clean(v)
            for k, v in value.items()
            if v is not None and not (isinstance(v, list) and not v)
        }
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def number(x: float) -> str:
    """A float as YAML reads it back exactly (PyYAML needs a dot in a float)."""
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = repr(x)
    if "e" in text:
        mantissa, exp = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}e{exp if exp[0] in '+-' else '+' + exp}"
    return text


def scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return number(v)
    text = str(v)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=True)


def flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return scalar(v)


def _block_record(rec: dict[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for n, (k, v) in enumerate(rec.items()):
        lead = f"{indent}- " if n == 0 else f"{indent}  "
        if isinstance(v, list) and v and isinstance(v[0], dict):
            lines.append(f"{lead}{k}:")
            lines += [f"{indent}    - {flow(x)}" for x in v]
        else:
            lines.append(f"{lead}{k}: {flow(v)}")
    return lines


def to_yaml(data: dict[str, Any], header: list[str]) -> str:
    """YAML text of a cleaned instance dict, with ``header`` lines as leading comments."""
    lines = [f"# {h}".rstrip() for h in header]
    for key, value in data.items():
        if key == "ports":
            lines.append("ports:")
            for port in value:
                head = {k: v for k, v in port.items() if k != "areas"}
                lines += _block_record(head, "  ")
                lines.append("    areas:")
                lines += [f"      - {flow(a)}" for a in port["areas"]]
        elif key in _BLOCK_LISTS:
            lines.append(f"{key}:")
            for rec in value:
                lines += _block_record(rec, "  ")
        elif key in _FLOW_LISTS:
            lines.append(f"{key}:")
            lines += [f"  - {flow(rec)}" for rec in value]
        else:
            lines.append(f"{key}: {flow(value)}")
    return "\n".join(lines) + "\n"


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"

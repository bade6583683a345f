"""Parsing instance files: YAML or JSON, safely, with the line of every value kept.

A :class:`Document` is the raw data of a file and the line of each value in it; any syntax
problem is an :class:`~berthplan.errors.InstanceError` located by line. Validation of the data
is :mod:`berthplan.model.io`'s.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path as FsPath
from typing import Any

import yaml

from berthplan.errors import InstanceError, Issue, Path

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_INPUT_MB",
    "Document",
    "FastLoader",
    "Loader",
    "parse_text",
    "read_document",
    "read_text",
]


class Document:
    """A parsed instance file: the raw data and the line of every value in it."""

    def __init__(self, source: str, data: Any, lines: dict[Path, int]) -> None:
        self.source = source
        self.data = data
        self.lines = lines
        self.pending: list[Issue] = []  # found while parsing, reported with validation's

    def line(self, path: Path) -> int:
        """Line of the value at ``path``, or of its nearest ancestor present in the file."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 0

    def location(self, path: Path) -> str:
        """``projects[ID].field`` for a path into the raw data (ids where items have one)."""
        out = ""
        node: Any = self.data
        for part in path:
            if isinstance(part, int):
                item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
                ident = item.get("id") if isinstance(item, dict) else None
                usable = isinstance(ident, int) or (isinstance(ident, str) and _printable(ident))
                out += f"[{ident}]" if usable else f"[{part}]"
                node = item
            else:
                out += f".{part}" if out else str(part)
                node = node.get(part) if isinstance(node, dict) else None
        return out

    def issue(self, path: Path, message: str) -> Issue:
        return Issue(self.line(path), self.location(path), message)


class _AliasError(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


MAX_DEPTH = 32
"""Deepest nesting of mappings and lists read (an instance needs 5): deeper documents are
refused with the line where they pass it, before any recursive step can overflow."""
MAX_DIGITS = 30
"""Longest integer read as a number: a longer one stays text and is refused by validation
(Python refuses to convert integers of thousands of digits, and no field needs them)."""


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _deep_line(text: str) -> int:
    """The first line where brackets or indentation pass :data:`MAX_DEPTH` (else 1)."""
    depth, indents = 0, [0]
    for n, line in enumerate(text.splitlines(), 1):
        body = line.lstrip(" -")
        if body and depth == 0 and not body.startswith("#"):
            indent = len(line) - len(body)
            while len(indents) > 1 and indent < indents[-1]:
                indents.pop()
            if indent > indents[-1]:
                indents.append(indent)
        depth += sum(body.count(c) for c in "[{") - sum(body.count(c) for c in "]}")
        if depth + len(indents) > MAX_DEPTH:
            return n
    return 1


def _too_deep(source: str, line: int) -> InstanceError:
    message = f"nested more than {MAX_DEPTH} levels deep (an instance needs 5)"
    return InstanceError(source, [Issue(line, "", message)])


def _walk(
    node: yaml.Node,
    path: Path,
    lines: dict[Path, int],
    dups: list[tuple[Path, int]],
    seen: set[int],
) -> None:
    # A node met twice is an alias: rejected, which also stops recursive and exploding aliases.
    if id(node) in seen:
        raise _AliasError(node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    seen.add(id(node))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in keys:
                dups.append(((*path, key), key_node.start_mark.line + 1))
            keys.add(key)
            _walk(value_node, (*path, key), lines, dups, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, (*path, i), lines, dups, seen)


class Loader(yaml.SafeLoader):
    """YAML's safe loader, except that digits with a leading zero stay text.

    YAML 1.1 reads ``03747`` as an octal number (2023) and ``0o17`` as 15; a year or a count
    written with a leading zero is far likelier a typo, so it reaches validation as text and is
    refused there with a hint rather than silently changed.
    """


_INT = "tag:yaml.org,2002:int"
Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _INT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """YAML integers, except that one of more than :data:`MAX_DIGITS` digits stays text."""
    text = str(node.value)
    if sum(c.isdigit() for c in text) > MAX_DIGITS:
        return text
    return loader.construct_yaml_int(node)


def _json_int(text: str) -> int | str:
    return text if len(text.lstrip("-")) > MAX_DIGITS else int(text)


Loader.add_constructor(_INT, _int_or_text)


class FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`Loader`'s rules on libyaml's parser (about 30 times faster on a national file).

    Only composing uses it: a document it refuses is parsed again by :class:`Loader`, so every
    error keeps the pure-Python parser's message and line.
    """


FastLoader.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


def _compose_with(loader_type: type[Any], text: str) -> yaml.Node | None:
    loader = loader_type(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def _compose(text: str) -> yaml.Node | None:
    if yaml.__with_libyaml__:
        try:
            return _compose_with(FastLoader, text)
        except yaml.YAMLError:
            pass  # refused: the pure-Python parser below says why, in its own words
    return _compose_with(Loader, text)


def _construct(node: yaml.Node) -> Any:
    loader = Loader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _syntax_error(source: str, e: yaml.MarkedYAMLError) -> InstanceError:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark is not None else 0
    return InstanceError(source, [Issue(line, "", f"YAML syntax error: {e.problem}")])


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a document is parsed.

    Parsing makes a node, a mark and a value per scalar, none of them in a cycle (aliases are
    refused); the collector would otherwise rescan the growing tree again and again (80 % of
    the time of reading a national instance).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_text(
    text: str,
    source: str,
    *,
    as_json: bool = False,
    kind: str = "instance file",
    collect: bool = False,
) -> Document:
    """Parse YAML (or strict JSON) text into a :class:`Document`; syntax errors are located.

    ``kind`` names the file in messages (scenario files are parsed the same way: aliases and
    duplicate keys refused, numbers with a leading zero kept as text). Nesting deeper than
    :data:`MAX_DEPTH` is refused with its line. Duplicate keys are an error here, unless
    ``collect``: then they wait in ``Document.pending`` to be reported with validation's
    errors (all errors at once).
    """
    try:
        with _gc_paused():
            doc = _parse_text(text, source, as_json=as_json, kind=kind)
    except _TooDeep as e:
        raise _too_deep(source, e.line) from None
    except RecursionError:  # the parsers recurse per level: far too deep to even compose
        raise _too_deep(source, _deep_line(text)) from None
    if doc.pending and not collect:
        raise InstanceError(source, doc.pending)
    return doc


def _parse_text(
    text: str, source: str, *, as_json: bool = False, kind: str = "instance file"
) -> Document:
    node: yaml.Node | None = None
    if as_json:
        try:
            data = json.loads(text, parse_int=_json_int)
        except json.JSONDecodeError as e:
            raise InstanceError(
                source, [Issue(e.lineno, "", f"JSON syntax error: {e.msg}")]
            ) from None
        try:  # JSON is YAML flow style: compose it again only to learn the lines
            node = _compose(text.replace("\t", " "))  # raw tabs are only white space in JSON
        except yaml.YAMLError:
            node = None
    else:
        try:
            node = _compose(text)
        except yaml.MarkedYAMLError as e:
            raise _syntax_error(source, e) from None
        except yaml.YAMLError as e:
            raise InstanceError(source, [Issue(0, "", f"YAML error: {e}")]) from None
    lines: dict[Path, int] = {}
    dups: list[tuple[Path, int]] = []
    if node is not None:
        try:
            _walk(node, (), lines, dups, set())
        except _AliasError as e:
            raise InstanceError(
                source,
                [Issue(e.line, "", f"YAML aliases (*name) are not supported in {kind}s")],
            ) from None
        if not as_json:
            try:
                data = _construct(node)
            except yaml.MarkedYAMLError as e:
                raise _syntax_error(source, e) from None
    elif not as_json:
        raise InstanceError(
            source,
            [Issue(1, "", f"empty file: {_article(kind)} {kind} must be a mapping of fields")],
        )
    if not isinstance(data, dict):
        raise InstanceError(
            source, [Issue(1, "", f"{_article(kind)} {kind} must be a mapping of fields")]
        )
    doc = Document(source, data, lines)
    doc.pending = [Issue(ln, doc.location(p), "duplicate key") for p, ln in dups]
    return doc


MAX_INPUT_MB = 64.0
"""Largest input file read, in MB (``$BERTHPLAN_MAX_INPUT_MB`` changes it): a national
instance is about 3 MB; a larger file is refused before it is read, so a wrong file cannot eat
the machine's memory."""


def read_text(path: FsPath) -> str:
    """The UTF-8 text of a regular file within the size cap (never a FIFO or a device).

    Raises the ``OSError`` and ``UnicodeDecodeError`` of reading; ``ValueError`` for a file that
    is not regular or is too large (the callers turn each into a located message).
    """
    import os
    import stat

    info = path.stat()  # FileNotFoundError, IsADirectoryError... as for a read
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file (a pipe or a device is never read)")
    cap = float(os.environ.get("BERTHPLAN_MAX_INPUT_MB", MAX_INPUT_MB))
    if info.st_size > cap * 1e6:
        raise ValueError(
            f"{info.st_size / 1e6:,.1f} MB, above the {cap:g} MB input limit "
            "(raise it with BERTHPLAN_MAX_INPUT_MB)"
        )
    return path.read_text(encoding="utf-8")


def read_document(
    path: str | FsPath, kind: str = "instance file", collect: bool = False
) -> Document:
    """Read an instance file (``.json`` strictly as JSON, anything else as YAML).

    ``kind`` names the file in messages (other documents are read the same way).
    """
    p = FsPath(path)
    source = str(path)
    try:
        text = read_text(p)
    except FileNotFoundError:
        raise InstanceError(source, [Issue(0, "", "no such file")]) from None
    except IsADirectoryError:
        raise InstanceError(
            source, [Issue(0, "", f"is a directory, not {_article(kind)} {kind}")]
        ) from None
    except UnicodeDecodeError as e:
        raise InstanceError(source, [Issue(0, "", f"not UTF-8 text ({e.reason})")]) from None
    except OSError as e:
        raise InstanceError(source, [Issue(0, "", f"cannot read: {e.strerror or e}")]) from None
    except ValueError as e:
        raise InstanceError(source, [Issue(0, "", str(e))]) from None
    return parse_text(text, source, as_json=p.suffix.lower() == ".json", kind=kind, collect=collect)


def _printable(ident: str) -> bool:
    """An id that can name its record in a one-line location (else the position does)."""
    return ident.strip() == ident != "" and ident.isprintable()


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"

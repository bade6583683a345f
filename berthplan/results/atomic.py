"""Atomic outputs: a file or a folder is either complete or absent, never half-written.

Everything berthplan writes (plan folders, comparison folders, reports, plots, generated
instances, sweep summaries) goes through here: the content is written to a temporary sibling
and renamed into place, and removed when anything fails.

A process killed with SIGKILL cannot remove its temporary sibling. Each one is named
``.<name>.<pid>@<host>.<random>.tmp`` (``.old`` for a replaced folder on its way out), so the
next write of the same path removes those whose process is gone (:func:`clean_stale`): only
from this host, and never one whose process still runs (a concurrent run's).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from berthplan.errors import UsageError

FLOAT_FORMAT = "%.6f"


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _mode(path: Path) -> int:
    if path.exists():
        return path.stat().st_mode & 0o777
    return 0o666 & ~_umask()


@cache
def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _prefix(target: Path) -> str:
    """The start of a temporary sibling's name: the target's, this process's and host's."""
    return f".{target.name}.{os.getpid()}@{_host()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def clean_stale(path: str | Path) -> list[Path]:
    """Remove the temporary siblings of ``path`` left by processes of this host that are gone.

    Returns
    -------
    list of Path
        What was removed.
    """
    target = Path(path)
    pattern = re.compile(
        rf"\.{re.escape(target.name)}\.(\d+)@{_host()}\.[A-Za-z0-9_]+\.(?:tmp|old)"
    )
    removed: list[Path] = []
    try:
        siblings = list(target.parent.glob(f".{glob.escape(target.name)}.*@{_host()}.*"))
    except OSError:
        return removed
    for leftover in siblings:
        found = pattern.fullmatch(leftover.name)
        if found is None or _alive(int(found.group(1))):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary sibling and a rename."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _mode(target))  # mkstemp makes 0600; a written file follows the umask
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line ends kept as given) atomically."""
    return write_bytes(path, text.encode("utf-8"))


@contextmanager
def folder(path: str | Path, marker: str, kind: str) -> Iterator[Path]:
    """Fill a temporary folder, then put it in place of ``path``.

    An existing ``path`` is replaced only when it holds ``marker`` (it is a folder of the same
    kind) or is empty; anything else is refused, so a typo never wipes a user's folder.
    """
    target = Path(path)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / marker).exists())
    ):
        raise UsageError(f"{target}: exists and is not a {kind}; refusing to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target), suffix=".tmp"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a folder follows the umask
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target), suffix=".old"))
            os.replace(target, old / "previous")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def claim_file(path: str | Path, force: bool = False) -> Path:
    """Check an output file before any work: never a folder; an existing file only with force.

    Raises
    ------
    UsageError
        When ``path`` is a folder, or exists and ``force`` is not given.
    """
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory")
    if target.exists() and not force:
        raise UsageError(f"{target}: exists; pass --force to replace it")
    return target


def claim_folder(path: str | Path, marker: str, kind: str) -> Path:
    """Check an output folder before any work: absent, empty, or one of ``kind`` (has ``marker``).

    The command's own folder (a plan folder for ``solve``, a sweep folder for ``sweep``) may be
    replaced or completed; any other folder, or a file, is refused so a typo never mixes
    outputs into a user's folder. :func:`folder` checks the same again when it writes.

    Raises
    ------
    UsageError
        When ``path`` is a file, or a non-empty folder without ``marker``.
    """
    target = Path(path)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / marker).exists())
    ):
        raise UsageError(f"{target}: exists and is not a {kind}; refusing to write into it")
    return target


def csv_text(df: pd.DataFrame) -> str:
    """A table as the results contract writes it: 6-decimal floats, true/false, no -0.000000."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(col):
            vals = col.to_numpy(dtype=float, na_value=np.nan)
            out[c] = np.where(np.abs(vals) < 5e-7, 0.0, vals)
    return str(out.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table with the contract's formatting, atomically."""
    return write_text(path, csv_text(df))

"""Follow a solver's log while it is written, for solvers whose API gives no progress callback.

Native solver code writes its log to file descriptor 1, which :func:`captured_stdout` points
at a temporary file; a thread reads what is appended to that file and hands it on as text.
"""

from __future__ import annotations

import codecs
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

TextFn = Callable[[str], None]
"""Receives the log's text in the order written, in pieces that may split a line."""

INTERVAL = 0.25
"""Seconds between two reads of the log file."""


@contextmanager
def following(
    fd: int, on_text: TextFn, begin: int = 0, interval: float = INTERVAL
) -> Iterator[None]:
    """Call ``on_text`` from a thread with whatever is appended to the regular file ``fd``.

    The file is read with ``os.pread``, which leaves the offset the writer shares untouched.
    On exit the thread stops and the rest of the file is read, so ``on_text`` has seen every
    byte when the block ends. Exceptions of ``on_text`` are logged, never raised: a progress
    display must not break a solve. ``begin``: the offset to read from (the file may hold
    what was written before).
    """
    stop = threading.Event()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    offset = begin

    def drain(final: bool) -> None:
        nonlocal offset
        while chunk := os.pread(fd, 1 << 16, offset):
            offset += len(chunk)
            _deliver(on_text, decoder.decode(chunk))
        if final:
            _deliver(on_text, decoder.decode(b"", final=True))

    def loop() -> None:
        while not stop.wait(interval):
            drain(final=False)

    thread = threading.Thread(target=loop, name="berthplan-log", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        drain(final=True)


def _deliver(on_text: TextFn, text: str) -> None:
    if not text:
        return
    try:
        on_text(text)
    except Exception:
        logging.getLogger(__name__).debug("log follower failed", exc_info=True)


@dataclass
class _Capture:
    """The one redirection of file descriptor 1 shared by every open capture."""

    saved: int
    file: IO[bytes]
    users: int = 0


_capture: _Capture | None = None
_capture_lock = threading.Lock()


@contextmanager
def captured_stdout(on_text: TextFn | None = None) -> Iterator[list[str]]:
    """Capture what native solver code writes to file descriptor 1 (its log), as text.

    Captures may overlap, from one thread or several (``heuristic = "beside"`` runs the
    heuristics in a thread beside the full solve): the first points descriptor 1 at a temporary file and the last
    points it back, so a capture that ends never hands the descriptor to a file another
    capture has closed. Each capture's text is what was written while it was open, the
    overlapping captures' output included.

    Parameters
    ----------
    on_text
        If given, also receives the log while it is written (see :func:`following`).

    Yields
    ------
    list of str
        Empty inside the block; holds the whole log once the block ends.
    """
    global _capture
    out: list[str] = []
    with _capture_lock:
        sys.stdout.flush()
        if _capture is None:
            saved = os.dup(1)
            tmp = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed by the last user
            os.dup2(tmp.fileno(), 1)
            _capture = _Capture(saved, tmp)
        capture = _capture
        capture.users += 1
        fd = capture.file.fileno()
        begin = os.fstat(fd).st_size
    try:
        if on_text is None:
            yield out
        else:
            with following(fd, on_text, begin):
                yield out
    finally:
        with _capture_lock:
            sys.stdout.flush()
            end = os.fstat(fd).st_size
            out.append(os.pread(fd, end - begin, begin).decode("utf-8", "replace"))
            capture.users -= 1
            if capture.users == 0:
                os.dup2(capture.saved, 1)
                os.close(capture.saved)
                capture.file.close()
                _capture = None


Row = tuple[float, float | None, float | None]
"""(the solver's own time in s, its best plan or None, its bound or None)."""


class LogRows:
    """A solver's log text, fed in pieces of any size, as the timed rows of its progress.

    A subclass says which lines are rows (``_row``); this class joins the pieces into lines.
    """

    def __init__(self) -> None:
        self._rest = ""

    def feed(self, text: str) -> list[Row]:
        """The rows completed by ``text`` (a line split across pieces waits for its end).

        Parameters
        ----------
        text
            The log's next piece.

        Returns
        -------
        list of Row
            One per complete line that is a row, in order; other lines give none.
        """
        lines = (self._rest + text).split("\n")
        self._rest = lines.pop()
        rows = (self._row(line) for line in lines)
        return [row for row in rows if row is not None]

    def _row(self, line: str) -> Row | None:
        raise NotImplementedError

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

TextFn = Callable[[str], None]
"""Receives the log's text in the order written, in pieces that may split a line."""

INTERVAL = 0.25
"""Seconds between two reads of the log file."""


@contextmanager
def following(fd: int, on_text: TextFn, interval: float = INTERVAL) -> Iterator[None]:
    """Call ``on_text`` from a thread with whatever is appended to the regular file ``fd``.

    The file is read with ``os.pread``, which leaves the offset the writer shares untouched.
    On exit the thread stops and the rest of the file is read, so ``on_text`` has seen every
    byte when the block ends. Exceptions of ``on_text`` are logged, never raised: a progress
    display must not break a solve.
    """
    stop = threading.Event()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    offset = 0

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


@contextmanager
def captured_stdout(on_text: TextFn | None = None) -> Iterator[list[str]]:
    """Capture what native solver code writes to file descriptor 1 (its log), as text.

    Parameters
    ----------
    on_text
        If given, also receives the log while it is written (see :func:`following`).

    Yields
    ------
    list of str
        Empty inside the block; holds the whole log once the block ends.
    """
    out: list[str] = []
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            if on_text is None:
                yield out
            else:
                with following(tmp.fileno(), on_text):
                    yield out
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode("utf-8", "replace"))


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

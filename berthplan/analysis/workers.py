"""Worker processes that never outlive the command that started them.

A sweep's workers solve for tens of seconds and then write plan folders. When the sweep is
killed (``kill -9``, a closed terminal, an out-of-memory kill) nothing runs in it to stop
them, so each worker watches the sweep itself (:func:`init`): a thread waits on a pidfd of the
sweep process (Linux 5.3+; a 0.2 s poll elsewhere) and, the moment it is gone, kills the
solver processes the worker started and then the worker. The kernel's parent-death signal is
set too, for a worker whose direct parent (the forkserver) dies first. Ctrl-C belongs to the
sweep, which cancels what is pending and stops the workers itself (:func:`kill`).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress

from berthplan.backends.guard import children

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def init(parent: int) -> None:
    """The pool initializer: ignore Ctrl-C, die with ``parent`` (the sweep's process id)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # the kernel kills this process when its parent (forkserver or sweep) dies
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    watcher = threading.Thread(target=_watch, args=(parent,), name="berthplan-watch")
    watcher.daemon = True
    watcher.start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _watch(parent: int) -> None:
    """Block until ``parent`` has exited, then kill this worker and its solver processes."""
    try:
        fd = os.pidfd_open(parent)  # raises at once when the parent is already gone
        select.select([fd], [], [])
    except (OSError, AttributeError):
        while _alive(parent) and os.getppid() != 1:
            time.sleep(0.2)
    for pid in children():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
    os.kill(os.getpid(), signal.SIGKILL)


def kill(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now (Ctrl-C of the sweep), then let the pool go."""
    processes = dict(getattr(pool, "_processes", None) or {})  # no public accessor
    for process in processes.values():
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            continue
    for process in processes.values():
        try:
            process.join(5)
        except (OSError, ValueError, AttributeError, AssertionError):
            continue
    pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["init", "kill"]

"""``python -m berthplan`` and the ``berthplan`` command: Ctrl-C while starting is exit 130.

The command line's own modules (click and what it loads) take a noticeable fraction of a
second to import; a Ctrl-C then must end the command like one during its work: one line,
``interrupted``, exit 130, never a traceback.
"""

from __future__ import annotations

import os
import sys


def run() -> None:
    """Import the command line and run it (the console script's entry point)."""
    try:
        from berthplan.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(130)  # at once, as berthplan.cli.util.interrupted: never CPython's -2
    main()


if __name__ == "__main__":
    run()

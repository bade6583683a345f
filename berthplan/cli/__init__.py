"""The ``berthplan`` command line: the click group and one module per command family.

:mod:`~berthplan.cli.main` holds the group and the instance commands (``validate``,
``schema``); :mod:`~berthplan.cli.solving` ``solve``, ``solvers`` and ``export``;
:mod:`~berthplan.cli.check` ``check``; :mod:`~berthplan.cli.planning` ``compare``, ``plot`` and
``report``; :mod:`~berthplan.cli.studies` ``sweep`` and ``frontier``;
:mod:`~berthplan.cli.generate` ``generate``. :mod:`~berthplan.cli.verbosity` gives every
command ``-q/--quiet`` and ``-v/--verbose`` over the standard logging module, and
:mod:`~berthplan.cli.progress` draws the live status line (docs/cli.md). This is the top
layer: it may import every other.
"""

from __future__ import annotations

from berthplan.cli.main import main
from berthplan.cli.util import EXIT_INPUT, EXIT_OK, fail, user_errors

__all__ = ["EXIT_INPUT", "EXIT_OK", "fail", "main", "user_errors"]

"""Commands beyond validate/schema, registered on the ``berthplan`` group."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the solving and planning commands to ``group``."""

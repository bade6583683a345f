"""``berthplan queue``: the service level of a berth pool, or its capacity at a service level."""

from __future__ import annotations

import click

from berthplan.cli.util import FiniteFloat, user_errors

__all__ = ["queue_command", "register"]

_MODELS = ("M/M/n", "M/E2/n", "E2/E2/n", "M/D/n")


@click.command("queue")
@click.argument("model", type=click.Choice(_MODELS, case_sensitive=False), metavar="MODEL")
@click.option(
    "--berths",
    "n",
    required=True,
    type=click.IntRange(1, 200),
    help="Berths in the pool (1-200).",
)
@click.option(
    "--occupancy",
    type=FiniteFloat(0, 1, max_open=True),
    help="Occupancy rho in [0, 1): print W/S.",
)
@click.option(
    "--max-wait-ratio",
    "limit",
    type=FiniteFloat(0, min_open=True),
    help="A W/S limit: print the largest occupancy rho*(n) within it.",
)
@user_errors
def queue_command(model: str, n: int, occupancy: float | None, limit: float | None) -> None:
    """Waiting time over service time (W/S) of a berth pool, or its largest occupancy.

    MODEL is M/M/n, M/E2/n (random arrivals, Erlang-2 service), E2/E2/n (regular arrivals) or
    M/D/n. With --occupancy R, prints W/S at occupancy R; with --max-wait-ratio L, prints the
    largest occupancy rho*(n) with W/S <= L. Computed exactly (berthplan.capacity), not read
    from a table.
    """
    from berthplan.capacity import max_occupancy, wait_ratio
    from berthplan.errors import UsageError

    if (occupancy is None) == (limit is None):
        raise UsageError("give exactly one of --occupancy and --max-wait-ratio")
    name = next(m for m in _MODELS if m.lower() == model.lower())
    if occupancy is not None:
        click.echo(f"{float(wait_ratio(name, n, occupancy)):.6f}")
    else:
        assert limit is not None
        click.echo(f"{max_occupancy(name, n, limit):.6f}")


def register(group: click.Group) -> None:
    """Add ``berthplan queue`` to ``group``."""
    group.add_command(queue_command)

"""``berthplan generate``: a seeded synthetic instance, written atomically."""

from __future__ import annotations

from typing import Literal

import click

from berthplan.cli.util import user_errors
from berthplan.generator.sizes import SIZES

__all__ = ["generate_command", "register"]


@click.command("generate")
@click.option("--size", type=click.Choice(list(SIZES)), default="small", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", "out", required=True, type=click.Path(), help="File to write (.json: JSON).")
@click.option("--ports", type=int, help="Number of ports.")
@click.option("--areas-per-port", "areas_per_port", type=int, help="Areas of every port.")
@click.option("--projects", type=int, help="Number of projects.")
@click.option("--routes", type=int, help="Number of candidate routes.")
@click.option("--years", type=int, help="Planning years.")
@click.option("--start-year", "start_year", type=int, help="First planning year.")
@click.option(
    "--service-levels",
    "pools",
    is_flag=True,
    help="Container and bulk berths as queue pools sized by service level (W/S).",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def generate_command(
    size: str, seed: int, out: str, pools: bool, force: bool, **knobs: int | None
) -> None:
    """Write a seeded synthetic instance, feasible by construction, to OUT."""
    from berthplan.generator.generate import construct, write_atomic
    from berthplan.results import atomic

    path = atomic.claim_file(out, force)
    fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
    g = construct(size, seed, service_levels=pools, **knobs)
    write_atomic(path, g.text(fmt))
    k = g.knobs
    click.echo(
        f"wrote {out}: {k.ports} ports, {k.areas} areas, {k.projects} projects, "
        f"{k.routes} candidate routes, {k.start_year}-{k.end_year} (size {size}, seed {seed})"
    )


def register(group: click.Group) -> None:
    """Add ``berthplan generate`` to the command group."""
    group.add_command(generate_command)

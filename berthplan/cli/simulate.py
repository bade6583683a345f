"""The ``simulate`` command: re-simulate a plan's queue pools and check its analytic waits.

Only click is imported at start-up; the simulation (SimPy, pandas) when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from berthplan.cli.util import user_errors
from berthplan.errors import UsageError

__all__ = ["register", "simulate_command"]


def _outside(row: Any) -> str:
    berths = f"{row.berths} berth{'s' if row.berths != 1 else ''}"
    where = f"{row.year} {row.area}/{row.cargo} ({row.queue}, {berths})"
    if row.replications == 0:
        return f"  {where}: no call in any replication; W/S not simulated"
    if row.sim_wait_ratio == 0:
        return (
            f"  {where}: no ship waited in {row.replications} replications; analytic W/S "
            f"{row.wait_ratio:.2g} is too small to check (more --replications)"
        )
    interval = f"[{row.sim_wait_ratio_low:.6f}, {row.sim_wait_ratio_high:.6f}]"
    return (
        f"  {where}: analytic W/S {row.wait_ratio:.6f} outside the simulated 95% interval "
        f"{interval} (simulated {row.sim_wait_ratio:.6f}, occupancy {row.occupancy:.4f})"
    )


@click.command("simulate")
@click.argument("instance", type=click.Path(dir_okay=False))
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option(
    "--replications",
    type=int,
    default=20,
    show_default=True,
    help="One-year replications per pool-year (>= 2).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Master seed (>= 0).")
@click.option("--workers", type=int, help="Worker processes [cores].")
@click.option(
    "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler (--executor dask).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="CSV file to write [PLAN_DIR/simulation.csv].",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def simulate_command(
    instance: str, plan_dir: str, out: str | None, force: bool, **options: Any
) -> None:
    """Re-simulate the queue pools of the plan in PLAN_DIR, solved for INSTANCE.

    Every pool in every year of queues.csv is simulated (SimPy) with its berths, arrival and
    service processes and one operating year per replication; the simulated mean wait per
    call, with its 95% interval over replications, is written beside the analytic one to
    simulation.csv. Lists the pool-years whose analytic W/S falls outside the interval. The
    same seed and replications give the same file whatever --workers and --executor.
    """
    target = Path(out) if out is not None else Path(plan_dir) / "simulation.csv"
    if target.is_dir():
        raise UsageError(f"--out {target}: is a directory")
    if target.exists() and not force:
        raise UsageError(f"--out {target}: exists; pass --force to replace it")
    if options["replications"] < 2:
        msg = "a 95% interval over replications needs at least 2"
        raise UsageError(f"--replications {options['replications']}: {msg}")

    from berthplan.analysis.resimulate import resimulate, write_simulation

    df = resimulate(instance, plan_dir, **options, progress=sys.stderr.isatty())
    write_simulation(df, target, force=True)  # existence checked above, before any work
    simulated = df[df["calls"] > 0]
    for row in simulated[~simulated["inside"]].itertuples(index=False):
        click.echo(_outside(row))
    idle = len(df) - len(simulated)
    if idle:
        click.echo(f"{idle} pool-year{'s' if idle != 1 else ''} without calls: not simulated")
    inside = int(simulated["inside"].sum())
    click.echo(
        f"{inside} of {len(simulated)} pool-years: analytic W/S inside the simulated 95% "
        f"interval; written to {target}"
    )


def register(group: click.Group) -> None:
    """Add the ``simulate`` command to ``group``.

    Parameters
    ----------
    group : click.Group
        The ``berthplan`` command group (or any group).
    """
    group.add_command(simulate_command)

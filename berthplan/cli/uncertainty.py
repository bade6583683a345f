"""Plans under demand uncertainty: ``solve --uncertainty`` and ``uncertainty sample``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from berthplan.cli import verbosity
from berthplan.cli.util import FiniteFloat, user_errors

if TYPE_CHECKING:
    pass


def register(group: click.Group) -> None:
    """Add the ``uncertainty`` group (``sample``), ``evaluate`` and ``replan`` to ``group``."""
    from berthplan.cli.replan import replan

    group.add_command(uncertainty)
    group.add_command(evaluate)
    group.add_command(replan)


@click.group()
def uncertainty() -> None:
    """Demand scenarios with probabilities (files for solve --uncertainty)."""


@uncertainty.command("schema")
@click.option("--actuals", is_flag=True, help="The actuals file of replan instead.")
def schema(actuals: bool) -> None:
    """Print the JSON Schema of uncertainty files (or of replan's actuals files)."""
    import json

    from berthplan.model.replan import Actuals
    from berthplan.model.uncertainty import Uncertainty

    model = Actuals if actuals else Uncertainty
    click.echo(json.dumps(model.model_json_schema(), indent=2, sort_keys=True))


@uncertainty.command("sample")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--scenarios",
    "count",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="Scenarios to sample (equally likely).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed."
)
@click.option(
    "--level-sd",
    type=FiniteFloat(min=0, max=2),
    default=0.1,
    show_default=True,
    help="Std. dev. of the log demand level per port.",
)
@click.option(
    "--growth-sd",
    type=FiniteFloat(min=0, max=0.5),
    default=0.02,
    show_default=True,
    help="Std. dev. of the extra yearly growth per port.",
)
@click.option(
    "--correlation",
    type=FiniteFloat(min=0, max=1),
    default=0.5,
    show_default=True,
    help="Correlation of the shocks across ports.",
)
@click.option(
    "--target-penalty",
    "penalties",
    multiple=True,
    metavar="METRIC=COST",
    help="Make targets of METRIC soft at COST per unit short (repeatable).",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@user_errors
def sample(
    file: str,
    count: int,
    seed: int,
    level_sd: float,
    growth_sd: float,
    correlation: float,
    penalties: tuple[str, ...],
    out: str,
    force: bool,
) -> None:
    """Sample demand scenarios for the instance FILE into an uncertainty file --out."""
    from berthplan.generator.uncertainty import sample as draw
    from berthplan.generator.uncertainty import to_yaml
    from berthplan.model.io import load
    from berthplan.results import atomic

    atomic.claim_file(out, force)
    inst = load(file)
    unc = draw(
        inst,
        count,
        seed=seed,
        level_sd=level_sd,
        growth_sd=growth_sd,
        correlation=correlation,
        penalties=_penalties(penalties),
    )
    atomic.write_text(out, to_yaml(unc))
    click.echo(f"{count} scenarios written to {out}")


def _penalties(texts: tuple[str, ...]) -> dict[str, float]:
    from berthplan.errors import UsageError
    from berthplan.model.records import METRICS

    out = {}
    for text in texts:
        metric, _, raw = text.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if metric not in METRICS or not 0 <= value <= 1e12:
            raise UsageError(
                f"--target-penalty {text}: expected METRIC=COST, METRIC one of "
                f"{', '.join(METRICS)} and 0 <= COST <= 1e12"
            )
        out[metric] = value
    return out


@click.command("evaluate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("plan_dir", metavar="PLAN_DIR", type=click.Path(file_okay=False))
@click.option(
    "--uncertainty",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Demand scenarios (uncertainty file).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Evaluation folder to write (an interrupted one resumes).",
)
@click.option(
    "--commit-years",
    type=click.IntRange(min=1, max=1000),
    help="Fix the plan's decisions of these first years only (default: all of them).",
)
@click.option("--solver", default="highs", show_default=True, help="Backend for the recourse.")
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the scenarios run.",
)
@click.option("--workers", type=click.IntRange(1, 512), help="Processes (default: CPUs).")
@click.option("--scheduler", help="Dask scheduler address (with --executor dask).")
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 100_000),
    default=25,
    show_default=True,
    help="Scenarios per task.",
)
@click.option("--force", is_flag=True, help="Redo an evaluation of other inputs in --out.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@user_errors
def evaluate(
    file: str,
    plan_dir: str,
    path: str,
    out: str,
    commit_years: int | None,
    solver: str,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int,
    force: bool,
    no_progress: bool,
) -> None:
    """Evaluate the plan in PLAN_DIR over the demand scenarios of --uncertainty.

    The plan's decisions are fixed (the first --commit-years years' only, if given) and every
    scenario gets its best recourse. Writes evaluation.csv (one row per scenario),
    percentiles.csv and cost.png to --out.
    """
    import os
    import time

    from berthplan.analysis import evaluate as ev
    from berthplan.model.io import load
    from berthplan.model.uncertainty import load_uncertainty
    from berthplan.results import atomic
    from berthplan.results.folder import read_plan
    from berthplan.viz.evaluation import cost_distribution_png

    t0 = time.perf_counter()
    if scheduler is not None and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    base = load(file)
    unc = load_uncertainty(path, base)
    read_plan(plan_dir)  # a readable plan folder, or exit 2 now
    y0, y1 = base.horizon.start, base.horizon.end
    before = y1 + 1 if commit_years is None else min(y0 + commit_years, y1 + 1)
    setup = ev.setup_of(base, plan_dir, path, before, solver, chunk_size)
    folder = Path(out)
    ev.prepare(folder, setup, force)
    ids = [s.id for s in unc.scenarios]
    todo = ev.chunks(file, plan_dir, path, ids, before, solver, folder, chunk_size)
    left = [c for c in todo if not Path(c.part).is_file()]
    n_workers = workers or min(os.cpu_count() or 1, max(1, len(left)))
    show = not no_progress and verbosity.level() != verbosity.QUIET
    _progress(ev.run(left, executor, n_workers, scheduler), left, show)
    rows = ev.collect(todo, folder)
    title = f"{base.name}: {Path(plan_dir).name} over {len(rows)} demand scenarios"
    atomic.write_bytes(folder / "cost.png", cost_distribution_png(rows, base.money_unit, title))
    failed = int((~rows["status"].isin(["optimal", "feasible", "infeasible"])).sum())
    mean = float((rows["probability"] * rows["cost"].fillna(0)).sum())
    click.echo(
        f"{len(rows)} scenarios ({len(todo) - len(left)} chunks resumed), {failed} without a "
        f"plan; expected cost {mean:,.3f} {base.money_unit}; {time.perf_counter() - t0:.1f} s"
    )
    click.echo(f"evaluation written to {out}")


def _progress(done: Any, todo: list[Any], show: bool) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("evaluate"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    total = sum(len(c.ids) for c in todo)
    with Progress(*columns, console=Console(stderr=True), disable=not show) as bar:
        task = bar.add_task("evaluate", total=total)
        for count in done:
            bar.update(task, advance=count)

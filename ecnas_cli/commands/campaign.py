"""``ecnas campaign``: a grid of searches from one TOML file (plan, run, status, compare)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, ensure_writable, print_json, user_errors

app = typer.Typer(help="Run a campaign file: benchmarks x strategies x seeds x budgets.",
                  no_args_is_help=True)

File = Annotated[Path, typer.Argument(help="Campaign file (TOML; see campaigns/).")]
Out = Annotated[Path | None, typer.Option(
    help="Campaign folder (default: the file's `out`, else runs/campaigns/<name>).")]
Jobs = Annotated[int, typer.Option(help="Runs at once (local processes or Ray tasks).")]


def _load(file: Path, out: Path | None):
    from ecnas_cli.campaign.spec import load_campaign
    return load_campaign(file, out)


@app.command()
@user_errors
def plan(file: File, out: Out = None, jobs: Jobs = 1, data_dir: DataDir = None,
         raw_dir: RawDir = None, as_json: Json = False) -> None:
    """The runs a campaign expands into, those left to run, and an estimated time."""
    from ecnas_cli.campaign.estimate import plan_campaign
    campaign = _load(file, out)
    data = plan_campaign(campaign, jobs, data_dir, raw_dir)
    seconds, todo = data["estimated_seconds"], data["to_run"]
    if as_json:
        print_json(data)
        return
    console.print(f"{campaign.name}: {len(campaign.runs)} runs in {len(campaign.studies)} "
                  f"studies ({', '.join(data['studies'])}); {todo} to run\nestimated "
                  f"{seconds / 60:.1f} min with {jobs} worker(s) (measured per-strategy "
                  f"costs, scripts/measure_strategy_costs.py)\nfolder: {campaign.out}",
                  highlight=False)


@app.command()
@user_errors
def run(file: File, out: Out = None, jobs: Jobs = 1,
        executor: Annotated[str, typer.Option(
            help="`local` (processes here) or `ray` (one task per run).")] = "local",
        address: Annotated[str | None, typer.Option(
            help="Ray cluster to join (e.g. ray://head:10001 or auto).")] = None,
        fmt: Annotated[str, typer.Option("--format", help="Trial log: csv or parquet.")
                       ] = "csv",
        compare: Annotated[bool, typer.Option(help="Write each study's comparison after.")
                           ] = True,
        data_dir: DataDir = None, raw_dir: RawDir = None) -> None:
    """Run every run not complete yet (interrupted ones resume), then compare each study."""
    from ecnas_cli.campaign.driver import compare_campaign, run_campaign
    from ecnas_cli.run.store import check_format
    campaign = _load(file, out)
    check_format(fmt)
    ensure_writable(campaign.out)
    states = run_campaign(campaign, executor=executor, jobs=jobs, address=address, fmt=fmt,
                          data_dir=data_dir, raw_dir=raw_dir,
                          show=lambda line: console.print(line, highlight=False))
    console.print(_counts(states), highlight=False)
    if (states["state"] != "complete").any():
        raise ValueError("not every run is complete (see `ecnas campaign status`); rerun the "
                         "campaign to retry them, then it writes the comparison")
    if compare:
        for label, files in compare_campaign(campaign, data_dir=data_dir,
                                             raw_dir=raw_dir).items():
            console.print(f"{label}: wrote {len(files)} files to {files[0].parent}",
                          highlight=False)


@app.command()
@user_errors
def status(file: File, out: Out = None, as_json: Json = False) -> None:
    """Each run's state: complete, interrupted, failed, missing or changed."""
    from ecnas_cli.campaign.driver import status as campaign_status
    campaign = _load(file, out)
    states = campaign_status(campaign)
    if as_json:
        print_json(states.to_dict("records"))
        return
    counts = states.groupby(["study", "strategy", "state"]).size().unstack(fill_value=0)
    table = Table("study", "strategy", *counts.columns, title=f"{campaign.name}: "
                  f"{len(states)} runs in {campaign.out}")
    for (study, strategy), row in counts.iterrows():
        table.add_row(str(study), str(strategy), *(str(v) for v in row))
    console.print(table)
    console.print(_counts(states), highlight=False)


@app.command()
@user_errors
def compare(file: File, out: Out = None, data_dir: DataDir = None,
            raw_dir: RawDir = None) -> None:
    """Write each study's comparison (figures, stats.csv, pairwise.csv) from its runs."""
    from ecnas_cli.campaign.driver import compare_campaign
    campaign = _load(file, out)
    for label, files in compare_campaign(campaign, data_dir=data_dir,
                                         raw_dir=raw_dir).items():
        console.print(f"{label}: wrote {len(files)} files to {files[0].parent}",
                      highlight=False)


def _counts(states: pd.DataFrame) -> str:
    counts = states["state"].value_counts()
    return ", ".join(f"{n} {state}" for state, n in counts.items()) + \
        f" (of {len(states)} runs)"

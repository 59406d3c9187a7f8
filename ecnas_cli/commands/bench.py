"""``ecnas bench``: build an energy-aware benchmark on your own hardware."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecnas_cli.commands._train_options import (
    BatchSize,
    CarbonIntensity,
    CellsPerStack,
    DataRoot,
    LearningRate,
    Meter,
    NumStacks,
    Pue,
    Space,
    StemChannels,
    TdpW,
    Workers,
)
from ecnas_cli.console import console, print_json, progress_bar, user_errors
from ecnas_cli.display import energy

if TYPE_CHECKING:  # the train extra (torch) is imported only when the command runs
    from benchmarks.create.build import Tally

app = typer.Typer(help="Build a benchmark on your own hardware (needs the 'train' extra).",
                  no_args_is_help=True)


@app.command("create")
@user_errors
def create(
    out: Annotated[Path, typer.Option(help="Root of the raw results tree to write.")],
    space: Space = "4v",
    dataset: Annotated[str, typer.Option(
        help="digits (offline), cifar10, folder:PATH (a sub-folder of images per class) or "
             "module:function.")] = "digits",
    data_root: DataRoot = None,
    epochs: Annotated[str, typer.Option(help="Checkpoint epochs, increasing.")] = "4,12,36,108",
    repeats: Annotated[int, typer.Option(help="Training runs per cell.")] = 3,
    cells: Annotated[int | None, typer.Option(help="Only the first N cells of a seeded "
                                                   "random order.")] = None,
    workers: Workers = 1,
    address: Annotated[str | None, typer.Option(help="Ray cluster to join.")] = None,
    measure: Annotated[float | None, typer.Option(help="Measure this fraction of the cells, "
                                                       "predict the rest.")] = None,
    select: Annotated[str, typer.Option(help="uncertainty, diverse or random.")] = "random",
    stem_channels: StemChannels = 128, num_stacks: NumStacks = 3,
    cells_per_stack: CellsPerStack = 3, batch_size: BatchSize = 256,
    learning_rate: LearningRate = 0.1, meter: Meter = "auto", pue: Pue = 1.59,
    carbon_intensity: CarbonIntensity = None, tdp_w: TdpW = None,
    seed: int = 0, as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train cells with the NAS-Bench-101 protocol under an energy meter; write the raw tree.

    Resumable: finished runs are skipped. Import the result with
    ``ecnas data import --raw OUT --space SPACE --name NAME``.
    """
    try:
        from ecnas_cli.workflows import create as workflow
    except ImportError as exc:  # torch / ray / codecarbon missing
        raise FileNotFoundError(f"ecnas bench needs the 'train' extra "
                                f"(pip install 'ecnas[train]'): {exc}") from None

    spec = workflow.make_spec(
        out=out, space=space, dataset=dataset, data_root=data_root, epochs=epochs,
        repeats=repeats, seed=seed, stem_channels=stem_channels, num_stacks=num_stacks,
        cells_per_stack=cells_per_stack, batch_size=batch_size, learning_rate=learning_rate,
        meter=meter, pue=pue, carbon_intensity=carbon_intensity, tdp_w=tdp_w)
    with progress_bar("training", quiet=as_json) as bar:
        def _update(result: dict, tally: Tally) -> None:
            bar(tally.done, tally.total, f"{energy(tally.energy_kwh)} so far, "
                                         f"~{tally.eta_s:.0f} s left")

        summary = workflow.create(spec, cells=cells, workers=workers, address=address,
                                  measure=measure, select=select, on_result=_update)
    if as_json:
        print_json(summary)
        return
    console.print(", ".join(f"{k}: {v}" for k, v in summary.items()))

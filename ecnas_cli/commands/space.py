"""``ecnas space``: the cell search spaces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.progress import Progress

from benchmarks.space import SearchSpace, get_space
from benchmarks.space.catalog import COLUMNS
from ecnas_cli.commands._options import Json
from ecnas_cli.console import console, print_json, user_errors
from ecnas_cli.files import write_table

app = typer.Typer(help="The NAS-Bench-101 cell search spaces (4v, 5v, 7v).", no_args_is_help=True)


@app.command("info")
@user_errors
def info(
    name: Annotated[str, typer.Argument(help="Space: 4v, 5v or 7v.")],
    as_json: Json = False,
) -> None:
    """Size and limits of a space (enumerates and caches its cells on first use)."""
    sp = get_space(name)
    cells = _cells_with_progress(sp)
    data = {"space": sp.name, "num_cells": len(cells), "max_vertices": sp.max_vertices,
            "max_edges": sp.max_edges, "ops": list(sp.ops),
            "cells_by_vertices": dict(zip(*(x.tolist() for x in np.unique(
                cells["num_vertices"].to_numpy(), return_counts=True)), strict=True))}
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key}[/]: {value}")


@app.command("enumerate")
@user_errors
def enumerate_cells(
    name: Annotated[str, typer.Argument(help="Space: 4v, 5v or 7v.")],
    output: Annotated[Path, typer.Option(help="Output .parquet or .csv.")],
) -> None:
    """Write every unique cell with its hash, size, parameters and FLOPs."""
    cells = _cells_with_progress(get_space(name))
    write_table(cells[[c for c in COLUMNS if c != "fingerprint"]], output)
    console.print(f"{len(cells):,} cells -> {output}")


def _cells_with_progress(sp: SearchSpace) -> pd.DataFrame:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"enumerating {sp.name}", total=sp.max_vertices - 1)
        return sp.cells(progress=lambda done, total: progress.update(task, completed=done))

"""``ecnas space``: the cell search spaces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from benchmarks.space import SearchSpace, get_space
from benchmarks.space.catalog import COLUMNS
from ecnas_cli.commands._options import Json
from ecnas_cli.console import console, print_json, progress_bar, user_errors
from ecnas_cli.files import check_output, write_table

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
    sizes, counts = np.unique(cells["num_vertices"].to_numpy(), return_counts=True)
    by_vertices = dict(zip(sizes.tolist(), counts.tolist(), strict=True))
    data = {"space": sp.name, "num_cells": len(cells), "max_vertices": sp.max_vertices,
            "max_edges": sp.max_edges, "ops": list(sp.ops), "cells_by_vertices": by_vertices}
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{sp.name}[/]: {len(cells):,} unique cells, at most "
                  f"{sp.max_vertices} vertices and {sp.max_edges} edges; ops "
                  f"{', '.join(sp.ops)}", highlight=False)
    by_size = ", ".join(f"{v}: {n:,}" for v, n in by_vertices.items())
    console.print(f"cells by vertex count: {by_size}", highlight=False)


@app.command("enumerate")
@user_errors
def enumerate_cells(
    name: Annotated[str, typer.Argument(help="Space: 4v, 5v or 7v.")],
    output: Annotated[Path, typer.Option(help="Output .parquet or .csv.")],
) -> None:
    """Write every unique cell with its hash, size, parameters and FLOPs."""
    check_output(output)
    cells = _cells_with_progress(get_space(name))
    write_table(cells[[c for c in COLUMNS if c != "fingerprint"]], output)
    console.print(f"{len(cells):,} cells -> {output}")


def _cells_with_progress(sp: SearchSpace) -> pd.DataFrame:
    """The space's cells, with a bar (vertex counts done) while they are enumerated."""
    with progress_bar(f"enumerating {sp.name}") as progress:
        return sp.cells(progress=progress)

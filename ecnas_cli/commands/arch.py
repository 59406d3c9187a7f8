"""``ecnas arch``: inspect cells."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from benchmarks.space import Arch, get_space
from benchmarks.space.describe import describe, describe_frame
from ecnas_cli.commands._options import Json
from ecnas_cli.console import console, print_json, user_errors
from ecnas_cli.files import check_output, read_table, write_table

app = typer.Typer(help="Inspect NAS-Bench-101 cells.", no_args_is_help=True)


@app.command("info")
@user_errors
def info(
    matrix: Annotated[str | None, typer.Option(help="Row-major 0/1 adjacency string.")] = None,
    ops: Annotated[str | None, typer.Option(help="Comma-separated ops, input first.")] = None,
    input: Annotated[Path | None, typer.Option(
        "--input", help="CSV/Parquet with columns matrix, ops (batch form).")] = None,
    output: Annotated[Path | None, typer.Option(help="Batch output CSV/Parquet.")] = None,
    space: Annotated[str, typer.Option(help="Space whose limits apply: 4v, 5v, 7v.")] = "7v",
    as_json: Json = False,
) -> None:
    """Hash, pruned vertex count, trainable parameters and FLOPs of a cell (or a CSV of them)."""
    sp = get_space(space)
    if input is not None:
        if output is None:
            raise ValueError("--input needs --output")
        if matrix is not None or ops is not None:
            raise ValueError("give --matrix and --ops, or --input and --output, not both")
        check_output(output)
        result = describe_frame(read_table(input), sp)
        write_table(result, output)
        n_bad = int((result["error"] != "").sum())
        console.print(f"{len(result)} cells -> {output} ({n_bad} invalid)")
        return
    if matrix is None or ops is None or output is not None:
        raise ValueError("give --matrix and --ops, or --input and --output")
    data = describe(Arch.from_strings(matrix, ops), sp)
    if as_json:
        print_json(data)
        return
    table = Table(show_header=False, box=None)
    for key, value in data.items():
        table.add_row(f"[bold]{key}[/]", f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)

"""``ecnas arch``: inspect cells."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

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
    draw: Annotated[bool, typer.Option(
        "--draw", help="Also draw the pruned cell: layers from input to output, vertices "
                       "coloured by operation.")] = False,
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
    if draw:
        console.print(drawing_text(Arch.from_strings(str(data["matrix"]), str(data["ops"]))))


def drawing_text(arch: Arch) -> Text:
    """The cell's layered drawing (:mod:`benchmarks.space.draw`) as terminal text: one line
    per vertex, layer by layer, each vertex coloured by operation with its successors."""
    from benchmarks.space.draw import OP_COLOURS, layout, text_rows
    out = Text("layer  vertex (input on top, output at the bottom)\n", style="bold")
    previous = -1
    for layer, vertex, op, succ in text_rows(layout(arch)):
        out.append(f"{layer:>5}  " if layer != previous else " " * 7)
        out.append("\u25a0 ", style=OP_COLOURS.get(op, "magenta"))
        out.append(f"{vertex} {op:<16}" if succ else f"{vertex} {op}")
        out.append(f" -> {', '.join(map(str, succ))}\n" if succ else "\n")
        previous = layer
    return out

"""``ecnas report``: one self-contained, interactive HTML file of runs or a comparison."""

from __future__ import annotations

import shlex
import sys
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from ecnas_cli.commands._options import DataDir, RawDir
from ecnas_cli.console import console, user_errors


@user_errors
def report(
    run_dirs: Annotated[list[Path], typer.Argument(
        help="Run directories, or folders holding them (a strategy or benchmark tree).")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")
                   ] = Path("report.html"),
    open_it: Annotated[bool, typer.Option(
        "--open", help="Open the report in the default browser.")] = False,
    data_dir: DataDir = None, raw_dir: RawDir = None,
) -> None:
    """Interactive fronts (hover names the cell, click pins it), regret curves over
    evaluations and energy, sortable statistics, every front cell drawn, run metadata: one
    HTML file that works offline."""
    from ecnas_cli.report.html import write_report
    command = shlex.join(["ecnas", *sys.argv[1:]])
    path = write_report(run_dirs, out, data_dir=data_dir, raw_dir=raw_dir, command=command)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    if open_it:
        webbrowser.open(path.resolve().as_uri())

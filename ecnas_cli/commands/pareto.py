"""``ecnas pareto``: the front one run found, its trade-offs and knee, and its figure."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, print_json, user_errors
from ecnas_cli.display import energy, frame_table, header, metric

app = typer.Typer(help="The Pareto front of one run: table, trade-offs, knee, figure.",
                  no_args_is_help=True)

class FigureFormat(StrEnum):
    png = "png"
    pdf = "pdf"
    svg = "svg"


RunDir = Annotated[Path, typer.Argument(help="A run directory (holding run.json).")]

#: Headers of the report's own columns (metrics use the shared short headers).
_HEADERS = {"evaluation": "found at", "within_points": "within pts", "drop_points": "drop pts",
            "saving_pct": "saving %"}


def _table(frame: pd.DataFrame, title: str, objectives: list[str] | None = None) -> Table:
    """The report table; with ``objectives``, only the hash, those and the report's columns."""
    keep = None if objectives is None else [
        c for c in frame.columns if c in _HEADERS or c == "module_hash"
        or c in {o.split(":")[0] for o in objectives}]
    return frame_table(frame, title=title, headers=_HEADERS, columns=keep)


@app.command("show")
@user_errors
def show(run_dir: RunDir, data_dir: DataDir = None, raw_dir: RawDir = None,
         as_json: Json = False) -> None:
    """The run's Pareto front by mean values, hypervolume regret, trade-off table and knee."""
    from ecnas_cli.analysis.fronts import pareto_report, tradeoff_axes
    report = pareto_report(run_dir, data_dir=data_dir, raw_dir=raw_dir)
    if as_json:
        print_json(report.to_dict())
        return
    s = report.front.summary()
    console.print(
        f"[bold]{s['strategy']}[/] seed {s['spawn_key'][-1] if s['spawn_key'] else 0} on "
        f"{s['benchmark']} ({s['epochs']} epochs, {', '.join(s['objectives'])}): "
        f"{s['evaluations']} evaluations, {s['unique_cells']} unique cells, search energy "
        f"{energy(s['search_energy_kwh'])}", highlight=False)
    console.print(f"hypervolume {s['hypervolume']:.4f} of {s['true_hypervolume']:.4f} "
                  f"(true front), regret {s['regret']:.4f}; mean values over repeats",
                  highlight=False)
    if report.coverage is not None:
        axes = tradeoff_axes(report.front.objectives)
        console.print(_coverage_line(report.coverage, axes and axes[1]), highlight=False)
    console.print(_table(report.front.cells, f"front: {s['front_size']} cells"))
    if report.tradeoff is not None:
        console.print(_table(report.tradeoff, "cheapest cell within x accuracy points of the "
                                              "most accurate", list(s["objectives"])))
    if report.knee is not None:
        console.print(_table(report.knee.to_frame().T, "knee"))


def _coverage_line(c: dict[str, float], cost: str | None) -> str:
    """``cost``: the cost metric of the run's trade-offs (None without them)."""
    line = f"true-front cells found: {c['true_cells_found']:.0f} of {c['true_cells']:.0f}"
    if cost is not None and not math.isnan(c["best_accuracy"]):
        line += (f"; best accuracy {100 * c['best_accuracy']:.2f}%, least {header(cost)} "
                 f"within 1 point of it {metric(cost, c['least_cost_near_best'])}")
    return line


@app.command("plot")
@user_errors
def plot(
    run_dir: RunDir,
    out: Annotated[Path | None, typer.Option(
        "--out", help="PNG, PDF or SVG file (default: <run_dir>/front.<format>).")] = None,
    fmt: Annotated[FigureFormat | None, typer.Option(
        "--format", help="png, pdf, or svg: the figure with every front cell drawn beneath "
                         "(default: from --out, else png).")] = None,
    log_x: Annotated[bool, typer.Option("--log-x", help="Logarithmic x axis.")] = False,
    data_dir: DataDir = None, raw_dir: RawDir = None,
) -> None:
    """Figure: all cells, the run's evaluated cells and front, the true front, extremes, knee."""
    from ecnas_cli.plots.front import plot_front
    from ecnas_cli.plots.front_svg import plot_front_svg
    suffix = fmt.value if fmt else (out.suffix.lower().lstrip(".") if out else "png")
    if fmt and out and out.suffix.lower() != f".{fmt.value}":
        raise ValueError(f"--format {fmt.value} needs an --out ending in .{fmt.value}, "
                         f"got {out.name!r}")
    out = out or run_dir / f"front.{suffix}"
    draw = plot_front_svg if suffix == "svg" else plot_front
    path = draw(run_dir, out, data_dir=data_dir, raw_dir=raw_dir, log_x=log_x)
    console.print(f"wrote {path}")

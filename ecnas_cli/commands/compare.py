"""``ecnas compare``: strategies over seeds: regret curves, attainment, radar, statistics."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.table import Table

from ecnas_cli.commands._display import energy
from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, print_json, user_errors
from ecnas_cli.files import write_table


class XAxis(StrEnum):
    evals = "evals"
    energy = "energy"


@user_errors
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(
        help="Run directories, or folders holding them (a strategy or benchmark tree).")],
    x: Annotated[XAxis, typer.Option(
        "--x", help="Curve x axis: evaluations or cumulative search energy (kWh).")
    ] = XAxis.evals,
    log: Annotated[bool, typer.Option("--log", help="Log-log regret curves.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("compare"),
    data_dir: DataDir = None, raw_dir: RawDir = None, as_json: Json = False,
) -> None:
    """Compare runs of one benchmark and objectives: curves.png/pdf, attainment.png/pdf,
    radar.png/pdf, stats.csv and pairwise.csv (Mann-Whitney U, Holm-corrected) in --out."""
    from ecnas_cli.analysis.comparison import compare_runs
    from ecnas_cli.plots.comparison import save_comparison
    comp = compare_runs(run_dirs, x=x.value, log=log, data_dir=data_dir, raw_dir=raw_dir)
    files = save_comparison(comp, out, log=log)
    for name, frame in (("stats.csv", comp.stats), ("pairwise.csv", comp.pairwise)):
        write_table(frame, out / name)
        files.append(out / name)
    if as_json:
        print_json({"stats": comp.stats.to_dict("records"),
                    "pairwise": comp.pairwise.to_dict("records"), "files": files})
        return
    console.print(_stats_table(comp.stats))
    if len(comp.pairwise):
        console.print(_pairwise_table(comp.pairwise))
    console.print(f"wrote {len(files)} files to {out}")


def _cost(v: float, fmt: str) -> str:
    return "-" if math.isnan(v) else format(v, fmt)


def _stats_table(stats: pd.DataFrame) -> Table:
    runs = ", ".join(f"{r['strategy']} {r['runs']}" for r in stats.to_dict("records"))
    table = Table("strategy", "regret %", "IQR", "cells", "cached", "energy", "to 95%",
                  box=box.SIMPLE_HEAD,
                  title=f"final hypervolume regret, medians over runs ({runs})")
    for r in stats.to_dict("records"):
        table.add_row(
            str(r["strategy"]), f"{100 * r['final_regret_median']:.2f}",
            f"{100 * r['final_regret_q25']:.2f}-{100 * r['final_regret_q75']:.2f}",
            _cost(r.get("distinct_cells", math.nan), ".0f"),
            _cost(r.get("cached_queries", math.nan), ".0f"), energy(r["search_energy_kwh"]),
            f"{_cost(r['evals_to_95'], '.0f')} ({r['reached_95']:.0%})")
    return table


def _pairwise_table(pairwise: pd.DataFrame) -> Table:
    table = Table("a", "b", "U", "p", "p Holm", "P(a<b)",
                  title="final regret, two-sided Mann-Whitney U (exact without ties)")
    for r in pairwise.itertuples(index=False):
        table.add_row(str(r.a), str(r.b), f"{r.u:g}", f"{r.p:.3g}", f"{r.p_holm:.3g}",
                      f"{r.prob_a_better:.2f}")
    return table

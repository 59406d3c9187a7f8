"""``ecnas compare``: strategies over seeds: regret curves, attainment, radar, ECDF, statistics."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.table import Table

from ecnas_cli.analysis.significance import REFERENCES
from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, print_json, user_errors
from ecnas_cli.display import energy, header, metric, short_hash
from ecnas_cli.files import write_table


class XAxis(StrEnum):
    evals = "evals"
    energy = "energy"


def _references(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(","))
    if not all(names):
        raise ValueError(f"--reference takes comma-separated strategy names, got {text!r}")
    return names


@user_errors
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(
        help="Run directories, or folders holding them (a strategy or benchmark tree).")],
    x: Annotated[XAxis, typer.Option(
        "--x", help="Curve x axis: evaluations or cumulative search energy (kWh).")
    ] = XAxis.evals,
    log: Annotated[bool, typer.Option("--log", help="Log-log regret curves.")] = False,
    reference: Annotated[str, typer.Option(
        "--reference", help="Comma-separated strategies every other one is tested against "
                            "(every pair is tested as well).")] = ",".join(REFERENCES),
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("compare"),
    data_dir: DataDir = None, raw_dir: RawDir = None, as_json: Json = False,
) -> None:
    """Compare runs of one benchmark and objectives: curves, ecdf, attainment and radar
    figures (png/pdf), stats.csv, pairwise.csv (every pair: Mann-Whitney U, Holm over all
    tests, A12 and median difference with bootstrap 95% intervals), coverage.csv (share of
    runs that found each true-front cell) and ecdf_evals.csv / ecdf_energy.csv in --out."""
    from ecnas_cli.analysis.comparison import compare_runs
    from ecnas_cli.analysis.ecdf import TARGETS
    from ecnas_cli.analysis.significance import TEST
    from ecnas_cli.plots.comparison import save_comparison
    refs = _references(reference)
    comp = compare_runs(run_dirs, x=x.value, log=log, references=refs, data_dir=data_dir,
                        raw_dir=raw_dir)
    files = save_comparison(comp, out, log=log)
    tables = {"stats.csv": comp.stats, "pairwise.csv": comp.pairwise,
              "coverage.csv": comp.coverage, "ecdf_evals.csv": comp.ecdf,
              "ecdf_energy.csv": comp.ecdf_energy}
    for name, frame in tables.items():
        write_table(frame, out / name)
        files.append(out / name)
    if as_json:
        print_json({"test": TEST, "references": list(comp.references),
                    "missing_references": list(comp.missing_references),
                    "true_cells": len(comp.true_front), "ecdf_targets": list(TARGETS),
                    **{name.removesuffix(".csv"): frame.to_dict("records")
                       for name, frame in tables.items()}, "files": files})
        return
    console.print(_stats_table(comp.stats))
    console.print(_front_table(comp.stats, len(comp.true_front)))
    if comp.coverage is not None:
        console.print(_worth_table(comp.coverage, comp.problem.metrics))
    for name in comp.missing_references:
        console.print(f"note: reference {name!r} is not among the runs: no tests against it",
                      highlight=False)
    if len(comp.pairwise):
        console.print(_pairwise_table(comp.pairwise, TEST))
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


def _front_table(stats: pd.DataFrame, true_cells: int) -> Table:
    table = Table("strategy", f"true-front cells /{true_cells}", "IGD+", "best acc %",
                  "energy 1 pt", box=box.SIMPLE_HEAD,
                  title="the whole front, medians over runs; energy 1 pt: the least energy "
                        "among cells within 1 point of the best accuracy found")
    for r in stats.to_dict("records"):
        cost = r.get("least_cost_near_best", math.nan)
        table.add_row(str(r["strategy"]), _cost(r.get("true_cells_found", math.nan), ".1f"),
                      _cost(r.get("final_igd_plus_median", math.nan), ".4f"),
                      _cost(100 * r.get("best_accuracy", math.nan), ".2f"),
                      "-" if math.isnan(cost) else energy(cost))
    return table


def _worth_table(coverage: pd.DataFrame, metrics: list[str]) -> Table:
    cells = coverage.groupby("module_hash", sort=False)
    table = Table("cell", *(header(m) for m in metrics), "worth %", "found in",
                  box=box.SIMPLE_HEAD,
                  title="true-front cells: hypervolume share (the regret of missing only "
                        "that cell) and the share of all runs that found it (per strategy "
                        "in coverage.csv)")
    for h, g in cells:
        found = float((g["found_share"] * g["runs"]).sum() / g["runs"].sum())
        values = [metric(m, float(g[m].iat[0])) for m in metrics]
        table.add_row(short_hash(h), *values, f"{100 * g['worth'].iat[0]:.2f}",
                      f"{found:.0%}")
    return table


def _pairwise_table(pairwise: pd.DataFrame, test: str) -> Table:
    shown = pairwise[pairwise["against_reference"]] if pairwise["against_reference"].any() \
        else pairwise
    table = Table("a", "b", "p Holm", "A12 [95% CI]", "median diff % [95% CI]",
                  box=box.SIMPLE_HEAD,
                  title=f"final regret: {test} ({len(pairwise)} tests; "
                        f"{len(shown)} shown, all in pairwise.csv)")
    for r in shown.itertuples(index=False):
        table.add_row(str(r.a), str(r.b), f"{r.p_holm:.3g}",
                      f"{r.a12:.2f} [{r.a12_low:.2f}, {r.a12_high:.2f}]",
                      f"{100 * r.median_diff:+.2f} [{100 * r.median_diff_low:+.2f}, "
                      f"{100 * r.median_diff_high:+.2f}]")
    return table

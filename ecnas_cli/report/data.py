"""What the HTML report shows, gathered from the figures' ``*_info`` functions and the analysis.

Nothing here computes a front, a curve or a statistic itself: fronts come from
:func:`~ecnas_cli.plots.front.front_info`, regret curves from
:func:`~ecnas_cli.plots.comparison.curves_info` over
:func:`~ecnas_cli.analysis.comparison.curve_bands`, statistics from
:func:`~ecnas_cli.analysis.comparison.compare_runs`, so the PNG/PDF figures and the report show
the same numbers. This module only collects them, with the drawn cells and the run metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.space import Arch
from benchmarks.space.draw import layout, to_svg
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import Objective
from ecnas_cli.analysis.comparison import AXES, Comparison, compare_runs, curve_bands, run_summaries
from ecnas_cli.analysis.fronts import cell_means
from ecnas_cli.plots.comparison import CurvesInfo, curves_info
from ecnas_cli.plots.front import FrontInfo, front_info
from ecnas_cli.run.store import RunResult, load_runs

__all__ = ["CellCard", "ReportData", "report_data"]

#: run.json keys shown once when every run agrees, per run otherwise.
_META_KEYS = ("benchmark", "benchmark_sha256", "space", "objectives", "epochs", "budget",
              "protocol", "versions", "settings", "command")


@dataclass
class CellCard:
    """One drawn cell: its SVG, mean metric values, and the runs of each strategy that
    evaluated it (``found_by[strategy] = (runs that evaluated it, runs)``)."""

    module_hash: str
    matrix: str
    ops: str
    svg: str
    values: dict[str, float]
    found_by: dict[str, tuple[int, int]]
    roles: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything the report renders (raw units; ``metrics`` are every metric of the table)."""

    bench: Benchmark
    objectives: tuple[Objective, ...]
    epochs: int
    metrics: list[str]
    fronts: list[tuple[str, str, FrontInfo]]  # (strategy, run label, front)
    table_values: dict[str, np.ndarray]  # metric -> values of FrontInfo.table_hashes' cells
    curves: dict[str, CurvesInfo]  # "evals" and "energy"
    stats: pd.DataFrame
    pairwise: pd.DataFrame
    summaries: pd.DataFrame
    true_front: list[str]
    cells: dict[str, CellCard]
    shared_meta: dict[str, Any]
    run_meta: pd.DataFrame
    ecdf: pd.DataFrame | None = None
    command: str = ""


def _label(run: RunResult) -> str:
    return f"{run.meta['strategy']} seed {run.meta.get('seed', 0)}"


def _cards(hashes: Sequence[str], bench: Benchmark, epochs: int, metrics: list[str],
           found: dict[str, list[set[str]]]) -> dict[str, CellCard]:
    """Cards of ``hashes`` with the table's arch (its first stored spelling) and mean values."""
    rows = bench.frame.drop_duplicates("module_hash").set_index("module_hash")
    values = bench.query_many(list(hashes), epochs=epochs, metrics=metrics)
    cards = {}
    for k, h in enumerate(hashes):
        matrix, ops = str(rows.at[h, "matrix"]), str(rows.at[h, "ops"])
        cards[h] = CellCard(
            h, matrix, ops, to_svg(layout(Arch.from_strings(matrix, ops)), title=h),
            {m: float(values[m][k]) for m in metrics},
            {s: (sum(h in seen for seen in runs), len(runs)) for s, runs in found.items()})
    return cards


def _metadata(runs: Sequence[RunResult], bench: Benchmark) -> tuple[dict[str, Any], pd.DataFrame]:
    """run.json values every run shares, and a row per run with the rest."""
    shared: dict[str, Any] = {"table_sha256 (loaded)": bench.checksum}
    varying = []
    for key in _META_KEYS:
        seen = [r.meta.get(key) for r in runs]
        if all(v == seen[0] for v in seen):
            if seen[0] is not None:
                shared[key] = seen[0]
        else:
            varying.append(key)
    rows = []
    for run in runs:
        row = {"strategy": run.meta["strategy"], "seed": run.meta.get("seed", 0),
               "status": run.meta.get("status"), "stop_reason": run.meta.get("stop_reason"),
               "evaluations": run.meta.get("evaluations"),
               "search_energy_kwh": run.meta.get("search_energy_kwh"),
               "path": str(run.path or "")}
        rows.append(row | {k: run.meta.get(k) for k in varying})
    return shared, pd.DataFrame(rows)


def _bands(comp: Comparison, x: str) -> CurvesInfo:
    """The comparison's curves against ``x`` ("evals" or "energy"), banded as for the
    log-log figures of ``ecnas compare --log`` (the report opens with log axes)."""
    table = comp.curves.assign(x=comp.curves[AXES[x]])
    return curves_info(curve_bands(table, log=True), x, log=True)


def report_data(paths: Sequence[Path], *, data_dir: Path | None = None,
                raw_dir: Path | None = None, command: str = "") -> ReportData:
    """Load the runs at or under ``paths`` (one benchmark, objectives and epochs) and gather
    the report: fronts, curves over evaluations and energy, statistics, cells and metadata.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`~ecnas_cli.run.store.load_runs`; fronts also need 2 objectives.
    """
    runs = load_runs(paths)
    comp = compare_runs(paths, data_dir=data_dir, raw_dir=raw_dir, runs=runs)
    bench, objs, epochs = comp.bench, comp.objectives, comp.epochs
    metrics = list(bench.metrics)
    fronts = [(str(r.meta["strategy"]), _label(r), front_info(r, comp.problem)) for r in runs]
    hashes = fronts[0][2].table_hashes
    assert hashes is not None  # front_info always names the table's cells
    found: dict[str, list[set[str]]] = {}
    for run in runs:
        found.setdefault(str(run.meta["strategy"]), []).append(
            set(cell_means(run, comp.problem)["module_hash"]))
    true = [str(h) for h in comp.true_front["module_hash"]]
    wanted = list(dict.fromkeys(true + [str(h) for _, _, f in fronts
                                        if f.cells is not None for h in f.cells["module_hash"]]))
    cards = _cards(wanted, bench, epochs, metrics, found)
    for h in true:
        cards[h].roles.append("true front")
    for _, label, f in fronts:
        for h in [] if f.cells is None else f.cells["module_hash"]:
            cards[str(h)].roles.append(f"front of {label}")
    shared, run_meta = _metadata(runs, bench)
    return ReportData(
        bench=bench, objectives=objs, epochs=epochs, metrics=metrics, fronts=fronts,
        table_values=bench.query_many(list(hashes), epochs=epochs, metrics=metrics),
        curves={x: _bands(comp, x) for x in AXES}, stats=comp.stats, pairwise=comp.pairwise,
        summaries=run_summaries(runs, comp.curves), true_front=true, cells=cards,
        shared_meta=shared, run_meta=run_meta, ecdf=getattr(comp, "ecdf", None),
        command=command)

"""The measured spaces at a glance: every cell, the true front, trade-offs and chosen cells."""

from __future__ import annotations

import pandas as pd

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import parse_objectives
from ecnas_cli.analysis.paper.op_swap import cell_table
from ecnas_cli.analysis.tradeoff import TOLERANCES, chosen_cells, tradeoff_table

__all__ = ["ACC_ENERGY", "chosen", "space_cells", "tradeoffs", "true_front"]

#: The paper's objectives: validation accuracy (max) and training energy (min).
ACC_ENERGY = parse_objectives("validation_accuracy:max,energy_kwh:min")
_COLUMNS = ("validation_accuracy", "test_accuracy", "energy_kwh", "training_time_s",
            "trainable_params", "flops")


def space_cells(bench: Benchmark, epochs: int | None = None) -> pd.DataFrame:
    """Every cell's mean values at ``epochs`` (default: the last fidelity), one row each."""
    return cell_table(bench, epochs, [c for c in _COLUMNS if c in bench.metrics])


def true_front(bench: Benchmark, epochs: int | None = None) -> pd.DataFrame:
    """The accuracy-energy true front with every reported metric of its cells."""
    front = bench.true_front(ACC_ENERGY, epochs=epochs)
    cells = space_cells(bench, epochs).drop(columns=["validation_accuracy", "energy_kwh"])
    return front.merge(cells, on="module_hash", how="left")


def tradeoffs(benches: dict[str, Benchmark]) -> pd.DataFrame:
    """The cheapest true-front cell within 0.25 ... 5 points of the best, per space."""
    parts = []
    for space, bench in benches.items():
        table = tradeoff_table(true_front(bench), ACC_ENERGY, TOLERANCES)
        table.insert(0, "space", space)
        table.insert(1, "epochs", bench.fidelities[-1])
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def chosen(bench: Benchmark) -> pd.DataFrame:
    """Extremes and knee of the true front (``role`` column first)."""
    return chosen_cells(true_front(bench), ACC_ENERGY)

"""Tables present only when the user fetched them: the four-GPU hardware tables and full 7V.

Nothing here fetches: :func:`present_tables` lists the registered tables whose stored table or
official file is already on disk; the analyses take loaded benchmarks, so they run the same on
a small generated table (tests) as on the official ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from pathlib import Path

import pandas as pd
from scipy.stats import kendalltau

from benchmarks.paths import data_dir as resolve_data_dir
from benchmarks.sources.official import official_path
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.registry import REGISTRY, table_path
from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.analysis.tradeoff import knee

__all__ = ["FULL_7V", "GPUS", "front_knee", "gpu_agreement", "gpu_energy", "present_tables"]

GPUS = ("quadrortx6000", "rtx3060", "rtx3090", "titanxp")
FULL_7V = "ecnas-7v"


def present_tables(names: list[str], data_dir: Path | None = None) -> list[str]:
    """Those of ``names`` that load without a download (stored table or official file)."""
    out = []
    for name in names:
        spec = REGISTRY.get(name)
        official = spec is not None and spec.official is not None and official_path(
            spec.official, data_dir=resolve_data_dir(data_dir)).is_file()
        if table_path(name, data_dir).is_file() or official:
            out.append(name)
    return out


def gpu_energy(benches: Mapping[str, Benchmark], epochs: int | None = None) -> pd.DataFrame:
    """Mean energy per cell (rows) on each GPU (columns), cells measured on every GPU."""
    cols = {}
    for gpu, bench in benches.items():
        hashes, values = bench.cell_values([ACC_ENERGY[1]], epochs=epochs)
        cols[gpu] = pd.Series(values[:, 0], index=hashes)
    return pd.DataFrame(cols).dropna().sort_index()


def gpu_agreement(energy: pd.DataFrame) -> pd.DataFrame:
    """Kendall tau of cell energies between every pair of GPUs, plus the median energy ratio."""
    rows = []
    for a, b in combinations(energy.columns, 2):
        rows.append({"gpu_a": a, "gpu_b": b, "cells": len(energy),
                     "kendall_tau": float(kendalltau(energy[a], energy[b]).statistic),
                     "median_energy_ratio_b_over_a": float((energy[b] / energy[a]).median())})
    return pd.DataFrame(rows)


def front_knee(bench: Benchmark, epochs: int | None = None) -> dict[str, float | str]:
    """The accuracy-energy front's knee against its most accurate cell: energy saved (%) and
    accuracy given up (points), as the paper reports for 7V."""
    front = bench.true_front(ACC_ENERGY, epochs=epochs)
    k = knee(front, ACC_ENERGY)
    best = front.loc[front["validation_accuracy"].idxmax()]
    return {"benchmark": bench.name, "epochs": bench.epochs_or_default(epochs),
            "front_cells": len(front), "knee_hash": str(k["module_hash"]),
            "knee_accuracy": float(k["validation_accuracy"]),
            "knee_energy_kwh": float(k["energy_kwh"]),
            "best_accuracy": float(best["validation_accuracy"]),
            "best_energy_kwh": float(best["energy_kwh"]),
            "energy_saving_pct": float(100 * (1 - k["energy_kwh"] / best["energy_kwh"])),
            "accuracy_drop_points": float(100 * (best["validation_accuracy"]
                                                 - k["validation_accuracy"]))}

"""A small synthetic benchmark on the 4v space for contract tests (no real data needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.space import get_space
from benchmarks.tables.benchmark import Benchmark


def synthetic_benchmark(repeats: int = 2, fidelities: tuple[int, ...] = (1, 4)) -> Benchmark:
    """Every 4v cell at ``fidelities`` with ``repeats`` noisy repeats of smooth metrics."""
    cells = get_space("4v").cells()
    rng = np.random.default_rng(12345)
    rows = []
    for e in fidelities:
        for r in range(repeats):
            frame = cells[["module_hash", "matrix", "ops", "num_vertices", "trainable_params",
                           "flops"]].copy()
            size = np.log(frame["flops"].to_numpy(dtype=float))
            frame["epochs"], frame["repeat"] = e, r
            frame["validation_accuracy"] = (0.5 + 0.02 * size * e / 4
                                            + rng.normal(0, 0.01, len(frame)))
            frame["test_accuracy"] = frame["validation_accuracy"] - 0.01
            frame["train_accuracy"] = frame["validation_accuracy"] + 0.02
            frame["training_time_s"] = frame["flops"] / 1e7 * e * (1 + rng.normal(0, .02,
                                                                                    len(frame)))
            frame["energy_kwh"] = frame["training_time_s"] * 2.5e-4
            frame["energy_source"] = "measured"
            rows.append(frame)
    return Benchmark(pd.concat(rows, ignore_index=True),
                     {"name": "synthetic-4v", "space": "4v", "table_sha256": "0" * 64})

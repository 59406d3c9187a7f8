"""Time the surrogate on the whole 7V space (not a pytest test).

Run from the repository root: ``python tests/perf/perf_surrogate.py [--raw-dir DIR]``. Loads
the 423,624 cells of the 7-vertex space (``benchmarks.space.catalog``, built and cached on first
use), times :func:`featurise_group` per vertex count, fits the default surrogate on the
measured 7V sample and times its prediction for every cell.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.space.arch import OP_LABEL  # noqa: E402
from benchmarks.space.catalog import load_cells  # noqa: E402
from benchmarks.surrogate.features import featurise_group  # noqa: E402
from benchmarks.surrogate.model import fit_surrogate, load_training_data  # noqa: E402


def cell_arrays(cells: pd.DataFrame) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{V: (matrices (N, V, V) uint8, labels (N, V) int64)}`` from a cell table."""
    out = {}
    sizes = cells["num_vertices"].to_numpy()
    for v in (int(x) for x in np.unique(sizes)):
        group = cells[sizes == v]
        bits = group["matrix"].to_numpy().astype(f"S{v * v}")
        matrices = (np.frombuffer(bits.tobytes(), dtype=np.uint8) - ord("0")).reshape(-1, v, v)
        ops = group["ops"].str.split(",", expand=True).to_numpy()
        labels = np.vectorize(OP_LABEL.__getitem__, otypes=[np.int64])(ops)
        out[v] = (matrices, labels)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=Path(
        os.environ.get("ECNAS_RAW_DIR", REPO.parent / "shared" / "ecnas-data")))
    args = parser.parse_args()
    t0 = time.perf_counter()
    groups = cell_arrays(load_cells(7, 9))
    total = sum(len(lab) for _, lab in groups.values())
    print(f"loaded {total:,} cells in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    for matrices, labels in groups.values():
        featurise_group(matrices, labels)
    dt = time.perf_counter() - t0
    print(f"featurise: {dt:.2f} s ({total / dt:,.0f} cells/s)")

    data = load_training_data(args.raw_dir)
    t0 = time.perf_counter()
    model = fit_surrogate(data, kind="mlp", seed=0)
    print(f"fit (mlp, 5 members, {len(data):,} cells): {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    means = np.concatenate([model.predict(m, lab)[0] for m, lab in groups.values()])
    dt = time.perf_counter() - t0
    print(f"predict all: {dt:.2f} s ({total / dt:,.0f} cells/s); energy kWh "
          f"min {means.min():.5f} median {np.median(means):.5f} max {means.max():.5f}; "
          f"{np.mean(means > data['energy_kwh'].max()):.2%} above the largest measured")


if __name__ == "__main__":
    main()

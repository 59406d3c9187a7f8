"""Time benchmarks.space.cost.count_batch against a per-cell Python loop (not a pytest test).

Run from the repository root: ``python tests/perf/perf_network.py [--cells 400000]``. The
5-vertex cells of ``generated_graphs_5V9E.json`` (and the 7-vertex cells of the 7V sample CSV,
the shape of the full space) are repeated to about ``--cells`` cells; the loop baseline is
timed on a slice and reported as cells/s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.space.arch import Arch, check_arch  # noqa: E402
from benchmarks.space.cost import count_batch, count_flops, count_params  # noqa: E402


def groups_5v(raw_dir: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    graphs = json.loads((raw_dir / "graphs" / "generated_graphs_5V9E.json").read_text())
    by_v: dict[int, list] = defaultdict(list)
    for matrix, labels in graphs.values():
        by_v[len(labels)].append((matrix, labels))
    return {v: (np.array([m for m, _ in c], dtype=np.uint8), np.array([lab for _, lab in c],
                                                                       dtype=np.int8))
            for v, c in by_v.items()}


def group_7v(raw_dir: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    df = pd.read_csv(raw_dir / "energy_7V9E_4epochs_sample.csv", dtype={"matrix": str})
    archs = [check_arch(Arch.from_strings(b, o)) for b, o in zip(df["matrix"], df["ops"],
                                                                  strict=True)]
    archs = [a for a in archs if a.num_vertices == 7]
    return {7: (np.stack([a.array() for a in archs]),
                np.array([a.labels() for a in archs], dtype=np.int8))}


def bench(name: str, groups: dict[int, tuple[np.ndarray, np.ndarray]], cells: int,
          loop_cells: int) -> None:
    total = sum(len(m) for m, _ in groups.values())
    reps = max(1, round(cells / total))
    big = {v: (np.tile(m, (reps, 1, 1)), np.tile(lab, (reps, 1))) for v, (m, lab) in
           groups.items()}
    n = sum(len(m) for m, _ in big.values())
    start = time.perf_counter()
    for m, lab in big.values():
        count_batch(m, lab)
    batch_s = time.perf_counter() - start

    flat = [(m[i], lab[i]) for m, lab in big.values() for i in range(len(m))][:loop_cells]
    start = time.perf_counter()
    for m, lab in flat:
        count_params(m, lab)
        count_flops(m, lab)
    loop_rate = len(flat) / (time.perf_counter() - start)
    batch_rate = n / batch_s
    print(f"{name}: count_batch {n:,} cells in {batch_s:.3f} s = {batch_rate:,.0f} cells/s; "
          f"per-cell loop {loop_rate:,.0f} cells/s (on {len(flat):,}); "
          f"speed-up x{batch_rate / loop_rate:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=400_000)
    parser.add_argument("--loop-cells", type=int, default=5_000)
    args = parser.parse_args()
    raw_dir = Path(os.environ.get("ECNAS_RAW_DIR", REPO.parent / "shared" / "ecnas-data"))
    bench("5V cells", groups_5v(raw_dir), args.cells, args.loop_cells)
    bench("7V cells", group_7v(raw_dir), args.cells, args.loop_cells)


if __name__ == "__main__":
    main()

"""Speed of benchmark tables: Parquet load, batch queries, a 7V-sized table's reload.

Run: ``ECNAS_RAW_DIR=../shared/ecnas-data python tests/perf/perf_table.py``. Each figure is
printed beside the straightforward approach (a per-row Python dict) measured in the same run.
"""

from __future__ import annotations

import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.space import get_space
from benchmarks.tables.benchmark import load_table, save_table
from benchmarks.tables.registry import load_benchmark, stored_path


def dict_table(frame: pd.DataFrame) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for row in frame.to_dict(orient="records"):
        out.setdefault((row["module_hash"], row["epochs"]), []).append(row)
    return out


def main() -> None:
    data = Path(tempfile.mkdtemp())
    load_benchmark("ecnas-5v", data_dir=data)  # build once from the raw tree
    path = stored_path("ecnas-5v", data)
    load = min(timeit.repeat(lambda: load_table(path), number=1, repeat=5))
    frame = load_table(path).frame
    naive_load = min(timeit.repeat(lambda: dict_table(pd.read_parquet(path)), number=1, repeat=3))
    print(f"load ecnas-5v: {load * 1e3:.1f} ms (target <= 50 ms); per-row dicts "
          f"{naive_load * 1e3:.1f} ms -> {naive_load / load:.1f}x")

    bench = load_table(path)
    rng = np.random.default_rng(0)
    hashes = rng.choice(bench.frame["module_hash"].unique(), 100_000)
    q = min(timeit.repeat(lambda: bench.query_many(hashes, epochs=4), number=1, repeat=5))
    table = dict_table(frame)
    metrics = list(bench.metrics)

    def naive() -> None:
        for h in hashes:
            rows = table[(h, 4)]
            {m: sum(r[m] for r in rows) / len(rows) for m in metrics}

    n = min(timeit.repeat(naive, number=1, repeat=1))
    print(f"query_many 100k rows: {len(hashes) / q / 1e6:.1f} M rows/s (target >= 1); "
          f"per-row dicts {len(hashes) / n / 1e6:.2f} M rows/s -> {n / q:.0f}x")

    cells = get_space("7v").cells()
    big = pd.concat([cells.assign(epochs=e, repeat=0, energy_kwh=0.01 * e,
                                  validation_accuracy=0.9, test_accuracy=0.9,
                                  training_time_s=100.0 * e, energy_source="surrogate")
                     for e in (4, 12, 36, 108)], ignore_index=True)
    out = data / "big.parquet"
    t = time.perf_counter()
    save_table(big, out, {"name": "big", "space": "7v"})
    print(f"7V-sized table ({len(big):,} rows) saved in {time.perf_counter() - t:.1f} s")
    reload = min(timeit.repeat(lambda: load_table(out), number=1, repeat=2))
    raw = min(timeit.repeat(lambda: pd.read_parquet(out), number=1, repeat=2))
    print(f"7V-sized Parquet reload into a queryable Benchmark: {reload:.2f} s "
          f"(plain pandas read {raw:.2f} s; target <= 1 s)")
    bench = load_table(out)
    t = time.perf_counter()
    bench.query_many(cells["module_hash"].to_numpy()[:1000], epochs=108)
    print(f"first query at one budget (indexes that budget's 423,624 cells once): "
          f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()

"""Cost of verifying stored tables on load (content sha256 + schema rules) and the cell cache.

Run: ``python tests/perf/perf_verify.py``. Each load is timed beside the unverified read it
replaces (``pq.read_table(...).to_pandas()`` + ``Benchmark``), measured in the same run, on
the embedded ecnas-5v table and on a 7V-sized table (423,624 cells x 4 fidelities).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

os.environ.setdefault("ECNAS_CACHE_DIR", tempfile.mkdtemp())  # keep the user's cache out of it

from benchmarks.errors import DamagedTableError
from benchmarks.paths import PACKAGE_DATA
from benchmarks.space import get_space
from benchmarks.tables.benchmark import Benchmark, load_table, save_table
from benchmarks.tables.schema import validate
from benchmarks.tables.storage import META_KEY, table_digest


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def unverified(path: Path) -> Benchmark:
    """The load before verification: read, parse the metadata, build the query object."""
    table = pq.read_table(path)
    return Benchmark(table.to_pandas(), json.loads(table.schema.metadata[META_KEY]))


def report(label: str, path: Path, repeat: int) -> None:
    base = best_of(lambda: unverified(path), repeat)
    full = best_of(lambda: load_table(path), repeat)
    frame = unverified(path).frame
    digest = best_of(lambda: table_digest(frame), repeat)
    rules = best_of(lambda: validate(frame), repeat)
    print(f"{label} ({len(frame):,} rows): unverified load {base:.3f} s, verified "
          f"{full:.3f} s -> overhead {full - base:+.3f} s ({full / base:.2f}x); of which "
          f"sha256 {digest:.3f} s, schema rules {rules:.3f} s")


def bit_flips(n: int = 300) -> None:
    """Load a stored ecnas-4v after each of ``n`` random single-bit flips; count outcomes."""
    path = Path(tempfile.mkdtemp()) / "t4.parquet"
    save_table(pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet"), path,
               {"name": "t4", "space": "4v"})
    data, first = path.read_bytes(), load_table(path)
    original, meta = first.frame, first.meta
    rng = np.random.default_rng(0)
    counts = {"DamagedTableError": 0, "identical": 0, "changed": 0, "other error": 0}
    for pos in rng.integers(0, len(data), n):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(flipped))
        try:
            bench = load_table(path)
        except DamagedTableError:
            counts["DamagedTableError"] += 1
            continue
        except Exception:  # counted: must stay 0
            counts["other error"] += 1
            continue
        frame = bench.frame  # a changed table: other rows, column types or metadata
        same = (frame.equals(original) and frame.dtypes.equals(original.dtypes)
                and bench.meta == meta)
        counts["identical" if same else "changed"] += 1
    print(f"{n} single-bit flips of a stored ecnas-4v: " +
          ", ".join(f"{v} {k}" for k, v in counts.items()))


def main() -> None:
    bit_flips()
    report("ecnas-5v (embedded)", PACKAGE_DATA / "ecnas-5v.parquet", 5)
    cells = get_space("7v").cells()
    t = time.perf_counter()
    big = pd.concat([cells.assign(epochs=e, repeat=0, energy_kwh=0.01 * e,
                                  validation_accuracy=0.9, test_accuracy=0.9,
                                  training_time_s=100.0 * e, energy_source="surrogate")
                     for e in (4, 12, 36, 108)], ignore_index=True)
    out = Path(tempfile.mkdtemp()) / "big.parquet"
    save_table(big, out, {"name": "big", "space": "7v"})
    print(f"7V-sized table built and saved in {time.perf_counter() - t:.1f} s")
    report("7V-sized table", out, 2)


if __name__ == "__main__":
    main()

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
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

os.environ.setdefault("ECNAS_CACHE_DIR", tempfile.mkdtemp())  # keep the user's cache out of it

from benchmarks.errors import DamagedTableError
from benchmarks.paths import PACKAGE_DATA
from benchmarks.schema import validate
from benchmarks.space import get_space
from benchmarks.tables.benchmark import Benchmark, load_table, save_table
from benchmarks.tables.storage import META_KEY, table_digest


def unverified(path: Path) -> Benchmark:
    """The load before verification: read, parse the metadata, build the query object."""
    table = pq.read_table(path)
    return Benchmark(table.to_pandas(), json.loads(table.schema.metadata[META_KEY]))


def report(label: str, path: Path, repeat: int) -> None:
    base = min(timeit.repeat(lambda: unverified(path), number=1, repeat=repeat))
    full = min(timeit.repeat(lambda: load_table(path), number=1, repeat=repeat))
    frame = unverified(path).frame
    digest = min(timeit.repeat(lambda: table_digest(frame), number=1, repeat=repeat))
    rules = min(timeit.repeat(lambda: validate(frame), number=1, repeat=repeat))
    print(f"{label} ({len(frame):,} rows): unverified load {base:.3f} s, verified "
          f"{full:.3f} s -> overhead {full - base:+.3f} s ({full / base:.2f}x); of which "
          f"sha256 {digest:.3f} s, schema rules {rules:.3f} s")


def outcome(load: Callable[[Path], Benchmark], path: Path, original: Benchmark) -> str:
    """What ``load`` makes of a damaged file: refused, identical, changed (other rows, column
    types or metadata) or another error."""
    try:
        bench = load(path)
    except DamagedTableError:
        return "DamagedTableError"
    except Exception:  # counted: must stay 0 for the verified load
        return "other error"
    frame, before = bench.frame, original.frame
    same = (frame.equals(before) and list(frame.columns) == list(before.columns)
            and frame.dtypes.equals(before.dtypes) and bench.meta == original.meta)
    return "identical" if same else "changed"


def bit_flips(n: int = 300) -> None:
    """Load a stored ecnas-4v after each of ``n`` random single-bit flips; count outcomes, of
    the verified load and of the unverified read it replaces."""
    path = Path(tempfile.mkdtemp()) / "t4.parquet"
    save_table(pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet"), path,
               {"name": "t4", "space": "4v"})
    data, first = path.read_bytes(), load_table(path)
    rng = np.random.default_rng(0)
    flips = list(zip(rng.integers(0, len(data), n), rng.integers(8, size=n), strict=True))
    for label, load in (("verified", load_table), ("unverified", unverified)):
        counts = dict.fromkeys(["DamagedTableError", "identical", "changed", "other error"], 0)
        for pos, bit in flips:
            flipped = bytearray(data)
            flipped[pos] ^= 1 << int(bit)
            path.write_bytes(bytes(flipped))
            counts[outcome(load, path, first)] += 1
        print(f"{n} single-bit flips of a stored ecnas-4v, {label} load: " +
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

"""Time the EC-NAS tfrecord reader on a full 7V-sized table (a script, not a pytest test).

Run from the repository root: ``python tests/perf/perf_tfrecord.py [--cells 423624]``. It writes
a synthetic energy table of ``--cells`` cells x 4 fidelities (the shape of
``energy_7V9E_surrogate.tfrecord``: 1.7M records) to a temp dir in a child process, then in this
process times ``read_energy_table`` (peak RSS after it), a Parquet round trip of the result, and
a "straightforward" reader (full dataclass decode per record, a dict per row,
``pd.DataFrame(list_of_dicts)``) against the fast reader on the first ``--subset`` records.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.sources.protowire import ModelMetricsEnergy, decode_message  # noqa: E402
from benchmarks.sources.tfrecord import iter_records, read_energy_table  # noqa: E402
from tests.fixtures.writers import write_energy_table, write_records  # noqa: E402

T = TypeVar("T")
OPS = np.array(["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"])
BUDGETS = np.array([4, 12, 36, 108], np.int16)


def synthetic_table(cells: int, seed: int = 0) -> pd.DataFrame:
    """``cells`` random 7-vertex cells x 4 fidelities in ``read_energy_table``'s layout."""
    rng = np.random.default_rng(seed)
    hexes = rng.bytes(16 * cells).hex()
    hashes = [hexes[i:i + 32] for i in range(0, len(hexes), 32)]
    bits = (rng.random((cells, 49)) < 0.3).astype(np.uint8) + ord("0")
    matrix = bits.view("S49").ravel().astype(str)
    ops = [",".join(["input", *OPS[r], "output"]) for r in rng.integers(0, 3, (cells, 5))]
    n = 4 * cells
    energy = rng.uniform(0.005, 0.05, n) * np.tile(BUDGETS / 4, cells)
    return pd.DataFrame({
        "module_hash": pd.Series(np.repeat(hashes, 4), dtype="str"),
        "matrix": pd.Series(np.repeat(matrix, 4), dtype="str"),
        "ops": pd.Series(np.repeat(ops, 4), dtype="str"),
        "num_vertices": np.full(n, 7, np.int16), "epochs": np.tile(BUDGETS, cells),
        "repeat": np.zeros(n, np.int16), "train_accuracy": rng.random(n),
        "validation_accuracy": rng.random(n), "test_accuracy": rng.random(n),
        "training_time_s": energy * 60_000, "energy_kwh": energy, "co2eq_g": energy * 150,
        "carbon_intensity_g_per_kwh": rng.uniform(100, 300, n),
        "trainable_params": rng.integers(200_000, 40_000_000, n),
        "gpu_power_w": rng.uniform(100, 250, n), "cpu_power_w": rng.uniform(10, 60, n),
        "device": pd.Series(["Quadro RTX 6000"] * n, dtype="str"),
    })


def generate(path: str, cells: int) -> None:
    start = time.perf_counter()
    df = synthetic_table(cells)
    built = time.perf_counter()
    count = write_energy_table(path, df)
    print(f"generate: {count:,} records, {os.path.getsize(path) / 2**20:,.0f} MiB: table "
          f"{built - start:.1f} s, write_energy_table {time.perf_counter() - built:.1f} s",
          flush=True)


def straightforward(path: Path) -> pd.DataFrame:
    """The obvious reader: decode every message fully and build a dict per row."""
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, int], int] = {}
    for _, data in iter_records(path):
        module_hash, epochs, matrix, ops, raw = json.loads(data.decode())
        msg = decode_message(ModelMetricsEnergy, base64.b64decode(raw))
        last = msg.evaluation_data_energy[-1]
        power = msg.avg_power_usages
        gpu, cpu = (power.gpu, power.cpu) if power else (None, None)
        seen[module_hash, epochs] = repeat = seen.get((module_hash, epochs), -1) + 1
        rows.append({
            "module_hash": module_hash, "matrix": matrix, "ops": ops,
            "num_vertices": math.isqrt(len(matrix)), "epochs": epochs, "repeat": repeat,
            "train_accuracy": last.train_accuracy,
            "validation_accuracy": last.validation_accuracy,
            "test_accuracy": last.test_accuracy, "training_time_s": last.training_time,
            "energy_kwh": last.energy, "co2eq_g": last.co2eq,
            "carbon_intensity_g_per_kwh": last.avg_intensity,
            "trainable_params": msg.trainable_parameters,
            "gpu_power_w": np.mean(gpu.avg_power_usages_w) if gpu else math.nan,
            "cpu_power_w": np.mean(cpu.avg_power_usages_w) if cpu else math.nan,
            "device": "+".join(gpu.devices) if gpu else ""})
    return pd.DataFrame(rows).astype({"num_vertices": "int16", "epochs": "int16",
                                      "repeat": "int16", "device": "str"})


def timed(label: str, fn: Callable[[], T], n: int | None = None) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    rate = f"  ({seconds / n * 1e6:.1f} us/record)" if n else ""
    print(f"{label:<44} {seconds:8.2f} s{rate}", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=423_624)
    parser.add_argument("--subset", type=int, default=100_000)
    parser.add_argument("--checkpoints", action="store_true", help="also time checkpoints=True")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "energy_7V_synthetic.tfrecord"
        child = multiprocessing.get_context("spawn").Process(target=generate,
                                                             args=(str(path), args.cells))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("generation failed")
        n = 4 * args.cells
        df, t_read = timed("read_energy_table(checkpoints=False)",
                           lambda: read_energy_table(path, checkpoints=False), n)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
        print(f"  {len(df):,} rows; peak RSS of this process {peak:,.0f} MiB "
              f"(file {path.stat().st_size / 2**20:,.0f} MiB); target < 120 s: "
              f"{'OK' if t_read < 120 else 'MISSED'}")
        if args.checkpoints:
            timed("read_energy_table(checkpoints=True)",
                  lambda: read_energy_table(path, checkpoints=True), n)
        parquet = Path(tmp) / "energy.parquet"
        timed("DataFrame.to_parquet (pyarrow)", lambda: df.to_parquet(parquet, engine="pyarrow"))
        back, t_parquet = timed("pd.read_parquet (pyarrow)",
                                lambda: pd.read_parquet(parquet, engine="pyarrow"))
        pd.testing.assert_frame_equal(back, df)
        print(f"  Parquet {parquet.stat().st_size / 2**20:,.0f} MiB; reload is "
              f"{t_read / t_parquet:.0f}x faster than the tfrecord import")

        subset = Path(tmp) / "subset.tfrecord"
        write_records(subset, (d for _, d in itertools.islice(iter_records(path), args.subset)))
        m = min(args.subset, n)
        fast, t_fast = timed(f"read_energy_table on {m:,} records",
                             lambda: read_energy_table(subset, checkpoints=False), m)
        slow, t_slow = timed(f"straightforward reader on {m:,} records",
                             lambda: straightforward(subset), m)
        pd.testing.assert_frame_equal(slow, fast)
        print(f"  same DataFrame; straightforward / fast = {t_slow / t_fast:.1f}x; "
              f"extrapolated straightforward full import {t_slow / m * n:.0f} s")


if __name__ == "__main__":
    main()

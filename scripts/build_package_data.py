"""Build the embedded default tables, ``benchmarks/data/*.parquet``, from the EC-NAS measurements.

    python scripts/build_package_data.py [--raw-dir ../shared/ecnas-data] [--out benchmarks/data]

Each table is built by the project's own importer (``benchmarks.sources.builders``) exactly as
``ecnas data`` builds it from ``$ECNAS_RAW_DIR``, then written deterministically (sorted rows,
zstd level 19, one row group, page checksums), so the same inputs and library versions give
the same bytes.
Provenance, the EC-NAS citation, the licence and the input checksums go into each table's
metadata and into ``README.md`` beside the tables. ``tests/benchmarks/test_package_data.py``
rebuilds them and checks they equal the shipped files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks.atomic import atomic_path
from benchmarks.paths import PACKAGE_DATA
from benchmarks.sources.builders import frame_from_csv, frame_from_official_runs, frame_from_raw
from benchmarks.sources.energy_csv import find_sample
from benchmarks.tables.benchmark import read_meta, save_table
from benchmarks.tables.registry import REGISTRY

REPO = Path(__file__).resolve().parents[1]
EC_NAS_BENCH = "github.com/saintslab/EC-NAS-Bench (commit 1a82fdd, MIT licence)"
SURROGATE_REPO = "github.com/raghavian/surrogate-ec-nasbench (commit a5141f0, MIT licence)"
CITATION = ("Pedram Bakhtiarifard, Christian Igel, Raghavendra Selvan. EC-NAS: Energy "
            "Consumption Aware Tabular Benchmarks for Neural Architecture Search. "
            "IEEE ICASSP 2024.")
LICENCE = "MIT"
#: name -> (what it was built from, how to build it from the raw data dir)
SOURCES: dict[str, tuple[str, Callable[[Path], tuple[Any, dict[str, Any]]]]] = {
    "ecnas-4v": (f"raw results tree train_model_results/energy/4V9E/4_epochs of {EC_NAS_BENCH}",
                 lambda root: frame_from_raw(root, "4v")),
    "ecnas-5v": (f"raw results tree train_model_results/energy/5V9E/4_epochs of {EC_NAS_BENCH}",
                 lambda root: frame_from_raw(root, "5v")),
    "ecnas-4v-paper": (f"the authors' search runs ecnas/experiments/runs/*/4v_*.pickle of "
                       f"{EC_NAS_BENCH} (as official-runs/4v_*.csv.gz), cells identified by "
                       "benchmarks.sources.official_runs.identify against raw results tree "
                       "train_model_results/energy/4V9E/4_epochs",
                       lambda root: frame_from_official_runs(root, "4v")),
    "ecnas-7v-energy-sample": (f"energy_7V9E_4epochs_sample.csv of {SURROGATE_REPO}",
                               lambda root: frame_from_csv(find_sample(root))),
}


def build_table(name: str, raw_dir: Path, out_dir: Path) -> Path:
    """Build embedded table ``name`` from ``raw_dir`` into ``out_dir/<name>.parquet``."""
    described, build = SOURCES[name]
    spec = REGISTRY[name]
    frame, meta = build(Path(raw_dir))
    meta = {**meta, "name": name, "space": spec.space, "description": spec.description,
            "provenance": f"{described}; built by scripts/build_package_data.py",
            "citation": CITATION, "licence": LICENCE}
    path = Path(out_dir) / f"{name}.parquet"
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / path.name
        save_table(frame, staged, meta)  # the same conform + metadata as every stored table
        table = pq.read_table(staged)
    with atomic_path(path) as target:
        pq.write_table(table, target, compression="zstd", compression_level=19,
                       row_group_size=len(table) or None, write_page_checksum=True)
    return path


PAPER_TABLE = [
    "`ecnas-4v-paper` is the table the EC-NAS authors searched on 4V, recovered from their "
    "published runs (`official-runs/4v_*.csv.gz`): 91 cells at 4, 12, 36 and 108 epochs, "
    "NAS-Bench-101 validation and test accuracy, and energy, training time and CO2 linearly "
    "scaled from the measured 4-epoch repeat 0 (times 1, 3, 9, 27). Ambiguity rule: a run row "
    "is the one (cell, budget) whose log10 trainable parameters equal the row's (within 1e-6) "
    "and whose repeat-0 energy times the budget factor equals the row's energy (relative "
    "1e-9); no match or two matches is an error. Checks: every row of a (cell, budget) "
    "carries identical values across runs; its time and CO2 are the repeat-0 values times "
    "the factor (relative 1e-6); all 364 (cell, budget) pairs appear."]


def provenance_text(out_dir: Path) -> str:
    """``README.md`` for the data folder: citation, licence, and per table its checksums."""
    lines = ["# Embedded EC-NAS tables", "",
             "Built by `python scripts/build_package_data.py` from the published EC-NAS "
             "measurements (`../shared/ecnas-data`, or `--raw-dir`); do not edit by hand. "
             "`tests/benchmarks/test_package_data.py` rebuilds them and checks they are identical.",
             "", f"Cite: {CITATION}", "",
             f"Licence: {LICENCE}. 4V/5V runs from {EC_NAS_BENCH}; the 7V energy sample from "
             f"{SURROGATE_REPO}.", "", *PAPER_TABLE, "",
             "| table | rows | cells | fidelities | content sha256 | input | input sha256 |",
             "|---|---|---|---|---|---|---|"]
    for name in SOURCES:
        meta = read_meta(Path(out_dir) / f"{name}.parquet")
        for source, digest in meta["inputs"].items():
            lines.append(f"| {name} | {meta['rows']:,} | {meta['cells']:,} | "
                         f"{','.join(map(str, meta['fidelities']))} | {meta['table_sha256']} | "
                         f"{source} | {digest} |")
    return "\n".join(lines) + "\n"


def build_all(raw_dir: Path, out_dir: Path) -> list[Path]:
    """Every embedded table and the folder's ``README.md``; the paths written."""
    paths = [build_table(name, raw_dir, out_dir) for name in SOURCES]
    readme = Path(out_dir) / "README.md"
    with atomic_path(readme) as target:
        target.write_text(provenance_text(out_dir), encoding="utf-8")
    return [*paths, readme]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=REPO.parent / "shared" / "ecnas-data")
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA)
    args = parser.parse_args(argv)
    if not args.raw_dir.is_dir():
        print(f"error: raw EC-NAS data not found at {args.raw_dir}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for path in build_all(args.raw_dir, args.out):
        print(f"{path.stat().st_size:>9,} bytes  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Integrity to the last byte: the digest covers data and metadata, duplicated measurements
are refused on import, and every cost is bounded so no sum over a table overflows."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmarks.errors import DamagedTableError, EcnasError
from benchmarks.paths import PACKAGE_DATA
from benchmarks.schema import METRICS, validate
from benchmarks.sources.builders import frame_from_raw, frame_from_tfrecord
from benchmarks.sources.tfrecord import ENERGY_COLUMNS
from benchmarks.tables import storage
from benchmarks.tables.benchmark import load_table
from benchmarks.tables.storage import META_KEY, read_table_file, save_table
from tests.benchmarks.test_fuzz_parsers import sample_results
from tests.fixtures.writers import write_energy_table

HASH = pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")["module_hash"].iloc[0]


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet").head(24)


@pytest.fixture
def stored(tmp_path, small) -> Path:
    path = tmp_path / "t4.parquet"
    save_table(small, path, {"name": "t4", "space": "4v", "provenance": "test rows"})
    return path


def _rewrite_meta(path: Path, *, reseal: bool = False, **changes: object) -> None:
    table = pq.read_table(path)
    meta = {**json.loads(table.schema.metadata[META_KEY]), **changes}
    if reseal:
        meta["sha256"] = storage.meta_digest(meta)
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, META_KEY: json.dumps(meta).encode()}), path)


# --- 1. metadata under the digest ----------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("space", "5v"), ("name", "other"), ("fidelities", [4]), ("provenance", "forged"),
    ("units", {m: "J" for m in METRICS}), ("description", "x")])
def test_edited_metadata_is_refused(stored, key, value):
    _rewrite_meta(stored, **{key: value})
    with pytest.raises(DamagedTableError, match="sha256"):
        load_table(stored)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("space", "5x", "unknown space"), ("cells", 3, "cells"), ("fidelities", [4], "fidelities"),
    ("units", {m: "J" for m in METRICS}, "units")])
def test_resealed_metadata_must_describe_the_rows(stored, key, value, message):
    """Even with a matching digest, stated facts are checked against the rows."""
    _rewrite_meta(stored, reseal=True, **{key: value})
    with pytest.raises(DamagedTableError, match=message):
        load_table(stored)


def test_a_4v_table_cannot_be_saved_or_served_as_7v_cells_in_4v(tmp_path):
    rows = pd.read_parquet(PACKAGE_DATA / "ecnas-5v.parquet").head(40)
    with pytest.raises(EcnasError, match="vertices in a 4v table"):
        save_table(rows, tmp_path / "x.parquet", {"name": "x", "space": "4v"})
    assert not (tmp_path / "x.parquet").exists()


def test_bit_flips_over_the_whole_file_never_serve_a_changed_table(stored):
    """Single-bit flips anywhere, and 400 in the metadata footer: each is refused as damaged
    or loads the identical rows and metadata (0 changed tables served)."""
    data = stored.read_bytes()
    frame, meta = read_table_file(stored)
    start = data.rindex(b'"sha256"') - 2000  # the footer: schema and ecnas metadata
    rng = np.random.default_rng(1)
    positions = np.concatenate([rng.integers(0, len(data), 200),
                                rng.integers(max(start, 0), len(data) - 8, 400)])
    changed, damaged = 0, 0
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 1 << int(rng.integers(8))
        stored.write_bytes(bytes(flipped))
        try:
            got, got_meta = read_table_file(stored)
        except DamagedTableError:
            damaged += 1
            continue
        changed += int(got_meta != meta or not got.equals(frame))
    assert changed == 0
    assert damaged > 300


# --- 2. duplicated measurements ------------------------------------------------------------

def _tree(root: Path, doc: object, budget: str = "4_epochs", repeat: int = 1) -> Path:
    folder = root / "4V9E" / budget / HASH[:2] / HASH / f"repeat_{repeat}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(doc))
    return root


def test_repeated_checkpoint_entry_is_refused(tmp_path):
    doc = sample_results(HASH)
    doc["evaluation_results"].append({**doc["evaluation_results"][-1], "energy (kWh)": 99.0})
    with pytest.raises(ValueError, match="epochs 4 twice"):
        frame_from_raw(_tree(tmp_path, doc), "4v")


def test_second_budget_folder_with_the_same_runs_is_refused(tmp_path):
    _tree(tmp_path, sample_results(HASH))
    _tree(tmp_path, sample_results(HASH), budget="108_epochs")
    with pytest.raises(ValueError,
                       match=r"repeat_1 at 1 epochs is in both .*108_epochs.* and .*4_epochs"):
        frame_from_raw(tmp_path, "4v")


def test_distinct_repeats_are_kept(tmp_path):
    _tree(tmp_path, sample_results(HASH))
    _tree(tmp_path, sample_results(HASH), repeat=2)
    frame, _ = frame_from_raw(tmp_path, "4v")
    assert sorted(frame["repeat"]) == [0, 0, 1, 1]


def test_duplicate_rows_fail_validation(small):
    with pytest.raises(EcnasError, match="repeated for the same cell"):
        validate(pd.concat([small, small.head(1)], ignore_index=True))


def _energy_rows() -> pd.DataFrame:
    rows = pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")
    rows = rows[(rows["epochs"] == 4) & (rows["repeat"] == 0)].head(3).reset_index(drop=True)
    return rows[list(ENERGY_COLUMNS)]


def test_tfrecord_cell_that_does_not_hash_to_its_hash_is_refused(tmp_path):
    rows = _energy_rows()
    rows.loc[1, ["matrix", "ops", "num_vertices"]] = rows.loc[0, ["matrix", "ops",
                                                                   "num_vertices"]].to_numpy()
    write_energy_table(tmp_path / "lie.tfrecord", rows)
    with pytest.raises(ValueError, match=f"lie.tfrecord: 1 record.*cell {rows['module_hash'][1]}"):
        frame_from_tfrecord(tmp_path / "lie.tfrecord", "4v", checkpoints=False)


def test_tfrecord_with_true_cells_imports(tmp_path):
    write_energy_table(tmp_path / "ok.tfrecord", _energy_rows())
    frame, _ = frame_from_tfrecord(tmp_path / "ok.tfrecord", "4v", checkpoints=False)
    assert len(frame) == 3


# --- 3. physical bounds --------------------------------------------------------------------

@pytest.mark.parametrize("column", ["energy_kwh", "training_time_s", "co2eq_g", "gpu_power_w"])
def test_overflowing_costs_are_refused(tmp_path, small, column):
    rows = small.copy()
    rows[column] = 1e308
    with pytest.raises(EcnasError, match=f"{column} outside"):
        save_table(rows, tmp_path / "big.parquet", {"name": "big", "space": "4v"})
    assert not (tmp_path / "big.parquet").exists()


def test_huge_power_readings_are_refused_without_warnings(tmp_path):
    doc = sample_results(HASH)
    doc["avg_power_usages"]["gpu"]["avg_power_usages (W)"] = [[1e308, 1e308]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="gpu_power_w = 1e\\+308 is outside"):
            frame_from_raw(_tree(tmp_path, doc), "4v")

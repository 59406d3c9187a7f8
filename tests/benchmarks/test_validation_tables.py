"""Stored tables, caches and model files are verified on load; names are safe; writes are
atomic and their temp files never outlive a failure, a SIGTERM or a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.atomic import TEMP_MARK, atomic_path, sweep_temp_files
from benchmarks.errors import DamagedFileError, DamagedTableError, UnsafeNameError
from benchmarks.paths import PACKAGE_DATA, cache_dir
from benchmarks.schema import validate
from benchmarks.space import catalog
from benchmarks.space.catalog import CACHE_VERSION, build_cells, cached_cells
from benchmarks.surrogate import persist
from benchmarks.surrogate.model import load_surrogate
from benchmarks.tables.benchmark import load_table
from benchmarks.tables.storage import (
    META_KEY,
    check_name,
    read_meta,
    save_table,
    verify_table,
)
from ecnas_cli.files import inside, write_table
from tests.benchmarks.test_fuzz_parsers import sample_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")


@pytest.fixture
def stored(tmp_path, frame) -> Path:
    path = tmp_path / "t4.parquet"
    save_table(frame, path, {"name": "t4", "space": "4v"})
    return path


def test_single_bit_flips_never_load_changed_values(stored, frame):
    """300 random single-bit flips: each loads identical content or is a DamagedTableError."""
    data = stored.read_bytes()
    original = load_table(stored)
    rng = np.random.default_rng(0)
    outcomes = {"damaged": 0, "identical": 0}
    for pos in rng.integers(0, len(data), 300):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << int(rng.integers(8))
        stored.write_bytes(bytes(flipped))
        try:
            bench = load_table(stored)
        except DamagedTableError as exc:
            assert str(stored) in str(exc) and "rebuild" in str(exc)
            outcomes["damaged"] += 1
            continue
        pd.testing.assert_frame_equal(bench.frame, original.frame)
        outcomes["identical"] += 1
    assert outcomes["damaged"] > 150  # most flips land in data pages or metadata


def test_edited_values_with_stale_digest_are_refused(stored):
    table = pq.read_table(stored)
    df = table.to_pandas()
    df.loc[0, "energy_kwh"] = 1.8e-07
    edited = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(
        table.schema.metadata)
    pq.write_table(edited, stored)
    with pytest.raises(DamagedTableError, match="content sha256"):
        load_table(stored)


def _rewrite_meta(path: Path, **changes: object) -> None:
    table = pq.read_table(path)
    meta = {**json.loads(table.schema.metadata[META_KEY]), **changes}
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, META_KEY: json.dumps(meta).encode()}), path)


@pytest.mark.parametrize("name", ["../escape-trav", "a/b", "x\ny", "", ".hidden", "a b",
                                  "x" * 101, None, 5])
def test_unsafe_stored_names_are_refused(stored, name):
    _rewrite_meta(stored, name=name)
    with pytest.raises(DamagedTableError, match="invalid benchmark name"):
        load_table(stored)
    with pytest.raises(DamagedTableError):
        read_meta(stored)


@pytest.mark.parametrize("name", ["../escape-trav", "x\ny", "a/b", "-x"])
def test_unsafe_names_are_never_saved(tmp_path, frame, name):
    with pytest.raises(UnsafeNameError):
        save_table(frame, tmp_path / "x.parquet", {"name": name, "space": "4v"})
    assert not (tmp_path / "x.parquet").exists()
    with pytest.raises(ValueError):
        check_name(name)


def test_row_count_and_metadata_damage(stored):
    _rewrite_meta(stored, rows=3)
    with pytest.raises(DamagedTableError, match="sha256"):
        verify_table(stored)
    table = pq.read_table(stored)
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, META_KEY: b"{not json"}), stored)
    with pytest.raises(DamagedTableError, match="not JSON"):
        read_meta(stored)


def test_truncated_and_empty_table_files(stored):
    data = stored.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 5):
        stored.write_bytes(data[:cut])
        with pytest.raises(DamagedTableError, match="unreadable Parquet"):
            load_table(stored)


@pytest.mark.parametrize(("column", "value", "rule"), [
    ("energy_kwh", float("inf"), "infinite"), ("energy_kwh", -1e-3, "negative"),
    ("test_accuracy", 1.01, r"outside \[0, 1\]"), ("co2eq_g", float("-inf"), "infinite"),
    ("epochs", 0, "outside 1"), ("num_vertices", 9, "outside 2..7"),
    ("energy_kwh", float("nan"), "missing where other rows"),
])
def test_schema_rules(frame, column, value, rule):
    bad = frame.copy()
    bad[column] = bad[column].astype(float) if isinstance(value, float) else bad[column]
    bad.loc[3, column] = value
    with pytest.raises(ValueError, match=f"{column} {rule}"):
        validate(bad)


def test_empty_table_is_refused(tmp_path, frame):
    with pytest.raises(ValueError, match="no rows"):
        save_table(frame.head(0), tmp_path / "e.parquet", {"name": "e", "space": "4v"})


def test_whole_nan_metric_is_allowed(frame):
    validate(frame.assign(co2eq_g=np.nan, energy_kwh=np.nan))  # not measured at all: fine


def test_truncated_cell_cache_is_rebuilt():
    full = cached_cells(4, 9)
    path = cache_dir() / f"cells-4v9e-v{CACHE_VERSION}.parquet"
    full.head(50).to_parquet(path, index=False)  # a valid Parquet file, a partial space
    assert len(cached_cells(4, 9)) == len(full)
    path.write_bytes(path.read_bytes()[:100])
    assert len(cached_cells(4, 9)) == len(full)


def test_a_missing_cell_cache_is_built_once_for_processes_that_need_it_together(
        tmp_path, monkeypatch):
    """The workers of ``pytest -n`` share the 7V catalog: the second waits, it does not rebuild."""
    monkeypatch.setenv("ECNAS_CACHE_DIR", str(tmp_path))
    builds: list[int] = []

    def slow_build(*args, **kwargs):
        builds.append(1)
        time.sleep(0.5)  # long enough that every caller arrives during the build
        return build_cells(*args, **kwargs)

    monkeypatch.setattr(catalog, "build_cells", slow_build)
    with ThreadPoolExecutor(3) as pool:
        tables = list(pool.map(lambda _: cached_cells(4, 9), range(3)))
    assert len(builds) == 1
    assert all(t.equals(tables[0]) for t in tables) and len(tables[0]) == 91


def test_export_never_overwrites_a_stored_table(stored, frame):
    before = stored.read_bytes()
    with pytest.raises(ValueError, match="stored benchmark table"):
        write_table(frame, stored)
    assert stored.read_bytes() == before
    write_table(frame, stored.with_name("export.parquet"))  # a plain export is fine
    write_table(frame, stored.with_name("export.parquet"))  # and may be replaced


def test_paths_stay_inside_their_root(tmp_path):
    (tmp_path / "run").mkdir()
    assert inside(tmp_path / "run", "trials.csv") == (tmp_path / "run" / "trials.csv").resolve()
    for bad in ("/etc/passwd", "../x", "a/../../x", "", "a\0b"):
        with pytest.raises(ValueError):
            inside(tmp_path / "run", bad)
    os.symlink("/etc", tmp_path / "run" / "link")
    with pytest.raises(ValueError, match="leads outside"):
        inside(tmp_path / "run", "link/passwd")


# --- surrogate model files -------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "not a zip"])
def test_damaged_model_files(tmp_path, damage):
    data = sample_model()
    path = tmp_path / "m.skops"
    path.write_bytes({"empty": b"", "truncated": data[: len(data) // 2],
                      "garbage": b"PK\x03\x04" + b"\0" * 100, "not a zip": b"x" * 99}[damage])
    with pytest.raises(DamagedFileError, match=r"m\.skops.*surrogate fit"):
        load_surrogate(path)


def test_flipped_model_bytes_never_predict_differently(tmp_path, frame):
    """A bit flip is caught (zip CRC, skops schema) or changes nothing the model computes."""
    data = sample_model()
    good = load_surrogate(_model_file(tmp_path))
    cells = frame.drop_duplicates("module_hash").head(8)[["matrix", "ops"]]
    expected = good.predict(cells)
    path, caught = tmp_path / "m.skops", 0
    for pos in range(0, len(data), max(len(data) // 40, 1)):
        path.write_bytes(data[:pos] + bytes([data[pos] ^ 0x10]) + data[pos + 1:])
        try:
            model = load_surrogate(path)
        except DamagedFileError:
            caught += 1
            continue
        np.testing.assert_array_equal(model.predict(cells), expected)
    assert caught > 20


def test_model_without_metadata(tmp_path, monkeypatch):
    import skops.io as sio
    model = load_surrogate(_model_file(tmp_path))
    path = tmp_path / "nometa.skops"
    sio.dump({"format": persist.FORMAT, "base": model.base, "members": model.members}, path)
    with pytest.raises(DamagedFileError, match="without its metadata"):
        load_surrogate(path)
    sio.dump({"format": persist.FORMAT, "meta": {"kind": "mlp"}, "base": model.base,
              "members": model.members}, path)
    with pytest.raises(DamagedFileError, match="surrogate fit"):
        load_surrogate(path)


def _model_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.skops"
    path.write_bytes(sample_model())
    return path


def test_model_save_is_atomic(tmp_path, monkeypatch):
    path = _model_file(tmp_path)
    model, before = load_surrogate(path), path.read_bytes()

    def dump_then_fail(obj, file):  # a full disk halfway through the write
        Path(file).write_bytes(b"PK\x03\x04partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persist.sio, "dump", dump_then_fail)
    with pytest.raises(OSError, match="No space"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["good.skops"]


# --- temp files: failures, SIGTERM, SIGKILL ---------------------------------------------------

def test_temp_files_are_named_and_removed_on_failure(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "out.csv") as tmp:
        assert TEMP_MARK in tmp.name and tmp.name.startswith(".out.csv")
        tmp.write_text("partial")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from benchmarks.atomic import atomic_path, install_signal_cleanup
    if sys.argv[2] == "cleanup":
        install_signal_cleanup()
    with atomic_path(Path(sys.argv[1])) as tmp:
        tmp.write_bytes(b"x" * 1000)
        print("writing", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_writer_leaves_no_temp_file_after_the_next_start(tmp_path, sig):
    target = tmp_path / "out" / "table.parquet"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), "cleanup"],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == -sig  # still dies by the signal, as before
    left = [p.name for p in target.parent.iterdir()]
    if sig == signal.SIGTERM:
        assert left == []  # removed by the handler
    else:
        assert len(left) == 1 and TEMP_MARK in left[0]  # SIGKILL cannot be handled ...
        assert sweep_temp_files(target.parent) and list(target.parent.iterdir()) == []
    assert not target.exists()


def test_sweep_keeps_live_writers_and_foreign_files(tmp_path):
    mine = tmp_path / f".a.csv{TEMP_MARK}{os.getpid()}-x.tmp"
    other = tmp_path / ".a.csv.something-else.tmp"
    mine.write_text("in progress")
    other.write_text("not ours")
    assert sweep_temp_files(tmp_path) == []
    assert mine.exists() and other.exists()


def test_next_write_sweeps_stale_temp_files(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".t.csv{TEMP_MARK}{proc.stdout.strip()}-abc.tmp"
    stale.write_text("left by a killed run")
    time.sleep(0.01)
    import benchmarks.atomic as atomic
    atomic._SWEPT.discard(str(tmp_path))
    with atomic_path(tmp_path / "t.csv") as tmp:
        tmp.write_text("ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]

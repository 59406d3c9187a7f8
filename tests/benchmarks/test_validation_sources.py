"""Hostile or broken source files: each is one clear ValueError, never a traceback or a
silently wrong table (raw results trees, tfrecords, the 7V CSV, fetch)."""

from __future__ import annotations

import http.server
import json
import os
import socket
import struct
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.paths import PACKAGE_DATA
from benchmarks.sources.builders import frame_from_csv, frame_from_raw, frame_from_tfrecord
from benchmarks.sources.official import FetchError, OfficialFile, fetch_official
from benchmarks.sources.tfrecord import (
    ENERGY_COLUMNS,
    TFRecordError,
    iter_records,
    masked_crc32c,
    read_energy_table,
)
from tests.benchmarks.test_fuzz_parsers import sample_results
from tests.fixtures.writers import frame_record, write_energy_table, write_records

HASH = pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")["module_hash"].iloc[0]


def raw_tree(root: Path, doc: object, *, text: str | None = None) -> Path:
    """A one-run raw results tree for the 4V space holding ``doc`` as its results.json."""
    folder = root / "4V9E" / "4_epochs" / HASH[:2] / HASH / "repeat_1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(doc) if text is None else text)
    return root


def test_valid_synthetic_tree_builds(tmp_path):
    frame, _ = frame_from_raw(raw_tree(tmp_path, sample_results(HASH)), "4v")
    assert sorted(frame["epochs"]) == [1, 4]


def _with(path: list[str | int], value: object) -> dict:
    doc = sample_results(HASH)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize("text", ["[]", "null", "3", '"x"', '{"evaluation_results": 5}',
                                  "[" * 100_000 + "]" * 100_000])
def test_results_json_of_the_wrong_shape(tmp_path, text):
    with pytest.raises(ValueError, match=r"malformed results file .*results\.json"):
        frame_from_raw(raw_tree(tmp_path, None, text=text), "4v")


@pytest.mark.parametrize(("path", "value", "message"), [
    (["trainable_params"], "1e400", "trainable_params"),
    (["trainable_params"], 10**400, "trainable_params"),
    (["trainable_params"], 2.5, "not a count"),
    (["evaluation_results", 2, "epochs"], "1e30", "epochs"),
    (["evaluation_results", 2, "energy (kWh)"], "NaN", "not finite"),
    (["evaluation_results", 2, "energy (kWh)"], "1e400", "not finite"),
    (["evaluation_results", 2, "energy (kWh)"], -0.01, "negative"),
    (["evaluation_results", 2, "test_accuracy"], 1.5, r"outside \[0, 1\]"),
    (["evaluation_results", 2, "training_time"], "-Infinity", "not finite"),
    (["evaluation_results", 2, "co2eq (g)"], True, "must be a number"),
    (["avg_power_usages", "gpu", "avg_power_usages (W)"], [[1.0], [1.0, 2.0]], "results"),
])
def test_raw_values_are_validated(tmp_path, path, value, message):
    literal = value if isinstance(value, str) else json.dumps(value)  # str: raw JSON text
    text = json.dumps(_with(path, "@@")).replace('"@@"', literal)
    with pytest.raises(ValueError, match=message):
        frame_from_raw(raw_tree(tmp_path, None, text=text), "4v")


def test_symlink_loop_in_raw_tree_is_reported(tmp_path):
    root = raw_tree(tmp_path, sample_results(HASH))
    loop = root / "4V9E" / "4_epochs" / "zz"
    os.symlink(loop, loop)  # points at itself: ELOOP
    with pytest.raises(ValueError, match=r"looping symlink.*zz"):
        frame_from_raw(root, "4v")


def test_broken_results_symlink_is_reported(tmp_path):
    root = raw_tree(tmp_path, sample_results(HASH))
    other = root / "4V9E" / "4_epochs" / HASH[:2] / HASH / "repeat_2"
    other.mkdir()
    os.symlink(tmp_path / "missing.json", other / "results.json")
    with pytest.raises(ValueError, match="broken or looping symlink"):
        frame_from_raw(root, "4v")


# --- tfrecord ------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [2**50, 2**64 - 1, 2**32])
def test_huge_record_length_with_valid_crc_is_bounded(tmp_path, length):
    header = struct.pack("<Q", length)
    path = tmp_path / "huge.tfrecord"
    path.write_bytes(header + struct.pack("<I", masked_crc32c(header)) + b"x" * 100)
    t = time.perf_counter()
    with pytest.raises(TFRecordError, match="truncated record at byte 0"):
        list(iter_records(path))
    assert time.perf_counter() - t < 1.0


def _rows(n: int = 3) -> pd.DataFrame:
    rows = pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")
    rows = rows[(rows["epochs"] == 4) & (rows["repeat"] == 0)].head(n).reset_index(drop=True)
    return rows[list(ENERGY_COLUMNS)]


def test_tfrecord_epochs_out_of_range(tmp_path):
    row = json.dumps(["a" * 32, 10**30, "0100", "input,output", ""]).encode()
    write_records(tmp_path / "e.tfrecord", [row])
    with pytest.raises(ValueError, match=r"epochs .* out of range"):
        read_energy_table(tmp_path / "e.tfrecord", checkpoints=False)


def test_empty_tfrecord_is_not_a_benchmark(tmp_path):
    (tmp_path / "empty.tfrecord").write_bytes(b"")
    with pytest.raises(ValueError, match="holds no records"):
        frame_from_tfrecord(tmp_path / "empty.tfrecord", "4v", checkpoints=False)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("energy_kwh", float("inf"), "infinite"), ("energy_kwh", -1.0, "negative"),
    ("validation_accuracy", 1.2, r"outside \[0, 1\]"),
    ("energy_kwh", float("nan"), "missing where other rows"),
])
def test_tfrecord_values_are_validated(tmp_path, column, value, message):
    rows = _rows()
    rows.loc[1, column] = value
    write_energy_table(tmp_path / "bad.tfrecord", rows)
    with pytest.raises(ValueError, match=f"bad.tfrecord: .*{column} {message}"):
        frame_from_tfrecord(tmp_path / "bad.tfrecord", "4v", checkpoints=False)


# --- the 7V CSV ----------------------------------------------------------------------------

CSV_HEAD = "num_vertices,matrix,ops,energy_kwh,trainable_params\n"
CSV_ROW = '4,0110001100010000,"input,conv3x3-bn-relu,maxpool3x3,output",{},1000\n'


@pytest.mark.parametrize(("energy", "message"), [
    ("nan", "line 3: energy_kwh 'nan'"), ("inf", "line 3"), ("-0.5", "line 3"),
    ("1e400", "line 3"), ("", "line 3"), ("abc", "line 3")])
def test_csv_energy_is_validated(tmp_path, energy, message):
    path = tmp_path / "e.csv"
    path.write_text(CSV_HEAD + CSV_ROW.format("0.01") + CSV_ROW.format(energy))
    with pytest.raises(ValueError, match=message):
        frame_from_csv(path)


def test_header_only_csv_is_not_a_benchmark(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(CSV_HEAD)
    with pytest.raises(ValueError, match="header but no rows"):
        frame_from_csv(path)


# --- fetch ---------------------------------------------------------------------------------

@pytest.fixture
def endless_server(monkeypatch):
    """An HTTP server that never stops sending (no Content-Length)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    sent = {"bytes": 0}

    class Endless(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                while sent["bytes"] < 1 << 30:  # a safety stop for the test itself
                    self.wfile.write(chunk)
                    sent["bytes"] += len(chunk)
            except OSError:
                pass

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/", sent
    server.shutdown()
    server.server_close()


def test_fetch_stops_past_the_expected_size(tmp_path, endless_server):
    url, sent = endless_server
    files = {"x.tfrecord": OfficialFile("x.tfrecord", 100_000, "0" * 64)}
    with pytest.raises(FetchError, match="more than the expected 100000 bytes"):
        fetch_official("x.tfrecord", data_dir=tmp_path, source=url, files=files)
    assert sent["bytes"] < 50 << 20  # stopped early, not after the server's 1 GiB
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []


def test_frame_record_roundtrip(tmp_path):
    (tmp_path / "one.tfrecord").write_bytes(frame_record(b"abc"))
    assert [d for _, d in iter_records(tmp_path / "one.tfrecord")] == [b"abc"]

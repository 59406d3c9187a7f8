"""Fuzz every parser of untrusted input: it returns, or raises its documented error, never
anything else (no IndexError, KeyError, MemoryError, OverflowError, ... and so no traceback).

Parsers: TFRecord framing, the protobuf metric messages, the tfrecord table rows, a raw
``results.json``, the 7V energy CSV, cell strings and skops surrogate files. Each gets random
input and mutations (bit flips, truncations, splices, replaced JSON values) of a valid sample.
The suite runs ``EXAMPLES`` per parser; ``tests/perf/fuzz_all.py`` runs 10,000.
"""

from __future__ import annotations

import atexit
import base64
import json
import shutil
import struct
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.paths import PACKAGE_DATA
from benchmarks.sources.builders import frame_from_csv, frame_from_raw
from benchmarks.sources.protowire import (
    ModelMetrics,
    ModelMetricsEnergy,
    decode_message,
    entry_doubles,
    power_summary,
    scan_metrics,
)
from benchmarks.sources.tfrecord import (
    ENERGY_COLUMNS,
    iter_records,
    masked_crc32c,
    read_energy_table,
    read_nasbench101,
)
from benchmarks.space import Arch, get_space
from benchmarks.surrogate.model import fit_surrogate, load_surrogate
from tests.fixtures.writers import encode_message, frame_record, write_energy_table

EXAMPLES = 200
#: Fewer for the slowest parser (cell hashing per CSV row), to keep the suite under 30 s.
EXAMPLES_OF = {"7V CSV": 80}
#: What a parser may raise on bad input: ValueError (its subclasses: TFRecordError,
#: InvalidArchError, EcnasError, DamagedFileError, ...) and FileNotFoundError.
ALLOWED: tuple[type[Exception], ...] = (ValueError, FileNotFoundError)
_TMP = Path(tempfile.mkdtemp(prefix="ecnas-fuzz-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _file(name: str, data: bytes) -> Path:
    path = _TMP / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- valid samples -----------------------------------------------------------------------

@cache
def _table5() -> pd.DataFrame:
    return pd.read_parquet(PACKAGE_DATA / "ecnas-5v.parquet")


@cache
def sample_tfrecord() -> bytes:
    rows = _table5().head(4)
    path = _TMP / "sample.tfrecord"
    write_energy_table(path, rows[list(ENERGY_COLUMNS)].reset_index(drop=True))
    return path.read_bytes()


def sample_results(module_hash: str) -> dict[str, Any]:
    entry = {"train_accuracy": 0.5, "validation_accuracy": 0.4, "test_accuracy": 0.4,
             "training_time": 20.0, "energy (kWh)": 0.01, "co2eq (g)": 1.0,
             "avg_intensity (gCO2/kWh)": 90.0}
    return {"trainable_params": 1000,
            "avg_power_usages": {"gpu": {"avg_power_usages (W)": [[150.0]],
                                         "devices": ["gpu0"]},
                                 "cpu": {"avg_power_usages (W)": [[90.0, 10.0]]}},
            "evaluation_results": [{**entry, "epochs": 0}, {**entry, "epochs": 1},
                                   {**entry, "epochs": 4}]}


@cache
def sample_csv() -> bytes:
    rows = _table5().drop_duplicates("module_hash").head(2)
    return rows[["num_vertices", "matrix", "ops", "energy_kwh", "trainable_params"]].to_csv(
        index=False).encode()


@cache
def sample_model() -> bytes:
    cells = _table5()
    cells = cells[cells["epochs"] == 4].drop_duplicates("module_hash").head(120)
    model = fit_surrogate(cells, kind="mlp", seed=0, n_models=1,
                          settings={"max_iter": 5, "hidden_layer_sizes": (4,)})
    return model.save(_TMP / "sample.skops").read_bytes()


# --- strategies --------------------------------------------------------------------------

def mutated(sample: Callable[[], bytes]) -> st.SearchStrategy[bytes]:
    """Random edits of a valid sample: bit flips, truncation, insertion, splice, or noise."""

    @st.composite
    def edit(draw: st.DrawFn) -> bytes:
        data = bytearray(sample())
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["flip", "cut", "insert", "splice", "byte"]))
            i = draw(st.integers(0, max(len(data) - 1, 0)))
            if kind == "flip" and data:
                data[i] ^= 1 << draw(st.integers(0, 7))
            elif kind == "byte" and data:
                data[i] = draw(st.integers(0, 255))
            elif kind == "cut":
                data = data[:i]
            elif kind == "insert":
                data[i:i] = draw(st.binary(max_size=16))
            else:
                j = draw(st.integers(0, max(len(data) - 1, 0)))
                data[i:i] = data[j:j + draw(st.integers(1, 64))]
        return bytes(data)

    return st.one_of(edit(), st.binary(max_size=512))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from([10**400, -(10**30), 1e308, 2**63, 2**64 - 1]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12)


@st.composite
def json_row_records(draw: st.DrawFn) -> bytes:
    """A TFRecord file of JSON rows: valid framing, hostile content."""
    records = []
    for _ in range(draw(st.integers(1, 3))):
        metrics = draw(st.one_of(mutated(lambda: encode_message(
            ModelMetricsEnergy(trainable_parameters=5, total_time=1.0))), st.binary(max_size=64)))
        row = [draw(st.text(max_size=34)),
               draw(st.one_of(st.integers(), st.sampled_from([4, 108, 10**30]), JSON)),
               draw(st.text(alphabet="01", max_size=50)), draw(st.text(max_size=40)),
               draw(st.one_of(st.just(base64.b64encode(metrics).decode()), st.text(max_size=8)))]
        if draw(st.booleans()):
            row[draw(st.integers(0, 4))] = draw(JSON)
        records.append(frame_record(json.dumps(row).encode()))
    return b"".join(records)


@st.composite
def huge_lengths(draw: st.DrawFn) -> bytes:
    """A record header announcing a huge length with a valid length CRC (MemoryError bait)."""
    length = draw(st.sampled_from([2**50, 2**64 - 1, 2**32, 2**31 - 1]) | st.integers(0, 2**64 - 1))
    header = struct.pack("<Q", length)
    return header + struct.pack("<I", masked_crc32c(header)) + draw(st.binary(max_size=32))


@st.composite
def results_docs(draw: st.DrawFn) -> bytes:
    doc: Any = sample_results("x")
    if draw(st.booleans()):
        return json.dumps(draw(JSON)).encode()
    for _ in range(draw(st.integers(1, 3))):  # replace a value somewhere in the tree
        node = doc
        while True:
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict)
                                       else list(range(len(node)))))
            child = node[key]
            if not (isinstance(child, dict | list) and child and draw(st.booleans())):
                node[key] = draw(JSON)
                break
            node = child
    return json.dumps(doc).encode()


CELL_TEXT = st.text(alphabet="01, \n", max_size=60) | st.text(max_size=30)
OP_TEXT = (st.lists(st.sampled_from(["input", "output", "conv3x3-bn-relu", "conv1x1-bn-relu",
                                     "maxpool3x3", "", " input", "[/]", "conv5x5"]),
                    max_size=9).map(",".join) | st.text(max_size=40))


# --- the parsers under test ----------------------------------------------------------------

def parse_tfrecord(data: bytes) -> None:
    for _ in iter_records(_file("framing.tfrecord", data)):
        pass


def parse_table_rows(data: bytes) -> None:
    path = _file("rows.tfrecord", data)
    read_energy_table(path, checkpoints=True)
    read_nasbench101(path)


def parse_protobuf(data: bytes) -> None:
    for cls in (ModelMetricsEnergy, ModelMetrics):
        decode_message(cls, data)
    spans, _, power = scan_metrics(data)
    for start, end in spans:
        entry_doubles(data, start, end)
    power_summary(data, power)


@cache
def _raw_root() -> tuple[Path, Path]:
    module_hash = pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")["module_hash"].iloc[0]
    folder = _TMP / "raw" / "4V9E" / "4_epochs" / module_hash[:2] / module_hash / "repeat_1"
    folder.mkdir(parents=True, exist_ok=True)
    return _TMP / "raw", folder / "results.json"


def parse_results_json(data: bytes) -> None:
    root, path = _raw_root()
    path.write_bytes(data)
    frame_from_raw(root, "4v")


def parse_energy_csv(data: bytes) -> None:
    frame_from_csv(_file("energy_7V9E_4epochs_sample.csv", data))


def parse_cell(matrix: str, ops: str) -> None:
    arch = Arch.from_strings(matrix, ops)
    get_space("7v").validate(arch)


def parse_skops(data: bytes) -> None:
    load_surrogate(_file("model.skops", data))


#: name -> (strategy of argument tuples, parser); shared with ``tests/perf/fuzz_all.py``.
TARGETS: dict[str, tuple[st.SearchStrategy[tuple[Any, ...]], Callable[..., None]]] = {
    "tfrecord framing": (st.tuples(mutated(sample_tfrecord) | huge_lengths()), parse_tfrecord),
    "tfrecord rows": (st.tuples(json_row_records() | mutated(sample_tfrecord)),
                      parse_table_rows),
    "protobuf": (st.tuples(mutated(lambda: base64.b64decode(json.loads(
        next(iter_records(_file("s.tfrecord", sample_tfrecord())))[1])[4]))),
        parse_protobuf),
    "results.json": (st.tuples(results_docs() | mutated(
        lambda: json.dumps(sample_results("x")).encode())), parse_results_json),
    "7V CSV": (st.tuples(mutated(sample_csv)), parse_energy_csv),
    "cell strings": (st.tuples(CELL_TEXT, OP_TEXT), parse_cell),
    "skops model": (st.tuples(mutated(sample_model)), parse_skops),
}


def check(parser: Callable[..., None], args: tuple[Any, ...]) -> None:
    """Run ``parser``; its documented errors are fine, anything else fails the test."""
    try:
        parser(*args)
    except ALLOWED:
        pass


def _test(name: str) -> Callable[[], None]:
    strategy, parser = TARGETS[name]

    @settings(max_examples=EXAMPLES_OF.get(name, EXAMPLES), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def run(args: tuple[Any, ...]) -> None:
        check(parser, args)

    return run


@pytest.mark.parametrize("name", list(TARGETS))
def test_parser_never_raises_anything_undocumented(name: str) -> None:
    _test(name)()


def test_valid_samples_parse() -> None:
    """The mutation seeds are valid: the fuzzing starts from inputs that get deep."""
    parse_tfrecord(sample_tfrecord())
    parse_table_rows(sample_tfrecord())
    parse_results_json(json.dumps(sample_results("x")).encode())
    parse_energy_csv(sample_csv())
    parse_skops(sample_model())
    parse_cell("0110001100010000", "input,conv3x3-bn-relu,maxpool3x3,output")
    assert np.isfinite(read_energy_table(_file("v.tfrecord", sample_tfrecord()),
                                         checkpoints=False)["energy_kwh"]).all()

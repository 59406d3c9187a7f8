"""Fuzz the integrity layer with properties stronger than "no undocumented exception":

- table metadata: any edit of a stored table's metadata is refused, or (re-sealed with a
  fresh digest, a deliberate edit) loads only if every stated fact matches the rows;
- raw trees with duplicated and conflicting entries: imported only with one row per
  (cell, epochs, repeat), each equal to the one entry it came from;
- tfrecords whose cells disagree with their hashes: never imported;
- overflowing values: a table passes validation only if its sums and means stay finite
  (numpy errors raised, not warned).

``EXAMPLES`` run in the suite; ``tests/perf/fuzz_all.py`` runs 10,000 per target.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import strategies as st

from benchmarks.errors import EcnasError
from benchmarks.paths import PACKAGE_DATA
from benchmarks.schema import BUDGET_COSTS, METRICS, validate
from benchmarks.sources.builders import frame_from_raw, frame_from_tfrecord
from benchmarks.sources.tfrecord import ENERGY_COLUMNS
from benchmarks.tables.storage import (
    META_KEY,
    SPACE_VERTICES,
    meta_digest,
    read_table_file,
    save_table,
)
from tests.benchmarks.test_fuzz_parsers import JSON, sample_results
from tests.fixtures.fuzz import check_property
from tests.fixtures.writers import write_energy_table

EXAMPLES = 60
#: Documented errors: refusals are ValueErrors (DamagedTableError, EcnasError, ...).
ALLOWED: tuple[type[Exception], ...] = (ValueError, FileNotFoundError)
_TMP = Path(tempfile.mkdtemp(prefix="ecnas-fuzz-integrity-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


@cache
def _rows4() -> pd.DataFrame:
    return pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet")


@cache
def _stored() -> tuple[bytes, dict[str, Any]]:
    path = _TMP / "t.parquet"
    save_table(_rows4().head(30), path, {"name": "t", "space": "4v", "provenance": "fuzz"})
    return path.read_bytes(), read_table_file(path)[1]


# --- table metadata --------------------------------------------------------------------------

KEYS = ["name", "space", "rows", "cells", "fidelities", "metrics", "units", "provenance",
        "table_sha256", "sha256", "ecnas_version", "description", "extra"]


@st.composite
def meta_edits(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """Edits (key -> new value, or None to delete) and whether to re-seal the digest."""
    plausible = st.sampled_from(["4v", "5v", "7v", "t", "u", 4, 30, 29, [1, 4], [4],
                                 ["energy_kwh"], {}, ""])
    edits = draw(st.dictionaries(st.sampled_from(KEYS), st.none() | plausible | JSON,
                                 min_size=1, max_size=3))
    return edits, draw(st.booleans())


def load_edited_meta(edits: dict[str, Any], reseal: bool) -> None:
    data, meta = _stored()
    path = _TMP / "edited.parquet"
    path.write_bytes(data)
    table = pq.read_table(path)
    new = {k: v for k, v in {**meta, **edits}.items() if not (k in edits and edits[k] is None)}
    if reseal:
        try:
            new["sha256"] = meta_digest(new)
        except ValueError:  # NaN: cannot be sealed
            pass
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, META_KEY: json.dumps(new).encode()}), path)
    frame, got = read_table_file(path)
    if not reseal:
        assert got == meta, "an edited metadata entry was served"
    for key in ("rows", "cells", "fidelities", "metrics", "units"):
        assert got[key] == meta[key], f"a re-sealed table states other {key} than its rows"
    # a deliberate, re-sealed edit may widen the space (4v cells are 5v cells too), never
    # name one its cells do not fit
    assert SPACE_VERTICES[got["space"]] >= int(frame["num_vertices"].max())


# --- raw trees with duplicated and conflicting entries ----------------------------------------

@st.composite
def raw_trees(draw: st.DrawFn) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """1-3 runs: (budget folder, repeat, evaluation entries with repeated or odd epochs)."""
    runs = []
    for _ in range(draw(st.integers(1, 3))):
        entries = []
        for epochs in draw(st.lists(st.sampled_from([0, 1, 1.4, 2, 4, 4.0, 3.6]),
                                    min_size=1, max_size=4)):
            energy = draw(st.sampled_from([0.01, 0.02, 99.0, 1e308, 1e7]))
            entries.append({**sample_results("x")["evaluation_results"][0],
                            "epochs": epochs, "energy (kWh)": energy})
        runs.append((draw(st.sampled_from(["4_epochs", "108_epochs"])),
                     draw(st.integers(1, 2)), entries))
    return runs


def import_raw_tree(runs: list[tuple[str, int, list[dict[str, Any]]]]) -> None:
    root = Path(tempfile.mkdtemp(dir=_TMP))
    module_hash = _rows4()["module_hash"].iloc[0]
    files: dict[Path, list[dict[str, Any]]] = {}
    for budget, repeat, entries in runs:
        folder = root / "4V9E" / budget / module_hash[:2] / module_hash / f"repeat_{repeat}"
        folder.mkdir(parents=True, exist_ok=True)
        doc = {**sample_results(module_hash), "evaluation_results": entries}
        (folder / "results.json").write_text(json.dumps(doc))
        files[folder / "results.json"] = entries  # a later run in the same folder replaces it
    frame, _ = frame_from_raw(root, "4v")
    keys = frame[["module_hash", "epochs", "repeat"]]
    assert not keys.duplicated().any(), "duplicate (cell, epochs, repeat) rows imported"
    expected = sorted(e["energy (kWh)"] for entries in files.values() for e in entries
                      if e["epochs"] > 0)
    assert sorted(frame["energy_kwh"]) == expected, "rows differ from the entries read"


# --- tfrecords whose cells disagree with their hashes ------------------------------------------

@st.composite
def tfrecord_rows(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """Rows of the 4v table (by position) and, for each, the row whose cell it claims."""
    picks = draw(st.lists(st.integers(0, 90), min_size=1, max_size=5, unique=True))
    claims = [draw(st.sampled_from(picks)) if draw(st.booleans()) else p for p in picks]
    return picks, claims


def import_tfrecord(picks: list[int], claims: list[int]) -> None:
    rows = _rows4()
    rows = rows[(rows["epochs"] == 4) & (rows["repeat"] == 0)].reset_index(drop=True)
    out = rows.iloc[picks].reset_index(drop=True)[list(ENERGY_COLUMNS)]
    cells = rows.iloc[claims].reset_index(drop=True)
    out[["matrix", "ops", "num_vertices"]] = cells[["matrix", "ops", "num_vertices"]]
    path = _TMP / "claims.tfrecord"
    write_energy_table(path, out)
    honest = all(rows["module_hash"][p] == rows["module_hash"][c]
                 for p, c in zip(picks, claims, strict=True))
    try:
        frame, _ = frame_from_tfrecord(path, "4v", checkpoints=False)
    except ValueError:
        assert not honest, "an honest tfrecord was refused"
        raise
    assert honest, "a record whose cell does not hash to its hash was imported"
    assert len(frame) == len(picks)


# --- overflowing values ------------------------------------------------------------------------

COSTS = [m for m in METRICS if METRICS[m].unit != "fraction" and m not in ("flops",
                                                                             "trainable_params")]
HUGE = st.sampled_from([1e308, -1e308, 1.7e308, 1e300, 1e200, 1e10, 1e7, 9.99e6, float("inf"),
                        float("nan"), -0.0, 5e-324, 0.5])


@st.composite
def overflowing(draw: st.DrawFn) -> tuple[str, list[float]]:
    return draw(st.sampled_from(COSTS)), draw(st.lists(HUGE, min_size=1, max_size=20))


def validate_huge(column: str, values: list[float]) -> None:
    frame = _rows4().head(len(values)).copy()
    frame[column] = values
    if column in BUDGET_COSTS and frame[column].isna().any():
        frame[column] = frame[column].fillna(0.0)  # partial gaps are refused by another rule
    try:
        validate(frame)
    except EcnasError:
        raise
    with np.errstate(over="raise", invalid="raise"):  # overflow: an error here, not a warning
        for col in COSTS:
            v = frame[col].to_numpy(dtype=float)
            total = np.nansum(v)
            assert np.isfinite(total), f"{col} sums to {total}"
            frame.groupby("module_hash")[col].mean()


#: name -> (strategy of argument tuples, check); shared with ``tests/perf/fuzz_all.py``.
TARGETS: dict[str, tuple[st.SearchStrategy[tuple[Any, ...]], Callable[..., None]]] = {
    "table metadata": (meta_edits(), load_edited_meta),
    "raw tree duplicates": (raw_trees().map(lambda r: (r,)), import_raw_tree),
    "tfrecord hashes": (tfrecord_rows(), import_tfrecord),
    "overflowing values": (overflowing(), validate_huge),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_integrity_properties(name: str) -> None:
    strategy, check = TARGETS[name]
    check_property(strategy, check, ALLOWED, EXAMPLES)

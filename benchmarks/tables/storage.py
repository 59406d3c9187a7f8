"""Stored benchmark tables: Parquet with an ``ecnas`` JSON metadata entry, verified on load.

:func:`save_table` writes the rows with their metadata (provenance, the sha256 of the content)
atomically; :func:`read_table_file` reads them back and checks, before anything is served:
the file parses, the metadata is JSON with a safe name, the one digest (``sha256``: over the
canonical metadata, which holds the rows' ``table_sha256``, so it covers data and metadata:
space, name, fidelities, units, provenance) matches, the row count and the content sha256 match,
the counts the metadata states (cells, fidelities, space) describe the rows, and the rows pass
:func:`benchmarks.schema.validate`. Any failure is a
:class:`~benchmarks.errors.DamagedTableError` that names the file and how to rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.atomic import atomic_path
from benchmarks.errors import DamagedTableError, EcnasError, UnsafeNameError
from benchmarks.schema import COLUMNS, DTYPES, METRICS, conform, validate

META_KEY = b"ecnas"
#: The metadata entry holding :func:`meta_digest` (data and metadata under one digest).
DIGEST_KEY = "sha256"
#: The spaces a table may describe, with their largest cell (vertices).
SPACE_VERTICES = {"4v": 4, "5v": 5, "7v": 7}
#: Table and benchmark names: a letter or digit, then letters, digits, ``.``, ``_`` or ``-``.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
REBUILD = ("delete it and rebuild it (a registered benchmark is rebuilt from its source on "
           "next use or with `ecnas data fetch`; an imported one with `ecnas data import`)")
# What pyarrow and json raise on a damaged file (ArrowException covers ArrowInvalid/IOError).
_READ_ERRORS = (pa.ArrowException, OSError, ValueError, KeyError, IndexError, TypeError,
                OverflowError)


def check_name(name: object) -> str:
    """``name`` if it is a safe table name (:data:`NAME_PATTERN`), else an UnsafeNameError.

    >>> check_name("ecnas-5v")
    'ecnas-5v'
    >>> check_name("../x")
    Traceback (most recent call last):
    ...
    benchmarks.errors.UnsafeNameError: invalid benchmark name '../x': use letters, digits, \
'.', '_' and '-', starting with a letter or digit (at most 100 characters)
    """
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise UnsafeNameError(f"invalid benchmark name {name!r}: use letters, digits, '.', '_' "
                              "and '-', starting with a letter or digit (at most 100 characters)")
    return name


def table_digest(frame: pd.DataFrame) -> str:
    """sha256 over the table's content (row hashes), independent of file encoding."""
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()


def meta_digest(meta: dict[str, Any]) -> str:
    """sha256 of canonical JSON of ``meta`` without its own ``sha256`` entry.

    The metadata holds ``table_sha256`` (the rows), so this one digest covers data and metadata.

    >>> meta_digest({"name": "t", "sha256": "x"}) == meta_digest({"name": "t"})
    True
    """
    body = {k: v for k, v in meta.items() if k != DIGEST_KEY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _described(frame: pd.DataFrame) -> dict[str, Any]:
    """What the metadata states about the rows (recomputed and compared on load)."""
    return {"rows": len(frame), "cells": int(frame["module_hash"].nunique()),
            "fidelities": sorted(int(e) for e in frame["epochs"].unique()),
            "metrics": [m for m in METRICS if frame[m].notna().any()],
            "units": {m.name: m.unit for m in METRICS.values()}}


def save_table(frame: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    """Write a conformed table with ``meta`` (JSON) in the Parquet schema metadata, atomically.

    ``meta["name"]`` must pass :func:`check_name`; the rows must pass the schema rules.
    """
    check_name(meta.get("name"))
    frame = conform(frame)
    meta = {**meta, "ecnas_version": version("ecnas"), "table_sha256": table_digest(frame),
            **_described(frame)}
    wrong_space = _space_problem(frame, meta)
    if wrong_space:
        raise EcnasError(f"cannot save table {meta['name']}: {wrong_space}")
    meta = json.loads(json.dumps(meta, allow_nan=False))  # the digest is of what a load reads
    meta[DIGEST_KEY] = meta_digest(meta)  # last: it covers every other entry
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META_KEY: json.dumps(meta).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, write_page_checksum=True)


def damaged(path: Path, why: str) -> DamagedTableError:
    """The error for a table file that fails to read or verify."""
    return DamagedTableError(f"benchmark table {path} is damaged ({' '.join(why.split())}); "
                             f"{REBUILD}")


def _meta(raw: bytes | None, path: Path) -> dict[str, Any]:
    if raw is None:
        raise EcnasError(f"{path} is not an ecnas benchmark table (no ecnas metadata)")
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise damaged(path, f"metadata is not JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise damaged(path, "metadata is not a JSON object")
    try:
        check_name(meta.get("name"))
    except UnsafeNameError as exc:
        raise damaged(path, f"stored name: {exc}") from None
    return meta


def read_meta(path: Path) -> dict[str, Any]:
    """The ecnas metadata of a stored table, without reading its rows (not verified)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark table at {path}")
    try:
        raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
    except _READ_ERRORS as exc:
        raise damaged(path, f"unreadable Parquet: {exc}") from None
    return _meta(raw, path)


def read_table_file(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows and metadata of a stored table, verified (see the module docstring).

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    DamagedTableError
        If it does not parse or does not verify; the message names the file and the remedy.
    EcnasError
        If it is a Parquet file without ecnas metadata (not a benchmark table).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark table at {path}")
    try:
        table = pq.read_table(path, page_checksum_verification=True)
        meta = _meta((table.schema.metadata or {}).get(META_KEY), path)
        frame = table.to_pandas()
    except (DamagedTableError, EcnasError):
        raise
    except _READ_ERRORS as exc:
        raise damaged(path, f"unreadable Parquet: {exc}") from None
    verify_frame(frame, meta, path)
    return frame, meta


def verify_frame(frame: pd.DataFrame, meta: dict[str, Any], path: Path) -> None:
    """Check rows against the metadata saved with them: columns and their types, row count,
    sha256 of the content, schema rules."""
    if list(frame.columns) != COLUMNS:  # names are not part of the content digest
        odd = [str(c) for c in frame.columns if c not in COLUMNS] or ["(order)"]
        raise damaged(path, f"unexpected column(s) {', '.join(odd)}")
    # numbers exactly as saved: a flipped pandas-metadata bit can ask for a nullable Float64
    wrong = [c for c in COLUMNS if (frame[c].dtype.kind not in "OUSTV" if DTYPES[c] == "str"
                                    else frame[c].dtype != np.dtype(DTYPES[c]))]
    if wrong:
        raise damaged(path, f"column(s) of the wrong type: {', '.join(wrong)}")
    try:
        sealed = meta.get(DIGEST_KEY) == meta_digest(meta)
    except (ValueError, TypeError):  # NaN or a non-JSON value: no digest can match
        sealed = False
    if not sealed:
        raise damaged(path, "its metadata does not match its sha256 (edited, damaged, or "
                            "saved by an ecnas without a metadata digest)")
    if meta.get("rows") != len(frame):
        raise damaged(path, f"{len(frame)} rows, {meta.get('rows')} saved")
    expected = meta.get("table_sha256")
    if not isinstance(expected, str):
        raise damaged(path, "no table_sha256 in its metadata")
    found = table_digest(frame)
    if found != expected:
        raise damaged(path, f"content sha256 {found[:16]}..., saved {expected[:16]}...")
    try:
        validate(frame)
    except EcnasError as exc:
        raise damaged(path, str(exc)) from None
    stated = {k: meta.get(k) for k in ("cells", "fidelities", "metrics", "units")}
    found_meta = _described(frame)
    wrong = [k for k, v in stated.items() if v != found_meta[k]]
    if wrong:
        raise damaged(path, f"its metadata states other {wrong[0]} than its rows hold")
    wrong_space = _space_problem(frame, meta)
    if wrong_space:
        raise damaged(path, wrong_space)


def _space_problem(frame: pd.DataFrame, meta: dict[str, Any]) -> str:
    """Why the rows cannot be a table of ``meta["space"]`` ("" when they can)."""
    space = meta.get("space")
    if not isinstance(space, str) or space not in SPACE_VERTICES:
        return f"unknown space {space!r}; valid: {', '.join(SPACE_VERTICES)}"
    if int(frame["num_vertices"].max()) > SPACE_VERTICES[space]:
        return f"cells of {int(frame['num_vertices'].max())} vertices in a {space} table"
    return ""


def verify_table(path: Path) -> dict[str, Any]:
    """Read and verify the table at ``path`` in full; return its metadata.

    For ``ecnas data list`` and checks: raises :class:`DamagedTableError` (a ValueError)
    naming the file and how to rebuild it, as :func:`read_table_file` does.
    """
    return read_table_file(path)[1]


__all__ = ["DIGEST_KEY", "META_KEY", "NAME_PATTERN", "SPACE_VERTICES", "check_name", "damaged",
           "meta_digest", "read_meta", "read_table_file", "save_table", "table_digest",
           "verify_frame", "verify_table"]

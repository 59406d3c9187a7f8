"""The official EC-NAS and NAS-Bench-101 ``.tfrecord`` tables, read and written without TensorFlow.

Two layers, both streaming. ``iter_records`` reads the TFRecord framing (length, payload and
their masked CRC-32C). ``read_energy_table`` / ``read_nasbench101`` turn the NAS-Bench-101-style
rows (``[module_hash, epochs, adjacency, operations, base64 metrics]`` JSON) into a DataFrame.
Only tests write these files (``tests/fixtures/writers.py`` holds the inverse functions).
The readers collect columns in flat arrays and build the DataFrame once; the per-record path
decodes only the protobuf fields a row needs (``protowire.scan_metrics``). Formats:
``FORMATS.md`` of the EC-NAS data folder.
"""

from __future__ import annotations

import binascii
import json
import math
import os
import struct
from array import array
from collections.abc import Callable, Iterator
from typing import Any

import crc32c
import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.sources.protowire import (
    NAN,
    entry_doubles,
    power_summary,
    scan_metrics,
)

# Output columns: (name, source, index, dtype); source "s" strings, "i" int64s, "f" float64s.
_KEYS = [("module_hash", "s", 0, "str"), ("matrix", "s", 1, "str"), ("ops", "s", 2, "str"),
         ("num_vertices", "i", 0, "int16"), ("epochs", "i", 1, "int16"),
         ("repeat", "i", 2, "int16")]
_ACCURACIES = [("train_accuracy", "f", 1, "float64"), ("validation_accuracy", "f", 2, "float64"),
               ("test_accuracy", "f", 3, "float64"), ("training_time_s", "f", 0, "float64")]
_ENERGY_LAYOUT = [*_KEYS, *_ACCURACIES, ("energy_kwh", "f", 4, "float64"),
                  ("co2eq_g", "f", 5, "float64"),
                  ("carbon_intensity_g_per_kwh", "f", 6, "float64"),
                  ("trainable_params", "i", 3, "int64"), ("gpu_power_w", "f", 7, "float64"),
                  ("cpu_power_w", "f", 8, "float64"), ("device", "s", 3, "str")]
_NB101_LAYOUT = [*_KEYS, *_ACCURACIES, ("trainable_params", "i", 3, "int64")]
ENERGY_COLUMNS = tuple(c[0] for c in _ENERGY_LAYOUT)
NASBENCH101_COLUMNS = tuple(c[0] for c in _NB101_LAYOUT)

_LENGTH = struct.Struct("<Q")
_HEADER = struct.Struct("<QI")
_U32 = struct.Struct("<I")
_NO_ENTRY = [NAN] * 16
_NO_POWER = (NAN, NAN, "")


class TFRecordError(ValueError):
    """A truncated record or a CRC mismatch; the message names the file and byte offset."""


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC-32C: the CRC rotated right by 15 bits plus ``0xa282ead8``.

    Examples
    --------
    >>> hex(masked_crc32c(b"123456789"))  # CRC-32C check value 0xe3069283
    '0xc78ab0e5'
    """
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def iter_records(path: str | os.PathLike[str]) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, data)`` for each record of a TFRecord file, checking both CRCs.

    Raises
    ------
    TFRecordError
        On a truncated record or a CRC mismatch.
    """
    with open(path, "rb", buffering=1 << 20) as f:
        read, offset, size = f.read, 0, os.fstat(f.fileno()).st_size
        while header := read(12):
            if len(header) < 12:
                raise TFRecordError(f"{path}: truncated record header at byte {offset}")
            length, length_crc = _HEADER.unpack(header)
            if masked_crc32c(header[:8]) != length_crc:
                raise TFRecordError(f"{path}: length CRC mismatch in the record at byte {offset}")
            if length > size - offset - 16:  # bound the allocation by what the file holds
                raise TFRecordError(f"{path}: truncated record at byte {offset} ({length} data "
                                    f"bytes announced, {max(size - offset - 16, 0)} left)")
            data, footer = read(length), read(4)
            if len(footer) < 4:
                raise TFRecordError(f"{path}: truncated record at byte {offset} "
                                    f"({length} data bytes announced)")
            if masked_crc32c(data) != _U32.unpack(footer)[0]:
                raise TFRecordError(f"{path}: data CRC mismatch in the record at byte {offset}")
            yield offset, data
            offset += length + 16


def _what(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return "invalid JSON: "
    return "invalid base64: " if isinstance(exc, binascii.Error) else ""


def _read_rows(path: str | os.PathLike[str], progress: Progress | None,
               emit: Callable[[str, int, str, str, int, int, bytes], None]) -> None:
    """Parse each record's JSON row and call ``emit(hash, epochs, matrix, ops, nv, repeat, pb)``.

    ``repeat`` counts earlier records with the same (hash, epochs); ``pb`` is the decoded
    metrics message. Errors, including those ``emit`` raises, name the file and record offset.
    Equal strings share one object (a cell has a row per budget): less memory on big tables.
    """
    total = os.path.getsize(path)
    repeats: dict[tuple[str, int], int] = {}
    keep: dict[str, str] = {}  # one str object per distinct hash / matrix / ops
    loads, a2b = json.JSONDecoder().decode, binascii.a2b_base64
    for n, (offset, data) in enumerate(iter_records(path), 1):
        try:
            module_hash, epochs, matrix, ops, raw = loads(data.decode())
            if not (type(epochs) is int and type(module_hash) is str and type(matrix) is str
                    and type(ops) is str and type(raw) is str):
                raise ValueError("expected [hash, epochs, adjacency, operations, metrics] of "
                                 "types [str, int, str, str, str]")
            if not 0 < epochs < 2**15:
                raise ValueError(f"epochs {epochs} out of range 1..{2**15 - 1}")
            nv = math.isqrt(len(matrix))
            if nv * nv != len(matrix):
                raise ValueError(f"adjacency string of length {len(matrix)} is not square")
            module_hash, matrix, ops = (keep.setdefault(module_hash, module_hash),
                                        keep.setdefault(matrix, matrix), keep.setdefault(ops, ops))
            key = (module_hash, epochs)
            rep = repeats[key] = repeats.get(key, -1) + 1
            emit(module_hash, epochs, matrix, ops, nv, rep, a2b(raw, strict_mode=True))
        except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: deep JSON
            raise ValueError(f"{path}: record at byte {offset}: {_what(exc)}{exc}") from exc
        if progress is not None and not n & 0xFFFF:
            progress(offset, total)
    if progress is not None:
        progress(total, total)


def _frame(layout: list[tuple[str, str, int, str]], strs: list[str], ints: array,
           floats: array) -> pd.DataFrame:
    width = {k: sum(src == k for _, src, _, _ in layout) for k in "sif"}
    i = np.frombuffer(ints, dtype=np.int64).reshape(-1, width["i"])
    f = np.frombuffer(floats, dtype=np.float64).reshape(-1, width["f"])
    columns: dict[str, Any] = {}
    for name, src, k, dtype in layout:
        if src == "s":
            columns[name] = pd.Series(strs[k::width["s"]], dtype=dtype)
        else:
            values = (i if src == "i" else f)[:, k]
            if dtype == "int16" and values.size and (values.min() < -(2**15)
                                                     or values.max() >= 2**15):
                raise ValueError(f"{name} out of int16 range")
            columns[name] = values.astype(dtype)
    return pd.DataFrame(columns)


def read_energy_table(path: str | os.PathLike[str], *, checkpoints: bool,
                      progress: Progress | None = None) -> pd.DataFrame:
    """Read an EC-NAS energy ``.tfrecord`` (``ModelMetricsEnergy`` rows) into a DataFrame.

    Parameters
    ----------
    path
        The ``.tfrecord`` file, read as a stream.
    checkpoints
        Also emit a row for each intermediate evaluation entry with
        ``0 < current_epoch < epochs`` (at ``epochs = int(current_epoch)``, with that entry's
        cumulative energy, CO2 and training time and the repeat of its record).
    progress
        Optional ``progress(bytes_done, bytes_total)`` callback.

    Returns
    -------
    pandas.DataFrame
        Columns ``ENERGY_COLUMNS``, one row per record at its ``epochs`` from the last
        evaluation entry (NaN values if it has none), in file order (a record's intermediate
        rows just before its final row). ``trainable_params`` is -1 where absent.
    """
    strs: list[str] = []
    ints, floats = array("q"), array("d")
    keep: dict[str, str] = {}

    def emit(module_hash: str, epochs: int, matrix: str, ops: str, nv: int, rep: int,
             pb: bytes) -> None:
        spans, params, power = scan_metrics(pb)
        gpu, cpu, device = power_summary(pb, power) if power else _NO_POWER
        device = keep.setdefault(device, device)
        rows = [(epochs, entry_doubles(pb, *spans[-1]) if spans else _NO_ENTRY)]
        if checkpoints:
            middle = [entry_doubles(pb, *span) for span in spans[:-1]]
            rows[:0] = [(int(v[1]), v) for v in middle if 0 < v[1] < epochs]
        for ep, values in rows:
            strs.extend((module_hash, matrix, ops, device))
            ints.extend((nv, ep, rep, params))
            floats.extend(values[2:9])
            floats.extend((gpu, cpu))

    _read_rows(path, progress, emit)
    return _frame(_ENERGY_LAYOUT, strs, ints, floats)


def read_nasbench101(path: str | os.PathLike[str], *,
                     progress: Progress | None = None) -> pd.DataFrame:
    """Read NAS-Bench-101's ``nasbench_only108`` / ``nasbench_full`` ``.tfrecord``.

    One row per record and evaluation entry whose ``current_epoch`` equals the record's
    ``epochs``; columns ``NASBENCH101_COLUMNS``. See ``read_energy_table`` for the arguments.
    """
    strs: list[str] = []
    ints, floats = array("q"), array("d")

    def emit(module_hash: str, epochs: int, matrix: str, ops: str, nv: int, rep: int,
             pb: bytes) -> None:
        spans, params, _ = scan_metrics(pb)
        for span in spans:
            values = entry_doubles(pb, *span)
            if values[1] == epochs:
                strs.extend((module_hash, matrix, ops))
                ints.extend((nv, epochs, rep, params))
                floats.extend(values[2:6])

    _read_rows(path, progress, emit)
    return _frame(_NB101_LAYOUT, strs, ints, floats)

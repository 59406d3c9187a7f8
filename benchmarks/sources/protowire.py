"""Protocol-buffer wire format and the EC-NAS / NAS-Bench-101 metric messages, without protoc.

Two layers. ``decode_message`` maps whole messages to small dataclasses
(``ModelMetricsEnergy``, ``ModelMetrics`` and their parts), field number = declaration order, as
in the ``.proto`` files (see ``FORMATS.md``). ``scan_metrics``, ``entry_doubles`` and
``power_summary`` are the table reader's hot path: they pull only the numbers a table row needs
out of a serialized message, without building objects for the rest.

Absent optional fields decode to ``None`` (dataclasses) or NaN (hot path); unknown fields and
fields with an unexpected wire type are skipped by wire type, as protobuf does. Malformed bytes
raise ``ValueError``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
NAN = math.nan
M = TypeVar("M")

_DOUBLE = struct.Struct("<d")
# Wire types of the field kinds: double, int32, string, message, boxed double / string (a
# message whose field 1 holds the value). A trailing "*" marks a repeated field.
_WIRE = {"d": FIXED64, "i": VARINT, "s": LENGTH, "m": LENGTH, "bd": LENGTH, "bs": LENGTH}


def decode_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode the varint at ``buf[pos]``; return ``(value, position after it)``."""
    result = buf[pos] if pos < len(buf) else 0x80
    if result < 0x80:
        return result, pos + 1
    result = shift = 0
    for i in range(pos, min(pos + 10, len(buf))):
        byte = buf[i]
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, i + 1
        shift += 7
    raise ValueError(f"truncated or over-long varint at byte {pos}")


def _int32(value: int) -> int:
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def skip_field(buf: bytes, pos: int) -> int:
    """Return the position after the field whose tag starts at ``buf[pos]``."""
    tag, pos = decode_varint(buf, pos)
    wire = tag & 7
    if tag >> 3 == 0:
        raise ValueError(f"invalid field number 0 before byte {pos}")
    if wire == VARINT:
        return decode_varint(buf, pos)[1]
    if wire == FIXED64:
        return pos + 8
    if wire == LENGTH:
        length, pos = decode_varint(buf, pos)
        return pos + length
    if wire == FIXED32:
        return pos + 4
    raise ValueError(f"unsupported wire type {wire} before byte {pos}")


def iter_fields(buf: bytes, start: int = 0, end: int | None = None,
                ) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(field number, wire type, value)`` for each field of ``buf[start:end]``.

    ``value`` is an int for varints and the raw bytes otherwise (8 or 4 bytes for fixed-width
    fields, the payload for length-delimited ones).
    """
    end = len(buf) if end is None else end
    pos = start
    value: Any
    while pos < end:
        tag, body = decode_varint(buf, pos)
        wire = tag & 7
        if tag >> 3 == 0:
            raise ValueError(f"invalid field number 0 at byte {pos}")
        if wire == VARINT:
            value, nxt = decode_varint(buf, body)
        elif wire == LENGTH:
            length, body = decode_varint(buf, body)
            nxt = body + length
            value = buf[body:nxt]
        else:
            nxt = skip_field(buf, pos)
            value = buf[body:nxt]
        if nxt > end:
            raise ValueError(f"field {tag >> 3} at byte {pos} runs past the message end {end}")
        pos = nxt
        yield tag >> 3, wire, value


# --- message layouts (field number = position in the dataclass) ------------------------------

@dataclass
class EvaluationDataEnergy:
    """One EC-NAS checkpoint; energy (kWh), co2eq (g) and training_time (s) are cumulative."""

    current_epoch: float | None = None
    training_time: float | None = None
    train_accuracy: float | None = None
    validation_accuracy: float | None = None
    test_accuracy: float | None = None
    energy: float | None = None
    co2eq: float | None = None
    avg_intensity: float | None = None
    start_emission: str | None = None
    stop_emission: str | None = None
    pred_energy: float | None = None
    pred_co2eq: float | None = None
    pred_training_time: float | None = None
    pred_avg_intensity: float | None = None
    checkpoint_path: str | None = None
    _KINDS: ClassVar[tuple[str, ...]] = ("d",) * 8 + ("s", "s") + ("d",) * 4 + ("s",)


@dataclass
class DeviceGroup:
    """The GPU or CPU group of ``PowerUsageData``: per-device power (W), energy (J), names."""

    avg_power_usages_w: list[float] = field(default_factory=list)
    avg_power_usages_j: list[float] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    _KINDS: ClassVar[tuple[str, ...]] = ("bd*", "bd*", "bs*")


@dataclass
class PowerUsageData:
    """Average power usage of the GPU and CPU groups."""

    gpu: DeviceGroup | None = None
    cpu: DeviceGroup | None = None
    _KINDS: ClassVar[tuple[str, ...]] = ("m", "m")
    _SUBS: ClassVar[dict[int, type]] = {1: DeviceGroup, 2: DeviceGroup}


@dataclass
class ModelMetricsEnergy:
    """EC-NAS ``ModelMetricsEnergy``: checkpoints (start, halfway, end) and run totals."""

    evaluation_data_energy: list[EvaluationDataEnergy] = field(default_factory=list)
    trainable_parameters: int | None = None
    total_time: float | None = None
    total_energy: float | None = None
    total_co2eq: float | None = None
    start_emission: str | None = None
    stop_emission: str | None = None
    overall_avg_intensity: float | None = None
    avg_power_usages: PowerUsageData | None = None
    _KINDS: ClassVar[tuple[str, ...]] = ("m*", "i", "d", "d", "d", "s", "s", "d", "m")
    _SUBS: ClassVar[dict[int, type]] = {1: EvaluationDataEnergy, 9: PowerUsageData}


@dataclass
class EvaluationData:
    """One NAS-Bench-101 checkpoint."""

    current_epoch: float | None = None
    training_time: float | None = None
    train_accuracy: float | None = None
    validation_accuracy: float | None = None
    test_accuracy: float | None = None
    checkpoint_path: str | None = None
    _KINDS: ClassVar[tuple[str, ...]] = ("d",) * 5 + ("s",)


@dataclass
class ModelMetrics:
    """NAS-Bench-101 ``ModelMetrics``."""

    evaluation_data: list[EvaluationData] = field(default_factory=list)
    trainable_parameters: int | None = None
    total_time: float | None = None
    _KINDS: ClassVar[tuple[str, ...]] = ("m*", "i", "d")
    _SUBS: ClassVar[dict[int, type]] = {1: EvaluationData}


_LAYOUTS: dict[type, dict[int, tuple[str, str, bool, Any]]] = {}


def _layout(cls: Any) -> dict[int, tuple[str, str, bool, Any]]:
    """``{field number: (attribute, kind, repeated, message class)}`` of a message dataclass."""
    if cls not in _LAYOUTS:
        subs = getattr(cls, "_SUBS", {})
        _LAYOUTS[cls] = {n: (f.name, kind.rstrip("*"), kind.endswith("*"), subs.get(n))
                         for n, (f, kind) in enumerate(zip(fields(cls), cls._KINDS, strict=True),
                                                       1)}
    return _LAYOUTS[cls]


def _boxed(payload: bytes, wire: int, default: Any) -> Any:
    value = default
    for number, w, raw in iter_fields(payload):
        if number == 1 and w == wire:
            value = _DOUBLE.unpack(raw)[0] if wire == FIXED64 else raw.decode()
    return value


def _convert(kind: str, raw: Any, sub: Any) -> Any:
    if kind == "d":
        return _DOUBLE.unpack(raw)[0]
    if kind == "i":
        return _int32(raw)
    if kind == "s":
        return raw.decode()
    if kind == "m":
        return decode_message(sub, raw)
    return _boxed(raw, FIXED64, NAN) if kind == "bd" else _boxed(raw, LENGTH, "")


def decode_message(cls: type[M], data: bytes) -> M:
    """Decode ``data`` into an instance of the message dataclass ``cls``.

    Examples
    --------
    >>> decode_message(EvaluationData, bytes([9]) + struct.pack("<d", 4.0))  # field 1, double
    EvaluationData(current_epoch=4.0, training_time=None, train_accuracy=None, \
validation_accuracy=None, test_accuracy=None, checkpoint_path=None)
    """
    layout = _layout(cls)
    values: dict[str, Any] = {}
    merged: dict[int, bytes] = {}  # a singular message field seen twice: protobuf merges them
    try:
        for number, wire, raw in iter_fields(data):
            if number not in layout or _WIRE[layout[number][1]] != wire:
                continue  # unknown field, or a wire type this layout cannot hold
            name, kind, repeated, sub = layout[number]
            if repeated:
                values.setdefault(name, []).append(_convert(kind, raw, sub))
            elif kind == "m":
                merged[number] = merged.get(number, b"") + raw
            else:
                values[name] = _convert(kind, raw, sub)
        for number, raw in merged.items():
            values[layout[number][0]] = decode_message(layout[number][3], raw)
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid UTF-8 in a string field of {cls.__name__}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"malformed {cls.__name__}: {exc}") from None
    return cls(**values)


# --- hot path for the table readers ---------------------------------------------------------

_ENTRY_TAGS = bytes(n << 3 | FIXED64 for n in range(1, 9))  # doubles 1..8, the usual layout
_FIRST8 = struct.Struct("<" + "xd" * 8)
_FIRST5 = struct.Struct("<" + "xd" * 5)


def scan_metrics(data: bytes) -> tuple[list[tuple[int, int]], int, list[tuple[int, int]]]:
    """Top level of a ``ModelMetrics(Energy)``: entry spans, trainable parameters, power spans.

    Returns the ``(start, end)`` byte spans of field 1 (the evaluation entries, in order), the
    value of field 2 (``-1`` if absent) and the spans of field 9 (power usage; usually 0 or 1).
    """
    entries: list[tuple[int, int]] = []
    power: list[tuple[int, int]] = []
    params, pos, end = -1, 0, len(data)
    try:
        while pos < end:
            tag = data[pos]
            if tag == 0x0A or tag == 0x4A:  # field 1 or 9, length-delimited
                length = data[pos + 1]
                if length < 0x80:
                    start = pos + 2
                else:
                    length, start = decode_varint(data, pos + 1)
                pos = start + length
                if tag == 0x0A:
                    entries.append((start, pos))
                else:
                    power.append((start, pos))
            elif tag & 7 == FIXED64 and 8 < tag < 0x80:
                pos += 9
            elif tag == 0x10:
                params, pos = decode_varint(data, pos + 1)
                params = _int32(params)
            else:
                pos = skip_field(data, pos)
    except IndexError:
        pos = end + 1
    if pos != end:
        raise ValueError(f"truncated metrics message ({end} bytes)")
    return entries, params, power


def entry_doubles(data: bytes, start: int, end: int) -> list[float]:
    """The double fields 1..15 of the entry ``data[start:end]``, indexed by field number.

    Absent fields are NaN; fields of other wire types (strings) are skipped.
    """
    out = [NAN] * 16
    pos = start
    if end - start >= 72 and data[start:start + 72:9] == _ENTRY_TAGS:
        out[1:9] = _FIRST8.unpack_from(data, start)
        pos += 72
    elif end - start >= 45 and data[start:start + 45:9] == _ENTRY_TAGS[:5]:
        out[1:6] = _FIRST5.unpack_from(data, start)
        pos += 45
    try:
        while pos < end:
            tag = data[pos]
            if tag & 7 == FIXED64 and 8 < tag < 0x80:
                out[tag >> 3] = _DOUBLE.unpack_from(data, pos + 1)[0]
                pos += 9
            else:
                pos = skip_field(data, pos)
    except (IndexError, struct.error):
        pos = end + 1
    if pos != end:
        raise ValueError(f"truncated evaluation entry at bytes {start}..{end}")
    return out


def _spans(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """``(field number, start, end)`` of the length-delimited fields of ``data[start:end]``."""
    out = []
    pos = start
    try:
        while pos < end:
            tag = data[pos]
            if tag & 7 == LENGTH and 8 < tag < 0x80:
                length = data[pos + 1]
                if length < 0x80:
                    body = pos + 2
                else:
                    length, body = decode_varint(data, pos + 1)
                pos = body + length
                out.append((tag >> 3, body, pos))
            else:
                pos = skip_field(data, pos)
    except IndexError:
        pos = end + 1
    if pos != end:
        raise ValueError(f"truncated message at bytes {start}..{end}")
    return out


def power_summary(data: bytes, spans: list[tuple[int, int]]) -> tuple[float, float, str]:
    """``(GPU power W, CPU power W, GPU names joined by '+')`` of a PowerUsageData.

    The power of a group is the sum of its per-device average powers (two CPU packages draw
    the sum of their powers), as for the raw results.json runs.

    ``spans`` are its occurrences in ``data`` (protobuf merges them). A missing group or empty
    list gives NaN (power) or ``""`` (names).
    """
    watts: dict[int, list[float]] = {1: [], 2: []}
    names: list[str] = []
    groups = [g for start, end in spans for g in _spans(data, start, end) if g[0] in watts]
    for number, group_start, group_end in groups:
        for n, s, e in _spans(data, group_start, group_end):
            if n == 1:  # a UsageW message; usually exactly its field 1, a double
                watts[number].append(_DOUBLE.unpack_from(data, s + 1)[0]
                                     if e - s == 9 and data[s] == 9
                                     else _boxed(data[s:e], FIXED64, NAN))
            elif n == 3 and number == 1:  # a Device message; usually exactly its name
                names.append(data[s + 2:e].decode()
                             if e - s >= 2 and data[s] == 0x0A and data[s + 1] == e - s - 2
                             else _boxed(data[s:e], LENGTH, ""))
    gpu, cpu = (sum(w) if w else NAN for w in watts.values())
    return gpu, cpu, "+".join(names)

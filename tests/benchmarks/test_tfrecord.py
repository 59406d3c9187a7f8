"""TFRecord framing, protobuf wire format and the EC-NAS / NAS-Bench-101 row readers."""

from __future__ import annotations

import base64
import json
import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.sources.protowire import (
    DeviceGroup,
    EvaluationData,
    EvaluationDataEnergy,
    ModelMetrics,
    ModelMetricsEnergy,
    PowerUsageData,
    decode_message,
    decode_varint,
)
from benchmarks.sources.tfrecord import (
    ENERGY_COLUMNS,
    NASBENCH101_COLUMNS,
    TFRecordError,
    iter_records,
    masked_crc32c,
    read_energy_table,
    read_nasbench101,
)
from tests.fixtures.writers import (
    encode_message,
    encode_varint,
    write_energy_table,
    write_nasbench101,
    write_records,
)

OPS = "input,conv3x3-bn-relu,maxpool3x3,output"
MATRIX = "0110001100010000"  # 4 x 4


def crc32c_bitwise(data: bytes) -> int:
    """CRC-32C (reflected Castagnoli polynomial), bit by bit: independent of ``crc32c``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) % 2**32


def frame(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", mask(crc32c_bitwise(header))) + data
            + struct.pack("<I", mask(crc32c_bitwise(data))))


def row(module_hash: str, epochs: int, metrics: bytes, matrix: str = MATRIX) -> bytes:
    raw = base64.b64encode(metrics).decode()
    return json.dumps([module_hash, epochs, matrix, OPS, raw]).encode()


def energy_df() -> pd.DataFrame:
    """Two cells x two fidelities, the first with two repeats; odd power/device cases."""
    keys = [("a" * 32, 4, 0), ("a" * 32, 4, 1), ("a" * 32, 108, 0), ("b" * 32, 4, 0),
            ("b" * 32, 108, 0)]
    n = len(keys)
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "module_hash": pd.Series([k[0] for k in keys], dtype="str"),
        "matrix": pd.Series([MATRIX] * n, dtype="str"), "ops": pd.Series([OPS] * n, dtype="str"),
        "num_vertices": np.full(n, 4, np.int16),
        "epochs": np.array([k[1] for k in keys], np.int16),
        "repeat": np.array([k[2] for k in keys], np.int16),
        "train_accuracy": rng.random(n), "validation_accuracy": rng.random(n),
        "test_accuracy": [0.9, 0.91, math.nan, 0.8, 0.85], "training_time_s": rng.random(n) * 900,
        "energy_kwh": rng.random(n), "co2eq_g": rng.random(n) * 50,
        "carbon_intensity_g_per_kwh": rng.random(n) * 300,
        "trainable_params": np.array([1_000_000, 1_000_000, 1_000_000, 2_345_678, -1]),
        "gpu_power_w": [150.5, 151.0, math.nan, 120.25, math.nan],
        "cpu_power_w": [20.0, math.nan, 21.5, 19.0, math.nan],
        "device": pd.Series(["Quadro RTX 6000", "A+B", "X", "", ""], dtype="str"),
    })


def test_masked_crc_matches_the_documented_formula() -> None:
    assert crc32c_bitwise(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert masked_crc32c(b"123456789") == mask(0xE3069283) == 0xC78AB0E5
    assert masked_crc32c(b"") == mask(crc32c_bitwise(b""))


def test_hand_built_file_reads_and_writer_is_byte_identical(tmp_path: Path) -> None:
    records = [b"hello", b"", b"x" * 300]
    by_hand = tmp_path / "hand.tfrecord"
    by_hand.write_bytes(b"".join(frame(r) for r in records))
    assert list(iter_records(by_hand)) == [(0, b"hello"), (21, b""), (37, b"x" * 300)]
    written = tmp_path / "written.tfrecord"
    assert write_records(written, records) == 3
    assert written.read_bytes() == by_hand.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand.tfrecord", "written.tfrecord"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tfrecord"
    write_records(path, [b"old"])

    def broken():
        yield b"new"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_records(path, broken())
    assert list(iter_records(path)) == [(0, b"old")]
    assert [p.name for p in tmp_path.iterdir()] == ["t.tfrecord"]


@pytest.mark.parametrize("cut", [1, 11, 12, 20, 21])
def test_truncated_file_names_file_and_offset(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "t.tfrecord"
    whole = frame(b"first") + frame(b"second")  # the second record starts at byte 21
    path.write_bytes(whole[:21 + cut])
    with pytest.raises(TFRecordError, match=r"t\.tfrecord: truncated .*at byte 21"):
        list(iter_records(path))


@pytest.mark.parametrize(("flip", "what"), [(21, "length"), (21 + 9, "length"),
                                            (21 + 12, "data"), (21 + 18, "data")])
def test_flipped_byte_is_a_crc_error_at_its_record(tmp_path: Path, flip: int, what: str) -> None:
    data = bytearray(frame(b"first") + frame(b"second"))
    data[flip] ^= 0x10
    path = tmp_path / "t.tfrecord"
    path.write_bytes(bytes(data))
    with pytest.raises(TFRecordError, match=rf"t\.tfrecord: {what} CRC mismatch .* byte 21"):
        list(iter_records(path))


def test_energy_table_round_trip_is_exact(tmp_path: Path) -> None:
    df = energy_df()
    path = tmp_path / "e.tfrecord"
    assert write_energy_table(path, df) == len(df)
    calls: list[tuple[int, int]] = []
    out = read_energy_table(path, checkpoints=False, progress=lambda *a: calls.append(a))
    assert tuple(out.columns) == ENERGY_COLUMNS
    pd.testing.assert_frame_equal(out, df, check_exact=True)
    assert calls == [(path.stat().st_size,) * 2]


def test_checkpoint_rows(tmp_path: Path) -> None:
    df = energy_df()
    path = tmp_path / "e.tfrecord"
    write_energy_table(path, df)
    out = read_energy_table(path, checkpoints=True)
    assert len(out) == 2 * len(df)  # the start entry (epoch 0) gives no row
    middle, final = out.iloc[0::2].reset_index(drop=True), out.iloc[1::2].reset_index(drop=True)
    pd.testing.assert_frame_equal(final, df)
    assert middle["epochs"].tolist() == [2, 2, 54, 2, 54]
    assert middle["repeat"].tolist() == df["repeat"].tolist()
    np.testing.assert_array_equal(middle["energy_kwh"], df["energy_kwh"] / 2)
    np.testing.assert_array_equal(middle["training_time_s"], df["training_time_s"] / 2)
    assert middle["train_accuracy"].isna().all()
    # writing back with the fidelities drops the intermediate rows again
    write_energy_table(path, out, fidelities=[4, 108])
    pd.testing.assert_frame_equal(read_energy_table(path, checkpoints=False), df)


def test_repeats_count_records_with_the_same_hash_and_epochs(tmp_path: Path) -> None:
    metrics = encode_message(ModelMetricsEnergy([EvaluationDataEnergy(4.0)]))
    keys = [("a", 4), ("a", 4), ("a", 4), ("b", 4), ("b", 4), ("a", 12)]
    path = tmp_path / "r.tfrecord"
    write_records(path, [row(h * 32, e, metrics) for h, e in keys])
    out = read_energy_table(path, checkpoints=False)
    assert out["repeat"].tolist() == [0, 1, 2, 0, 1, 0]
    assert out["trainable_params"].tolist() == [-1] * 6
    assert out[["gpu_power_w", "test_accuracy"]].isna().all().all()


def unknown(number: int) -> bytes:
    """One field of every wire type under field numbers the layouts do not use."""
    return (encode_varint(number << 3) + encode_varint(300)
            + encode_varint((number + 1) << 3 | 1) + b"\x00" * 8
            + encode_varint((number + 2) << 3 | 2) + b"\x03abc"
            + encode_varint((number + 3) << 3 | 5) + b"\x00" * 4)


def test_hand_built_energy_record_with_unknown_fields(tmp_path: Path) -> None:
    def double(n: int, x: float) -> bytes:
        return bytes([n << 3 | 1]) + struct.pack("<d", x)

    def sub(n: int, payload: bytes) -> bytes:
        return bytes([n << 3 | 2]) + encode_varint(len(payload)) + payload

    entry = (unknown(40) + double(1, 4.0) + double(2, 100.0) + double(3, 0.5) + double(4, 0.25)
             + double(5, 0.125) + double(6, 0.01) + double(7, 2.0) + double(8, 200.0)
             + sub(9, b"2023-01-01") + unknown(200))
    group = (sub(1, double(1, 100.0)) + sub(1, double(1, 50.0) + unknown(5))
             + sub(3, sub(1, b"GPU0")) + sub(3, sub(1, b"GPU1")) + unknown(60))
    power = sub(1, group) + sub(2, sub(1, double(1, 10.0))) + unknown(3)
    pb = (sub(1, double(1, 0.0)) + unknown(17) + sub(1, entry) + b"\x10" + encode_varint(5000)
          + double(3, 123.0) + sub(9, power) + unknown(2000))
    path = tmp_path / "h.tfrecord"
    path.write_bytes(frame(row("c" * 32, 4, pb)))
    got = read_energy_table(path, checkpoints=True).iloc[0].to_dict()
    assert got == {"module_hash": "c" * 32, "matrix": MATRIX, "ops": OPS, "num_vertices": 4,
                   "epochs": 4, "repeat": 0, "train_accuracy": 0.5,
                   "validation_accuracy": 0.25, "test_accuracy": 0.125,
                   "training_time_s": 100.0, "energy_kwh": 0.01, "co2eq_g": 2.0,
                   "carbon_intensity_g_per_kwh": 200.0, "trainable_params": 5000,
                   "gpu_power_w": 150.0, "cpu_power_w": 10.0, "device": "GPU0+GPU1"}
    msg = decode_message(ModelMetricsEnergy, pb)
    assert msg.evaluation_data_energy[1].start_emission == "2023-01-01"
    assert msg.avg_power_usages == PowerUsageData(DeviceGroup([100.0, 50.0], [], ["GPU0", "GPU1"]),
                                                  DeviceGroup([10.0]))


@pytest.mark.parametrize(("data", "message"), [
    (b"[1, 2", "invalid JSON"),
    (b'["h", 4, "0110", "a,b", "@@@@"]', "invalid base64"),
    (b'["h", 4, "0110", "a,b", "AAA"]', "invalid base64"),
    (b'["h", 4, "0110", "a,b"]', "expected 5"),
    (b'["h", "4", "0110", "a,b", ""]', "types"),
    (b'["h", 4, "011", "a,b", ""]', "not square"),
    (b'["h", 4, "0110", "a,b", "CgU="]', "truncated"),
])
def test_malformed_rows_raise_clear_value_errors(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "m.tfrecord"
    first = frame(row("a" * 32, 4, b""))
    path.write_bytes(first + frame(data))
    with pytest.raises(ValueError, match=rf"m\.tfrecord: record at byte {len(first)}: .*{message}"):
        read_energy_table(path, checkpoints=False)


def test_nasbench101_keeps_only_final_entries(tmp_path: Path) -> None:
    entries = [EvaluationData(0.0, 0.0), EvaluationData(54.0, 10.0, 0.5, 0.4, 0.3),
               EvaluationData(108.0, 20.0, 1.0, 0.9, 0.8, "/ckpt")]
    pb = encode_message(ModelMetrics(entries, 123, 30.0))
    path = tmp_path / "n.tfrecord"
    write_records(path, [row("d" * 32, 108, pb), row("d" * 32, 108, pb + unknown(7))])
    out = read_nasbench101(path)
    assert tuple(out.columns) == NASBENCH101_COLUMNS
    assert out["repeat"].tolist() == [0, 1]
    assert out.iloc[1][["epochs", "training_time_s", "test_accuracy", "trainable_params"]
                       ].tolist() == [108, 20.0, 0.8, 123]
    write_nasbench101(path, out)
    pd.testing.assert_frame_equal(read_nasbench101(path), out, check_exact=True)


def test_writer_rejects_inconsistent_keys(tmp_path: Path) -> None:
    df = energy_df()
    with pytest.raises(ValueError, match="repeat"):
        write_energy_table(tmp_path / "x", df.assign(repeat=np.int16(0)))
    with pytest.raises(ValueError, match="num_vertices"):
        write_energy_table(tmp_path / "x", df.assign(num_vertices=np.int16(3)))
    with pytest.raises(ValueError, match="missing columns"):
        write_energy_table(tmp_path / "x", df.drop(columns="device"))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**31 - 1, 2**63, 2**64 - 1])
def test_varint_round_trip(value: int) -> None:
    assert decode_varint(encode_varint(value) + b"\x01", 0) == (value, len(encode_varint(value)))


def test_message_round_trip_and_negative_int32() -> None:
    msg = ModelMetricsEnergy(
        [EvaluationDataEnergy(1.0, 2.0, stop_emission="é", pred_avg_intensity=3.0,
                              checkpoint_path="/m")],
        trainable_parameters=-5, total_energy=0.5, start_emission="now",
        avg_power_usages=PowerUsageData(cpu=DeviceGroup([1.0], [2.0, 3.0], ["cpu"])))
    data = encode_message(msg)
    assert b"\x10" + b"\xfb" + b"\xff" * 8 + b"\x01" in data  # -5 as a 10-byte varint
    assert decode_message(ModelMetricsEnergy, data) == msg
    with pytest.raises(ValueError, match="int32"):
        encode_message(ModelMetrics(trainable_parameters=2**31))


def test_empty_file_gives_an_empty_typed_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.tfrecord"
    path.write_bytes(b"")
    out = read_energy_table(path, checkpoints=True)
    assert out.empty
    assert out.dtypes.to_dict() == energy_df().dtypes.to_dict()


@pytest.mark.parametrize(("cls", "data", "message"), [
    (ModelMetrics, b"\x08", "truncated or over-long varint"),
    (ModelMetrics, b"\x08" + b"\xff" * 11, "truncated or over-long varint"),
    (ModelMetrics, b"\x09\x00", "runs past the message end"),
    (ModelMetrics, b"\x0a\x05ab", "runs past the message end"),
    (ModelMetrics, b"\x00\x01", "field number 0"),
    (ModelMetrics, b"\x0b", "wire type 3"),
    (ModelMetrics, b"\x0a\x03\x32\x01\xff", "invalid UTF-8"),
    (PowerUsageData, b"\x12\x02\xff\xfe", "malformed DeviceGroup"),
])
def test_malformed_protobuf_raises_value_error(cls: type, data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=f"malformed {cls.__name__}: .*{message}"):
        decode_message(cls, data)

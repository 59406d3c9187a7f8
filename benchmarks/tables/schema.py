"""The tidy benchmark table: its columns, their types and units, and objective directions.

Units live here (and in the Parquet schema metadata), not in the code that uses the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A numeric column of the table and how it is read."""

    name: str
    unit: str
    direction: str  # "max" or "min": the natural sense when used as an objective
    label: str


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("train_accuracy", "fraction", "max", "train accuracy"),
    Metric("validation_accuracy", "fraction", "max", "validation accuracy"),
    Metric("test_accuracy", "fraction", "max", "test accuracy"),
    Metric("training_time_s", "s", "min", "training time"),
    Metric("energy_kwh", "kWh", "min", "training energy"),
    Metric("co2eq_g", "gCO2eq", "min", "CO2 equivalent"),
    Metric("carbon_intensity_g_per_kwh", "gCO2eq/kWh", "min", "carbon intensity"),
    Metric("trainable_params", "count", "min", "trainable parameters"),
    Metric("flops", "MAC", "min", "FLOPs (multiply-accumulates)"),
    Metric("gpu_power_w", "W", "min", "mean GPU power"),
    Metric("cpu_power_w", "W", "min", "mean CPU power"),
]}

KEY_COLUMNS = ["module_hash", "matrix", "ops", "num_vertices", "epochs", "repeat"]
COLUMNS = [*KEY_COLUMNS, *METRICS, "device", "energy_source"]
DTYPES: dict[str, str] = {
    "module_hash": "str", "matrix": "str", "ops": "str", "num_vertices": "int16",
    "epochs": "int16", "repeat": "int16", "trainable_params": "int64", "flops": "int64",
    "device": "str", "energy_source": "str",
    **{m: "float64" for m in METRICS if m not in ("trainable_params", "flops")},
}
ENERGY_SOURCES = ("measured", "linear-scaled", "surrogate")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Columns in :data:`COLUMNS` order with their dtypes; missing metrics become NaN.

    Rows are sorted by hash, epochs and repeat so that equal content gives an equal table.
    """
    out = pd.DataFrame(index=df.index)
    for col in COLUMNS:
        dtype = DTYPES[col]
        if col in df.columns and dtype == "str":
            out[col] = df[col].astype(object)
        elif col in df.columns:
            out[col] = df[col].astype(dtype)  # type: ignore[call-overload]
        elif dtype == "str":
            out[col] = ""
        elif dtype == "int64":
            out[col] = np.zeros(len(df), dtype=np.int64)
        else:
            out[col] = np.nan
        if dtype == "str":
            out[col] = out[col].astype(str)
    bad = sorted(set(out["energy_source"]) - set(ENERGY_SOURCES))
    if bad:
        raise ValueError(f"unknown energy_source {bad[0]!r}; valid: {', '.join(ENERGY_SOURCES)}")
    return out.sort_values(["module_hash", "epochs", "repeat"], kind="stable").reset_index(
        drop=True)

"""The tidy benchmark table: its columns, their types, units and valid ranges, and objective
directions.

Units live here (and in the Parquet schema metadata), not in the code that uses the columns.
:func:`validate` is the one rule set every stored table passes (at build, import and load):
no empty table, metric values finite, non-negative and within their physical bound
(:attr:`Metric.upper`; NaN only for "not measured"), so no sum over a table can overflow;
accuracies in [0, 1], integer keys in range, one row per (cell, epochs, repeat), and the budget
costs (energy, training time) either measured for every row of a fidelity or for none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.errors import EcnasError


@dataclass(frozen=True)
class Metric:
    """A numeric column of the table and how it is read."""

    name: str
    unit: str
    direction: str  # "max" or "min": the natural sense when used as an objective
    label: str
    #: The largest physically plausible value for one training, far above any real one (the
    #: EC-NAS cells take Wh, not GWh); it keeps every sum, mean and hypervolume product over a
    #: table finite in float64, where 1e308 values would overflow to inf and then NaN.
    upper: float = 1.0


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("train_accuracy", "fraction", "max", "train accuracy"),
    Metric("validation_accuracy", "fraction", "max", "validation accuracy"),
    Metric("test_accuracy", "fraction", "max", "test accuracy"),
    Metric("training_time_s", "s", "min", "training time", 1e9),
    Metric("energy_kwh", "kWh", "min", "training energy", 1e7),
    Metric("co2eq_g", "gCO2eq", "min", "CO2 equivalent", 1e10),
    Metric("carbon_intensity_g_per_kwh", "gCO2eq/kWh", "min", "carbon intensity", 1e4),
    Metric("trainable_params", "count", "min", "trainable parameters", 2.0**53),
    Metric("flops", "MAC", "min", "FLOPs (multiply-accumulates)", 2.0**53),
    Metric("gpu_power_w", "W", "min", "mean GPU power", 1e6),
    Metric("cpu_power_w", "W", "min", "mean CPU power", 1e6),
]}

#: kWh -> Wh: energies below 1 kWh are shown, and surrogate errors reported, in Wh.
WH_PER_KWH = 1000.0

KEY_COLUMNS = ["module_hash", "matrix", "ops", "num_vertices", "epochs", "repeat"]
COLUMNS = [*KEY_COLUMNS, *METRICS, "device", "energy_source"]
DTYPES: dict[str, str] = {
    "module_hash": "str", "matrix": "str", "ops": "str", "num_vertices": "int16",
    "epochs": "int16", "repeat": "int16", "trainable_params": "int64", "flops": "int64",
    "device": "str", "energy_source": "str",
    **{m: "float64" for m in METRICS if m not in ("trainable_params", "flops")},
}
ENERGY_SOURCES = ("measured", "linear-scaled", "surrogate")
#: Inclusive ranges of the integer columns (``trainable_params`` is -1 where not recorded).
INT_RANGES: dict[str, tuple[int, int]] = {
    "num_vertices": (2, 7), "epochs": (1, 2**15 - 1), "repeat": (0, 2**15 - 1),
    "trainable_params": (-1, 2**53), "flops": (0, 2**53)}
#: Costs a search budget counts: measured in all rows of a fidelity or in none.
BUDGET_COSTS = ("energy_kwh", "training_time_s")


def check_value(name: str, value: float) -> float:
    """``value`` as a float if it is a valid value of metric ``name``, else a ValueError.

    >>> check_value("energy_kwh", 0.5)
    0.5
    >>> check_value("test_accuracy", 1.5)
    Traceback (most recent call last):
    ...
    benchmarks.errors.EcnasError: test_accuracy = 1.5 is outside [0, 1]
    >>> check_value("energy_kwh", 1e308)
    Traceback (most recent call last):
    ...
    benchmarks.errors.EcnasError: energy_kwh = 1e+308 is outside [0, 1e+07]
    """
    x = float(value)
    if math.isnan(x):
        return x
    if not math.isfinite(x) or x < 0:
        raise EcnasError(f"{name} = {x!r} is {'negative' if x < 0 else 'not finite'}")
    upper = METRICS[name].upper
    if x > upper:
        raise EcnasError(f"{name} = {x!r} is outside [0, {upper:g}]")
    return x


def _first_bad(df: pd.DataFrame, bad: np.ndarray, col: str, rule: str) -> EcnasError:
    i = int(np.flatnonzero(bad)[0])
    where = (f" (cell {df['module_hash'].iloc[i]}, {df['epochs'].iloc[i]} epochs)"
             if {"module_hash", "epochs"} <= set(df.columns) else "")
    return EcnasError(f"{int(bad.sum())} row(s) with {col} {rule}, first {df[col].iloc[i]!r} "
                      f"in row {i}{where}")


def validate(df: pd.DataFrame) -> pd.DataFrame:
    """Check ``df`` against the table rules (module docstring); return it unchanged.

    Raises
    ------
    EcnasError
        Naming the rule, the column, how many rows break it and the first one.
    """
    if len(df) == 0:
        raise EcnasError("the table has no rows")
    for col, (lo, hi) in INT_RANGES.items():
        if col in df.columns:
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
            bad = ~((v >= lo) & (v <= hi))
            if bad.any():
                raise _first_bad(df, bad, col, f"outside {lo}..{hi}")
    for col, metric in METRICS.items():
        if col not in df.columns or col in INT_RANGES:
            continue
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        for bad, rule in ((np.isinf(v), "infinite"), (v < 0, "negative"),
                          (v > metric.upper, f"outside [0, {metric.upper:g}]")):
            if bad.any():
                raise _first_bad(df, bad, col, rule)
    if "module_hash" in df.columns and (df["module_hash"].astype(str) == "").any():
        raise _first_bad(df, (df["module_hash"].astype(str) == "").to_numpy(), "module_hash",
                         "empty")
    _check_unique(df)
    _check_budget_costs(df)
    return df


def _check_unique(df: pd.DataFrame) -> None:
    """One row per (cell, epochs, repeat): a repeat stored twice would be averaged twice."""
    keys = ["module_hash", "epochs", "repeat"]
    if not set(keys) <= set(df.columns):
        return
    dup = df.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        raise _first_bad(df, dup, "repeat", "repeated for the same cell and epochs "
                                            "(a duplicated entry)")


def _check_budget_costs(df: pd.DataFrame) -> None:
    if "epochs" not in df.columns:
        return
    codes = np.unique(df["epochs"].to_numpy(), return_inverse=True)[1].ravel()
    rows = np.bincount(codes)
    for col in BUDGET_COSTS:
        if col not in df.columns:
            continue
        missing = df[col].isna().to_numpy()
        if not missing.any():
            continue
        partial = np.bincount(codes, weights=missing, minlength=len(rows)) < rows
        bad = missing & partial[codes]
        if bad.any():
            raise _first_bad(df, bad, col, "missing where other rows at the same epochs "
                                           "have it (NaN)")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Columns in :data:`COLUMNS` order with their dtypes; missing metrics become NaN.

    The rows must pass :func:`validate` (checked before the integer casts can wrap around).

    Rows are sorted by hash, epochs and repeat so that equal content gives an equal table.
    """
    validate(df)
    out = pd.DataFrame(index=df.index)
    for col in COLUMNS:
        dtype = DTYPES[col]
        if col in df.columns and dtype == "str":
            out[col] = df[col].astype(object)
        elif col in df.columns:
            out[col] = df[col].astype(dtype)
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

"""How ecnas shows values to a person (commands' tables, figure labels): an 80-column terminal.

Short headers, 8-character hashes, energy in Wh below 1 kWh, parameters in millions; ``--json``
output never goes through here (it keeps full precision and the table's own column names).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.table import Table

from benchmarks.schema import METRICS, WH_PER_KWH

HASH_CHARS = 8
#: Column headers on screen; the unit is in the header or, for energy, in each value.
HEADERS = {
    "module_hash": "hash", "validation_accuracy": "val acc %", "test_accuracy": "test acc %",
    "train_accuracy": "train acc %", "energy_kwh": "energy", "training_time_s": "time s",
    "co2eq_g": "CO2 g", "carbon_intensity_g_per_kwh": "gCO2/kWh", "trainable_params": "params",
    "flops": "FLOPs", "gpu_power_w": "GPU W", "cpu_power_w": "CPU W", "epochs": "epochs",
    "num_vertices": "V", "num_edges": "E", "repeat": "rep",
}


def short_hash(value: object) -> str:
    """The first :data:`HASH_CHARS` characters of a module hash (enough to tell cells apart)."""
    return str(value)[:HASH_CHARS]


def energy(kwh: float) -> str:
    """Energy with its unit: Wh below 1 kWh, else kWh; 3 significant digits.

    >>> energy(0.013241), energy(2.5), energy(float("nan"))
    ('13.2 Wh', '2.5 kWh', '')
    """
    if not math.isfinite(kwh):
        return ""
    return f"{kwh * WH_PER_KWH:.3g} Wh" if abs(kwh) < 1 else f"{kwh:,.3g} kWh"


def count(value: float) -> str:
    """A large count in millions (``3.21 M``) or billions (``4.62 G``), a small one as is.

    >>> count(3_207_690), count(4.62e9), count(9_000), count(float("nan"))
    ('3.21 M', '4.62 G', '9,000', '')
    """
    if not math.isfinite(value):
        return ""
    if abs(value) >= 1e9:
        return f"{value / 1e9:.3g} G"
    return f"{value / 1e6:.3g} M" if abs(value) >= 1e5 else f"{value:,.0f}"


def metric(name: str, value: Any) -> str:
    """``value`` of column ``name`` as shown on screen."""
    if name == "module_hash":
        return short_hash(value)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    unit = METRICS[name].unit if name in METRICS else ""
    if unit == "fraction":
        return f"{100 * value:.2f}" if math.isfinite(value) else ""
    if name.startswith("energy_kwh"):
        return energy(float(value))
    if unit in ("count", "MAC"):
        return count(float(value))
    return f"{value:.4g}" if isinstance(value, float) else f"{value:,}"


def header(name: str) -> str:
    return HEADERS.get(name, name.replace("_", " "))


def frame_table(frame: pd.DataFrame, *, title: str | None = None,
                columns: Sequence[str] | None = None,
                headers: dict[str, str] | None = None) -> Table:
    """A rich table of ``frame`` with short headers and values formatted by :func:`metric`."""
    cols = list(columns) if columns is not None else [
        c for c in frame.columns if c not in ("matrix", "ops")]
    names = {**HEADERS, **(headers or {})}
    table = Table(*(names.get(c, header(c)) for c in cols), title=title)
    for row in frame[cols].itertuples(index=False):
        table.add_row(*(metric(c, v) for c, v in zip(cols, row, strict=True)))
    return table

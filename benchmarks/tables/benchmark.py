"""The energy-augmented benchmark: Parquet storage and a pure, fast query object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import moocore
import numpy as np
import pandas as pd

from benchmarks.schema import METRICS
from benchmarks.space import Arch, get_space
from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from benchmarks.tables.storage import (  # noqa: F401  (re-exported: the storage API)
    META_KEY,
    check_name,
    damaged,
    read_meta,
    read_table_file,
    save_table,
    table_digest,
    verify_table,
)

#: Hypervolume reference point in min-max normalised objective space (every objective).
REFERENCE = 1.1


class MissingCellError(KeyError):
    """A valid cell of the space that the benchmark has no row for."""

    def __str__(self) -> str:
        return str(self.args[0])


def load_table(path: Path) -> Benchmark:
    """Load a stored benchmark table, verified against the sha256 saved with it.

    Raises
    ------
    DamagedTableError
        If the file is unreadable or its content does not match (see ``storage``).
    """
    frame, meta = read_table_file(path)
    try:
        return Benchmark(frame, meta)
    except (KeyError, ValueError) as exc:  # a verified file whose metadata names no space
        raise damaged(Path(path), f"metadata: {exc}") from None


@dataclass(frozen=True)
class _Fidelity:
    """All cells at one fidelity: metric values per (cell, repeat), NaN where absent."""

    hashes: np.ndarray  # (n,)
    position: dict[str, int]
    counts: np.ndarray  # (n,) repeats per cell
    present: np.ndarray  # (n, R) whether repeat r of the cell was measured (gaps allowed)
    values: dict[str, np.ndarray]  # metric -> (n, R)
    means: dict[str, np.ndarray]  # metric -> (n,)


class Benchmark:
    """A loaded benchmark table: describes itself and answers queries, without side effects.

    Parameters
    ----------
    frame
        The tidy table (``benchmarks.schema.COLUMNS``), one row per cell, epochs and repeat.
    meta
        Its metadata: ``name``, ``space``, provenance, input checksums, ``table_sha256``.
    """

    def __init__(self, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
        self.frame = frame
        self.meta = meta
        self.name: str = meta["name"]
        self.space = get_space(meta["space"])
        self.metrics = tuple(m for m in METRICS if m in frame and frame[m].notna().any())
        self.fidelities = tuple(int(e) for e in np.unique(frame["epochs"].to_numpy()))
        self._indexed: dict[int, _Fidelity] = {}  # built per fidelity on first use

    def __repr__(self) -> str:
        return f"Benchmark({self.name!r}, space={self.space.name!r}, fidelities={self.fidelities})"

    @property
    def checksum(self) -> str:
        return str(self.meta.get("table_sha256", ""))

    @property
    def default_objectives(self) -> tuple[Objective, ...]:
        """Validation accuracy (max) and energy (min), or energy and params without accuracy."""
        if "validation_accuracy" in self.metrics:
            return parse_objectives("validation_accuracy:max,energy_kwh:min")
        return parse_objectives("energy_kwh:min,trainable_params:min")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "space": self.space.name, "fidelities": list(self.fidelities),
                "cells": int(self.frame["module_hash"].nunique()), "rows": len(self.frame),
                "metrics": {m: {"unit": METRICS[m].unit, "direction": METRICS[m].direction}
                            for m in self.metrics},
                "default_objectives": [str(o) for o in self.default_objectives],
                "reference_point": REFERENCE, "provenance": self.meta.get("provenance", ""),
                "table_sha256": self.checksum}

    # ----- queries ----------------------------------------------------------------------------
    def _fidelity(self, epochs: int | None) -> _Fidelity:
        e = self.epochs_or_default(epochs)
        if e not in self._indexed:
            rows = self.frame[self.frame["epochs"].to_numpy() == e]
            self._indexed[e] = _index_fidelity(rows, self.metrics)
        return self._indexed[e]

    def epochs_or_default(self, epochs: int | None) -> int:
        if epochs is None:
            return self.fidelities[-1]
        if int(epochs) not in self.fidelities:
            raise ValueError(f"{self.name} has no fidelity of {epochs} epochs; "
                             f"fidelities: {', '.join(map(str, self.fidelities))}")
        return int(epochs)

    def hash_of(self, arch_or_hash: Arch | str) -> str:
        """The module hash of a cell (validated against the space) or a given hash."""
        if isinstance(arch_or_hash, Arch):
            return self.space.hash(arch_or_hash)
        return str(arch_or_hash)

    def query(self, arch_or_hash: Arch | str, *, epochs: int | None = None,
              repeat: str | int = "mean", rng: np.random.Generator | None = None
              ) -> dict[str, float]:
        """Every metric of one cell at ``epochs``: the mean over repeats, a sampled repeat
        (``repeat="sample"``, drawn with ``rng``) or repeat number ``repeat``."""
        h = self.hash_of(arch_or_hash)
        try:
            out = self.query_many([h], epochs=epochs, repeat=repeat, rng=rng)
        except MissingCellError:
            e = self.epochs_or_default(epochs)
            if isinstance(arch_or_hash, Arch):  # validated above: a real cell, not measured
                raise MissingCellError(f"cell {h} is a valid {self.space.name} cell but "
                                       f"{self.name} has no measurement of it at {e} epochs"
                                       ) from None
            raise
        return {m: float(v[0]) for m, v in out.items()}

    def query_many(self, hashes: Sequence[str] | np.ndarray, *, epochs: int | None = None,
                   repeat: str | int = "mean", rng: np.random.Generator | None = None,
                   metrics: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Vectorised :meth:`query` over module hashes: metric -> ``(n,)`` array."""
        b = self._fidelity(epochs)
        pos = self.positions(hashes, epochs=epochs)
        metrics = self.metrics if metrics is None else metrics
        if repeat == "mean":
            return {m: b.means[m][pos] for m in metrics}
        if repeat == "sample":
            if rng is None:
                raise ValueError("repeat='sample' needs an rng")
            k = (rng.random(len(pos)) * b.counts[pos]).astype(np.int64)  # k-th measured one
            r = np.argmax(np.cumsum(b.present[pos], axis=1) > k[:, None], axis=1)
        elif isinstance(repeat, int | np.integer):
            if repeat < 0 or repeat >= b.present.shape[1] or not b.present[pos, repeat].all():
                raise ValueError(f"repeat {repeat} is not measured for every queried cell")
            r = np.full(len(pos), int(repeat))
        else:
            raise ValueError(f"repeat must be 'mean', 'sample' or an int, got {repeat!r}")
        return {m: b.values[m][pos, r] for m in metrics}

    def positions(self, hashes: Sequence[str] | np.ndarray, *, epochs: int | None = None
                  ) -> np.ndarray:
        """Row positions of cells in the fidelity's arrays; a missing cell is a clear error."""
        e = self.epochs_or_default(epochs)
        b = self._fidelity(e)
        try:
            return np.fromiter((b.position[h] for h in hashes), dtype=np.int64,
                               count=len(hashes))
        except KeyError as exc:
            raise MissingCellError(
                f"no cell with hash {exc.args[0]} in {self.name} at {e} epochs") from None

    def cell_values(self, objectives: Sequence[Objective], *, epochs: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Every cell's hash and mean raw objective values ``(n, m)`` at ``epochs``."""
        b = self._fidelity(epochs)
        for o in objectives:
            if o.metric not in b.means:
                raise ValueError(f"{self.name} has no {o.metric!r}; metrics: "
                                 f"{', '.join(self.metrics)}")
        return b.hashes, np.column_stack([b.means[o.metric] for o in objectives])

    def bounds(self, objectives: Sequence[Objective], *, epochs: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Ideal and nadir of the whole table in minimisation form: the normalisation."""
        _, values = self.cell_values(objectives, epochs=epochs)
        f = to_min(values, objectives)
        return np.nanmin(f, axis=0), np.nanmax(f, axis=0)

    def true_front(self, objectives: Sequence[Objective], *, epochs: int | None = None
                   ) -> pd.DataFrame:
        """The exact Pareto-optimal cells of the table (mean over repeats), by moocore."""
        hashes, values = self.cell_values(objectives, epochs=epochs)
        ok = ~np.isnan(values).any(axis=1)
        f = to_min(values[ok], objectives)
        mask = moocore.is_nondominated(f, keep_weakly=True)
        front = pd.DataFrame(values[ok][mask], columns=[o.metric for o in objectives])
        front.insert(0, "module_hash", hashes[ok][mask])
        return front.sort_values(objectives[0].metric, ignore_index=True)


def _index_fidelity(rows: pd.DataFrame, metrics: Sequence[str]) -> _Fidelity:
    codes, hashes = pd.factorize(rows["module_hash"].to_numpy(), sort=True)
    rep = rows["repeat"].to_numpy().astype(np.int64)
    n, width = len(hashes), int(rep.max()) + 1 if len(rep) else 1
    counts = np.bincount(codes, minlength=n)
    present = np.zeros((n, width), dtype=bool)
    present[codes, rep] = True
    values, means = {}, {}
    for m in metrics:
        arr = np.full((n, width), np.nan)
        arr[codes, rep] = rows[m].to_numpy(dtype=float)
        values[m] = arr
        seen = (~np.isnan(arr)).sum(axis=1)
        total = np.where(np.isnan(arr), 0.0, arr).sum(axis=1)
        means[m] = np.divide(total, seen, out=np.full(n, np.nan), where=seen > 0)
    hashes = np.asarray(hashes, dtype=object)
    return _Fidelity(hashes, {h: i for i, h in enumerate(hashes.tolist())}, counts, present,
                     values, means)


def summarise(bench: Benchmark) -> dict[str, Any]:
    """Counts and min/median/max of every metric per fidelity (raw units).

    A metric with no value at a fidelity is left out of that fidelity's ``metrics``.
    """
    by_epochs = bench.frame.groupby("epochs")
    stats = by_epochs[list(bench.metrics)].agg(["min", "median", "max"]).astype(float)
    counts = by_epochs.agg(cells=("module_hash", "nunique"), rows=("module_hash", "size"))
    per_fidelity = {
        str(e): {"cells": int(counts.at[e, "cells"]), "rows": int(counts.at[e, "rows"]),
                 "metrics": {m: {**stats.loc[e, m].map(float).to_dict(), "unit": METRICS[m].unit}
                             for m in bench.metrics if stats.loc[e, m].notna().all()}}
        for e in bench.fidelities}
    return {**bench.describe(), "per_fidelity": per_fidelity}

"""The problem a live search asks: a space and objectives, answered by training.

A :class:`LiveProblem` carries what a table's :class:`~benchmarks.tables.problem.Problem` gives
the runner (name, space, objectives, target epochs, fidelities) with a
:class:`~benchmarks.create.job.CreateSpec` in place of the table. A finished training's values
are read from its ``results.json`` by the raw-tree reader (:func:`values_of`), the same rows
``ecnas data import --raw`` stores, so a table search replaying the live one is told the same
numbers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from benchmarks.create.datasets import dataset_label
from benchmarks.create.job import CreateSpec
from benchmarks.sources.raw_tree import run_rows
from benchmarks.space import SearchSpace, get_space
from benchmarks.tables.objectives import Objective, parse_objectives

__all__ = ["DEFAULT_OBJECTIVES", "LIVE_METRICS", "LiveProblem", "table_name", "values_of"]

#: What one training measures (the raw layout's per-checkpoint numbers and the model size).
LIVE_METRICS = ("validation_accuracy", "test_accuracy", "train_accuracy", "energy_kwh",
                "training_time_s", "co2eq_g", "trainable_params")
DEFAULT_OBJECTIVES = "validation_accuracy:max,energy_kwh:min"


def table_name(spec: CreateSpec, settings: dict[str, Any]) -> str:
    """``live-<dataset label>-<space>-<8 hex>``: one name per dataset and training settings, so
    every live search with the same settings shares one tree and one table."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
    return f"live-{dataset_label(spec.dataset)}-{spec.space}-{digest}"


@dataclass(frozen=True)
class LiveProblem:
    """Objectives over a space whose cells are trained on demand with ``spec``.

    Attributes
    ----------
    spec : CreateSpec
        Dataset, network, training protocol (its last checkpoint is the target epochs),
        meter and the raw tree every training is written to (one repeat per cell).
    objectives : tuple of Objective
    name : str
        The table the tree is imported as (:func:`table_name`).
    """

    spec: CreateSpec
    objectives: tuple[Objective, ...]
    name: str

    @classmethod
    def make(cls, spec: CreateSpec, name: str, objectives: str | None = None) -> LiveProblem:
        """The problem of ``spec``; objectives must be among :data:`LIVE_METRICS`."""
        objs = parse_objectives(objectives or DEFAULT_OBJECTIVES)
        for o in objs:
            if o.metric not in LIVE_METRICS:
                raise ValueError(f"a live search measures no {o.metric!r}; available: "
                                 f"{', '.join(LIVE_METRICS)}")
        return cls(spec, objs, name)

    @cached_property
    def space(self) -> SearchSpace:
        return get_space(self.spec.space)

    @property
    def epochs(self) -> int:
        return self.spec.max_epochs

    @property
    def fidelities(self) -> tuple[int, ...]:
        """Only the target epochs: every training runs to the last checkpoint."""
        return (self.epochs,)

    @property
    def metrics(self) -> list[str]:
        return [o.metric for o in self.objectives]

    @property
    def n_cells(self) -> int:
        return len(self.space.cells())

    def path(self, module_hash: str) -> Path:
        """The ``results.json`` of the cell's one training."""
        return self.spec.path(module_hash, 1)


def values_of(record: dict[str, Any], path: Path, epochs: int) -> dict[str, float]:
    """:data:`LIVE_METRICS` of the run ``record`` (read from ``path``) at ``epochs``."""
    rows = [r for r in run_rows(record, path) if r["epochs"] == epochs]
    if not rows:
        raise ValueError(f"{path} has no checkpoint at {epochs} epochs")
    return {m: float(rows[0][m]) for m in LIVE_METRICS}

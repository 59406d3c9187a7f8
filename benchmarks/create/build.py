"""Build a benchmark: train every pending run on the workers, or measure a fraction and predict.

:func:`create_benchmark` trains each ``(cell, repeat)`` whose ``results.json`` is missing, so
a killed run redoes only its unfinished runs. :func:`create_guided` measures cells in rounds
chosen by a :mod:`selection rule <benchmarks.create.select>`, fits the energy surrogate on
them and writes the other cells as predicted runs (``energy_source`` ``surrogate``; energy and
training time predicted, accuracies null: a cost surrogate says nothing about accuracy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.create.job import CreateSpec, network_for, run_one
from benchmarks.create.layout import is_measured, remove_stale_temps, run_record, write_run
from benchmarks.create.select import RULES, guided_rounds, round_sizes
from benchmarks.create.workers import run_tasks
from benchmarks.space import get_space
from benchmarks.surrogate.model import fit_surrogate

__all__ = ["Tally", "check_guided", "create_benchmark", "create_guided", "is_measured",
           "read_costs"]


@dataclass
class Tally:
    """Runs done, energy spent and an estimate of the time left; fed one result at a time."""

    total: int
    workers: int = 1
    done: int = 0
    energy_kwh: float = 0.0
    seconds: float = 0.0
    started: float = 0.0

    def add(self, result: dict[str, Any]) -> None:
        self.started = self.started or time.perf_counter()
        self.done += 1
        self.energy_kwh += float(result["energy_kwh"])
        self.seconds += float(result["seconds"])

    @property
    def eta_s(self) -> float:
        """Mean time of a finished run x runs left / workers."""
        if not self.done:
            return float("nan")
        return self.seconds / self.done * (self.total - self.done) / self.workers


def create_benchmark(spec: CreateSpec, hashes: list[str], *, workers: int = 1,
                     address: str | None = None,
                     on_result: Callable[[dict[str, Any], Tally], None] | None = None
                     ) -> Tally:
    """Train every run of ``hashes`` x ``spec.repeats`` that is not finished yet.

    Returns the :class:`Tally` of the runs done now (runs finished earlier are skipped).
    """
    remove_stale_temps(spec.out)
    tasks = [(spec, h, r) for h in hashes for r in range(1, spec.repeats + 1)
             if not is_measured(spec.path(h, r))]
    tally = Tally(total=len(tasks), workers=workers)

    def _result(result: dict[str, Any]) -> None:
        tally.add(result)
        if on_result is not None:
            on_result(result, tally)

    run_tasks(run_one, tasks, workers=workers, address=address, on_result=_result)
    return tally


def read_costs(spec: CreateSpec, module_hash: str) -> tuple[float, float]:
    """Mean last-checkpoint energy (kWh) and training time (s) over a cell's repeats."""
    last = [json.loads(spec.path(module_hash, r).read_text())["evaluation_results"][-1]
            for r in range(1, spec.repeats + 1)]
    return (float(np.mean([e["energy (kWh)"] for e in last])),
            float(np.mean([e["training_time"] for e in last])))


def check_guided(spec: CreateSpec, measure: float, rule: str) -> list[int]:
    """Validate guided-creation settings; return the cumulative round sizes."""
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; valid: {', '.join(RULES)}")
    return round_sizes(len(get_space(spec.space).cells()), measure)


def create_guided(spec: CreateSpec, *, measure: float, rule: str, workers: int = 1,
                  address: str | None = None, kind: str = "mlp",
                  on_result: Callable[[dict[str, Any], Tally], None] | None = None
                  ) -> dict[str, Any]:
    """Measure ``measure`` of the space's cells chosen by ``rule``; predict the others."""
    cells = get_space(spec.space).cells().reset_index(drop=True)
    hashes = cells["module_hash"].tolist()
    sizes = check_guided(spec, measure, rule)
    spent = Tally(total=sizes[-1] * spec.repeats, workers=workers)

    seconds = np.full(len(cells), np.nan)

    def _measure(indices: np.ndarray) -> np.ndarray:
        chosen = [hashes[i] for i in indices]
        done = create_benchmark(spec, chosen, workers=workers, address=address,
                                on_result=on_result)
        spent.done += done.done
        spent.energy_kwh += done.energy_kwh
        costs = np.array([read_costs(spec, h) for h in chosen])
        seconds[indices] = costs[:, 1]
        return costs[:, 0]

    rounds = guided_rounds(cells, rule, sizes, _measure,
                           rng=np.random.default_rng(spec.seed), kind=kind, seed=spec.seed)
    last = rounds[-1]
    # training time is a budget cost too: predicted the same way, from the same cells
    timing = fit_surrogate(cells.assign(training_time_s=seconds)[last.measured], kind=kind,
                           seed=spec.seed, n_models=3, target="training_time_s")
    time_s, _ = timing.predict(cells)
    predicted = np.flatnonzero(~last.measured)
    for i in predicted:
        _write_predicted(spec, hashes[i], cells.loc[i], float(last.mean[i]), float(time_s[i]))
    return {"measured_cells": int(last.measured.sum()), "predicted_cells": len(predicted),
            "rule": rule, "rounds": sizes, "energy_kwh": spent.energy_kwh,
            "runs": spent.done}


def _write_predicted(spec: CreateSpec, module_hash: str, cell: Any, energy: float,
                     seconds: float) -> None:
    from benchmarks.space.arch import Arch
    from benchmarks.space.cost import count_params

    arch = Arch.from_strings(cell["matrix"], cell["ops"])
    params = count_params(arch.array(), arch.labels(), network_for(spec))
    entry = {"epochs": float(spec.max_epochs), "training_time": seconds, "training_steps": None,
             "train_accuracy": None, "validation_accuracy": None, "test_accuracy": None,
             "energy (kWh)": energy, "co2eq (g)": energy * spec.energy.carbon_intensity,
             "avg_intensity (gCO2/kWh)": spec.energy.carbon_intensity}
    record = run_record(trainable_params=params, entries=[entry], usages={}, meter="surrogate",
                        estimated=True, pue=spec.energy.pue,
                        intensity=spec.energy.carbon_intensity, total_time=0.0, start="",
                        stop="", energy_source="surrogate")
    write_run(spec.path(module_hash, 1), record)

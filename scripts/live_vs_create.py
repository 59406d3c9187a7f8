"""A live search on digits next to ``bench create`` of the whole 4V space, same settings.

Both train the NAS-Bench-101 network (8 stem channels, 1 stack of 1 cell, batch 64, 8 epochs
at the default learning rate 0.1, one run per cell; at 1 epoch these networks stay at chance)
on scikit-learn's digits on this machine's CPU with 2 Ray workers and the default meter. The
live search (``random``, 20 trainings, seed 0) writes its own tree; then ``bench create``
trains all 91 cells into another. The full table is the reference: the regret
of the cells the live search found, the energy the live search had spent when it first reached
that front, and how much ``bench create`` had spent, in its training order, when its cells
first reached the same regret and when it finished.

Trees and tables go to runs/live-vs-create/ (not committed; the script starts from scratch);
the numbers to results/live-vs-create/summary.json.

    nice python scripts/live_vs_create.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.atomic import atomic_path
from benchmarks.create.job import cell_order
from benchmarks.sources.builders import frame_from_raw
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import import_table, load_benchmark
from ecnas_cli.analysis.fronts import pareto_cells
from ecnas_cli.live.search import live_search, prepare
from ecnas_cli.run.termination import termination
from ecnas_cli.workflows import create as workflow

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "runs" / "live-vs-create"
OUT = ROOT / "results" / "live-vs-create"
SETTINGS: dict[str, Any] = {"space": "4v", "dataset": "digits", "epochs": "8", "repeats": 1,
                            "seed": 0, "stem_channels": 8, "num_stacks": 1,
                            "cells_per_stack": 1, "batch_size": 64}
EVALS, WORKERS = 20, 2


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    data = WORK / "data"
    problem = prepare(workflow.make_spec(out=WORK, **SETTINGS), tree=WORK / "live-tree",
                      data_dir=data)
    live = live_search(problem, "random", termination(EVALS), seed=0, out=WORK / "runs",
                       workers=WORKERS, data_dir=data)
    spec = workflow.make_spec(out=WORK / "create-tree", **SETTINGS)
    made = workflow.create(spec, workers=WORKERS)
    frame, meta = frame_from_raw(spec.out, "4v")
    import_table(frame, meta, name="create-4v", space="4v", data_dir=data)
    full = Problem.from_benchmark(load_benchmark("create-4v", data_dir=data),
                                  epochs=int(SETTINGS["epochs"]))
    table = full.benchmark.frame.set_index("module_hash")

    found = pareto_cells(live.trials, full.objectives)
    regret = full.regret(table.loc[found["module_hash"], full.metrics].to_numpy(float))
    order = cell_order("4v", 0)  # the order bench create trains its cells in
    curve = full.regret_curve(table.loc[order, full.metrics].to_numpy(float))
    reach = int(np.argmax(curve <= regret + 1e-12)) + 1
    energy = table.loc[order, "energy_kwh"].to_numpy(float)
    trained = live.trials[~live.trials["cached"].astype(bool)]  # in the order results came
    live_curve = full.regret_curve(table.loc[trained["module_hash"], full.metrics]
                                   .to_numpy(float))
    live_reach = int(np.argmax(live_curve <= regret + 1e-12)) + 1
    records = [json.loads(p.read_text()) for p in sorted(spec.out.rglob("results.json"))]
    summary: dict[str, Any] = {
        "settings": {**SETTINGS, "workers": WORKERS, "strategy": "random", "evals": EVALS},
        "meter": sorted({r["meter"] for r in records}),
        "live": {"trainings": live.meta["evaluations"],
                 "energy_kwh": live.meta["search_energy_kwh"],
                 "wall_s": live.meta["wall_s"],
                 "front": found[["module_hash", *full.metrics]].to_dict(orient="records"),
                 "regret_on_full_table": regret, "trainings_to_its_front": live_reach,
                 "energy_to_its_front_kwh":
                     float(trained["energy_kwh"].to_numpy(float)[:live_reach].sum())},
        "create": {"trainings": made["runs_now"], "energy_kwh": made["energy_kwh_now"],
                   "true_front_size": len(full.true_front),
                   "best_validation_accuracy": float(table["validation_accuracy"].max()),
                   "trainings_to_same_regret": reach,
                   "energy_to_same_regret_kwh": float(energy[:reach].sum())},
    }
    summary["create_energy_over_live"] = summary["create"]["energy_kwh"] / \
        summary["live"]["energy_kwh"]
    OUT.mkdir(parents=True, exist_ok=True)
    with atomic_path(OUT / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

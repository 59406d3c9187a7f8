"""How long a campaign will take: measured seconds per evaluation per strategy.

``costs.csv`` (beside this module) holds each strategy's wall seconds per distinct evaluation
on ecnas-5v and the fixed cost of one run (the ``(per run)`` row), measured by
``scripts/measure_strategy_costs.py``. A run's expected evaluations come from its budget and
its problem: an evaluation budget capped by the pairs the strategy can ask, a cost budget
divided by the mean cost of a training at the target epochs (capped the same way), a
wall-clock budget taken as it is. Runs are packed onto ``jobs`` workers, longest first.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.tables.problem import Problem
from ecnas_cli.campaign.spec import Campaign, RunSpec
from strategies import get_strategy

COSTS_FILE = Path(__file__).with_name("costs.csv")
PER_RUN = "(per run)"


@cache
def costs(path: Path = COSTS_FILE) -> dict[str, float]:
    """Seconds per evaluation by strategy, and :data:`PER_RUN` (seconds per run)."""
    table = pd.read_csv(path)
    return dict(zip(table["strategy"], table["seconds_per_evaluation"].astype(float),
                    strict=True))


def expected_evaluations(spec: RunSpec, problem: Problem) -> float:
    """The distinct evaluations ``spec``'s budget buys on ``problem`` (an estimate)."""
    cls = get_strategy(spec.strategy)
    most = float(problem.n_pairs if cls.multi_fidelity else problem.n_cells)
    budget = spec.study.budget
    counts = [most]
    if "evaluations" in budget:
        counts.append(float(budget["evaluations"]))
    for key in ("energy_kwh", "training_time_s"):
        if key in budget:
            frame = problem.benchmark.frame
            mean = float(frame.loc[frame["epochs"] == problem.epochs, key].mean())
            counts.append(budget[key] / mean)
    return min(counts)


def run_seconds(spec: RunSpec, problem: Problem) -> float:
    """Estimated wall seconds of one run."""
    table = costs()
    per_eval = table.get(spec.strategy, max(v for k, v in table.items() if k != PER_RUN))
    seconds = table[PER_RUN] + per_eval * expected_evaluations(spec, problem)
    wall = spec.study.budget.get("wall_s")
    return min(seconds, float(wall) + table[PER_RUN]) if wall is not None else seconds


def campaign_seconds(runs: Sequence[RunSpec], problems: Mapping[str, Problem],
                     jobs: int = 1) -> float:
    """Estimated wall seconds of ``runs`` on ``jobs`` workers (longest run first to the
    least loaded worker); ``problems`` by study label."""
    times = sorted((run_seconds(r, problems[r.study.label]) for r in runs), reverse=True)
    workers = [0.0] * max(1, min(jobs, len(times)))
    for t in times:
        heapq.heapreplace(workers, workers[0] + t)
    return max(workers) if times else 0.0


def plan_campaign(campaign: Campaign, jobs: int = 1, data_dir: Path | None = None,
                  raw_dir: Path | None = None) -> dict[str, Any]:
    """What ``ecnas campaign plan`` prints: the runs, those left to run (not complete) and
    their estimated wall seconds on ``jobs`` workers."""
    from ecnas_cli.campaign.driver import problems, status
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    states = status(campaign)
    todo = [r for r, s in zip(campaign.runs, states["state"], strict=True) if s != "complete"]
    seconds = campaign_seconds(todo, problems(campaign, data_dir, raw_dir), jobs)
    return {"campaign": campaign.name, "out": str(campaign.out), "runs": len(campaign.runs),
            "to_run": len(todo), "jobs": jobs, "estimated_seconds": round(seconds, 1),
            "studies": [s.label for s in campaign.studies]}

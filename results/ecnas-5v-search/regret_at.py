"""Median hypervolume regret per strategy after 200 and 1,000 evaluations (CSV on stdout)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ecnas_cli.analysis.fronts import load_runs, run_benchmark, run_front


def main(root: Path) -> None:
    runs = load_runs([root])
    bench = run_benchmark(runs[0])
    rows: dict[str, dict[int, list[float]]] = {}
    for run in runs:
        per = rows.setdefault(run.meta["strategy"], {200: [], 1000: []})
        for k in per:
            head = type(run)(run.trials.iloc[:k], run.meta, run.path)
            per[k].append(run_front(head, bench).regret)
    print("strategy,runs,median_regret_200,median_regret_1000")
    for strategy, per in sorted(rows.items()):
        print(f"{strategy},{len(per[200])},{np.median(per[200]):.5f},{np.median(per[1000]):.5f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

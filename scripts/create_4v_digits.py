"""Build the whole 4V space on digits on this machine's CPU and summarise it under results/.

91 cells x 3 repeats, small network (16 stem channels, 1 stack of 1 module), NAS-Bench-101
protocol except batch 64, checkpoints at epochs 4 and 12, 2 Ray workers. The raw tree goes to
runs/bench-4v-digits/ (not committed; resumable: rerun the script after an interruption); the
per-cell table (cells.csv) and the totals (summary.json) go to results/bench-4v-digits/.

    nice python scripts/create_4v_digits.py [--workers 2] [--tree runs/bench-4v-digits]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.atomic import atomic_path
from ecnas_cli.workflows import create as workflow

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "bench-4v-digits"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tree", type=Path, default=ROOT / "runs" / "bench-4v-digits")
    args = parser.parse_args()
    spec = workflow.make_spec(out=args.tree, space="4v", dataset="digits", epochs="4,12",
                              repeats=3, seed=0, stem_channels=16, num_stacks=1,
                              cells_per_stack=1, batch_size=64)
    workflow.create(spec, workers=args.workers, on_result=_report)
    cells = workflow.tree_summary(args.tree, "4v")
    records = [json.loads(p.read_text()) for p in sorted(args.tree.rglob("results.json"))]
    summary = {
        "space": "4v", "dataset": "digits", "cells": int(cells.shape[0]),
        "runs": len(records), "settings": json.loads((args.tree / "create.json").read_text())
        ["settings"],
        "meters": sorted({r["meter"] for r in records}),
        "estimated": any(r["estimated"] for r in records),
        "devices": sorted({d for r in records for g in r["avg_power_usages:"].values()
                           for d in g["devices"]}),
        # training energy of every run (x PUE), evaluation excluded
        "energy_spent_kwh": float(sum(r["total_energy (kWh)"] for r in records)),
        "run_time_s_sum": float(sum(r["total_time"] for r in records)),
        "first_start_utc": min(r["start_emission"] for r in records),
        "last_stop_utc": max(r["stop_emission"] for r in records),
        "test_accuracy_range": [float(cells["test_accuracy"].min()),
                                float(cells["test_accuracy"].max())],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    with atomic_path(OUT / "cells.csv") as tmp:
        cells.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(OUT / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


def _report(result: dict, progress: workflow.Tally) -> None:
    print(f"{progress.done}/{progress.total} runs, {progress.energy_kwh * 1000:.4f} Wh so far, "
          f"~{progress.eta_s:.0f} s left", flush=True)


if __name__ == "__main__":
    main()

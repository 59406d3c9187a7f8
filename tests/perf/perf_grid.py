"""README's comparison grid, timed: ``ecnas campaign run campaigns/readme-grid.toml --jobs 2``
(not a pytest test).

Run from the repository root: ``python tests/perf/perf_grid.py [--jobs 2] [--against DIR]``.

Plans the campaign (``ecnas campaign plan``: the estimate from ``ecnas_cli/campaign/costs.csv``),
then runs all of it into a fresh folder with ``--jobs`` local workers and prints the wall time
(the runs and the comparison the command writes at the end) against the plan and against the
target of 10 minutes with 2 workers, with the load average before and after. With
``--against DIR`` (a folder the same campaign ran into earlier, e.g.
``runs/campaigns/readme-grid``) every trial log is compared with that run's, byte for byte:
the grid is the same whoever runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN = REPO / "campaigns" / "readme-grid.toml"
ECNAS = "from ecnas_cli.cli import run; run()"
TARGET_S = 600.0


def ecnas(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ECNAS, *args], capture_output=True, text=True,
                          check=True, cwd=REPO)


def same_logs(new: Path, old: Path) -> tuple[int, list[str]]:
    """Trial logs compared byte for byte (timings live apart, in ``timing.csv``): how many,
    and those that differ."""
    differ, n = [], 0
    for meta in sorted(new.rglob("run.json")):  # run folders (the comparison has none)
        rel = meta.parent.relative_to(new) / "trials.csv"
        n += 1
        if not (old / rel).exists() or (new / rel).read_bytes() != (old / rel).read_bytes():
            differ.append(str(rel))
    return n, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--against", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "grid"
        plan = json.loads(ecnas("campaign", "plan", str(CAMPAIGN), "--jobs", str(args.jobs),
                                "--out", str(out), "--json").stdout)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        ecnas("campaign", "run", str(CAMPAIGN), "--jobs", str(args.jobs), "--out", str(out))
        wall = time.perf_counter() - start
        print(f"readme-grid: {plan['runs']} runs with --jobs {args.jobs} in {wall:.0f} s "
              f"({wall / 60:.1f} min, the comparison included; load average {load:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after); plan {plan['estimated_seconds']:.0f} s "
              f"(x{wall / plan['estimated_seconds']:.2f} of it); target {TARGET_S:.0f} s with "
              f"2 workers: x{wall / TARGET_S:.2f}")
        if args.against is not None:
            n, differ = same_logs(out, args.against)
            print(f"trial logs compared with {args.against}: {n}, differing {len(differ)}"
                  + (f" (first: {differ[0]})" if differ else ""))


if __name__ == "__main__":
    main()

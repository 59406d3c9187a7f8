"""The paper's search experiment on ``ecnas-4v-paper``: ecnas's random search and SEMOA under
``--protocol paper`` against the EC-NAS authors' runs (two-sided Mann-Whitney of final regret).

    python scripts/paper_search.py [--out results/paper] [--seeds 10] [--raw-dir DIR]

Runs ``ecnas reproduce official-runs paper-search`` (figures 12 and 13) and prints the tests;
the same numbers are in ``<out>/fig13_paper_search_tests.csv`` and ``<out>/README.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ecnas_cli.workflows.reproduce import reproduce

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "results" / "paper")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--raw-dir", type=Path, default=REPO.parent / "shared" / "ecnas-data")
    args = parser.parse_args(argv)
    records = reproduce(["official-runs", "paper-search"], out=args.out, seeds=args.seeds,
                        raw_dir=args.raw_dir)
    absent = [r.absent for r in records if r.absent]
    if absent:
        print(f"error: {absent[0]}", file=sys.stderr)
        return 2
    tests = pd.read_csv(args.out / "fig13_paper_search_tests.csv")
    print(tests.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

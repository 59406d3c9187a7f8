#!/usr/bin/env bash
# Reproduce README's strategy comparison: results/ecnas-5v-search, results/ecnas-4v-search,
# results/ecnas-4v-paper-search and results/strategy-ranking. One campaign makes the runs
# (campaigns/readme-grid.toml: every registered strategy, 10 seeds, ecnas-5v at 1,000
# evaluations, ecnas-4v at 60, ecnas-4v-paper at 108 epochs with 60); the two scripts read them.
# Uses the embedded tables; runs go to RUNS_DIR (default runs/campaigns/readme-grid).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs="${RUNS_DIR:-$repo/runs/campaigns/readme-grid}"
cd "$repo"
ecnas campaign run campaigns/readme-grid.toml --jobs 2 --out "$runs"
python scripts/compare_strategies.py --runs "$runs"
python scripts/rank_strategies.py

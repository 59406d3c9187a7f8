#!/usr/bin/env bash
# Reproduce results/ecnas-5v-search and results/ecnas-4v-search: the strategies of
# scripts/compare_strategies.py, 10 seeds, under the runner's protocol (repeats answered from
# the run's cache, budgets count distinct trainings): ecnas-5v with 1,000 evaluations, ecnas-4v with 60 of its 91 cells.
# Writes README.md (the comparison table README shows) and runs.csv per benchmark, then the
# ecnas-5v comparison figures and statistics. Uses the embedded ecnas-5v and ecnas-4v tables.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs="${RUNS_DIR:-$(mktemp -d)}"
python "$repo/scripts/compare_strategies.py" --seeds 10 --jobs 2 --runs "$runs"
ecnas compare "$runs/ecnas-5v" --out "$here" --log --json > "$here/compare.json"
echo "runs in $runs; tables and figures in $here"

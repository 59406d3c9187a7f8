#!/usr/bin/env bash
# Reproduce results/ecnas-5v-search: random, SEMO and NSGA-II, 10 seeds x 1,000 evaluations on
# ecnas-5v (validation accuracy vs 4-epoch energy), then the comparison figures and statistics.
# Needs the raw EC-NAS data: ECNAS_RAW_DIR=../shared/ecnas-data (or a fetched ecnas-5v).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${RUNS_DIR:-$(mktemp -d)}"
for strategy in random semo nsga2; do
  ecnas search --strategy "$strategy" --benchmark ecnas-5v --evals 1000 --seeds 10 --jobs 2 \
    --out "$runs" --json > /dev/null
done
ecnas compare "$runs/ecnas-5v" --out "$here" --json > "$here/compare.json"
python "$here/regret_at.py" "$runs/ecnas-5v" > "$here/regret_at_200_1000.csv"
echo "runs in $runs; figures and tables in $here"

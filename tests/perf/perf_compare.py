"""Time ``ecnas compare`` on 30 and on 120 runs of 1,000 evaluations (README's speed table).

Run: ``python tests/perf/perf_compare.py``. Makes the runs with ``ecnas search --strategy
random,random-genome,semo,nsga2 --evals 1000 --seeds 10`` on the embedded ecnas-5v into a temp
dir (not timed). The 30-run case compares random, semo and nsga2. The 120-run case is 12
strategies x 10 seeds: those four plus eight copies of their runs under other strategy names
(what ``compare`` computes depends on the number of runs, strategies and evaluations, not on
the algorithm that made a log), so every test (66 pairs), effect size with its bootstrap
intervals, whole-front metric and both ECDFs are computed. Each time is the whole ``ecnas
compare`` command, process start included, best of 3: wall-clock seconds, and the CPU seconds
of that process (user + system), which other work on a shared machine does not inflate.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MADE = ("random", "random-genome", "semo", "nsga2")


def ecnas(*args: str, env: dict[str, str]) -> None:
    """The ``ecnas`` command of this checkout, in a fresh process."""
    subprocess.run([sys.executable, "-c", "from ecnas_cli.cli import run; run()", *args],
                   env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def copy_strategy(tree: Path, source: str, name: str) -> None:
    """Every run of ``source`` again under strategy ``name`` (run.json says so)."""
    shutil.copytree(tree / source, tree / name)
    for meta in (tree / name).glob("seed-*/run.json"):
        data = json.loads(meta.read_text())
        meta.write_text(json.dumps({**data, "strategy": name}))


def best_of_3(env: dict[str, str], out: Path, *paths: Path) -> tuple[float, float]:
    """Least wall-clock and least CPU seconds of three ``ecnas compare`` runs."""
    walls, cpus = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(timeit.timeit(lambda: ecnas("compare", *map(str, paths), "--out",
                                                 str(out), env=env), number=1))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ECNAS_DATA_DIR": str(Path(tmp, "data")),
               "ECNAS_CACHE_DIR": str(Path(tmp, "cache")), "PYTHONPATH": str(REPO)}
        runs = Path(tmp, "runs")
        ecnas("search", "--strategy", ",".join(MADE), "--evals", "1000", "--seeds", "10",
              "--out", str(runs), env=env)
        tree = runs / "ecnas-5v"
        small = best_of_3(env, Path(tmp, "fig30"), *(tree / s for s in ("random", "semo",
                                                                          "nsga2")))
        for k in range(8):
            copy_strategy(tree, MADE[2 + k % 2], f"copy-{k}")
        count = len(list(tree.glob("*/seed-*")))
        large = best_of_3(env, Path(tmp, "fig120"), tree)
    print(f"ecnas compare on 30 runs of 1,000 evaluations: {small[0]:.1f} s wall, "
          f"{small[1]:.1f} s CPU (best of 3)")
    print(f"ecnas compare on {count} runs of 1,000 evaluations (12 strategies, every test, "
          f"effect size and ECDF): {large[0]:.1f} s wall, {large[1]:.1f} s CPU (best of 3)")


if __name__ == "__main__":
    main()

"""Time ``ecnas compare`` on 30 runs of 1,000 evaluations (README's speed table).

Run: ``python tests/perf/perf_compare.py``. Makes the runs with ``ecnas search --strategy
random,semo,nsga2 --evals 1000 --seeds 10`` on the embedded ecnas-5v into a temp dir (not
timed), then times the whole ``ecnas compare`` command, process start included, best of 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def ecnas(*args: str, env: dict[str, str]) -> None:
    """The ``ecnas`` command of this checkout, in a fresh process."""
    subprocess.run([sys.executable, "-c", "from ecnas_cli.cli import app; app()", *args],
                   env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ECNAS_DATA_DIR": str(Path(tmp, "data")),
               "ECNAS_CACHE_DIR": str(Path(tmp, "cache")), "PYTHONPATH": str(REPO)}
        runs = Path(tmp, "runs")
        ecnas("search", "--strategy", "random,semo,nsga2", "--evals", "1000", "--seeds", "10",
              "--out", str(runs), env=env)
        count = len(list(runs.glob("ecnas-5v/*/seed-*")))
        best = min(timeit.repeat(lambda: ecnas("compare", str(runs / "ecnas-5v"), "--out",
                                               str(Path(tmp, "figures")), env=env),
                                 number=1, repeat=3))
    print(f"ecnas compare on {count} runs of 1,000 evaluations: {best:.1f} s (best of 3)")


if __name__ == "__main__":
    main()

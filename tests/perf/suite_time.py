"""Wall time of README's test command (``pytest -n auto``), with the machine's load beside it.

Run: ``python tests/perf/suite_time.py [--sequential]`` from the repository root. Runs the
command as CI does (``CI=true``: every skip is a failure) and prints its summary line, the
wall seconds, the cores and the 1-minute load average before and after (a loaded machine
stretches the time: other jobs share the cores). ``--sequential`` also runs plain ``pytest
-n 0`` in the same invocation, for the ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMAND = ["pytest", "-n", "auto"]  # README, "Test"; .ci/run runs the same


def timed(command: list[str]) -> tuple[float, str]:
    """Wall seconds of ``command`` (as ``python -m``), its failures and its summary line."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", *command, "-q", "-p", "no:cacheprovider"],
                          cwd=REPO, env={**os.environ, "CI": "true"}, capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return seconds, "\n  ".join([*failed, lines[-1] if lines else
                                 f"no output (exit {done.returncode})"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", action="store_true", help="also time `pytest -n 0`")
    args = parser.parse_args()
    commands = [COMMAND] + ([["pytest", "-n", "0"]] if args.sequential else [])
    for command in commands:
        load = os.getloadavg()[0]
        seconds, summary = timed(command)
        print(f"{' '.join(command)}: {seconds:.0f} s wall on {os.cpu_count()} cores, load "
              f"average {load:.1f} before, {os.getloadavg()[0]:.1f} after\n  {summary}")


if __name__ == "__main__":
    main()

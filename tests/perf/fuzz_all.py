"""Fuzz every target with N examples each (default 10,000) and print examples and failures.

Run: ``python tests/perf/fuzz_all.py [N [TARGET ...]]`` (all targets by default). Targets and
their documented errors come from the fuzz modules of the suite: the parsers
(``tests/benchmarks/test_fuzz_parsers.py``), the integrity properties: table metadata, raw
trees with duplicated entries, tfrecord hashes, overflowing values
(``tests/benchmarks/test_fuzz_integrity.py``), and the boundaries: every CLI option, plugins
misbehaving in each method (``tests/ecnas_cli/test_fuzz_cli.py``). An example fails when its
target raises anything but its documented errors (an AssertionError is a broken property).
Failures are counted rather than stopping the run, and the first of each kind is printed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package
os.environ.setdefault("ECNAS_CACHE_DIR", tempfile.mkdtemp(prefix="ecnas-fuzz-cache-"))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.benchmarks import test_fuzz_integrity, test_fuzz_parsers  # noqa: E402
from tests.ecnas_cli import test_fuzz_cli  # noqa: E402

#: name -> (strategy, target, documented errors)
TARGETS: dict[str, tuple[Any, Any, tuple[type[Exception], ...]]] = {
    name: (strategy, target, module.ALLOWED)
    for module in (test_fuzz_parsers, test_fuzz_integrity, test_fuzz_cli)
    for name, (strategy, target) in module.TARGETS.items()}


def fuzz(name: str, n: int) -> tuple[int, dict[str, str]]:
    """Run ``n`` examples of one parser; return the count and the first failure of each kind."""
    strategy, parser, allowed = TARGETS[name]
    count, failures = 0, dict[str, str]()

    @settings(max_examples=n, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(args: tuple[Any, ...]) -> None:
        nonlocal count
        count += 1
        try:
            parser(*args)
        except allowed:
            pass
        except Exception as exc:  # recorded, not raised: keep fuzzing
            kind = f"{type(exc).__name__} at {traceback.extract_tb(exc.__traceback__)[-1][:2]}"
            failures.setdefault(kind, f"{exc!r}"[:300] + f" input {args!r}"[:300])

    run()
    return count, failures


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    names = sys.argv[2:] or list(TARGETS)
    total_failures = 0
    for name in names:
        t = time.perf_counter()
        count, failures = fuzz(name, n)
        total_failures += len(failures)
        print(f"{name}: {count} examples, {len(failures)} failure kind(s), "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        for kind, detail in failures.items():
            print(f"  {kind}: {detail}")
    print(f"total: {len(names)} targets x {n} examples, {total_failures} failure kind(s)")


if __name__ == "__main__":
    main()

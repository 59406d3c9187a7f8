"""The unit of work of a live search: one cell trained (or its finished run reused) on a worker.

:func:`train_or_reuse` is a plain top-level function of picklable arguments, so Ray can ship
it. It returns the run's record with it, so the driver can write the record into its own tree
when the worker's file system is not the driver's (a remote cluster). It imports only what a
training needs (not ``benchmarks.create.build``'s surrogate), since every worker imports it at
its start.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from benchmarks.create.job import CreateSpec, run_one
from benchmarks.create.layout import is_measured

__all__ = ["train_or_reuse", "worker_name"]


def worker_name() -> str:
    """``host:pid`` of this process: which worker ran a training."""
    return f"{socket.gethostname()}:{os.getpid()}"


def train_or_reuse(spec: CreateSpec, module_hash: str) -> dict[str, Any]:
    """Train ``module_hash`` once (repeat 1) unless its measured run is in the tree already.

    Returns ``module_hash``, ``reused`` (found, not trained), ``record`` (the
    ``results.json`` contents), ``worker`` and the ``start`` / ``end`` Unix times of the work.
    """
    path = spec.path(module_hash, 1)
    start = time.time()
    reused = is_measured(path)
    if not reused:
        run_one(spec, module_hash, 1)
    return {"module_hash": module_hash, "reused": reused,
            "record": json.loads(path.read_text()), "worker": worker_name(),
            "start": start, "end": time.time()}

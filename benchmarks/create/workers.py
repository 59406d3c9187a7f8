"""Run many training runs on a Ray cluster (local by default) or, for one worker, in process.

Each task asks Ray for one CPU, and one GPU when the cluster has GPUs, so Ray never puts two
trainings on one GPU. Results stream back as tasks finish (``on_result``), in completion order.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["run_tasks"]


def run_tasks(fn: Callable[..., dict[str, Any]], tasks: Sequence[tuple[Any, ...]], *,
              workers: int = 1, address: str | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run ``fn(*task)`` for every task; return the results in completion order.

    Parameters
    ----------
    fn : callable
        A picklable top-level function returning a dict.
    tasks : sequence of tuple
        Arguments of each call.
    workers : int
        Tasks running at once. With 1 and no ``address`` everything runs in this process
        (no Ray start-up cost).
    address : str, optional
        Ray cluster to join (``ray://host:10001`` or ``auto``); by default a local Ray instance
        with ``workers`` CPUs is started and stopped.
    on_result : callable, optional
        Called with each result as it arrives.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    done: list[dict[str, Any]] = []

    def _record(result: dict[str, Any]) -> None:
        done.append(result)
        if on_result is not None:
            on_result(result)

    if not tasks:
        return done
    if workers == 1 and address is None:
        for task in tasks:
            _record(fn(*task))
        return done
    _run_ray(fn, tasks, workers, address, _record)
    return done


def _run_ray(fn: Callable[..., dict[str, Any]], tasks: Sequence[tuple[Any, ...]], workers: int,
             address: str | None, record: Callable[[dict[str, Any]], None]) -> None:
    import ray

    started = not ray.is_initialized()
    sigterm = signal.getsignal(signal.SIGTERM)  # ray.init replaces it with sys.exit
    if started:
        ray.init(address=address, num_cpus=workers if address is None else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=1)(fn)
        queue, running = list(tasks), list[Any]()
        while queue or running:
            while queue and len(running) < workers:
                running.append(remote.remote(*queue.pop(0)))
            ready, running = ray.wait(running, num_returns=1)
            record(ray.get(ready[0]))
    finally:
        if started:
            ray.shutdown()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, sigterm)

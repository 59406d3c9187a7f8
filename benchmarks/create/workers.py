"""Run many training runs on a Ray cluster (local by default) or, for one worker, in process.

Each task asks Ray for one CPU, and one GPU when the cluster has GPUs, so Ray never puts two
trainings on one GPU. :class:`Pool` submits tasks one at a time and hands back each result as
it finishes (what a live search needs: it decides the next task from the last result);
:func:`run_tasks` runs a fixed list through a pool, results in completion order.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Pool", "run_tasks"]


class Pool:
    """At most ``workers`` calls of ``fn`` in flight; a context manager (starts and stops Ray).

    Parameters
    ----------
    fn : callable
        A picklable top-level function returning a dict.
    workers : int
        Tasks running at once. With 1 and no ``address`` every task runs in this process,
        when its result is waited for (no Ray start-up cost).
    address : str, optional
        Ray cluster to join (``ray://host:10001`` or ``auto``); by default a local Ray instance
        with ``workers`` CPUs is started and stopped.
    """

    def __init__(self, fn: Callable[..., dict[str, Any]], *, workers: int = 1,
                 address: str | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers!r}")
        self.fn, self.workers, self.address = fn, workers, address
        self.local = workers == 1 and address is None
        self._running: dict[Any, int] = {}  # Ray reference (or the task, in process) -> id
        self._next_id = 0
        self._ray: Any = None
        self._started = False
        self._sigterm: Any = None

    def __enter__(self) -> Pool:
        if self.local:
            return self
        import ray

        self._ray = ray
        self._started = not ray.is_initialized()
        self._sigterm = signal.getsignal(signal.SIGTERM)  # ray.init replaces it with sys.exit
        if self._started:
            ray.init(address=self.address,
                     num_cpus=self.workers if self.address is None else None,
                     include_dashboard=False, log_to_driver=False, configure_logging=False)
        gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        self._remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=1)(self.fn)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self._ray.shutdown()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, self._sigterm)
        self._running.clear()

    @property
    def in_flight(self) -> int:
        """Tasks submitted and not yet waited for."""
        return len(self._running)

    @property
    def free(self) -> int:
        """How many more tasks may be submitted now."""
        return self.workers - len(self._running)

    def submit(self, *args: Any) -> int:
        """Start ``fn(*args)``; return its task id (0, 1, ... in submission order)."""
        if self.free < 1:
            raise RuntimeError(f"all {self.workers} workers are busy: wait() first")
        key: Any = (self._next_id, args) if self.local else self._remote.remote(*args)
        self._running[key] = self._next_id
        self._next_id += 1
        return self._next_id - 1

    def wait(self) -> tuple[int, dict[str, Any]]:
        """The id and result of the next task to finish (in process: the oldest, run now)."""
        if not self._running:
            raise RuntimeError("no task in flight")
        if self.local:
            key = next(iter(self._running))
            task_id = self._running.pop(key)
            return task_id, self.fn(*key[1])
        ready, _ = self._ray.wait(list(self._running), num_returns=1)
        task_id = self._running.pop(ready[0])
        return task_id, self._ray.get(ready[0])


def run_tasks(fn: Callable[..., dict[str, Any]], tasks: Sequence[tuple[Any, ...]], *,
              workers: int = 1, address: str | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run ``fn(*task)`` for every task on a :class:`Pool`; return the results in completion
    order, each also passed to ``on_result`` as it arrives."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    done: list[dict[str, Any]] = []
    if not tasks:
        return done
    with Pool(fn, workers=workers, address=address) as pool:
        queue = list(tasks)
        while queue or pool.in_flight:
            while queue and pool.free:
                pool.submit(*queue.pop(0))
            _, result = pool.wait()
            done.append(result)
            if on_result is not None:
                on_result(result)
    return done

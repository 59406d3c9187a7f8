"""Where runs execute: this process, local worker processes, or a Ray cluster.

One task is one run. Every task's result depends only on its arguments (the seed comes from
the grid or campaign, never from the worker), so the results, and the trial logs the runs
write, are the same whatever the executor, the number of workers or the order of completion.

``shared`` is one object every task needs (the Problem, or the Problems of a campaign): it
goes to each worker process once (an initializer locally, the object store on Ray), not once
per task. ``import ray`` happens only when the Ray executor is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

#: Executor names (``--executor``).
EXECUTORS = ("local", "ray")
#: Times Ray restarts the task of a worker that died (the run resumes from its checkpoint).
RAY_RETRIES = 3

#: What this worker process was given once (set by :func:`_adopt` when it starts).
_worker: dict[str, Any] = {}

#: ``on_event(i, state)``: task ``i`` is ``running``, ``done`` or ``failed``.
OnEvent = Callable[[int, str], None]


def check_executor(executor: str, jobs: int, address: str | None) -> None:
    """Refuse (ValueError) an unknown executor, ``jobs < 1`` or an address without Ray."""
    if executor not in EXECUTORS:
        raise ValueError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    if address is not None and executor != "ray":
        raise ValueError("--address names a Ray cluster: give it with --executor ray")


def execute(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, shared: Any = None,
            executor: str = "local", jobs: int = 1, address: str | None = None,
            on_event: OnEvent | None = None, keep_going: bool = False) -> list[Any]:
    """``[fn(shared, *task) for task in tasks]``, run by ``executor`` with ``jobs`` at once.

    ``fn`` must be a module-level function (it is pickled). A task that raises re-raises
    here, or with ``keep_going`` its exception is its result and the other tasks go on;
    ``address`` joins an existing Ray cluster (else Ray starts a local one).
    """
    check_executor(executor, jobs, address)
    notify = on_event or (lambda i, state: None)
    if executor == "ray":
        return _ray(fn, tasks, shared, jobs, address, notify, keep_going)
    if jobs == 1 or len(tasks) <= 1:
        results = []
        for i, task in enumerate(tasks):
            notify(i, "running")
            results.append(_notified(notify, i, fn, shared, task, keep_going))
        return results
    out: dict[int, Any] = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_adopt,
                             initargs=(shared,)) as pool:
        futures = {pool.submit(_call, fn, task): i for i, task in enumerate(tasks)}
        for i in range(min(jobs, len(tasks))):
            notify(i, "running")  # the pool starts tasks in submission order
        started = min(jobs, len(tasks))
        for fut in as_completed(futures):
            i = futures[fut]
            if started < len(tasks):  # the freed worker takes the next task: say so first,
                notify(started, "running")  # so a progress line shows every busy worker
                started += 1
            out[i] = _notified(notify, i, _result, None, (fut,), keep_going)
    return [out[i] for i in range(len(tasks))]


def _notified(notify: OnEvent, i: int, fn: Callable[..., Any], shared: Any,
              task: tuple[Any, ...], keep_going: bool) -> Any:
    try:
        result = fn(shared, *task)
    except Exception as exc:
        notify(i, "failed")
        if keep_going:
            return exc
        raise
    notify(i, "done")
    return result


def _result(_: Any, future: Any) -> Any:
    return future.result()


def _adopt(shared: Any) -> None:
    _worker["shared"] = shared


def _call(fn: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    return fn(_worker["shared"], *task)


def _ray(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], shared: Any, jobs: int,
         address: str | None, notify: OnEvent, keep_going: bool) -> list[Any]:
    """Tasks on Ray, at most ``jobs`` at once; a task whose worker dies is retried."""
    import ray  # lazy: seconds to import, and only the Ray executor needs it

    started_here = not ray.is_initialized()
    if started_here:
        if address is None:  # a local cluster: its workers import this checkout's packages
            root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False,
                     runtime_env={"env_vars": {"PYTHONPATH": path}})
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=RAY_RETRIES)(_ray_task)
        ref = ray.put(shared)
        pending: dict[Any, int] = {}
        out: dict[int, Any] = {}
        queue = list(range(len(tasks)))
        while queue or pending:
            while queue and len(pending) < jobs:
                i = queue.pop(0)
                pending[remote.remote(fn, ref, tasks[i])] = i
                notify(i, "running")
            ready, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(ready[0])
            out[i] = _notified(notify, i, _ray_result, ray, (ready[0],), keep_going)
        return [out[i] for i in range(len(tasks))]
    finally:
        if started_here:
            ray.shutdown()


def _ray_result(ray: Any, ref: Any) -> Any:
    """The task's result; its own exception (not Ray's wrapper) if it raised."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        raise cause if isinstance(cause, Exception) else exc from None


def _ray_task(fn: Callable[..., Any], shared: Any, task: tuple[Any, ...]) -> Any:
    return fn(shared, *task)

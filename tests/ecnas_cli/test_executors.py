"""Ray and local executors give byte-identical trial logs; a dead Ray worker's run resumes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.tables.problem import Problem
from ecnas_cli.run.executors import check_executor, execute
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.seeds import run_grid
from strategies.random_search import RandomSearch
from tests.fixtures.synthetic import synthetic_benchmark

REPO = Path(__file__).resolve().parents[2]
ray = pytest.importorskip("ray")


class DiesOnce(RandomSearch):
    """Random search whose worker process dies at its 12th ask, the first time it runs."""

    name = "dies-once"

    def _ask(self):
        self._asks = getattr(self, "_asks", 0) + 1
        marker = Path(os.environ["ECNAS_TEST_DIES_ONCE"])
        if self._asks == 12 and not marker.exists():
            marker.write_text("died")
            os._exit(1)  # a worker killed mid-run: no exception, no cleanup
        return super()._ask()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray cluster of two workers, no dashboard, no network; the path of the marker
    :class:`DiesOnce` leaves when its worker dies."""
    marker = tmp_path_factory.mktemp("dies-once") / "died"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO),
                                       "ECNAS_TEST_DIES_ONCE": str(marker)}})
    yield marker
    ray.shutdown()


@pytest.fixture(scope="module")
def problem():
    return Problem.from_benchmark(synthetic_benchmark())


def logs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("trials.csv"))}


def test_ray_and_local_write_byte_identical_trial_logs(cluster, problem, tmp_path):
    args = {"seeds": 2, "budget": 40, "settings": None}
    run_grid(problem, ["random", "nsga2"], jobs=1, out=tmp_path / "local", **args)
    run_grid(problem, ["random", "nsga2"], jobs=2, out=tmp_path / "procs", **args)
    remote = run_grid(problem, ["random", "nsga2"], jobs=2, executor="ray",
                      out=tmp_path / "ray", **args)
    assert [r.meta["seed"] for r in remote] == [0, 1, 0, 1]
    a, b = logs(tmp_path / "local"), logs(tmp_path / "ray")
    assert len(a) == 4 and a == b == logs(tmp_path / "procs")


def test_a_dead_ray_worker_has_its_run_resumed(cluster, problem, tmp_path, monkeypatch):
    strategy = f"{__name__}:DiesOnce"
    marker = cluster
    monkeypatch.setenv("ECNAS_TEST_DIES_ONCE", str(marker))  # for the fresh run here
    events: list[tuple[int, str]] = []
    out = tmp_path / "ray"
    [result] = execute(_search, [(strategy, out)], shared=problem, executor="ray", jobs=1,
                       on_event=lambda i, s: events.append((i, s)))
    assert marker.exists(), "the first attempt did not die"
    assert events == [(0, "running"), (0, "done")]
    fresh = run_search(problem, strategy, budget=30, seed=3)
    assert result.trials.drop(columns=["strategy_time_s", "wall_s"]).equals(
        fresh.trials.drop(columns=["strategy_time_s", "wall_s"]))
    assert result.meta["status"] == "complete" and len(result.trials) == 30


def _search(problem, strategy, out):
    # resume: the retried task continues the checkpoint its dead worker left
    return run_search(problem, strategy, budget=30, seed=3, out=out, resume=True,
                      checkpoint_every=5)


def _inverse(shared, x):
    return shared / x


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_a_failing_task_raises_its_own_error_or_with_keep_going_is_its_result(cluster,
                                                                           executor):
    events: list[tuple[int, str]] = []
    results = execute(_inverse, [(2,), (0,), (4,)], shared=1.0, executor=executor, jobs=2,
                      keep_going=True, on_event=lambda i, s: events.append((i, s)))
    assert results[0] == 0.5 and results[2] == 0.25
    assert isinstance(results[1], ZeroDivisionError)
    assert sorted(e for e in events if e[1] != "running") == [(0, "done"), (1, "failed"),
                                                               (2, "done")]
    with pytest.raises(ZeroDivisionError):
        execute(_inverse, [(0,)], shared=1.0, executor=executor)


def test_local_progress_sees_every_busy_worker():
    """While tasks are left, a finished task is reported with both workers busy: the freed
    worker's next task is announced before the finished one (a progress line counts the
    running tasks when a task finishes)."""
    busy: set[int] = set()
    seen: list[int] = []

    def event(i: int, state: str) -> None:
        if state == "running":
            busy.add(i)
        else:  # as the campaign's Progress: the finished task is no longer running
            busy.discard(i)
            seen.append(len(busy))

    execute(_inverse, [(x,) for x in (1, 2, 4, 8, 16)], shared=1.0, executor="local", jobs=2,
            on_event=event)
    assert seen == [2, 2, 2, 1, 0]


@pytest.mark.parametrize(("args", "match"), [
    (("dask", 1, None), "--executor must be one of local, ray"),
    (("local", 0, None), "--jobs must be >= 1"),
    (("local", 2, "auto"), "--address names a Ray cluster")])
def test_bad_executor_options_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        check_executor(*args)

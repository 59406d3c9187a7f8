"""Run, check and compare a campaign (:mod:`ecnas_cli.campaign.spec`).

``campaign.json`` in the campaign's folder records each run's settings hash. A run whose
folder holds a complete run with the same hash is skipped; an interrupted one (a killed
campaign, a Ray worker that died) is resumed by the runner, so its final trial log is the
uninterrupted one; a run whose recorded hash differs is refused (its campaign file changed:
use another ``--out``). The comparison of each study is written at the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.atomic import atomic_path
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import checkpoint_fidelities, load_benchmark
from ecnas_cli.campaign.spec import Campaign, RunSpec
from ecnas_cli.run.executors import check_executor, execute
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.termination import from_dict

MANIFEST = "campaign.json"


def problems(campaign: Campaign, data_dir: Path | None = None,
             raw_dir: Path | None = None) -> dict[str, Problem]:
    """Each study's Problem by label (each benchmark loaded once)."""
    tables = {s.benchmark: load_benchmark(s.benchmark, data_dir=data_dir, raw_dir=raw_dir)
              for s in campaign.studies}
    return {s.label: Problem.from_benchmark(tables[s.benchmark], objectives=s.objectives,
                                            epochs=s.epochs) for s in campaign.studies}


def status(campaign: Campaign) -> pd.DataFrame:
    """One row per run: study, strategy, seed, settings hash, state (``complete``,
    ``interrupted``, ``failed``, ``missing`` or ``changed``: made with other settings)."""
    recorded = _manifest(campaign.out)
    rows = []
    for spec in campaign.runs:
        where = spec.run_dir(campaign.out)
        rows.append({"study": spec.study.label, "strategy": spec.strategy_name,
                     "seed": spec.seed,
                     "settings_hash": spec.settings_hash,
                     "state": _state(where, recorded.get(_key(spec), spec.settings_hash),
                                     spec.settings_hash)})
    return pd.DataFrame(rows)


def _state(where: Path, recorded: str, expected: str) -> str:
    meta = where / "run.json"
    if not meta.is_file():
        return "interrupted" if any(where.glob("trials.*")) else "missing"
    if recorded != expected:
        return "changed"
    try:
        state = json.loads(meta.read_text()).get("status")
    except ValueError:
        return "interrupted"
    return {"complete": "complete", "failed": "failed"}.get(state, "interrupted")


@dataclass
class Progress:
    """Runs done / running / failed of a campaign, and an ETA from the runs done so far."""

    total: int
    show: Callable[[str], None]
    done: int = 0
    failed: int = 0
    running: set[int] = field(default_factory=set)
    start: float = field(default_factory=time.perf_counter)

    def __call__(self, i: int, state: str) -> None:
        self.running.discard(i)
        if state == "running":
            self.running.add(i)
            return
        self.done += state == "done"
        self.failed += state == "failed"
        elapsed = time.perf_counter() - self.start
        left = self.total - self.done - self.failed
        # runs finish at the rate seen so far (which already counts the parallel workers)
        eta = elapsed / self.done * left if self.done else float("nan")
        self.show(f"runs: {self.done}/{self.total} done, {len(self.running)} running, "
                  f"{self.failed} failed; ETA {_duration(eta)}")


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "unknown"
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes}m{s:02d}s" if minutes else f"{s}s"


def run_campaign(campaign: Campaign, *, executor: str = "local", jobs: int = 1,
                 address: str | None = None, fmt: str = "csv", data_dir: Path | None = None,
                 raw_dir: Path | None = None, show: Callable[[str], None] | None = None
                 ) -> pd.DataFrame:
    """Run every run of ``campaign`` not already complete; return :func:`status` after.

    A run that fails is reported through ``show`` and the others go on. Raises a ValueError,
    before any run starts, if a run's settings changed since it was made.
    """
    check_executor(executor, jobs, address)
    before = status(campaign)
    changed = before[before["state"] == "changed"]
    if len(changed):
        r = changed.iloc[0]
        raise ValueError(f"{r['study']} {r['strategy']} seed {r['seed']} in {campaign.out} "
                         "was made with other settings; give the campaign another --out")
    shared = problems(campaign, data_dir, raw_dir)
    for spec in {r.study.label: r for r in campaign.runs}.values():
        # a budget that buys nothing, a promotion rule the table cannot follow: refused now
        problem = shared[spec.study.label]
        from_dict(spec.study.budget).check(problem)
        rule = spec.protocol
        Protocol.named(rule["protocol"], rule["repeats"], rule["max_cached"],
                       rule["promotion"]).for_table(problem.name,
                                                    checkpoint_fidelities(problem.benchmark))
    todo = [spec for spec, state in zip(campaign.runs, before["state"], strict=True)
            if state != "complete"]
    _write_manifest(campaign)
    progress = Progress(len(todo), show or (lambda line: None))
    results = execute(_run_one, [(spec, campaign.out, fmt) for spec in todo], shared=shared,
                      executor=executor, jobs=jobs, address=address, on_event=progress,
                      keep_going=True)  # one failed run does not stop the others
    for spec, result in zip(todo, results, strict=True):
        if isinstance(result, Exception):
            progress.show(f"{spec.study.label} {spec.strategy_name} seed {spec.seed} failed: "
                          f"{result}")
    return status(campaign)


def _run_one(problems: Mapping[str, Problem], spec: RunSpec, out: Path,
             fmt: str) -> dict[str, Any]:
    """One run (a task): resumed if interrupted; a small summary back, not the trial log."""
    result = run_search(problems[spec.study.label], spec.strategy, seed=spec.seed,
                        settings=spec.settings, budget=dict(spec.study.budget),
                        **spec.protocol, out=Path(out) / spec.study.label, fmt=fmt,
                        resume=True)
    return {k: result.meta.get(k) for k in ("status", "stop_reason", "evaluations")}


def compare_campaign(campaign: Campaign, *, data_dir: Path | None = None,
                     raw_dir: Path | None = None) -> dict[str, list[Path]]:
    """``ecnas compare`` of each study's runs, written to ``<out>/<label>/compare``; the
    files written by study label."""
    from ecnas_cli.analysis.comparison import compare_runs
    from ecnas_cli.files import write_table
    from ecnas_cli.plots.comparison import save_comparison
    written = {}
    for study in campaign.studies:
        runs = [s.run_dir(campaign.out) for s in campaign.runs if s.study == study]
        missing = [r for r in runs if not (r / "run.json").is_file()]
        if missing:
            raise ValueError(f"{study.label}: {len(missing)} of {len(runs)} runs are missing "
                             f"(e.g. {missing[0]}); run the campaign first")
        comp = compare_runs(runs, data_dir=data_dir, raw_dir=raw_dir)
        dest = campaign.out / study.label / "compare"
        files = save_comparison(comp, dest)
        for name, frame in (("stats.csv", comp.stats), ("pairwise.csv", comp.pairwise)):
            write_table(frame, dest / name)
            files.append(dest / name)
        written[study.label] = files
    return written


def _key(spec: RunSpec) -> str:
    return str(spec.run_dir(Path()))


def _manifest(out: Path) -> dict[str, str]:
    path = Path(out) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text()).get("runs", {}))
    except (ValueError, AttributeError):
        return {}


def _write_manifest(campaign: Campaign) -> None:
    data = {"name": campaign.name,
            "runs": {**_manifest(campaign.out),
                     **{_key(s): s.settings_hash for s in campaign.runs}}}
    campaign.out.mkdir(parents=True, exist_ok=True)
    with atomic_path(campaign.out / MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")

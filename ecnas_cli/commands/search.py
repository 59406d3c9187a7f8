"""``ecnas search`` and ``ecnas strategies``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.commands._train_options import (
    BatchSize,
    CarbonIntensity,
    CellsPerStack,
    DataRoot,
    LearningRate,
    Meter,
    NumStacks,
    Pue,
    Space,
    StemChannels,
    TdpW,
    Workers,
)
from ecnas_cli.console import console, ensure_writable, print_json, progress_bar, user_errors
from ecnas_cli.display import energy, frame_table
from ecnas_cli.run.executors import check_executor
from ecnas_cli.run.protocol import PROMOTIONS, REPEATS, Protocol
from ecnas_cli.run.store import check_format
from ecnas_cli.run.termination import termination
from strategies import STRATEGIES, get_strategy


@user_errors
def search(
    strategy: Annotated[str, typer.Option(help=f"One of: {', '.join(STRATEGIES)}; a comma "
                                               "list; `all`; or package.module:Class.")
                        ] = "nsga2",
    benchmark: Annotated[str | None, typer.Option(
        help="Benchmark name (see `ecnas data list`; default ecnas-5v).")] = None,
    objectives: Annotated[str | None, typer.Option(
        help="Comma-separated metric:direction (default: validation_accuracy:max,"
             "energy_kwh:min).")] = None,
    evals: Annotated[int | None, typer.Option(
        help="Budget: distinct trainings (default 500 when no budget is given).")] = None,
    energy_budget: Annotated[float | None, typer.Option(
        help="Budget: total search energy in kWh.")] = None,
    time_budget: Annotated[float | None, typer.Option(
        help="Budget: total simulated training time in s.")] = None,
    wall_clock: Annotated[float | None, typer.Option(
        help="Budget: wall-clock seconds of each run.")] = None,
    repeats: Annotated[str | None, typer.Option(
        help="A repeated (cell, epochs) query: `cache` (free, same values) or `retrain` "
             "(costs again, samples another repeat); default: the protocol's.")] = None,
    protocol: Annotated[str, typer.Option(
        help="`ecnas` (budgets count distinct trainings) or `paper` (the EC-NAS authors': "
             "their encoding, epochs a search dimension, invalid proposals and repeats cost a "
             "trial, --evals counts trials).")] = "ecnas",
    max_cached: Annotated[int, typer.Option(
        help="Stop a run after this many consecutive cached queries.")] = 1000,
    promotion: Annotated[str | None, typer.Option(
        help="Training a cell at a higher fidelity after a lower one: `continue` (costs the "
             "checkpoint difference; default on tables whose fidelities are checkpoints of one "
             "run, ecnas-4v/5v) or `restart` (a training from scratch; default elsewhere).")
                         ] = None,
    epochs: Annotated[int | None, typer.Option(
        help="Target epochs (default: the largest; with --live, the epochs trained, "
             "default 4).")] = None,
    seeds: Annotated[int, typer.Option(help="Repetitions: seeds --seed .. --seed+N-1.")] = 1,
    seed: Annotated[int, typer.Option(help="First seed.")] = 0,
    jobs: Annotated[int, typer.Option(help="Runs at once (local processes or Ray tasks).")
                    ] = 1,
    executor: Annotated[str, typer.Option(
        help="Where runs execute: `local` (processes here) or `ray` (one task per run).")
                        ] = "local",
    address: Annotated[str | None, typer.Option(
        help="Ray cluster to join (e.g. ray://head:10001 or auto); with --executor ray.")
                       ] = None,
    out: Annotated[Path, typer.Option(help="Output root (runs/<benchmark>/<strategy>/"
                                           "seed-<seed>).")] = Path("runs"),
    fmt: Annotated[str, typer.Option("--format", help="Trial log: csv or parquet.")] = "csv",
    resume: Annotated[bool, typer.Option(help="Continue interrupted runs in --out.")] = False,
    overwrite: Annotated[bool, typer.Option(
        help="Replace complete runs in --out (they are kept otherwise).")] = False,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Strategy setting KEY=VALUE (repeatable), e.g. --set population_size=100"
    )] = None,
    data_dir: DataDir = None,
    raw_dir: RawDir = None,
    as_json: Json = False,
    live: Annotated[str | None, typer.Option(
        "--live", help="Search by training cells for real on this dataset instead of a table: "
                       "digits, cifar10 (with --data-root), folder:PATH (a sub-folder of "
                       "images per class) or module:function.")] = None,
    space: Space = "4v", data_root: DataRoot = None, stem_channels: StemChannels = 128,
    num_stacks: NumStacks = 3, cells_per_stack: CellsPerStack = 3,
    batch_size: BatchSize = 256, learning_rate: LearningRate = 0.1, meter: Meter = "auto",
    pue: Pue = 1.59, carbon_intensity: CarbonIntensity = None, tdp_w: TdpW = None,
    workers: Workers = 1,
    tree: Annotated[Path | None, typer.Option(
        help="--live: raw tree of the trainings (default: <data dir>/live/<table>).")] = None,
    train_seed: Annotated[int, typer.Option(
        help="--live: seeds the data split and each training (`bench create --seed`).")] = 0,
) -> None:
    """Search a benchmark with one or more strategies; print the fronts and their regret.

    With ``--live DATASET`` the same strategies and budgets drive real trainings on
    ``--workers`` Ray workers; every training is kept in a raw tree and imported as table
    ``live-<dataset>-<space>-<hash>``, which ``--benchmark`` then replays.
    """
    from ecnas_cli.analysis.fronts import run_front
    from ecnas_cli.run.seeds import run_grid
    budget = termination(evals, energy_budget, time_budget, wall_clock) if any(
        v is not None for v in (evals, energy_budget, time_budget, wall_clock)) \
        else termination(500)
    if repeats is not None and repeats not in REPEATS:
        raise ValueError(f"--repeats must be one of {', '.join(REPEATS)}, got {repeats!r}")
    if promotion is not None and promotion not in PROMOTIONS:
        raise ValueError(f"--promotion must be one of {', '.join(PROMOTIONS)}, "
                         f"got {promotion!r}")
    check_format(fmt)
    if live is not None:
        table_only = {"--benchmark": benchmark is not None, "--protocol": protocol != "ecnas",
                      "--repeats": repeats is not None, "--promotion": promotion is not None,
                      "--seeds": seeds != 1, "--jobs": jobs != 1,
                      "--executor": executor != "local", "--raw-dir": raw_dir is not None}
        given = [k for k, v in table_only.items() if v]
        if given:
            raise ValueError(f"{given[0]} is for table searches, not --live")
        from ecnas_cli.workflows.create import make_spec
        spec = make_spec(
            out=Path("."), space=space, dataset=live, data_root=data_root,
            epochs=str(4 if epochs is None else epochs), repeats=1, seed=train_seed,
            stem_channels=stem_channels, num_stacks=num_stacks, cells_per_stack=cells_per_stack,
            batch_size=batch_size, learning_rate=learning_rate, meter=meter, pue=pue,
            carbon_intensity=carbon_intensity, tdp_w=tdp_w)
        _live(spec, strategy, budget, objectives=objectives, tree=tree, seed=seed,
              settings=parse_settings(set_ or []), out=out, fmt=fmt, resume=resume,
              overwrite=overwrite, workers=workers, address=address, max_cached=max_cached,
              data_dir=data_dir, as_json=as_json)
        return
    benchmark = benchmark or "ecnas-5v"
    Protocol.named(protocol, repeats)  # a bad or contradictory protocol: one line, exit 2
    check_executor(executor, jobs, address)
    names = strategy_names(strategy)
    problem = Problem.from_benchmark(load_benchmark(benchmark, data_dir=data_dir,
                                                    raw_dir=raw_dir),
                                     objectives=objectives, epochs=epochs)
    ensure_writable(out)
    single = len(names) == 1 and seeds == 1
    with progress_bar(f"{strategy} on {benchmark}") as bar:
        results = run_grid(problem, names, seeds=seeds, seed=seed, jobs=jobs,
                           settings=parse_settings(set_ or []), budget=budget, out=out,
                           fmt=fmt, resume=resume, overwrite=overwrite, repeats=repeats,
                           max_cached=max_cached, protocol=protocol, promotion=promotion,
                           executor=executor, address=address,
                           progress=bar if single and executor == "local" else None)
    fronts = [run_front(r, problem) for r in results]
    if as_json:
        print_json([_jsonable(f, r) for f, r in zip(fronts, results, strict=True)])
        return
    if single:
        _render(fronts[0], results[0])
    else:
        _render_runs(fronts, results)


def _live(spec: Any, strategy: str, budget: Any, *, objectives: str | None,
          tree: Path | None, data_dir: Path | None, as_json: bool, **run_args: Any) -> None:
    """``--live``: check everything, train while searching, render the front."""
    from ecnas_cli.analysis.fronts import pareto_cells
    from ecnas_cli.live.search import live_search, prepare

    if "," in strategy or strategy.strip().lower() == "all":
        raise ValueError("--live searches with one strategy at a time")
    strategy_names(strategy)
    problem = prepare(spec, objectives=objectives, tree=tree, data_dir=data_dir)
    ensure_writable(run_args["out"])
    with progress_bar(f"{strategy} live on {spec.dataset}", quiet=as_json) as bar:
        result = live_search(problem, strategy, budget, data_dir=data_dir, note=bar,
                             **run_args)
    trained = result.trials[~result.trials["cached"].astype(bool)]
    front = pareto_cells(trained, problem.objectives)
    info = {"run_dir": str(result.path), "table": problem.name, "tree": str(problem.spec.out),
            **{k: result.meta.get(k) for k in (
                "stop_reason", "evaluations", "cached_queries", "reused_trainings",
                "most_in_flight",
                "search_energy_kwh", "energy_spent_now_kwh", "wall_s")},
            "front": front.to_dict(orient="records")}
    if as_json:
        print_json(info)
        return
    cols = ["module_hash", *problem.metrics, "trainable_params", "worker"]
    console.print(frame_table(front, columns=cols, title=f"live front of {strategy}"))
    console.print(f"{info['evaluations']} trainings ({info['reused_trainings']} reused), "
                  f"energy {energy(info['search_energy_kwh'])} "
                  f"(spent now {energy(info['energy_spent_now_kwh'])})\nstopped: "
                  f"{info['stop_reason']}\ntable: {problem.name} (replay with --benchmark)"
                  f"\nrun: {result.path}", highlight=False)


def strategy_names(spec: str) -> list[str]:
    """``all``, a comma list or one name -> strategy names (each checked)."""
    names = list(STRATEGIES) if spec.strip().lower() == "all" else [
        s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise ValueError(f"--strategy is empty: {spec!r}")
    for name in names:
        get_strategy(name)  # a clear error naming the valid ones
    return list(dict.fromkeys(names))


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``["population_size=100", "n_init=5"]`` -> typed keyword settings."""
    settings: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        settings[key.strip()] = _value(text.strip())
    return settings


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _jsonable(front: Any, result: Any) -> dict[str, Any]:
    return {"run_dir": str(result.path), **front.summary(),
            "stop_reason": result.meta.get("stop_reason", ""),
            "front": front.cells.to_dict(orient="records")}


def _render(front: Any, result: Any) -> None:
    cols = ["module_hash", *[o.metric for o in front.objectives]]
    cols += [c for c in ("test_accuracy", "trainable_params") if c in front.cells
             and c not in cols]
    console.print(frame_table(front.cells, columns=cols,
                              title=f"front of {front.strategy}, seed {front.seed}"))
    console.print(f"regret {100 * front.regret:.2f}% (hypervolume {front.hypervolume:.4f} of "
                  f"{front.true_hypervolume:.4f})\n{front.evaluations} trainings, "
                  f"{front.cached_queries} cached queries, search energy "
                  f"{energy(front.search_energy_kwh)}\nstopped: "
                  f"{result.meta.get('stop_reason', '')}\nrun: {result.path}", highlight=False)


def _render_runs(fronts: list[Any], results: list[Any]) -> None:
    table = Table("strategy", "seed", "front", "regret %", "trained", "cached", "energy",
                  title=f"{fronts[0].benchmark}: {len(fronts)} runs")
    for f in fronts:
        table.add_row(f.strategy, str(f.seed), str(len(f.cells)), f"{100 * f.regret:.2f}",
                      str(f.evaluations), str(f.cached_queries), energy(f.search_energy_kwh))
    console.print(table)
    for name in dict.fromkeys(f.strategy for f in fronts):
        regrets = [f.regret for f in fronts if f.strategy == name]
        console.print(f"{name}: median regret {100 * float(np.median(regrets)):.2f}% over "
                      f"{len(regrets)} seeds", highlight=False)
    stopped = [r for r in results if not str(r.meta.get("stop_reason", "")).startswith(
        "budget reached")]
    for r in stopped:
        console.print(f"{r.meta['strategy']} seed {r.meta['seed']}: "
                      f"{r.meta['stop_reason']}", highlight=False)
    console.print(f"runs in {Path(str(results[0].path)).parents[2]}; `ecnas compare` for "
                  "statistics", highlight=False)


def strategies(as_json: Json = False) -> None:
    """List the search strategies and their settings."""
    data: dict[str, dict[str, Any]] = {
        name: {"class": cls.__name__, "multi_fidelity": cls.multi_fidelity,
               "settings": {k: repr(v) for k, v in cls.defaults().items()},
               "summary": (cls.__doc__ or "").strip().splitlines()[0]}
        for name, cls in STRATEGIES.items()}
    if as_json:
        print_json(data)
        return
    table = Table("name", "settings (defaults)", "description")
    for name, d in data.items():
        table.add_row(name, ", ".join(f"{k}={v}" for k, v in d["settings"].items()),
                      d["summary"])
    console.print(table)

"""``ecnas search`` and ``ecnas strategies``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from benchmarks.tables.registry import load_benchmark
from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, ensure_writable, print_json, user_errors
from ecnas_cli.run.runner import Budget
from strategies import STRATEGIES


@user_errors
def search(
    strategy: Annotated[str, typer.Option(help=f"One of: {', '.join(STRATEGIES)}.")] = "nsga2",
    benchmark: Annotated[str, typer.Option(help="Benchmark name (see `ecnas data list`).")
                         ] = "ecnas-5v",
    objectives: Annotated[str | None, typer.Option(
        help="Comma-separated metric:direction (default: validation_accuracy:max,"
             "energy_kwh:min).")] = None,
    evals: Annotated[int | None, typer.Option(help="Budget: evaluations (default 500).")] = None,
    energy_budget: Annotated[float | None, typer.Option(
        help="Budget: total search energy in kWh.")] = None,
    time_budget: Annotated[float | None, typer.Option(
        help="Budget: total simulated training time in s.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Target budget (default: the largest).")
                      ] = None,
    seeds: Annotated[int, typer.Option(help="Repetitions (one SeedSequence).")] = 1,
    seed: Annotated[int, typer.Option(help="Base seed.")] = 0,
    jobs: Annotated[int, typer.Option(help="Parallel processes.")] = 1,
    out: Annotated[Path, typer.Option(help="Output root.")] = Path("results"),
    fmt: Annotated[str, typer.Option("--format", help="Trial log: csv or parquet.")] = "csv",
    resume: Annotated[bool, typer.Option(help="Continue interrupted runs in --out.")] = False,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Strategy setting KEY=VALUE (repeatable), e.g. --set population_size=100"
    )] = None,
    data_dir: DataDir = None,
    raw_dir: RawDir = None,
    as_json: Json = False,
) -> None:
    """Search a benchmark with a strategy; print the found front and its hypervolume regret."""
    from ecnas_cli.analysis.fronts import run_front
    from ecnas_cli.run.seeds import run_seeds
    budget = _budget(evals, energy_budget, time_budget)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; valid: {', '.join(STRATEGIES)}")
    bench = load_benchmark(benchmark, data_dir_=data_dir, raw_dir=raw_dir)
    ensure_writable(out)
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task(f"{strategy} on {benchmark}",
                                 total=budget.amount if seeds == 1 else seeds)
        done = (lambda spent, total: progress.update(task, completed=spent)) if seeds == 1 \
            else None
        results = run_seeds(benchmark, strategy, seeds=seeds, seed=seed, jobs=jobs,
                            data_dir=data_dir, raw_dir=raw_dir, objectives=objectives,
                            budget=budget, epochs=epochs, out=out, fmt=fmt, resume=resume,
                            progress=done, **parse_settings(set_ or []),
                            on_done=None if seeds == 1 else lambda k: progress.advance(task))
    fronts = [run_front(r, bench) for r in results]
    if as_json:
        print_json([_jsonable(f, r) for f, r in zip(fronts, results, strict=True)])
        return
    if len(fronts) == 1:
        _render(fronts[0], results[0])
    else:
        _render_seeds(fronts, results)


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``["population_size=100", "avoid_duplicates=false"]`` -> typed keyword settings."""
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


def _budget(evals: int | None, energy: float | None, time_: float | None) -> Budget:
    given = [(k, v) for k, v in (("evals", evals), ("energy", energy), ("time", time_))
             if v is not None]
    if len(given) > 1:
        raise ValueError("give only one of --evals, --energy-budget, --time-budget")
    kind, amount = given[0] if given else ("evals", 500)
    return Budget(kind, float(amount))


def _jsonable(front: Any, result: Any) -> dict[str, Any]:
    return {"run_dir": str(result.path), **front.summary(),
            "front": front.cells.to_dict(orient="records")}


def _render(front: Any, result: Any) -> None:
    cols = ["module_hash", *[o.metric for o in front.objectives]]
    cols += [c for c in ("test_accuracy", "trainable_params") if c in front.cells
             and c not in cols]
    table = Table(*cols, title=f"front found by {front.strategy} (seed {front.seed}): "
                               f"{result.path}")
    for row in front.cells[cols].itertuples(index=False):
        table.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
    console.print(f"hypervolume {front.hypervolume:.4f} (true front {front.true_hypervolume:.4f})"
                  f"  regret {100 * front.regret:.2f}%  unique cells {front.unique_cells}"
                  f"  search energy {front.search_energy_kwh:.3f} kWh")


def _render_seeds(fronts: list[Any], results: list[Any]) -> None:
    table = Table("seed", "front size", "hypervolume", "regret (%)", "unique cells",
                  "search energy (kWh)", "run dir",
                  title=f"{fronts[0].strategy} on {fronts[0].benchmark}, {len(fronts)} seeds")
    for f, r in zip(fronts, results, strict=True):
        table.add_row(str(f.spawn_key[-1] if f.spawn_key else 0), str(len(f.cells)),
                      f"{f.hypervolume:.4f}", f"{100 * f.regret:.2f}", str(f.unique_cells),
                      f"{f.search_energy_kwh:.3f}", str(r.path))
    console.print(table)
    regrets = sorted(f.regret for f in fronts)
    console.print(f"median regret {100 * regrets[len(regrets) // 2]:.2f}% "
                  f"(true front hypervolume {fronts[0].true_hypervolume:.4f}); "
                  "`ecnas pareto show RUN_DIR` for one front, `ecnas compare` for statistics")


def strategies(as_json: Json = False
               ) -> None:
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

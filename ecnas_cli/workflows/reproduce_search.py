"""Figures 2-4 of ``ecnas reproduce``: what the strategies find, over seeds, at equal budgets.

The only part of ``ecnas reproduce`` that runs searches, written against the public runner and
comparison API (``run_seeds``, ``compare_runs``, ``curves``, ``ecnas_cli.plots.comparison``), so
it can follow the runner when its protocol changes. Runs are cached under
``<out>/runs/<benchmark>-<budget>evals/`` and reused when present, complete and made with the
same benchmark table, budget, seeds and seed (a marker file per strategy records them).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from benchmarks.tables.problem import Problem
from ecnas_cli.analysis.comparison import Comparison, compare_runs, curve_bands, curves
from ecnas_cli.analysis.paper import noise
from ecnas_cli.analysis.paper.report import FigureRecord
from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.files import atomic_path, dumps
from ecnas_cli.plots.comparison import (
    attainment_info,
    curves_info,
    render_attainment,
    render_curves,
)
from ecnas_cli.plots.front import front_info, render_front
from ecnas_cli.plots.paper.space import plain_log_ticks
from ecnas_cli.run.seeds import run_seeds
from ecnas_cli.run.store import load_run, load_runs
from ecnas_cli.workflows.reproduction import Reproduction

__all__ = ["BENCHMARK", "BUDGET", "QUICK", "SEARCH_STRATEGIES", "attainment_hypervolumes",
           "ensure_runs", "fig_attainment", "fig_fronts", "fig_regret", "search_plan"]

BENCHMARK = "ecnas-5v"
BUDGET = 500  # evaluations per run, every strategy
QUICK = {"budget": 150, "seeds": 3}
SEED = 0
#: The strategies of figures 2-4: one or more of every family that runs a 500-evaluation search in
#: seconds on 2 cores. ehvi (a GP fit per proposal) and motpe take minutes per run at this
#: budget; ``scripts/compare_strategies.py`` compares every strategy.
SEARCH_STRATEGIES = ("random", "random-genome", "semo", "nsga2", "local", "evolution", "mobohb",
                     "shemoa")


def search_plan(r: Reproduction) -> tuple[int, int, Path]:
    """Budget, seeds and the runs folder of this reproduction."""
    budget = QUICK["budget"] if r.quick else BUDGET
    seeds = min(r.seeds, QUICK["seeds"]) if r.quick else r.seeds
    return budget, seeds, r.out / "runs" / f"{BENCHMARK}-{budget}evals"


def _marker(root: Path, strategy: str) -> Path:
    return root / f"{strategy}.reproduce.json"


def _cached(root: Path, strategy: str, want: dict[str, object]) -> list[Path] | None:
    """The run dirs of an earlier, complete set of runs made with the same settings.

    A marker beside the runs records the settings and the run dirs that ``run_seeds`` wrote,
    so the check does not depend on the runner's directory layout or ``run.json`` keys.
    """
    marker = _marker(root, strategy)
    if not marker.is_file():
        return None
    try:
        saved = json.loads(marker.read_text())
    except json.JSONDecodeError:
        return None
    dirs = [root / d for d in saved.get("runs", [])]
    if saved.get("settings") != want or not dirs:
        return None
    for d in dirs:
        try:
            if not load_run(d).complete:
                return None
        except (ValueError, FileNotFoundError):
            return None
    return dirs


def ensure_runs(r: Reproduction) -> list[Path]:
    """The runs of :data:`SEARCH_STRATEGIES` (cached ones reused); their directories."""
    if "runs" in r.cache:
        return list(r.cache["runs"])
    budget, seeds, root = search_plan(r)
    want: dict[str, object] = {"benchmark": BENCHMARK, "benchmark_sha256":
                               r.bench(BENCHMARK).checksum, "budget": budget, "seeds": seeds,
                               "seed": SEED}
    paths, problem = [], Problem.from_benchmark(r.bench(BENCHMARK))
    for strategy in SEARCH_STRATEGIES:
        dirs = _cached(root, strategy, want)
        if dirs is None:
            runs = run_seeds(problem, strategy, seeds=seeds, seed=SEED, jobs=r.jobs,
                             budget=budget, out=root, fmt="parquet",
                             overwrite=True)  # the marker judged them stale
            dirs = [Path(run.path) for run in runs if run.path is not None]
            with atomic_path(_marker(root, strategy)) as tmp:
                tmp.write_text(dumps({"settings": want, "runs": [
                    d.relative_to(root).as_posix() for d in dirs]}) + "\n")
        paths += dirs
    r.cache["runs"] = paths
    return paths


def _comparison(r: Reproduction) -> Comparison:
    if "comparison" not in r.cache:
        r.cache["comparison"] = compare_runs(ensure_runs(r), x="evals", data_dir=r.data_dir,
                                             raw_dir=r.raw_dir)
    return r.cache["comparison"]


def _data(r: Reproduction) -> str:
    budget, seeds, _ = search_plan(r)
    return (f"{BENCHMARK} (4 epochs, validation accuracy and energy), {len(SEARCH_STRATEGIES)} "
            f"strategies x {seeds} seeds x {budget} evaluations each")


def fig_fronts(r: Reproduction) -> FigureRecord:
    """Figure 2: per strategy, the front of its median run by final regret (with an even
    number of seeds, the lower of the two middle runs: a run, not an average of two)."""
    comp = _comparison(r)
    final = comp.curves.groupby("run", sort=False).agg(strategy=("strategy", "first"),
                                                       regret=("regret", "last"))
    chosen = []
    for _, block in final.groupby("strategy", sort=False):
        order = block.sort_values("regret", kind="stable")
        chosen.append(order.index[(len(order) - 1) // 2])
    runs = load_runs([Path(p) for p in chosen])
    infos = [front_info(run, comp.problem, log_x=True) for run in runs]
    for info, run in zip(infos, runs, strict=True):  # short titles: panels sit side by side
        info.title = f"{run.meta['strategy']}\nregret {final.loc[str(run.path), 'regret']:.3f}"
    cols = min(4, len(infos))
    rows = -(-len(infos) // cols)

    def draw(fig: Figure) -> None:
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
        for ax, info in zip(axes, infos, strict=False):
            render_front(ax, info)
            ax.get_legend().remove()
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=7)
        for ax in axes[len(infos):]:
            ax.set_axis_off()

    # the seed names the run (its directory is under the git-ignored runs/ folder)
    table = pd.DataFrame([{"strategy": run.meta["strategy"], "seed": int(run.meta["seed"]),
                           "final_regret": float(final.loc[str(run.path), "regret"])}
                          for run in runs])
    return FigureRecord(2, "fronts", "fronts found by each strategy",
                        "Per strategy, the front of its median run (by final hypervolume "
                        "regret; with an even number of seeds the better of the two middle "
                        "runs) over all cells and the true front; extremes and knee marked.",
                        [*r.figure("fig02_fronts", (7.0, 0.4 + 2.1 * rows), draw),
                         r.table(table, "fig02_fronts.csv")],
                        [f"{row.strategy}: median-run regret {row.final_regret:.4f} (seed "
                         f"{row.seed})"
                         for row in table.itertuples(index=False)], _data(r))


def attainment_hypervolumes(comp: Comparison) -> pd.DataFrame:
    """Per strategy: the median of its runs' final hypervolumes and that of its 50% attainment
    surface, both in the Problem's normalisation (reference 1.1), and the true front's."""
    if comp.attainment is None:
        raise ValueError("attainment surfaces need 2 objectives")
    true = comp.problem.true_hypervolume
    stats = comp.stats.set_index("strategy")
    return pd.DataFrame([{"strategy": s, "runs_median_hv": true * (
        1 - float(stats.loc[s, "final_regret_median"])),
        "surface_50_hv": comp.problem.hypervolume(levels[50]), "true_front_hv": true}
        for s, levels in comp.attainment.items()])


def fig_attainment(r: Reproduction) -> FigureRecord:
    """Figure 3: median and 25-75% attainment surfaces per strategy, energy on a log axis (the
    fronts' cells span a decade, most of them in its lower half), hypervolumes in the legend."""
    comp = _comparison(r)
    hv = attainment_hypervolumes(comp)
    assert comp.attainment is not None  # attainment_hypervolumes has checked
    info = attainment_info(comp.attainment, comp.objectives, comp.bench, comp.epochs,
                           comp.true_front)
    rows = [{"strategy": s, "level": level, **dict(zip(
        [o.metric for o in comp.objectives], p, strict=True))}
        for s, levels in comp.attainment.items() for level, P in levels.items() for p in P]

    def draw(fig: Figure) -> None:
        ax = render_attainment(fig.add_subplot(), info)
        k = 0 if info.x.metric == "energy_kwh" else 1
        lines = np.vstack([*info.median.values(), *info.band.values(), info.true_front])[:, k]
        lo, hi = float(lines.min()) / 1.08, float(lines.max()) * 1.08  # log: pad by a factor
        (ax.set_xscale, ax.set_yscale)[k]("log")
        (ax.set_xlim, ax.set_ylim)[k](lo, hi)
        plain_log_ticks((ax.xaxis, ax.yaxis)[k], np.array([lo, hi]))
        handles, labels = ax.get_legend_handles_labels()
        runs = dict(zip(hv["strategy"], hv["runs_median_hv"], strict=True))
        labels = [f"{label.removesuffix(' (50%)')}: HV {runs[label.removesuffix(' (50%)')]:.4f}"
                  if label.removesuffix(" (50%)") in runs else
                  f"{label}: HV {comp.problem.true_hypervolume:.4f}" for label in labels]
        ax.legend(handles, labels, loc="lower right", fontsize=6,
                  title="50% attainment, 25-75% band;\nHV: median of the runs' final HV",
                  title_fontsize=6)

    return FigureRecord(3, "attainment", "attainment surfaces",
                        "50% attainment surface of each strategy over its seeds, with the "
                        "25-75% band, against the true front; energy on a log axis. Legend: "
                        "the median of the runs' final hypervolumes (normalised objectives, "
                        "reference point 1.1).",
                        [*r.figure("fig03_attainment", (3.5, 3.0), draw),
                         r.table(pd.DataFrame(rows), "fig03_attainment.csv"),
                         r.table(hv, "fig03_attainment_hv.csv")],
                        [f"true front HV {comp.problem.true_hypervolume:.4f}; median final HV: "
                         + ", ".join(f"{row.strategy} {row.runs_median_hv:.4f}"
                                     for row in hv.itertuples(index=False))], _data(r))


def _carried(table: pd.DataFrame) -> pd.DataFrame:
    """Each run's curve extended at its final regret to the largest x of any run: a run that
    has ended keeps its result, so the median does not jump as runs drop out."""
    end = table["x"].max()
    last = table.groupby("run", sort=False).tail(1)
    last = last[last["x"] < end].assign(x=end, energy_kwh=end)
    return pd.concat([table, last], ignore_index=True)


def fig_regret(r: Reproduction) -> FigureRecord:
    """Figure 4: regret against distinct evaluations and search energy, log regret axis."""
    comp = _comparison(r)
    band = noise.noise_band(noise.noise_floor(r.bench("ecnas-4v"), ACC_ENERGY,
                                              draws=50 if r.quick else 200))
    pairs = noise.below_noise(comp.stats.set_index("strategy")["final_regret_median"], band)
    close = pairs[pairs["within_noise"]]
    runs = load_runs(ensure_runs(r))
    by_energy = curve_bands(_carried(curves(runs, comp.problem, x="energy")))
    infos = [curves_info(comp.bands, "evals"), curves_info(by_energy, "energy")]

    def draw(fig: Figure) -> None:
        axes = fig.subplots(1, 2)
        for ax, info in zip(axes, infos, strict=True):
            render_curves(ax, info)
            ax.set_yscale("log")
            ax.get_legend().remove()
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right upper", title="median, IQR band",
                   title_fontsize=6.5)

    return FigureRecord(4, "regret", "hypervolume regret curves",
                        "Median hypervolume regret (IQR band) against evaluations and against "
                        "the search's cumulative training energy (a run that has ended keeps "
                        "its final regret); log regret axis.",
                        [*r.figure("fig04_regret", (7.0, 2.6), draw),
                         r.table(comp.stats, "fig04_regret_stats.csv"),
                         r.table(comp.pairwise, "fig04_regret_pairwise.csv"),
                         r.table(pairs, "fig04_regret_vs_noise.csv")],
                        [*(f"{row.strategy}: final regret median {row.final_regret_median:.4f} "
                           f"[{row.final_regret_q25:.4f}, {row.final_regret_q75:.4f}]"
                           for row in comp.stats.itertuples(index=False)),
                         f"measurement-noise band {band:.4f}: a 4V quantity (figure 9: 5V has "
                         f"one repeat per cell, so its noise cannot be measured); median final "
                         f"regrets closer than that: "
                         + (", ".join(f"{a} vs {b}" for a, b in zip(close["a"], close["b"],
                                                                    strict=True)) or "none"),
                         "pairs whose final-regret distributions the two-sided Mann-Whitney "
                         "test separates (Holm p < 0.05) even so: " + (", ".join(
                             f"{t.a} vs {t.b} (p = {t.p_holm:.3f})"
                             for t in comp.pairwise.itertuples(index=False)
                             if t.p_holm < 0.05) or "none")],
                        _data(r))

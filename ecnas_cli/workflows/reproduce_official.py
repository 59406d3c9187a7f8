"""Figure 12 of ``ecnas reproduce``: the EC-NAS authors' own search runs, as a reference.

Writes ``official_runs.csv`` (one row per run, :data:`~ecnas_cli.analysis.paper.official.COLUMNS`)
from the run files in ``<raw dir>/official-runs`` (``--raw-dir`` or ``$ECNAS_RAW_DIR``). Regret
is measured at 108 epochs on ``ecnas-4v-paper`` (the 4V table they searched, complete). On 5V
their runs reach only part of the space at 108 epochs, so the front the regret is measured
against is unknown there: 5V rows carry trials, cells and energy, and no regret.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from benchmarks.paths import raw_dir as resolve_raw_dir
from benchmarks.sources.official_runs import find_runs
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis.attainment import eaf
from ecnas_cli.analysis.paper import official
from ecnas_cli.analysis.paper.paper_numbers import by_key
from ecnas_cli.analysis.paper.report import FigureRecord, Ours
from ecnas_cli.workflows.reproduction import Reproduction

__all__ = ["PAPER_4V", "fig_attainment_7v", "fig_official_runs", "official_runs"]

PAPER_4V = "ecnas-4v-paper"
TITLE = "the authors' search runs"
ABSENT = ("the authors' run files are not here: pass --raw-dir (or set ECNAS_RAW_DIR) to a "
          "folder with official-runs/4v_rs_0.csv.gz and the like (../shared/ecnas-data)")


def official_runs(r: Reproduction) -> pd.DataFrame | None:
    """The summary of every run (cached on ``r``), or None when the run files are absent."""
    if "official_runs" not in r.cache:
        root = resolve_raw_dir(r.raw_dir)
        try:
            runs = find_runs(root) if root is not None else []
        except FileNotFoundError:
            runs = []
        if not runs:
            return None
        problem = Problem.from_benchmark(r.bench(PAPER_4V), epochs=official.TARGET_EPOCHS)
        bases = {"4v": official.base_cells(r.bench(PAPER_4V)),
                 "5v": official.base_cells(r.bench("ecnas-5v"))}
        r.cache["official_runs"] = official.summarise_runs(runs, bases, {"4v": problem})
        seven = [run for run in runs if run.space == "7v"]
        for name, (hv, n) in official.legend_hypervolumes(seven).items():
            r.add(f"hv:7v:{name}", Ours(hv, f"the authors' 7V runs ({n}), mean of the runs' "
                                            "hypervolumes at reference (1.5, 1e6 Wh)"))
    return r.cache["official_runs"]


def _lines(table: pd.DataFrame) -> list[str]:
    lines = []
    for (space, strategy), block in table.groupby(["space", "strategy"], sort=False):
        q = block["regret"].quantile([0.25, 0.5, 0.75]).to_numpy()
        regret = (f", regret at 108 epochs median {q[1]:.4f} [{q[0]:.4f}, {q[2]:.4f}]"
                  if block["regret"].notna().all() else "")
        lines.append(f"{space.upper()} {official.PAPER_NAMES[strategy]}: {len(block)} runs, "
                     f"median {block['trials'].median():.0f} trials "
                     f"({block['valid_trials'].median():.0f} valid), "
                     f"{block['distinct_cells_108'].median():.0f} cells at 108 epochs, "
                     f"{block['search_energy_kwh'].median():.1f} kWh{regret}")
    return lines


def fig_official_runs(r: Reproduction) -> FigureRecord:
    """``official_runs.csv`` and its summary lines (no figure)."""
    table = official_runs(r)
    if table is None:
        return FigureRecord(12, "official-runs", TITLE, "", absent=ABSENT)
    cells_5v = "n/a"
    if (table["space"] == "5v").any():
        cells_5v = f"{table[table['space'] == '5v']['distinct_cells_108'].max():,}"
    return FigureRecord(
        12, "official-runs", TITLE,
        "One row per published run (random search, SEMOA, SH-EMOA, MS-EHVI; 10 seeds on 4V "
        "and 5V): trials (an invalid proposal costs one), valid trials, distinct cells trained "
        "at 108 epochs, the search's total training energy, and the hypervolume regret "
        "(validation accuracy, energy) of its 108-epoch cells against the true front of "
        f"{PAPER_4V} at 108 epochs. 5V has no regret: the runs reach at most {cells_5v} of the "
        "2,532 5V cells at 108 epochs (one run), so the 5V front at 108 epochs is not known.",
        [r.table(table, "official_runs.csv")], _lines(table),
        f"the authors' run files (official-runs/*.csv.gz), {PAPER_4V} at 108 epochs",
        "linearly scaled")


TITLE_7V = "attainment of the authors' four optimisers on 7V, with hypervolumes"


def fig_attainment_7v(r: Reproduction) -> FigureRecord:
    """Figure 14: the paper's 7V attainment figure redrawn from the authors' 7V runs, every
    valid trial at every budget in (1 - validation accuracy, energy in Wh), with the legend's
    hypervolumes recomputed (:data:`~ecnas_cli.analysis.paper.official.LEGEND_REFERENCE`)."""
    root = resolve_raw_dir(r.raw_dir)
    try:
        runs = find_runs(root, "7v") if root is not None else []
    except FileNotFoundError:
        runs = []
    if not runs:
        return FigureRecord(14, "attainment-7v", TITLE_7V, "", absent=ABSENT.replace(
            "4v_rs_0", "7v_rs_0"))
    points = official.run_points(runs)
    hv = official.legend_hypervolumes(runs)
    levels = {name: eaf(P, levels=[25, 50, 75]) for name, P in points.items()}
    stated = {n: p.value for n, p in by_key().items() if n.startswith("hv:7v:")}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for i, (name, surf) in enumerate(levels.items()):
            color = f"C{i}"
            for level, lw, alpha in ((25, 0.6, 0.5), (75, 0.6, 0.5), (50, 1.2, 1.0)):
                S = surf[level][np.argsort(surf[level][:, 0])]
                ax.step(S[:, 0], S[:, 1], where="post", color=color, lw=lw, alpha=alpha,
                        label=f"{name}, HV {hv[name][0]:.3g} (paper "
                              f"{stated[f'hv:7v:{name}']:.3g}; {hv[name][1]} runs)"
                        if level == 50 else None)
        top = np.vstack([s[50] for s in levels.values()])
        ax.set_xlim(top[:, 0].min() - 0.02, np.quantile(top[:, 0], 0.95))
        ax.set_ylim(0, 1.1 * np.quantile(top[:, 1], 0.95))
        ax.set_xlabel("1 - validation accuracy")
        ax.set_ylabel("energy (Wh)")
        ax.legend(fontsize=5.5, title="50% attainment (25%, 75% thin)", title_fontsize=6)

    rows = [{"strategy": n, "level": level, "one_minus_accuracy": x, "energy_wh": y}
            for n, surf in levels.items() for level, S in surf.items() for x, y in S]
    return FigureRecord(
        14, "attainment-7v", TITLE_7V,
        "The paper's 7V attainment figure from the authors' runs: every valid trial at every "
        "training budget, 1 - validation accuracy against energy in Wh; 25/50/75% attainment "
        "per optimiser and the legend's hypervolume recomputed as the mean of the runs' "
        "hypervolumes at reference point (1.5, 1e6 Wh).",
        [*r.figure("fig14_attainment_7v", (3.5, 3.0), draw),
         r.table(pd.DataFrame(rows), "fig14_attainment_7v.csv")],
        [f"{n}: HV {v:.4g} over {k} runs (paper: {stated[f'hv:7v:{n}']:.3g})"
         for n, (v, k) in hv.items()],
        "the authors' 7V runs (official-runs/7v_*.csv.gz); NAS-Bench-101 accuracies, "
        "surrogate energy linearly scaled", "surrogate")

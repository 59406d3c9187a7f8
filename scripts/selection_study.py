"""Selection rules for surrogate-guided creation, simulated on the 3,448 measured 7V cells.

The measured 4-epoch energy plays the oracle: "measuring" a cell looks its energy up. For each
rule (uncertainty, diverse, random) and seed (10), cells are measured in rounds of 25, 50, 100,
200 and 400 cells (benchmarks.create.select.guided_rounds); after each round the project's
energy surrogate is refitted (kind mlp with 3 ensemble members instead of 5, to keep the study
at minutes) and scored on the cells not measured. Writes to results/selection-study/:
rounds.csv (every rule x seed x round), table.csv / table.md (mean and s.d. over seeds),
savings.md (measurement energy each rule needs to reach random's error), selection.png/.pdf.

    nice python scripts/selection_study.py [--raw-dir ../shared/ecnas-data] [--seeds 10]
    python scripts/selection_study.py --from-rounds   # tables and figure from rounds.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter, ScalarFormatter

from benchmarks.atomic import atomic_path
from benchmarks.create.select import RULES, guided_rounds
from benchmarks.surrogate.evaluate import regression_metrics
from benchmarks.surrogate.model import load_training_data
from ecnas_cli.plots.style import paper_figure, save_figure

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "selection-study"
SIZES = [25, 50, 100, 200, 400]


def simulate(cells: pd.DataFrame, rule: str, seed: int) -> list[dict[str, Any]]:
    """Rounds of one rule and seed: error on the unmeasured cells and energy spent."""
    y = cells["energy_kwh"].to_numpy()
    rounds = guided_rounds(cells, rule, SIZES, lambda idx: y[idx],
                           rng=np.random.default_rng(seed), seed=seed, n_models=3)
    rows = []
    for r in rounds:
        m = regression_metrics(y[~r.measured], r.mean[~r.measured], scale=1000.0)
        rows.append({"rule": rule, "seed": seed, "n_measured": int(r.measured.sum()),
                     "measured_energy_wh": float(y[r.measured].sum() * 1000.0),
                     "mae_wh": m["mae"], "mape": m["mape"], "kendall_tau": m["kendall_tau"]})
    return rows


def summary_table(rounds: pd.DataFrame) -> pd.DataFrame:
    """Mean and s.d. over seeds per rule and round size."""
    g = rounds.groupby(["rule", "n_measured"], sort=True)
    out = g[["mae_wh", "mape", "kendall_tau", "measured_energy_wh"]].agg(["mean", "std"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    return out.reset_index()


def energy_to_reach(table: pd.DataFrame, rule: str, target_mae: float) -> float:
    """Measurement energy (Wh) at which ``rule``'s mean MAE falls to ``target_mae``.

    Linear interpolation in log-log between rounds; NaN if never reached.
    """
    t = table[table["rule"] == rule].sort_values("n_measured")
    mae, energy = t["mae_wh_mean"].to_numpy(), t["measured_energy_wh_mean"].to_numpy()
    below = np.flatnonzero(mae <= target_mae)
    if not len(below):
        return float("nan")
    k = int(below[0])
    if k == 0:
        return float(energy[0])
    x0, x1, f0, f1 = np.log(energy[k - 1]), np.log(energy[k]), np.log(mae[k - 1]), np.log(mae[k])
    return float(np.exp(x0 + (np.log(target_mae) - f0) * (x1 - x0) / (f1 - f0)))


def savings_table(table: pd.DataFrame) -> pd.DataFrame:
    """For random's mean MAE at each round: energy each rule needs, and saving vs random."""
    rows = []
    for _, ref in table[table["rule"] == "random"].iterrows():
        row: dict[str, Any] = {"random_cells": int(ref["n_measured"]),
                               "target_mae_wh": float(ref["mae_wh_mean"])}
        for rule in RULES:
            row[f"{rule}_wh"] = energy_to_reach(table, rule, row["target_mae_wh"])
        for rule in ("uncertainty", "diverse"):
            row[f"{rule}_saving_pct"] = 100.0 * (1.0 - row[f"{rule}_wh"] / row["random_wh"])
        rows.append(row)
    return pd.DataFrame(rows)


def selection_info(table: pd.DataFrame, x: str) -> dict[str, Any]:
    """Curves per rule: ``x`` (n_measured or measured_energy_wh) against mean MAE +- s.d."""
    curves = {}
    for rule in RULES:
        t = table[table["rule"] == rule].sort_values("n_measured")
        curves[rule] = {"x": t[f"{x}_mean" if x != "n_measured" else x].to_numpy(),
                        "y": t["mae_wh_mean"].to_numpy(), "err": t["mae_wh_std"].to_numpy()}
    label = "measured cells" if x == "n_measured" else "measurement energy (Wh)"
    return {"curves": curves, "xlabel": label, "ylabel": "MAE on unmeasured cells (Wh)"}


def render_selection(ax: Axes, info: dict[str, Any]) -> Axes:
    for (rule, c), marker in zip(info["curves"].items(), "os^", strict=True):
        ax.errorbar(c["x"], c["y"], yerr=c["err"], marker=marker, ms=3, capsize=2, label=rule)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(info["xlabel"])
    ax.set_ylabel(info["ylabel"])
    ax.legend(frameon=False)
    return ax


def markdown(frame: pd.DataFrame) -> str:
    """A GitHub markdown table (3 significant digits), without the tabulate dependency."""
    def cell(v: Any) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw-dir", type=Path, default=ROOT.parent / "shared" / "ecnas-data")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--from-rounds", action="store_true",
                        help="Redo tables and figure from results/.../rounds.csv only.")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.from_rounds:
        rounds = pd.read_csv(OUT / "rounds.csv")
    else:
        cells = load_training_data(args.raw_dir)
        rounds = pd.DataFrame([row for rule in RULES for seed in range(args.seeds)
                               for row in simulate(cells, rule, seed)])
    table, savings = summary_table(rounds), savings_table(summary_table(rounds))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in (("rounds.csv", rounds), ("table.csv", table)):
        with atomic_path(OUT / name) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.5g")
    for name, frame in (("table.md", table), ("savings.md", savings)):
        with atomic_path(OUT / name) as tmp:
            tmp.write_text(markdown(frame))
    with paper_figure((7.0, 2.6)) as fig:
        for ax, x in zip(fig.subplots(1, 2), ("n_measured", "measured_energy_wh"), strict=True):
            render_selection(ax, selection_info(table, x))
        for suffix in ("png", "pdf"):
            save_figure(fig, OUT / f"selection.{suffix}")
    print(markdown(table))
    print(markdown(savings))
    print(f"{rounds['seed'].nunique()} seeds, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

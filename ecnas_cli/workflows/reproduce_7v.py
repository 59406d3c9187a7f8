"""Figures 15 and 16 of ``ecnas reproduce``: the paper's 7V figures from the full 7V table.

Drawn only when ``ecnas-7v`` is already on disk (``ecnas data fetch ecnas-7v``, or built with
``ecnas surrogate build-7v --nasbench101``); nothing is downloaded. Both use the table's last
budget (108 epochs in the official table): NAS-Bench-101's accuracies and the surrogate energy
scaled linearly, as the paper's 7V figures do. The attainment of the authors' four optimisers
on 7V is figure 14 (:func:`~ecnas_cli.workflows.reproduce_official.fig_attainment_7v`), drawn
from their runs, which carry their own metrics.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from benchmarks.tables.benchmark import Benchmark
from ecnas_cli.analysis.paper import hardware, space_view
from ecnas_cli.analysis.paper.report import FigureRecord, Ours
from ecnas_cli.analysis.tradeoff import chosen_cells
from ecnas_cli.plots.paper import hardware as hardware_plots
from ecnas_cli.plots.paper import space as space_plots
from ecnas_cli.plots.paper.radar import (
    absolute_radar_info,
    absolute_values,
    render_absolute_radar,
)
from ecnas_cli.workflows.reproduce_hardware import ABSENT_7V
from ecnas_cli.workflows.reproduction import Reproduction

__all__ = ["fig_front_7v", "fig_radar_7v"]

FRONT_TITLE = "the full 7V space and its front with the knee"
RADAR_TITLE = "extreme and knee cells of the 7V front, absolute values"


def _full(r: Reproduction) -> tuple[Benchmark, int] | None:
    """The full 7V table and its last budget, or None when it is not on disk."""
    if not hardware.present_tables([hardware.FULL_7V], r.data_dir):
        return None
    bench = r.bench(hardware.FULL_7V)
    return bench, max(bench.fidelities)


def fig_front_7v(r: Reproduction) -> FigureRecord:
    """Figure 15: accuracy against energy for every 7V cell, and the front with its knee."""
    found = _full(r)
    for key in ("knee:7v:energy_saving", "knee:7v:accuracy_drop"):
        r.missing[key] = "" if found else ABSENT_7V
    if found is None:
        return FigureRecord(15, "front-7v", FRONT_TITLE, "", absent=ABSENT_7V)
    bench, epochs = found
    cells = space_view.space_cells(bench, epochs)
    front = space_view.true_front(bench, epochs)
    knee = hardware.front_knee(bench, epochs)
    label = f"{bench.name}, {epochs} epochs"
    r.add("knee:7v:energy_saving", Ours(float(knee["energy_saving_pct"]), label))
    r.add("knee:7v:accuracy_drop", Ours(float(knee["accuracy_drop_points"]), label))
    scatter = space_plots.scatter_info(cells, f"7V: {len(cells):,} cells, {epochs} epochs")
    knee_info = hardware_plots.knee_info(cells, front, knee, f"7V true front, {epochs} epochs")

    def draw(fig: Figure) -> None:
        left, right = fig.subplots(1, 2)
        space_plots.render_scatter(left, scatter)
        left.set_xscale("log")
        space_plots.plain_log_ticks(left.xaxis, scatter.x)
        hardware_plots.render_knee(right, knee_info)

    return FigureRecord(
        15, "front-7v", FRONT_TITLE,
        f"Left: validation accuracy against training energy for every cell of {bench.name} "
        f"at {epochs} epochs, coloured by parameters. Right: its accuracy-energy true front, "
        "the most accurate cell and the knee.",
        [*r.figure("fig15_front_7v", (7.0, 2.8), draw),
         r.table(front, "fig15_front_7v.csv"),
         r.table(pd.DataFrame([knee]), "fig15_knee_7v.csv")],
        [f"{len(cells):,} cells, true front {len(front)} cells",
         f"knee: {float(knee['energy_saving_pct']):.1f}% less energy for "
         f"{float(knee['accuracy_drop_points']):.2f} points "
         f"({100 * float(knee['knee_accuracy']):.2f}% at "
         f"{1000 * float(knee['knee_energy_kwh']):.1f} Wh against "
         f"{100 * float(knee['best_accuracy']):.2f}% at "
         f"{1000 * float(knee['best_energy_kwh']):.1f} Wh)"],
        f"{bench.name} at {epochs} epochs", "surrogate")


def fig_radar_7v(r: Reproduction) -> FigureRecord:
    """Figure 16: the 7V front's most accurate, cheapest and knee cells, absolute values."""
    found = _full(r)
    if found is None:
        return FigureRecord(16, "radar-7v", RADAR_TITLE, "", absent=ABSENT_7V)
    bench, epochs = found
    chosen = chosen_cells(space_view.true_front(bench, epochs), space_view.ACC_ENERGY)
    info = absolute_radar_info(chosen, bench, epochs, f"7V true front, {epochs} epochs")
    metrics, values, worst, best = absolute_values(chosen, bench, epochs)
    frame = pd.DataFrame(values, columns=metrics).assign(
        role=chosen["role"].to_numpy(), module_hash=chosen["module_hash"].to_numpy())
    ranges = pd.DataFrame({"metric": metrics, "centre": worst, "rim": best})

    def draw(fig: Figure) -> None:
        render_absolute_radar(fig.add_subplot(projection="polar"), info)

    return FigureRecord(
        16, "radar-7v", RADAR_TITLE,
        "Accuracy, energy, training time and parameters of the most accurate, the cheapest and "
        f"the knee cell of the 7V true front at {epochs} epochs, min-max scaled over all cells "
        "(outwards = better; each axis names the table's range), absolute values below.",
        [*r.figure("fig16_radar_7v", (3.5, 4.0), draw),
         r.table(frame[["role", "module_hash", *metrics]], "fig16_radar_7v.csv"),
         r.table(ranges, "fig16_radar_7v_ranges.csv")],
        [f"{row.role}: {100 * row.validation_accuracy:.2f}% at "
         f"{1000 * row.energy_kwh:.1f} Wh" for row in frame.itertuples(index=False)],
        f"{bench.name} at {epochs} epochs", "surrogate")

"""Figure 11 of ``ecnas reproduce``: GPU energies from the hardware tables and the full 7V knee,
drawn only from tables already on disk (nothing is downloaded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from benchmarks.tables.benchmark import Benchmark
from ecnas_cli.analysis.paper import hardware, space_view
from ecnas_cli.analysis.paper.report import FigureRecord, Ours
from ecnas_cli.plots.paper import hardware as hardware_plots
from ecnas_cli.workflows.reproduction import Reproduction

__all__ = ["ABSENT_7V", "fig_hardware", "hardware_figure"]

HW_TITLE = "hardware tables and the full 7V front"
ABSENT_7V = "the full 7V table is not in the data dir: `ecnas data fetch ecnas-7v` fetches it"


def fig_hardware(r: Reproduction) -> FigureRecord:
    """Figure 11, only from tables already on disk (nothing is downloaded)."""
    gpus = hardware.present_tables([f"ecnas-4v-{g}" for g in hardware.GPUS], r.data_dir)
    full = hardware.present_tables([hardware.FULL_7V], r.data_dir)
    for key in ("knee:7v:energy_saving", "knee:7v:accuracy_drop"):
        r.missing[key] = "" if full else ABSENT_7V
    if len(gpus) < 2 and not full:
        return FigureRecord(11, "hardware", HW_TITLE, "", absent=(
            "neither the official hardware tables nor the full 7V table are in the data dir; "
            "`ecnas data fetch NAME` fetches them (ecnas-7v, ecnas-4v-quadrortx6000, "
            "ecnas-4v-rtx3060, ecnas-4v-rtx3090, ecnas-4v-titanxp)."))
    return hardware_figure(r, {n.removeprefix("ecnas-4v-"): r.bench(n) for n in gpus},
                           r.bench(full[0]) if full else None)


def hardware_figure(r: Reproduction, gpus: dict[str, Benchmark],
                    full: Benchmark | None) -> FigureRecord:
    """Figure 11 from loaded tables: GPU energies (two or more) and/or a 7V front's knee."""
    panels: list[tuple[Callable[[Axes, Any], Axes], Any]] = []
    files, lines = [], []
    if len(gpus) >= 2:
        energy = hardware.gpu_energy({g: b for g, b in gpus.items()},
                               epochs=next(iter(gpus.values())).fidelities[0])
        agree = hardware.gpu_agreement(energy)
        panels.append((hardware_plots.render_gpus, hardware_plots.gpu_info(energy, agree)))
        files += [r.table(energy.reset_index(names="module_hash"), "fig11_gpu_energy.csv"),
                  r.table(agree, "fig11_gpu_agreement.csv")]
        lines += [f"tau({a.gpu_a}, {a.gpu_b}) = {a.kendall_tau:.3f}"
                  for a in agree.itertuples(index=False)]
    if full is not None:
        knee = hardware.front_knee(full)
        r.add("knee:7v:energy_saving", Ours(float(knee["energy_saving_pct"]), full.name))
        r.add("knee:7v:accuracy_drop", Ours(float(knee["accuracy_drop_points"]), full.name))
        panels.append((hardware_plots.render_knee,
                       hardware_plots.knee_info(space_view.space_cells(full),
                                                space_view.true_front(full), knee,
                                                f"{full.name}, {knee['epochs']} epochs")))
        files.append(r.table(pd.DataFrame([knee]), "fig11_knee.csv"))
        lines.append(f"knee: {float(knee['energy_saving_pct']):.1f}% less energy for "
                     f"{float(knee['accuracy_drop_points']):.2f} points (paper: ~87%, ~2.3)")

    def draw(fig: Figure) -> None:
        for ax, (render, info) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels,
                                      strict=True):
            render(ax, info)

    return FigureRecord(11, "hardware", HW_TITLE,
                        "Energy of the same 4V cells measured on different GPUs (rank "
                        "agreement) and the 7V accuracy-energy front with its knee, from the "
                        "tables present.",
                        [*r.figure("fig11_hardware", (3.5 * len(panels), 2.8), draw), *files],
                        lines, ", ".join([*(f"ecnas-4v-{g}" for g in gpus),
                                          *([full.name] if full else [])]),
                        "linearly scaled / surrogate")

"""Figure 11 of ``ecnas reproduce``: the same 4V cells' energies on the four GPUs of the
official hardware tables, drawn only from tables already on disk (nothing is downloaded)."""

from __future__ import annotations

from matplotlib.figure import Figure

from benchmarks.tables.benchmark import Benchmark
from ecnas_cli.analysis.paper import hardware
from ecnas_cli.analysis.paper.report import FigureRecord
from ecnas_cli.plots.paper import hardware as hardware_plots
from ecnas_cli.workflows.reproduction import Reproduction

__all__ = ["ABSENT_7V", "GPU_TABLES", "fig_hardware", "hardware_figure"]

HW_TITLE = "the four-GPU hardware comparison"
ABSENT_7V = "the full 7V table is not in the data dir: `ecnas data fetch ecnas-7v` fetches it"
GPU_TABLES = tuple(f"ecnas-4v-{g}" for g in hardware.GPUS)


def fig_hardware(r: Reproduction) -> FigureRecord:
    """Figure 11, from the hardware tables already on disk (nothing is downloaded)."""
    gpus = hardware.present_tables(list(GPU_TABLES), r.data_dir)
    if len(gpus) < 2:
        return FigureRecord(11, "hardware", HW_TITLE, "", absent=(
            f"{'only one' if gpus else 'none'} of the official hardware tables "
            f"{'is' if gpus else 'are'} in the data dir: `ecnas data fetch NAME` fetches "
            f"them ({', '.join(GPU_TABLES)})"))
    return hardware_figure(r, {n.removeprefix("ecnas-4v-"): r.bench(n) for n in gpus})


def hardware_figure(r: Reproduction, gpus: dict[str, Benchmark]) -> FigureRecord:
    """Figure 11 from two or more loaded hardware tables: each GPU's cell energies against the
    first's (rank agreement), and each GPU's energy distribution over the same cells."""
    energy = hardware.gpu_energy(gpus, epochs=next(iter(gpus.values())).fidelities[0])
    agree = hardware.gpu_agreement(energy)
    info = hardware_plots.gpu_info(energy, agree)

    def draw(fig: Figure) -> None:
        left, right = fig.subplots(1, 2)
        hardware_plots.render_gpus(left, info)
        hardware_plots.render_gpu_spread(right, info)

    medians = energy.median()
    return FigureRecord(11, "hardware", HW_TITLE,
                        f"Energy of the same {len(energy)} 4V cells (4 epochs) measured on "
                        f"{len(gpus)} GPUs: left, each GPU against {info.reference} with the "
                        "Kendall tau of the cell ranking; right, the cell energies per GPU.",
                        [*r.figure("fig11_hardware", (7.0, 2.8), draw),
                         r.table(energy.reset_index(names="module_hash"),
                                 "fig11_gpu_energy.csv"),
                         r.table(agree, "fig11_gpu_agreement.csv")],
                        ["median energy per cell: " + ", ".join(
                            f"{g} {1000 * v:.2f} Wh" for g, v in medians.items()),
                         *(f"tau({a.gpu_a}, {a.gpu_b}) = {a.kendall_tau:.3f}, median energy "
                           f"ratio {a.median_energy_ratio_b_over_a:.3f}"
                           for a in agree.itertuples(index=False))],
                        ", ".join(f"ecnas-4v-{g}" for g in gpus))

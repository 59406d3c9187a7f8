"""``ecnas reproduce``: the EC-NAS paper's figures and findings, regenerated from the tables.

Each figure is one step: compute (``ecnas_cli.analysis.paper``), draw (``ecnas_cli.plots.paper``),
write PNG + PDF + the CSV behind it to ``out``, and return a :class:`FigureRecord` for the README.
Records and recomputed paper numbers are kept in ``<out>/figures.json`` and merged across calls,
so reproducing one figure updates its section of ``README.md`` and ``paper-vs-ecnas.md``.
Figures 2-4 need searches: :mod:`ecnas_cli.workflows.reproduce_search`; figure 11 (GPUs) is in
:mod:`~ecnas_cli.workflows.reproduce_hardware`, the authors' runs (12, 14) in
:mod:`~ecnas_cli.workflows.reproduce_official`, the full 7V table's figures (15, 16) in
:mod:`~ecnas_cli.workflows.reproduce_7v`; the state of a call is a
:class:`~ecnas_cli.workflows.reproduction.Reproduction`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ecnas_cli.analysis.paper import correlations as corr
from ecnas_cli.analysis.paper import hardware, noise, op_swap, scaling, space_view
from ecnas_cli.analysis.paper.report import FigureRecord, Ours
from ecnas_cli.plots.paper import findings as findings_plots
from ecnas_cli.plots.paper import space as space_plots
from ecnas_cli.plots.paper.radar import absolute_radar_info, render_absolute_radar
from ecnas_cli.report.paper import write_paper_index
from ecnas_cli.workflows.reproduce_7v import fig_front_7v, fig_radar_7v
from ecnas_cli.workflows.reproduce_hardware import fig_hardware
from ecnas_cli.workflows.reproduce_official import fig_attainment_7v, fig_official_runs
from ecnas_cli.workflows.reproduce_text import write_text
from ecnas_cli.workflows.reproduction import SAMPLE_7V, SPACES, Reproduction

__all__ = ["FIGURES", "Reproduction", "reproduce"]

WIDE = (7.0, 2.5)


def _hists(infos: list[findings_plots.HistInfo]) -> Callable[[Figure], object]:
    return partial(findings_plots.draw_row, render=findings_plots.render_hist, infos=infos)


# ----- figures without searches ------------------------------------------------------------------
def fig_space(r: Reproduction) -> FigureRecord:
    cells = {s: space_view.space_cells(r.bench(n)) for s, n in SPACES.items()}
    sample = space_view.space_cells(r.bench(SAMPLE_7V))
    infos = [space_plots.scatter_info(cells[s], f"{s.upper()}: {len(cells[s]):,} cells",
                             space_view.true_front(r.bench(n))) for s, n in SPACES.items()]
    infos.append(space_plots.scatter_info(sample, f"7V sample: {len(sample):,} cells"))

    frame = pd.concat([c.assign(space=s) for s, c in
                       [*cells.items(), ("7v-sample", sample)]], ignore_index=True)
    fronts = {s: len(space_view.true_front(r.bench(n))) for s, n in SPACES.items()}
    return FigureRecord(1, "space", "the measured spaces",
                        "Validation accuracy against training energy for every 4V and 5V cell "
                        "(4 epochs), coloured by parameters, with the true accuracy-energy front;"
                        " right: energy against parameters for the 7V sample.",
                        [*r.figure("fig01_space", WIDE,
                                   partial(space_plots.draw_spaces, infos=infos)),
                         r.table(frame, "fig01_space.csv")],
                        [f"true front: {fronts['4v']} cells (4V), {fronts['5v']} cells (5V)"],
                        "ecnas-4v, ecnas-5v (mean over repeats, 4 epochs), "
                        "ecnas-7v-energy-sample (4 epochs)")


def fig_radar(r: Reproduction) -> FigureRecord:
    chosen = {s: space_view.chosen(r.bench(n)) for s, n in SPACES.items()}
    infos = {s: absolute_radar_info(c, r.bench(SPACES[s]), 4, f"{s.upper()} true front")
             for s, c in chosen.items()}

    def draw(fig: Figure) -> None:
        for k, info in enumerate(infos.values()):
            render_absolute_radar(fig.add_subplot(1, 2, k + 1, projection="polar"), info)

    frame = pd.concat([c.assign(space=s) for s, c in chosen.items()], ignore_index=True)
    return FigureRecord(5, "radar", "extreme and knee cells",
                        "Accuracy, energy, training time and parameters of the most accurate, "
                        "the cheapest and the knee cell of each true front, min-max scaled "
                        "over all cells (outwards = better; each axis names the table's range, "
                        "centre -> rim), and their absolute values in the table below.",
                        [*r.figure("fig05_radar", (7.0, 4.0), draw),
                         r.table(frame, "fig05_radar.csv")],
                        [f"{s.upper()} knee: {100 * c['validation_accuracy'].iat[2]:.1f}% at "
                         f"{c['energy_kwh'].iat[2]:.4f} kWh" for s, c in chosen.items()],
                        "ecnas-4v, ecnas-5v true fronts (4 epochs)")


SWAP_METRICS = ("energy_kwh", "training_time_s", "trainable_params", "validation_accuracy")


def fig_op_swap(r: Reproduction) -> FigureRecord:
    names = {"4V": SPACES["4v"], "5V": SPACES["5v"], "7V sample": SAMPLE_7V}
    impacts, pairs = {}, {}
    for label, name in names.items():
        cells = op_swap.cell_table(r.bench(name), None, SWAP_METRICS)
        pairs[label] = len(op_swap.swap_pairs(cells)) // 2
        impacts[label] = op_swap.impact(cells, [m for m in SWAP_METRICS if m in cells])
        for row in impacts[label].itertuples(index=False):
            mean = f"; mean relative change {row.mean:+.2f}" if row.kind != "absolute" else ""
            r.add(f"swap:{row.old_op}:{row.new_op}:{row.metric}",
                  Ours(row.symmetric, f"{label} measured, {row.pairs:,} pairs{mean}",
                       row.symmetric_low, row.symmetric_high))
    frame = pd.concat([i.assign(data=k) for k, i in impacts.items()], ignore_index=True)
    e = impacts["5V"].query("metric == 'energy_kwh'").set_index(["old_op", "new_op"])["mean"]
    return FigureRecord(6, "op_swap", "operation-swap impact",
                        "Mean change when one vertex's operation is replaced (same matrix, one "
                        "op differs): relative change (%) of energy, time and parameters, "
                        "absolute change of validation accuracy (points); n/a = not measured.",
                        [*r.figure("fig06_op_swap", (7.0, 5.6), partial(
                            findings_plots.draw_heat_grid, impacts=impacts, metrics=SWAP_METRICS)),
                         r.table(frame, "fig06_op_swap.csv")],
                        [f"pairs: {', '.join(f'{k} {v:,}' for k, v in pairs.items())}",
                         "5V energy: conv3x3 -> conv1x1 "
                         f"{e[('conv3x3-bn-relu', 'conv1x1-bn-relu')]:+.1f}%, conv3x3 -> maxpool "
                         f"{e[('conv3x3-bn-relu', 'maxpool3x3')]:+.1f}% (paper, 7V: -17.7%, "
                         "-32.1%); 95% bootstrap intervals in the CSV"],
                        "ecnas-4v, ecnas-5v (4 epochs), ecnas-7v-energy-sample (energy and "
                        "params only)")


def fig_proxies(r: Reproduction) -> FigureRecord:
    sets = {"4V": space_view.space_cells(r.bench(SPACES["4v"])),
            "5V": space_view.space_cells(r.bench(SPACES["5v"])),
            "7V sample": space_view.space_cells(r.bench(SAMPLE_7V))}
    table = pd.concat([corr.rank_correlations(c, k) for k, c in sets.items()], ignore_index=True)
    for row in table.itertuples(index=False):
        if row.space in ("4V", "5V", "7V sample") and row.proxy != "flops":
            short = "time" if row.proxy == "training_time_s" else "params"
            space = row.space.lower().replace(" ", "-")  # 4v, 5v, 7v-sample
            r.add(f"tau:energy:{short}:{space}", Ours(row.kendall_tau, f"{row.space} measured, "
                                                 f"{row.cells:,} cells"))
    r.missing["tau:surrogate"] = ("not recomputed here (it trains a model): "
                                  "`ecnas surrogate eval` reports it")
    tau = table.set_index(["space", "proxy"])
    panels = [("4V", "training_time_s", "training time (s)"),
              ("5V", "training_time_s", "training time (s)"),
              ("5V", "trainable_params", "trainable parameters"),
              ("7V sample", "trainable_params", "trainable parameters")]
    infos = [space_plots.proxy_info(sets[s], p, lab, s, tau.loc[(s, p), "kendall_tau"],
                           tau.loc[(s, p), "misranked_share"]) for s, p, lab in panels]

    def draw(fig: Figure) -> None:
        axes = findings_plots.draw_row(fig, space_plots.render_proxy, infos)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)

    gaps = corr.rank_gap(sets["5V"])
    return FigureRecord(7, "proxies", "energy against training time and parameters",
                        "Training energy against training time and parameters per cell "
                        "(log-log); ringed: the 2% of cells whose energy rank and proxy rank "
                        "differ most. Misranked pairs: both apart by >5%, ordered oppositely.",
                        [*r.figure("fig07_proxies", (7.0, 2.6), draw),
                         r.table(table, "fig07_proxies.csv"),
                         r.table(gaps.head(50), "fig07_rank_gaps_5v.csv")],
                        [f"{row.space}: tau(energy, {row.proxy}) = {row.kendall_tau:.3f}, "
                         f"misranked {100 * row.misranked_share:.1f}% of pairs"
                         for row in table.itertuples(index=False)],
                        "ecnas-4v, ecnas-5v (4 epochs), ecnas-7v-energy-sample")


def fig_tradeoffs(r: Reproduction) -> FigureRecord:
    table = space_view.tradeoffs({s: r.bench(n) for s, n in SPACES.items()})
    for s, n in SPACES.items():
        knee = hardware.front_knee(r.bench(n))
        label = f"{s.upper()} measured true front, 4 epochs (not 7V)"
        # ours only: 4-epoch accuracy is not the paper's 108-epoch 7V front
        r.add(f"knee:{s}:4epochs:energy_saving", Ours(float(knee["energy_saving_pct"]), label))
        r.add(f"knee:{s}:4epochs:accuracy_drop",
              Ours(float(knee["accuracy_drop_points"]), label))
    info = space_plots.tradeoff_info(table)
    lines = [f"{row.space.upper()}, within {row.within_points:g} points: "
             f"{row.saving_pct:.1f}% less energy for {row.drop_points:.2f} points"
             for row in table.itertuples(index=False)]
    return FigureRecord(8, "tradeoffs", "trade-off table",
                        "The cheapest true-front cell within 0.25 ... 5 accuracy points of the "
                        "most accurate cell, and its energy saving.",
                        [*r.figure("fig08_tradeoffs", (3.5, 2.6),
                                   lambda fig: space_plots.render_tradeoffs(fig.add_subplot(),
                                                                            info) and None),
                         r.table(table, "fig08_tradeoffs.csv")],
                        lines, "ecnas-4v, ecnas-5v true fronts (4 epochs)")


def fig_noise(r: Reproduction) -> FigureRecord:
    bench = r.bench(SPACES["4v"])
    cv = noise.repeat_cv(bench)
    floor = noise.noise_floor(bench, space_view.ACC_ENERGY, draws=50 if r.quick else 200)
    infos = [findings_plots.hist_info(cv["cv_energy_kwh"], "CV of energy over repeats (%)",
                                      "energy"),
             findings_plots.hist_info(cv["cv_validation_accuracy"], "CV of val. accuracy (%)",
                                      "validation accuracy"),
             findings_plots.hist_info(100 * floor, "hypervolume shortfall vs means (%)",
                          "one random repeat per cell", lines=[("means", 0.0, "--")])]

    q = [float(v) for v in pd.Series(100 * floor).quantile([0.05, 0.5, 0.95])]
    write = [*r.figure("fig09_noise", WIDE, _hists(infos)), r.table(cv, "fig09_noise_cv.csv"),
             r.table(pd.DataFrame({"draw": range(len(floor)), "hv_change": floor}),
                     "fig09_noise_floor.csv")]
    return FigureRecord(9, "noise", "measurement noise",
                        "Repeat variability on 4V (3 repeats per cell, 4 epochs) and how far "
                        "the true front's hypervolume moves when each cell is one random repeat "
                        "instead of the mean.",
                        write,
                        [f"median CV: energy {cv['cv_energy_kwh'].median():.2f}%, validation "
                         f"accuracy {cv['cv_validation_accuracy'].median():.2f}%, time "
                         f"{cv['cv_training_time_s'].median():.2f}%",
                         f"hypervolume change 5-95%: [{q[0]:.2f}%, {q[2]:.2f}%] (median "
                         f"{q[1]:.2f}%): regret differences between strategies below ~"
                         f"{noise.noise_band(floor):.3f} are within measurement noise (figure 4 "
                         "compares)"],
                        "ecnas-4v, all 3 repeats, 4 epochs")


def fig_scaling(r: Reproduction) -> FigureRecord:
    ratios = {s: scaling.checkpoint_ratios(r.bench(n)) for s, n in SPACES.items()}
    summ = {s: scaling.scaling_summary(t, s) for s, t in ratios.items()}
    s5 = summ["5v"]
    r.add("scaling:ratio_4_2:5v", Ours(float(s5["ratio_median"]), "5V measured, "
                                       f"{s5['runs']:,} runs", float(s5["ratio_q25"]),
                                       float(s5["ratio_q75"])))
    r.add("scaling:fixed_share:5v", Ours(float(s5["fixed_share_of_median_ratio_pct"]),
                                         "5V measured, from the median ratio"))
    t5 = ratios["5v"]
    infos = [findings_plots.hist_info(t5["ratio"], "E(4 epochs) / E(2 epochs)",
                                      "5V: checkpoint ratio",
                                      lines=[("proportional 2.0", 2.0, "--")]),
             findings_plots.hist_info(ratios["4v"]["ratio"], "E(4 epochs) / E(1 epoch)",
                                      "4V: checkpoint ratio",
                                      lines=[("proportional 4.0", 4.0, "--")]),
             findings_plots.hist_info(t5["scaling_error_pct"], "overstatement at 108 epochs (%)",
                          "5V: linear scaling error")]

    frame = pd.concat([t.assign(space=s) for s, t in ratios.items()], ignore_index=True)
    return FigureRecord(10, "scaling", "linear scaling check",
                        "Energy at the last checkpoint over an earlier one of the same run; a "
                        "ratio below proportional means a fixed, epoch-independent part, which "
                        "linear scaling to 108 epochs multiplies by 27.",
                        [*r.figure("fig10_scaling", WIDE, _hists(infos)),
                         r.table(frame, "fig10_scaling.csv"),
                         r.table(pd.DataFrame(list(summ.values())), "fig10_scaling_summary.csv")],
                        [f"{s.upper()}: median E({v['e2']})/E({v['e1']}) = "
                         f"{float(v['ratio_median']):.3f} (proportional "
                         f"{v['proportional_ratio']:g}), fixed share "
                         f"{float(v['fixed_share_pct_median']):.1f}%, linear "
                         f"scaling to 108 epochs overstates energy by "
                         f"{float(v['scaling_error_pct_median']):.1f}% (median)"
                         for s, v in summ.items()],
                        "ecnas-4v (1 and 4 epochs, 3 repeats), ecnas-5v (2 and 4 epochs)")


Step = Callable[[Reproduction], FigureRecord]


def _search_step(name: str, module: str = "reproduce_search") -> Step:
    """A figure of a module that runs searches, imported when first drawn: the figures that
    need no search do not depend on the runner."""

    def step(r: Reproduction) -> FigureRecord:
        import importlib
        return getattr(importlib.import_module(f"ecnas_cli.workflows.{module}"), name)(r)

    step.__name__ = name
    return step


#: Figure name -> step, in figure order; ``ecnas reproduce NAME ...`` picks some.
FIGURES: dict[str, Step] = {
    "space": fig_space, "fronts": _search_step("fig_fronts"),
    "attainment": _search_step("fig_attainment"), "regret": _search_step("fig_regret"),
    "radar": fig_radar, "op-swap": fig_op_swap,
    "proxies": fig_proxies, "tradeoffs": fig_tradeoffs, "noise": fig_noise,
    "scaling": fig_scaling, "hardware": fig_hardware, "official-runs": fig_official_runs,
    "paper-search": _search_step("fig_paper_search", "reproduce_paper_search"),
    "attainment-7v": fig_attainment_7v, "front-7v": fig_front_7v, "radar-7v": fig_radar_7v}


def reproduce(figures: Sequence[str] = (), *, out: Path, seeds: int = 10, jobs: int = 1,
              quick: bool = False, data_dir: Path | None = None, raw_dir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> list[FigureRecord]:
    """Make ``figures`` (default: all of :data:`FIGURES`) in ``out``; update ``README.md``,
    ``paper-vs-ecnas.md`` and ``figures.json`` there. ``quick``: fewer seeds and a smaller
    search budget (see :mod:`~ecnas_cli.workflows.reproduce_search`)."""
    names = list(figures) or list(FIGURES)
    bad = [n for n in names if n not in FIGURES]
    if bad:
        raise ValueError(f"unknown figure {bad[0]!r}; valid: {', '.join(FIGURES)}")
    if seeds < 1 or jobs < 1:
        raise ValueError(f"--seeds and --jobs must be >= 1, got {seeds} and {jobs}")
    r = Reproduction(Path(out), seeds, jobs, quick, data_dir, raw_dir)
    r.out.mkdir(parents=True, exist_ok=True)
    records = []
    for name in names:
        if progress is not None:
            progress(name)
        records.append(FIGURES[name](r))
    write_text(r, records)
    write_paper_index(r.out)
    return records

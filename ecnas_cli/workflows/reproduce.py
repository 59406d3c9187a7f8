"""``ecnas reproduce``: the EC-NAS paper's figures and findings, regenerated from the tables.

Each figure is one step: compute (``ecnas_cli.analysis.paper``), draw (``ecnas_cli.plots.paper``),
write PNG + PDF + the CSV behind it to ``out``, and return a :class:`FigureRecord` for the README.
Records and recomputed paper numbers are kept in ``<out>/figures.json`` and merged across calls,
so reproducing one figure updates its section of ``README.md`` and ``paper-vs-ecnas.md``.
Figures 2-4 need searches: :mod:`ecnas_cli.workflows.reproduce_search`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.analysis.paper import correlations as corr
from ecnas_cli.analysis.paper import hardware, noise, op_swap, scaling, space_view
from ecnas_cli.analysis.paper.report import (
    FigureRecord,
    Ours,
    State,
    merge_state,
    paper_vs_ecnas,
    readme,
)
from ecnas_cli.files import atomic_path, dumps, write_table
from ecnas_cli.plots.comparison import radar_info, render_radar
from ecnas_cli.plots.paper import findings as findings_plots
from ecnas_cli.plots.paper import hardware as hardware_plots
from ecnas_cli.plots.paper import space as space_plots
from ecnas_cli.plots.style import paper_figure, save_figure
from ecnas_cli.report.paper import write_paper_index

__all__ = ["FIGURES", "Reproduction", "reproduce"]

SPACES = {"4v": "ecnas-4v", "5v": "ecnas-5v"}
SAMPLE_7V = "ecnas-7v-energy-sample"
RECORDS = "figures.json"
WIDE = (7.0, 2.5)


@dataclass
class Reproduction:
    """One ``ecnas reproduce`` call: settings, loaded tables, and what it has written."""

    out: Path
    seeds: int = 10
    jobs: int = 1
    quick: bool = False
    data_dir: Path | None = None
    raw_dir: Path | None = None
    ours: dict[str, list[Ours]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    _benches: dict[str, Benchmark] = field(default_factory=dict)

    def bench(self, name: str) -> Benchmark:
        if name not in self._benches:
            self._benches[name] = load_benchmark(name, data_dir=self.data_dir,
                                                 raw_dir=self.raw_dir)
        return self._benches[name]

    def figure(self, stem: str, size: tuple[float, float],
               draw: Callable[[Figure], object]) -> list[str]:
        """Draw once, save ``stem.png`` and ``stem.pdf``; return the names written."""
        with paper_figure(size) as fig:
            draw(fig)
            for ext in ("png", "pdf"):
                save_figure(fig, self.out / f"{stem}.{ext}")
        return [f"{stem}.png", f"{stem}.pdf"]

    def table(self, frame: pd.DataFrame, name: str) -> str:
        write_table(frame.round(10), self.out / name)  # rounding: identical CSV across runs
        return name

    def add(self, key: str, value: Ours) -> None:
        self.ours.setdefault(key, []).append(value)


def _hists(infos: list[findings_plots.HistInfo]) -> Callable[[Figure], object]:
    return partial(findings_plots.draw_row, render=findings_plots.render_hist, infos=infos)


# ----- figures without searches ------------------------------------------------------------------
def fig_space(r: Reproduction) -> FigureRecord:
    cells = {s: space_view.space_cells(r.bench(n)) for s, n in SPACES.items()}
    sample = space_view.space_cells(r.bench(SAMPLE_7V))
    infos = [space_plots.scatter_info(cells[s], f"{s.upper()}: {len(cells[s]):,} cells",
                                      space_view.true_front(r.bench(n)))
             for s, n in SPACES.items()]
    infos.append(space_plots.scatter_info(sample, f"7V sample: {len(sample):,} cells"))

    frame = pd.concat([c.assign(space=s) for s, c in
                       [*cells.items(), ("7v-sample", sample)]], ignore_index=True)
    fronts = {s: len(space_view.true_front(r.bench(n))) for s, n in SPACES.items()}
    return FigureRecord(1, "space", "the measured spaces",
                        "Validation accuracy against training energy for every 4V and 5V cell "
                        "(4 epochs), coloured by parameters, with the true accuracy-energy front;"
                        " right: energy against parameters for the 7V sample.",
                        [*r.figure("fig01_space", WIDE, partial(space_plots.draw_spaces,
                                                                infos=infos)),
                         r.table(frame, "fig01_space.csv")],
                        [f"true front: {fronts['4v']} cells (4V), {fronts['5v']} cells (5V)"],
                        "ecnas-4v, ecnas-5v (mean over repeats, 4 epochs), "
                        "ecnas-7v-energy-sample (4 epochs)")


def fig_radar(r: Reproduction) -> FigureRecord:
    chosen = {s: space_view.chosen(r.bench(n)) for s, n in SPACES.items()}
    infos = {s: radar_info(c, r.bench(SPACES[s]), space_view.ACC_ENERGY, 4)
             for s, c in chosen.items()}

    def draw(fig: Figure) -> None:
        for k, (s, info) in enumerate(infos.items()):
            ax = fig.add_subplot(1, 2, k + 1, projection="polar")
            render_radar(ax, info)
            ax.set_title(f"{s.upper()} true front", pad=12)

    frame = pd.concat([c.assign(space=s) for s, c in chosen.items()], ignore_index=True)
    return FigureRecord(5, "radar", "extreme and knee cells",
                        "Accuracy, energy, training time and parameters of the most accurate, "
                        "the cheapest and the knee cell of each true front, min-max scaled "
                        "over all cells (outwards = better).",
                        [*r.figure("fig05_radar", (7.0, 3.2), draw),
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
            r.add(f"swap:{row.old_op}:{row.new_op}:{row.metric}",
                  Ours(row.mean, f"{label} measured, {row.pairs:,} pairs", row.ci_low,
                       row.ci_high))
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
            r.add(f"tau:energy:{short}:4v", Ours(row.kendall_tau, f"{row.space} measured, "
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
    for s, n in SPACES.items():  # the paper's knee is on 7V; ours on the measured spaces
        knee = hardware.front_knee(r.bench(n))
        label = f"{s.upper()} measured true front, 4 epochs (not 7V)"
        r.add("knee:7v:energy_saving", Ours(float(knee["energy_saving_pct"]), label))
        r.add("knee:7v:accuracy_drop", Ours(float(knee["accuracy_drop_points"]), label))
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
                                      "one random repeat per cell",
                                      lines=[("means", 0.0, "--")])]

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


Step = Callable[[Reproduction], FigureRecord]


def _search_step(name: str) -> Step:
    """A figure of :mod:`.reproduce_search`, imported when first drawn: the figures that need
    no search do not depend on the runner."""

    def step(r: Reproduction) -> FigureRecord:
        from ecnas_cli.workflows import reproduce_search
        return getattr(reproduce_search, name)(r)

    step.__name__ = name
    return step


#: Figure name -> step, in figure order; ``ecnas reproduce NAME ...`` picks some.
FIGURES: dict[str, Step] = {
    "space": fig_space, "fronts": _search_step("fig_fronts"),
    "attainment": _search_step("fig_attainment"), "regret": _search_step("fig_regret"),
    "radar": fig_radar, "op-swap": fig_op_swap,
    "proxies": fig_proxies, "tradeoffs": fig_tradeoffs, "noise": fig_noise,
    "scaling": fig_scaling, "hardware": fig_hardware}


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
    _write_text(r, records)
    write_paper_index(r.out)
    return records


def _write_text(r: Reproduction, records: list[FigureRecord]) -> None:
    """Merge with earlier records in ``figures.json``; write README and the paper table."""
    path = r.out / RECORDS
    state = merge_state(json.loads(path.read_text()) if path.is_file() else None,
                        State(records, r.ours, r.missing))
    flags = (" --quick" if r.quick else "") + (f" --seeds {r.seeds}" if r.seeds != 10 else "")
    for name, text in ((RECORDS, dumps(state.to_json()) + "\n"),
                       ("README.md", readme(state.figures,
                                            command=f"ecnas reproduce --out {r.out}{flags}")),
                       ("paper-vs-ecnas.md", paper_vs_ecnas(state.numbers, state.missing))):
        with atomic_path(r.out / name) as tmp:
            tmp.write_text(text)

"""Tests for ecnas_cli.plots.front (figure data by hand, PNGs under Agg) and the pareto/compare
commands (CliRunner on real ecnas-5v runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import parse_objectives
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.analysis.comparison import attainment, curve_bands, curves
from ecnas_cli.cli import app
from ecnas_cli.plots import comparison as comparison_plots
from ecnas_cli.plots import front as front_plots
from ecnas_cli.plots import style
from ecnas_cli.plots.panels import panel_groups, panels_size, render_panels
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.store import RunResult

OBJS = parse_objectives("validation_accuracy:max,energy_kwh:min")
PNG = b"\x89PNG\r\n\x1a\n"
# Tiny table: a (mean accuracy 0.8 over two repeats, 4 kWh), b (0.6, 2), c (0.4, 1), d (0.5, 3).
CELLS = {"a": [(0.9, 4.0), (0.7, 4.0)], "b": [(0.6, 2.0)], "c": [(0.4, 1.0)], "d": [(0.5, 3.0)]}


@pytest.fixture
def bench() -> Benchmark:
    rows = [{"module_hash": h, "epochs": 4, "repeat": r, "validation_accuracy": acc,
             "energy_kwh": e, "trainable_params": 1000.0 * e, "training_time_s": 10.0 * e}
            for h, reps in CELLS.items() for r, (acc, e) in enumerate(reps)]
    return Benchmark(pd.DataFrame(rows), {"name": "tiny", "space": "4v"})


@pytest.fixture
def problem(bench: Benchmark) -> Problem:
    return Problem.from_benchmark(bench)


def tiny_run(hashes: list[str], strategy: str = "random") -> RunResult:
    energy = [CELLS[h][0][1] for h in hashes]
    trials = pd.DataFrame({"index": range(len(hashes)), "module_hash": hashes, "epochs": 4,
                           "validation_accuracy": [CELLS[h][0][0] for h in hashes],
                           "energy_kwh": energy, "cumulative_energy_kwh": np.cumsum(energy)})
    meta = {"benchmark": "tiny", "strategy": strategy, "epochs": 4, "spawn_key": [0],
            "objectives": [str(o) for o in OBJS]}
    return RunResult(trials, meta)


# ----- figure data --------------------------------------------------------------------------------
def test_staircase_by_hand() -> None:
    front = np.array([[0.6, 2.0], [0.8, 4.0], [0.4, 1.0], [0.5, 3.0]])  # (0.5, 3) is dominated
    steps = style.staircase(front, OBJS, nadir=np.array([-0.4, 4.0]))
    expected = [[0.8, 4], [0.8, 4], [0.6, 4], [0.6, 2], [0.4, 2], [0.4, 1], [0.4, 1]]
    np.testing.assert_allclose(steps, expected)
    assert style.staircase(np.empty((0, 2)), OBJS, np.zeros(2)).shape == (0, 2)


def test_front_info(problem: Problem) -> None:
    info = front_plots.front_info(tiny_run(["d", "b", "a"]), problem)
    assert (info.x.metric, info.y.metric) == ("energy_kwh", "validation_accuracy")
    assert style.axis_label(info.x) == "training energy (kWh)"
    assert style.axis_label(info.y) == "validation accuracy (%)"
    assert style.dominated_corner(info.x, info.y) == "lower right"
    assert sorted(info.table.tolist()) == [[1, 0.4], [2, 0.6], [3, 0.5], [4, 0.8]]  # (x, y)
    assert info.evaluated.tolist() == [[3, 0.5], [2, 0.6], [4, 0.8]]  # mean values, in order
    # Closed at the nadir: from (4 kWh, best accuracy) to (least energy, 0.4 = worst accuracy).
    np.testing.assert_allclose(info.true_front[[0, -1]], [[4, 0.8], [1, 0.4]])
    marks = {name: (x, y) for name, x, y in info.marks}
    assert marks == {"highest accuracy": (4, 0.8), "lowest energy": (2, 0.6), "knee": (4, 0.8)}


def test_curves_and_radar_info(bench: Benchmark, problem: Problem) -> None:
    table = curves([tiny_run(["d", "b", "a"]), tiny_run(["c", "b"], "nsga2")], problem)
    info = comparison_plots.curves_info(curve_bands(table), "evals", log=True)
    assert list(info.series) == ["random", "nsga2"] and info.log
    assert info.runs == {"random": 1, "nsga2": 1}
    assert info.series["random"][0].tolist() == [1, 2, 3]
    assert info.xlabel == "evaluations"
    cells = pd.DataFrame({"role": ["best validation accuracy", "knee"], "module_hash": ["a", "b"]})
    radar = comparison_plots.radar_info(cells, bench, OBJS, 4)
    assert radar.names == ["highest accuracy", "knee"]
    assert radar.axes == ["validation accuracy", "training energy", "training time",
                          "trainable parameters"]
    np.testing.assert_allclose(radar.values, [[1.0, 0, 0, 0], [0.5, 2 / 3, 2 / 3, 2 / 3]])


def test_attainment_info(bench: Benchmark, problem: Problem) -> None:
    runs = [tiny_run(["a", "b", "c"]), tiny_run(["b", "c"]), tiny_run(["b"])]
    info = comparison_plots.attainment_info(attainment(runs, problem), OBJS, bench, 4,
                              bench.true_front(OBJS, epochs=4))
    # 50%: b and c (two runs of three); plot coordinates are (energy, accuracy).
    np.testing.assert_allclose(info.median["random"][1:-1], [[2, 0.6], [2, 0.4], [1, 0.4]])
    assert info.band["random"].shape[1] == 2
    (x0, x1), (y0, y1) = info.limits
    assert x0 < 1 < 4 < x1 and y0 < 0.4 < 0.8 < y1


def test_attainment_panels(bench: Benchmark, problem: Problem, tmp_path: Path) -> None:
    """One panel per strategy beside the references: the reference's 50% line in its neutral
    style and without a band, the strategy's own colour and band the same in every figure."""
    runs = [tiny_run(["a", "b", "c"]), tiny_run(["b", "c"]), tiny_run(["c"], "nsga2"),
            tiny_run(["d"], "nsga2"), tiny_run(["a"], "semo")]
    info = comparison_plots.attainment_info(attainment(runs, problem), OBJS, bench, 4,
                                            problem.true_front)
    refs = ("random", "random-genome")
    groups = panel_groups(list(info.median), refs)
    assert groups == [["nsga2", "random"], ["semo", "random"]]
    with style.paper_figure(panels_size(len(groups))) as fig:
        axes = render_panels(fig, groups, lambda ax, names: comparison_plots.render_attainment(
            ax, info, names, refs))
        labels = [[line.get_label() for line in ax.get_lines()] for ax in axes]
        assert labels == [["random (50%)", "nsga2 (50%)", "true front"],
                          ["random (50%)", "semo (50%)", "true front"]]
        assert [len(ax.patches) for ax in axes] == [1, 1]  # the strategy's band only
        assert axes[0].get_lines()[0].get_color() == "0.15"  # the reference, neutral
        assert axes[0].get_lines()[1].get_color() == "C1"  # nsga2: its place in info
        assert axes[1].get_lines()[1].get_color() == "C2"
        front = axes[0].get_lines()[2]  # apart from the references' dashed and dotted lines
        assert front.get_linestyle() == "-" and front.get_color() == "0.8"
        assert axes[0].get_xlim() == axes[1].get_xlim() == info.limits[0]  # shared axes
        assert style.save_figure(fig, tmp_path / "att.png").read_bytes().startswith(PNG)


# ----- every figure writes a PNG (and a PDF) under Agg --------------------------------------------
def test_every_figure_writes_png(bench: Benchmark, problem: Problem, tmp_path: Path) -> None:
    runs = [tiny_run(["d", "b", "a"]), tiny_run(["c", "b"]), tiny_run(["c", "a"], "nsga2"),
            tiny_run(["d", "a"], "nsga2")]
    table = curves(runs, problem)
    cells = pd.DataFrame({"role": ["knee"], "module_hash": ["b"]})
    draws = {
        "front": (None, front_plots.render_front, front_plots.front_info(runs[0], problem)),
        "curves": (None, comparison_plots.render_curves,
                   comparison_plots.curves_info(curve_bands(table))),
        "attainment": (None, comparison_plots.render_attainment, comparison_plots.attainment_info(
            attainment(runs, problem), OBJS, bench, 4, problem.true_front)),
        "radar": ("polar", comparison_plots.render_radar,
                  comparison_plots.radar_info(cells, bench, OBJS, 4)),
    }
    for name, (projection, render, info) in draws.items():
        with style.paper_figure() as fig:
            assert render(fig.add_subplot(projection=projection), info) is not None
            png = style.save_figure(fig, tmp_path / f"{name}.png")
            pdf = style.save_figure(fig, tmp_path / f"{name}.pdf")
        assert png.read_bytes().startswith(PNG) and pdf.read_bytes().startswith(b"%PDF")
    with style.paper_figure() as fig, pytest.raises(ValueError, match=r"\.png or \.pdf"):
        style.save_figure(fig, tmp_path / "x.svg")
    assert not list(tmp_path.glob(".*tmp"))
    if "matplotlib.pyplot" in sys.modules:  # figures are made without pyplot: none leaks
        assert not sys.modules["matplotlib.pyplot"].get_fignums()


# ----- the commands, on real ecnas-5v runs --------------------------------------------------------
@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    data = tmp_path_factory.mktemp("data")
    out = tmp_path_factory.mktemp("runs")
    problem = Problem.from_benchmark(load_benchmark("ecnas-5v", data_dir=data))  # embedded
    for strategy in ("random", "nsga2"):
        for k in range(3):
            run_search(problem, strategy, budget=60, seed=k, out=out)
    return out / "ecnas-5v", data


def _invoke(args: list[str]) -> Result:
    """Run ``ecnas ARGS`` through the real command-line app."""
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_pareto_show_and_plot(runs_dir: tuple[Path, Path], tmp_path: Path) -> None:
    root, data = runs_dir
    run = root / "random" / "seed-0"
    res = _invoke(["pareto", "show", str(run), "--data-dir", str(data), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["summary"]["evaluations"] == 60 and 0 <= report["summary"]["regret"] < 1
    assert len(report["tradeoff"]) == 6 and report["knee"]["module_hash"]
    cov = report["coverage"]
    assert 0 <= cov["true_cells_found"] <= cov["true_cells"] == 13  # ecnas-5v's true front
    assert cov["best_accuracy"] == max(c["validation_accuracy"] for c in report["front"])
    res = _invoke(["pareto", "show", str(run), "--data-dir", str(data)])
    assert res.exit_code == 0 and "knee" in res.output and "regret" in res.output
    assert f"true-front cells found: {cov['true_cells_found']:.0f} of 13" in res.output
    res = _invoke(["pareto", "plot", str(run), "--data-dir", str(data)])
    assert res.exit_code == 0 and (run / "front.png").read_bytes().startswith(PNG)
    out = tmp_path / "f.pdf"
    assert _invoke(["pareto", "plot", str(run), "--out", str(out), "--log-x",
                                    "--data-dir", str(data)]).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_compare_writes_figures_and_stats(runs_dir: tuple[Path, Path], tmp_path: Path) -> None:
    root, data = runs_dir
    out = tmp_path / "cmp"
    res = _invoke(["compare", str(root / "random"), str(root / "nsga2"), "--x", "energy",
                   "--log", "--out", str(out), "--data-dir", str(data), "--json"])
    assert res.exit_code == 0, res.output
    data_out = json.loads(res.output)
    assert [s["strategy"] for s in data_out["stats"]] == ["random", "nsga2"]
    assert len(data_out["pairwise"]) == 1
    for name in ("curves", "attainment", "radar"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG)
        assert (out / f"{name}.pdf").stat().st_size > 0
    stats = pd.read_csv(out / "stats.csv")
    assert stats["runs"].tolist() == [3, 3]
    # IGD+ to the true front, normalised by the table: 60 evaluations find part of it
    assert all(0 < s["final_igd_plus_median"] < 0.5 for s in data_out["stats"])
    res = _invoke(["compare", str(root), "--out", str(out), "--data-dir", str(data)])
    assert res.exit_code == 0 and "Mann-Whitney" in res.output


def test_commands_bad_input_exit_2(runs_dir: tuple[Path, Path], tmp_path: Path) -> None:
    root, data = runs_dir
    (tmp_path / "empty").mkdir()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("{oops")
    other = tmp_path / "other"
    meta = json.loads((root / "random" / "seed-0" / "run.json").read_text())
    other.mkdir()
    (other / "trials.csv").write_bytes((root / "random" / "seed-0" / "trials.csv").read_bytes())
    (other / "run.json").write_text(json.dumps({**meta, "objectives": [
        "validation_accuracy:max", "trainable_params:min"]}))
    cases = [[str(tmp_path / "missing")], [str(tmp_path / "empty")], [str(bad)],
             [str(root / "random"), str(other)]]
    for args in cases:
        res = _invoke(["compare", *args, "--data-dir", str(data), "--out",
                       str(tmp_path / "o")])
        assert res.exit_code == 2, (args, res.output)
        assert res.output.startswith("error:") and res.output.count("\n") == 1, res.output
    res = _invoke(["pareto", "show", str(root), "--data-dir", str(data)])
    assert res.exit_code == 2 and "give one seed directory" in res.output


def test_compare_references_effects_and_whole_front(runs_dir: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    root, data = runs_dir
    out = tmp_path / "cmp"
    res = _invoke(["compare", str(root), "--out", str(out), "--data-dir", str(data), "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["missing_references"] == ["random-genome"] and "Mann-Whitney" in got["test"]
    (pair,) = got["pairwise"]
    assert (pair["a"], pair["b"], pair["against_reference"]) == ("nsga2", "random", True)
    assert pair["a12_low"] <= pair["a12"] <= pair["a12_high"]
    assert pair["median_diff_low"] <= pair["median_diff"] <= pair["median_diff_high"]
    assert len(got["coverage"]) == 2 * got["true_cells"]  # every true cell, per strategy
    assert {r["strategy"] for r in got["ecdf_evals"]} == {"random", "nsga2"}
    for name in ("coverage.csv", "ecdf_evals.csv", "ecdf_energy.csv", "ecdf_evals.png",
                 "ecdf_energy.pdf"):
        assert (out / name).stat().st_size > 0
    res = _invoke(["compare", str(root), "--out", str(out), "--data-dir", str(data),
                   "--reference", "nsga2"])
    assert res.exit_code == 0 and "true-front cells /13" in res.output
    assert "random-genome" not in res.output and "worth %" in res.output
    bad = tmp_path / "bad"
    res = _invoke(["compare", str(root), "--out", str(bad), "--data-dir", str(data),
                   "--reference", "random,,x"])
    assert res.exit_code == 2 and "--reference" in res.output and not bad.exists()

"""Tests for ``ecnas reproduce`` (ecnas_cli.workflows.reproduce and reproduce_search).

Covers: every figure that needs no search on the real 4V/5V/7V-sample tables (files, README,
paper table, byte-identical figures on a second run), figure 11 from generated tables and its
one-line absence (figures 11, 15 and 16 on generated official-format files:
test_reproduce_7v), the search figures 2-4 with ``--quick`` (3 seeds, 150 evaluations, every
registered strategy) including the run cache, and the command's errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.commands import reproduce as reproduce_cmd
from ecnas_cli.run.store import load_runs
from ecnas_cli.workflows.reproduce import FIGURES, reproduce
from ecnas_cli.workflows.reproduce_hardware import hardware_figure
from ecnas_cli.workflows.reproduction import Reproduction
from tests.fixtures.synthetic import synthetic_benchmark

NO_SEARCH = ["space", "radar", "op-swap", "proxies", "tradeoffs", "noise", "scaling", "hardware",
             "front-7v", "radar-7v"]


@pytest.fixture(scope="module")
def made(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paper")
    reproduce(NO_SEARCH, out=out, quick=True, raw_dir=raw_dir)
    return out


def test_figures_without_searches(made: Path) -> None:
    for stem in ("fig01_space", "fig05_radar", "fig06_op_swap", "fig07_proxies",
                 "fig08_tradeoffs", "fig09_noise", "fig10_scaling"):
        for ext in ("png", "pdf"):
            assert (made / f"{stem}.{ext}").stat().st_size > 1000, stem
    swaps = pd.read_csv(made / "fig06_op_swap.csv")
    assert set(swaps["data"]) == {"4V", "5V", "7V sample"}
    assert (swaps["ci_low"] <= swaps["mean"]).all() and (swaps["mean"] <= swaps["ci_high"]).all()
    summary = pd.read_csv(made / "fig10_scaling_summary.csv").set_index("space")
    assert summary.loc["5v", "ratio_median"] == pytest.approx(1.885, abs=5e-4)
    tau = pd.read_csv(made / "fig07_proxies.csv").set_index(["space", "proxy"])
    assert tau.loc[("4V", "training_time_s"), "kendall_tau"] == pytest.approx(0.95, abs=5e-3)
    assert tau.loc[("4V", "trainable_params"), "kendall_tau"] == pytest.approx(0.73, abs=5e-3)


def test_readme_and_paper_table(made: Path) -> None:
    text = (made / "README.md").read_text()
    assert "## Figure 1: the measured spaces" in text and "![" in text
    assert "Figure 11" in text and "Not drawn here" in text  # no hardware tables here
    table = (made / "paper-vs-ecnas.md").read_text()
    assert "| scaling:ratio_4_2:5v | 1.885" in table  # the 5V checkpoint ratio: ours only
    assert "ecnas data fetch ecnas-7v" in table  # the 7V knee: absent, said why
    state = json.loads((made / "figures.json").read_text())
    assert [f["number"] for f in state["figures"]] == [1, 5, 6, 7, 8, 9, 10, 11, 15, 16]


def test_figures_are_byte_reproducible(made: Path, raw_dir: Path, tmp_path: Path) -> None:
    reproduce(["tradeoffs", "radar"], out=tmp_path, quick=True, raw_dir=raw_dir)
    for name in ("fig08_tradeoffs.png", "fig08_tradeoffs.pdf", "fig05_radar.pdf",
                 "fig08_tradeoffs.csv"):
        assert (tmp_path / name).read_bytes() == (made / name).read_bytes(), name


def test_hardware_figure_from_generated_tables(tmp_path: Path) -> None:
    a = synthetic_benchmark()
    frame = a.frame.copy()
    frame["energy_kwh"] *= 1.5
    r = Reproduction(tmp_path)
    rec = hardware_figure(r, {"gpu_a": a, "gpu_b": Benchmark(frame, {"name": "b",
                                                                     "space": "4v"})})
    assert not rec.absent and (tmp_path / "fig11_hardware.png").is_file()
    assert pd.read_csv(tmp_path / "fig11_gpu_agreement.csv")["kendall_tau"].iat[0] == 1.0


def test_search_figures_quick_and_cached(raw_dir: Path, tmp_path: Path) -> None:
    reproduce(["regret"], out=tmp_path, quick=True, seeds=2, raw_dir=raw_dir)
    logs = sorted((tmp_path / "runs").rglob("trials.*"))
    assert logs and all(p.parent.name in ("seed-0", "seed-1") for p in logs)
    stamps = [p.stat().st_mtime_ns for p in logs]
    records = reproduce(["fronts", "attainment"], out=tmp_path, quick=True, seeds=2,
                        raw_dir=raw_dir)
    assert [p.stat().st_mtime_ns for p in logs] == stamps  # reused, not searched again
    assert [r.number for r in records] == [2, 3]
    stats = pd.read_csv(tmp_path / "fig04_regret_stats.csv")
    assert (stats["runs"] == 2).all() and stats["final_regret_median"].between(0, 1).all()
    assert (tmp_path / "fig02_fronts.png").is_file()
    fronts = (tmp_path / "fig02_fronts.csv").read_text()
    assert "/" not in fronts and fronts.startswith("strategy,seed,final_regret")
    assert (tmp_path / "fig03_attainment.pdf").is_file()
    # the legend's hypervolumes: the median over each strategy's runs, recomputed from the logs
    hv = pd.read_csv(tmp_path / "fig03_attainment_hv.csv").set_index("strategy")
    problem = Problem.from_benchmark(load_benchmark("ecnas-5v", raw_dir=raw_dir))
    found: dict[str, list[float]] = {}
    for run in load_runs([p.parent for p in logs]):
        # the regret measures a run by the mean values of the cells it trained at the
        # problem's budget (a trial may see one repeat; multi-fidelity ones ask lower budgets)
        top = run.trials[run.trials["epochs"] == problem.epochs]
        values = problem.cell_means(top["module_hash"].unique().tolist())
        found.setdefault(run.meta["strategy"], []).append(problem.hypervolume(values))
    assert set(found) == set(hv.index)
    for strategy, values in found.items():
        assert hv.loc[strategy, "runs_median_hv"] == pytest.approx(np.median(values), abs=1e-9)
    noise = pd.read_csv(tmp_path / "fig04_regret_vs_noise.csv")
    assert len(noise) == len(stats) * (len(stats) - 1) // 2
    readme = (tmp_path / "README.md").read_text()  # the second call kept figure 4's section
    assert all(f"## Figure {k}:" in readme for k in (2, 3, 4))


def test_errors_are_one_line_and_write_nothing(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(reproduce_cmd.reproduce)
    result = CliRunner().invoke(app, ["nope", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "unknown figure 'nope'" in result.output and "space" in result.output
    assert not any((tmp_path / "o").iterdir())
    with pytest.raises(ValueError, match="--seeds"):
        reproduce(["space"], out=tmp_path / "p", seeds=0)
    assert list(FIGURES) == ["space", "fronts", "attainment", "regret", "radar", "op-swap",
                             "proxies", "tradeoffs", "noise", "scaling", "hardware",
                             "official-runs", "paper-search", "attainment-7v", "front-7v",
                             "radar-7v"]

"""The authors' runs in ``ecnas reproduce``: ``official_runs.csv`` and its regret."""

from __future__ import annotations

import gzip
from pathlib import Path

import moocore
import numpy as np
import pandas as pd
import pytest

from benchmarks.sources.official_runs import find_runs, identify, read_run
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.analysis.paper import official
from ecnas_cli.workflows.reproduce import reproduce
from ecnas_cli.workflows.reproduce_paper_search import ECNAS_PROTOCOL, SLOW_ECNAS_PROTOCOL


@pytest.fixture(scope="module")
def made(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("official")
    reproduce(["official-runs"], out=out, raw_dir=raw_dir)
    return out


def test_one_row_per_run_with_the_columns_asked_for(made: Path) -> None:
    table = pd.read_csv(made / "official_runs.csv")
    assert list(table.columns) == official.COLUMNS
    assert len(table[table["space"] == "4v"]) == 40 and len(table[table["space"] == "5v"]) == 40
    four = table[table["space"] == "4v"]
    assert four["regret"].between(0, 1).all()
    assert table[table["space"] == "5v"]["regret"].isna().all()
    assert (four[four["strategy"] == "rs"]["trials"] == 1000).all()
    assert (table["valid_trials"] < table["trials"]).all()


def test_regret_from_the_csv_equals_regret_from_the_run_rows(made: Path, raw_dir: Path) -> None:
    """Way 1: the CSV (cells looked up in ecnas-4v-paper). Way 2: the run's own 108-epoch
    values (validation accuracy and energy as the run saw them), through the same Problem."""
    table = pd.read_csv(made / "official_runs.csv").set_index(["space", "strategy", "seed"])
    bench = load_benchmark("ecnas-4v-paper")
    problem = Problem.from_benchmark(bench, epochs=108)
    base = official.base_cells(bench)
    for run in find_runs(raw_dir, "4v"):
        trials = read_run(run.path)
        rows = identify(trials[trials["valid"]], base)
        at_108 = rows[rows["epochs"] == 108]
        values = pd.DataFrame({"acc": -at_108["val_acc"] / 100, "energy": at_108["energy"]})
        regret = problem.regret(values.to_numpy())
        assert table.loc[("4v", run.strategy, run.seed), "regret"] == pytest.approx(
            regret, abs=1e-9), run.path.name
        distinct = at_108["module_hash"].nunique()
        assert table.loc[("4v", run.strategy, run.seed), "distinct_cells_108"] == distinct


def test_without_run_files_the_record_says_what_to_pass(tmp_path: Path) -> None:
    (record,) = reproduce(["official-runs"], out=tmp_path / "out", raw_dir=tmp_path)
    assert record.absent and "official-runs" in record.absent
    assert not (tmp_path / "out" / "official_runs.csv").exists()


def test_paper_search_figure_tests_ecnas_against_the_authors(raw_dir: Path, tmp_path: Path
                                                              ) -> None:
    (record,) = reproduce(["paper-search"], out=tmp_path, quick=True, seeds=2, raw_dir=raw_dir)
    assert not record.absent and (tmp_path / "fig13_paper_search.png").stat().st_size > 1000
    tests = pd.read_csv(tmp_path / "fig13_paper_search_tests.csv")
    assert tests["authors"].tolist() == ["RS", "SEMOA"] and tests["p"].between(0, 1).all()
    summary = pd.read_csv(tmp_path / "fig13_paper_search_summary.csv")
    assert summary["point"].nunique() == 8 and summary["median"].between(0, 1).all()
    at_rs = summary[(summary["point"] == "RS trials") & (summary["source"] == "authors")]
    table = pd.read_csv(tmp_path / "official_runs.csv") if (
        tmp_path / "official_runs.csv").exists() else None
    assert table is None  # only the figure asked for was written
    rs = at_rs.set_index("strategy").loc["RS"]
    assert rs["runs"] == 2 and rs["ended"] == 0  # seeds 0 and 1 of the authors' RS
    ours = set(summary.loc[summary["source"] != "authors", "strategy"])
    assert "motpe" in ours and not ours & set(SLOW_ECNAS_PROTOCOL)  # --quick leaves them out


@pytest.mark.slow
def test_paper_search_figure_without_quick_runs_the_slow_strategies(raw_dir: Path,
                                                                    tmp_path: Path) -> None:
    (record,) = reproduce(["paper-search"], out=tmp_path, seeds=1, raw_dir=raw_dir)
    summary = pd.read_csv(tmp_path / "fig13_paper_search_summary.csv")
    ours = summary[summary["source"] != "authors"]
    assert {*ECNAS_PROTOCOL, *SLOW_ECNAS_PROTOCOL} <= set(ours["strategy"])
    assert ours["median"].between(0, 1).all() and "--quick" not in record.data


def test_regret_at_a_trial_count_is_the_value_after_the_last_trial_below_it() -> None:
    from ecnas_cli.analysis.paper.paper_search import regret_at
    curve = pd.DataFrame({"source": "x", "strategy": "s", "seed": 0, "trial": [2, 5, 9],
                          "energy_kwh": [1.0, 2.0, 3.0], "regret": [0.5, 0.2, 0.1]})
    at = {x: regret_at(curve, "trial", x)["regret"].iat[0] for x in (1, 2, 6, 9, 50)}
    assert at == {1: 1.0, 2: 0.5, 6: 0.2, 9: 0.1, 50: 0.1}
    assert regret_at(curve, "trial", 50)["ended"].iat[0]


def _write_run(path: Path, rows: list[tuple[float, float]]) -> None:
    """A run file in the official format: (accuracy %, energy kWh) per trial; (0, 0) invalid."""
    lines = ["trial_index,arm_name,val_acc,tst_acc,train_time,energy,co2eq,params"]
    for i, (acc, kwh) in enumerate(rows):
        lines.append(f"{i},{i}_0,{-acc},{-acc},{kwh * 1e4},{kwh},{kwh * 90},"
                     f"{6.0 if acc else 0.0}")
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def test_7v_attainment_figure_from_generated_run_files(tmp_path: Path) -> None:
    folder = tmp_path / "raw" / "official-runs"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    expected = {}
    for strategy, name in official.PAPER_NAMES.items():
        hvs = []
        for seed in range(2):
            rows = [(0.0, 0.0)] + [(float(a), float(e)) for a, e in zip(
                rng.uniform(60, 95, 6), rng.uniform(0.01, 0.9, 6), strict=True)]
            _write_run(folder / f"7v_{strategy}_{seed}.csv.gz", rows)
            P = np.array([(1 - a / 100, 1000 * e) for a, e in rows[1:]])
            hvs.append(moocore.hypervolume(P, ref=[1.5, 1e6]))
        expected[name] = np.mean(hvs)
    (record,) = reproduce(["attainment-7v"], out=tmp_path / "out", raw_dir=tmp_path / "raw")
    assert not record.absent
    assert (tmp_path / "out" / "fig14_attainment_7v.png").stat().st_size > 1000
    for line in record.numbers:
        name = line.split(":")[0]
        assert f"HV {expected[name]:.4g} over 2 runs" in line
    surfaces = pd.read_csv(tmp_path / "out" / "fig14_attainment_7v.csv")
    assert set(surfaces["level"]) == {25, 50, 75}
    (empty,) = reproduce(["attainment-7v"], out=tmp_path / "o2", raw_dir=tmp_path)
    assert "7v_rs_0.csv.gz" in empty.absent

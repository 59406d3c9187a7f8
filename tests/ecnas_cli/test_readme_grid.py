"""README's comparison grid: its campaign file, and the two scripts that read its runs
(``scripts/compare_strategies.py``, ``scripts/rank_strategies.py``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from ecnas_cli.campaign.driver import run_campaign
from ecnas_cli.campaign.spec import load_campaign
from strategies import STRATEGIES

REPO = Path(__file__).resolve().parents[2]
SMALL = """name = "tiny-grid"
strategies = ["random", "random-genome", "nsga2"]
seeds = 2
[[study]]
benchmark = "ecnas-4v"
budget = { evaluations = 12 }
"""


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _main(module: ModuleType, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [module.__name__, *args])
    module.main()


def test_the_grid_holds_every_strategy_and_three_problems() -> None:
    campaign = load_campaign(REPO / "campaigns" / "readme-grid.toml")
    assert {s.strategy for s in campaign.runs} == set(STRATEGIES)
    assert {(s.benchmark, s.epochs) for s in campaign.studies} == {
        ("ecnas-5v", None), ("ecnas-4v", None), ("ecnas-4v-paper", 108)}
    assert {s.seed for s in campaign.runs} == set(range(10))


def test_rank_strategies_from_runs_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(SMALL + '[[study]]\nbenchmark = "ecnas-5v"\nbudget = { evaluations = 12 }\n')
    results = tmp_path / "results"
    rank = _script("rank_strategies")
    with pytest.raises(SystemExit) as exc:  # no runs.csv yet: one line, exit 2, nothing written
        _main(rank, ["--campaign", str(grid), "--results", str(results)], monkeypatch)
    assert exc.value.code == 2 and "compare_strategies.py first" in capsys.readouterr().err
    assert not results.exists()
    # final regrets: nsga2 best in every block, random-genome second but in one block
    finals = {"ecnas-4v": {"random": [0.3, 0.2], "random-genome": [0.1, 0.3], "nsga2": [0.0, 0.1]},
              "ecnas-5v": {"random": [0.5, 0.4], "random-genome": [0.2, 0.3], "nsga2": [0.1, 0.1]}}
    for bench, by in finals.items():
        rows = [{"strategy": s, "run": f"{s}/seed-{k}", "final_regret": v}
                for s, values in by.items() for k, v in enumerate(values)]
        (results / f"{bench}-search").mkdir(parents=True)
        pd.DataFrame(rows).to_csv(results / f"{bench}-search" / "runs.csv", index=False)
    _main(rank, ["--campaign", str(grid), "--results", str(results)], monkeypatch)
    ranks = pd.read_csv(results / "strategy-ranking" / "ranks.csv").set_index("strategy")
    # blocks (study, seed): random ranks 3, 2, 3, 3; random-genome 2, 3, 2, 2; nsga2 1 each
    assert ranks["mean_rank"].to_dict() == pytest.approx(
        {"nsga2": 1.0, "random-genome": 2.25, "random": 2.75})
    assert ranks["mean_rank ecnas-4v-12evaluations"]["random"] == pytest.approx(2.5)
    assert ranks["median_final_regret ecnas-5v-12evaluations"]["random"] == pytest.approx(0.45)
    assert (results / "strategy-ranking" / "cd.png").read_bytes().startswith(b"\x89PNG")
    assert "Friedman over 4 blocks" in capsys.readouterr().out


def test_compare_strategies_reads_the_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(SMALL)
    runs, results = tmp_path / "runs", tmp_path / "results"
    compare = _script("compare_strategies")
    args = ["--campaign", str(grid), "--runs", str(runs), "--results", str(results)]
    with pytest.raises(SystemExit) as exc:  # the campaign has not run: exit 2, nothing written
        _main(compare, args, monkeypatch)
    assert exc.value.code == 2 and "6 runs missing" in capsys.readouterr().err
    assert not results.exists()
    run_campaign(load_campaign(grid, out=runs))
    _main(compare, args, monkeypatch)
    out = capsys.readouterr().out
    assert "| nsga2 | " in out and "p vs random-genome" in out
    where = results / "ecnas-4v-search"
    per_run = pd.read_csv(where / "runs.csv")
    assert len(per_run) == 6 and per_run["regret_12"].equals(per_run["final_regret"])
    pairwise = pd.read_csv(where / "pairwise.csv")
    assert len(pairwise) == 3  # every pair of the three strategies, Holm over them
    for name in ("curves", "attainment", "ecdf_evals", "ecdf_energy"):
        assert (where / f"{name}.png").is_file()

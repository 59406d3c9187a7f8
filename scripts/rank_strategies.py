"""Rank every strategy over the studies of ``campaigns/readme-grid.toml``: Friedman + Nemenyi.

Reads each study's per-run final regret from ``results/<benchmark>-search/runs.csv`` (written
by ``scripts/compare_strategies.py`` from the campaign's runs). A block is one (study, seed):
the strategies' runs with that seed on that problem, ranked by final regret (1 = lowest, ties
share the mean rank). Friedman's test and Nemenyi's post-hoc test (Demsar 2006; the
frequentist pair, chosen over a Bayesian signed-rank test because its critical difference
reads directly off one diagram and needs no region of practical equivalence to be chosen)
then say which mean ranks differ. Blocks are (study, seed) pairs, not studies: with only 3
studies Nemenyi's critical difference exceeds the whole rank range (printed below), so no
pair could ever differ; within a study a strategy's seeds are independent runs, so the ranks
in a block are exchangeable when the strategies do not differ, which is all the test needs.

Writes ``results/strategy-ranking/ranks.csv`` (mean rank overall and per study, median final
regret per study), ``nemenyi.csv`` (the p-value of every pair) and ``cd.png``/``cd.pdf``, and
prints a Markdown table.

Usage: ``python scripts/rank_strategies.py [--campaign FILE] [--results DIR]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ecnas_cli.analysis.ranking import critical_difference, friedman_nemenyi
from ecnas_cli.campaign.spec import load_campaign
from ecnas_cli.files import write_table
from ecnas_cli.plots.ranking import render_cd
from ecnas_cli.plots.style import paper_figure, save_figure

REPO = Path(__file__).resolve().parents[1]


def final_regrets(campaign_file: Path, results: Path) -> pd.DataFrame:
    """One row per (study, seed), one column per strategy: the run's final regret."""
    campaign = load_campaign(campaign_file)
    frames = []
    for study in campaign.studies:
        path = results / f"{study.benchmark}-search" / "runs.csv"
        if not path.is_file():
            raise ValueError(f"no {path}: run scripts/compare_strategies.py first")
        runs = pd.read_csv(path)
        runs["seed"] = runs["run"].str.rsplit("seed-", n=1).str[1].astype(int)
        runs["study"] = study.label
        frames.append(runs[["study", "seed", "strategy", "final_regret"]])
    table = pd.concat(frames).pivot(index=["study", "seed"], columns="strategy",
                                    values="final_regret")
    order = list(dict.fromkeys(pd.concat(frames)["strategy"]))
    return table.reindex([s.label for s in campaign.studies], level="study")[order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", type=Path, default=REPO / "campaigns" / "readme-grid.toml")
    parser.add_argument("--results", type=Path, default=REPO / "results")
    args = parser.parse_args()
    try:  # bad input: one line, exit 2, nothing written
        scores = final_regrets(args.campaign, args.results)
        ranking = friedman_nemenyi(scores)
    except ValueError as exc:
        parser.error(str(exc))
    studies = list(dict.fromkeys(scores.index.get_level_values("study")))
    per_study = {s: friedman_nemenyi(scores.loc[s]).mean_ranks for s in studies}
    table = pd.DataFrame({"strategy": ranking.mean_ranks.index,
                          "mean_rank": ranking.mean_ranks.to_numpy()})
    for s in studies:
        table[f"mean_rank {s}"] = per_study[s].loc[table["strategy"]].to_numpy()
        table[f"median_final_regret {s}"] = scores.loc[s].median().loc[
            table["strategy"]].to_numpy()
    out = args.results / "strategy-ranking"
    write_table(table, out / "ranks.csv")
    write_table(ranking.nemenyi.reset_index(names="strategy"), out / "nemenyi.csv")
    with paper_figure((7.0, 0.25 * len(table) + 1.0)) as fig:
        render_cd(fig.add_subplot(), ranking)
        for ext in ("png", "pdf"):
            save_figure(fig, out / f"cd.{ext}")
    k = scores.shape[1]
    print(f"Friedman over {ranking.blocks} blocks ((study, seed) pairs of {', '.join(studies)})"
          f", {k} strategies: chi2 = {ranking.statistic:.1f}, p = {ranking.p:.2g}; Nemenyi "
          f"critical difference {ranking.cd:.2f} mean ranks at alpha {ranking.alpha:g} (with "
          f"{len(studies)} blocks, one per study, it would be "
          f"{critical_difference(k, len(studies)):.1f}: more than the range 1-{k}).\n")
    head = " | ".join(f"rank {s}" for s in studies)
    print(f"| strategy | mean rank | {head} | not told apart from the best (Nemenyi) |")
    print("|---" * (3 + len(studies)) + "|")
    best = ranking.mean_ranks.index[0]
    for row in table.itertuples(index=False):
        same = "yes" if ranking.nemenyi.loc[best, row.strategy] >= ranking.alpha else "no"
        ranks = " | ".join(f"{r:.1f}" for r in row[2::2])
        print(f"| {row.strategy} | {row.mean_rank:.2f} | {ranks} | {same} |")


if __name__ == "__main__":
    main()

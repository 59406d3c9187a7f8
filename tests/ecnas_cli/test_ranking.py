"""Tests for ecnas_cli.analysis.ranking (Friedman + Nemenyi, by hand) and its CD diagram."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecnas_cli.analysis.ranking import critical_difference, friedman_nemenyi
from ecnas_cli.plots.ranking import render_cd
from ecnas_cli.plots.style import paper_figure, save_figure

# five blocks, three strategies; a ties b in the last block
SCORES = pd.DataFrame({"c": [3.0, 3, 2, 3, 3], "a": [1.0, 1, 1, 1, 2], "b": [2.0, 2, 3, 2, 2]})


def test_critical_difference_against_demsar_table() -> None:
    # Demsar (2006) Table 5(a): q_0.05 = 2.343 (k = 3), 3.164 (k = 10); q_0.10 = 2.052 (k = 3)
    for k, alpha, q in ((3, 0.05, 2.343), (10, 0.05, 3.164), (3, 0.10, 2.052)):
        assert critical_difference(k, 6, alpha) == pytest.approx(
            q * np.sqrt(k * (k + 1) / 36), abs=1e-3)
    with pytest.raises(ValueError, match="k >= 2"):
        critical_difference(1, 5)


def test_friedman_nemenyi_by_hand() -> None:
    r = friedman_nemenyi(SCORES)
    # ranks per block: a 1,1,1,1,1.5; b 2,2,3,2,1.5; c 3,3,2,3,3
    assert r.mean_ranks.to_dict() == pytest.approx({"a": 1.1, "b": 2.1, "c": 2.8})
    assert list(r.mean_ranks.index) == ["a", "b", "c"]  # best first
    # Friedman with the tie correction: 12 / (N k (k+1)) sum R_j^2 - 3 N (k+1), over
    # 1 - sum(t^3 - t) / (N (k^3 - k)); R = (5.5, 10.5, 14): (67.3 - 60) / (1 - 6 / 120)
    assert r.statistic == pytest.approx(7.3 / 0.95)
    assert r.blocks == 5 and r.cd == pytest.approx(critical_difference(3, 5))
    # a and c differ by 1.7 mean ranks > CD 1.48: Nemenyi below alpha; a and b (1.0) not
    assert r.nemenyi.loc["a", "c"] < 0.05 < r.nemenyi.loc["a", "b"]
    assert (r.nemenyi.to_numpy() == r.nemenyi.to_numpy().T).all()


def test_friedman_refuses_bad_scores() -> None:
    with pytest.raises(ValueError, match=">= 3 strategies"):
        friedman_nemenyi(SCORES[["a", "b"]])
    with pytest.raises(ValueError, match=r"missing for \['b'\]"):
        friedman_nemenyi(SCORES.assign(b=[1.0, np.nan, 1, 1, 1]))


def test_cd_diagram_writes_png(tmp_path: Path) -> None:
    with paper_figure((5.0, 2.0)) as fig:
        ax = render_cd(fig.add_subplot(), friedman_nemenyi(SCORES))
        texts = [t.get_text() for t in ax.texts]
        assert any(t.startswith("a (1.1)") for t in texts)
        path = save_figure(fig, tmp_path / "cd.png")
    assert path.read_bytes().startswith(b"\x89PNG")

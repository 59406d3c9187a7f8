"""``ecnas reproduce`` figures 11, 15 and 16 end to end on generated official-format files.

The tables are written as ``ecnas data fetch`` leaves them (``<data dir>/official/...``, see
:mod:`tests.fixtures.paper_tables`) and loaded by the production reader; every number checked
here is recomputed from the generated rows with plain NumPy / SciPy, not with the project's
front, knee or agreement helpers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from ecnas_cli.workflows.reproduce import reproduce
from tests.fixtures.paper_tables import GPU_SCALE, write_paper_tables

FIGURES_7V = ["hardware", "front-7v", "radar-7v"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame]]:
    data = tmp_path_factory.mktemp("data")
    written = write_paper_tables(data)
    out = data / "paper"
    records = reproduce(FIGURES_7V, out=out, data_dir=data)
    assert [(r.number, r.absent) for r in records] == [(11, ""), (15, ""), (16, "")]
    return out, written


def _front(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells no other cell beats on accuracy (>=) and energy (<=), one strictly."""
    a, e = cells["validation_accuracy"].to_numpy(), cells["energy_kwh"].to_numpy()
    beaten = ((a[None, :] >= a[:, None]) & (e[None, :] <= e[:, None])
              & ((a[None, :] > a[:, None]) | (e[None, :] < e[:, None]))).any(axis=1)
    return cells[~beaten]


def _knee(front: pd.DataFrame) -> str:
    """Farthest from the line through the extremes, in the front's min-max scaled space, on
    the ideal side; the most accurate cell when no cell is on that side."""
    x = front["validation_accuracy"].to_numpy()
    y = front["energy_kwh"].to_numpy()
    zx = (x.max() - x) / (x.max() - x.min())  # 0 = most accurate
    zy = (y - y.min()) / (y.max() - y.min())  # 0 = cheapest
    score = 1 - zx - zy
    i = int(np.argmax(score)) if score.max() > 1e-12 else int(np.argmax(x))
    return str(front["module_hash"].iat[i])


@pytest.mark.slow
def test_front_7v_matches_the_generated_table(made: tuple[Path, dict[str, pd.DataFrame]]
                                              ) -> None:
    out, written = made
    for stem in ("fig15_front_7v", "fig16_radar_7v", "fig11_hardware"):
        for ext in ("png", "pdf"):
            assert (out / f"{stem}.{ext}").stat().st_size > 1000, stem
    cells = written["ecnas-7v"].query("epochs == 108")
    front = _front(cells)
    drawn = pd.read_csv(out / "fig15_front_7v.csv")
    assert set(drawn["module_hash"]) == set(front["module_hash"])
    knee = pd.read_csv(out / "fig15_knee_7v.csv").iloc[0]
    assert len(front) >= 4 and knee["epochs"] == 108 and knee["knee_hash"] == _knee(front)
    best = cells.loc[cells["validation_accuracy"].idxmax()]
    at_knee = cells.set_index("module_hash").loc[_knee(front)]
    assert knee["energy_saving_pct"] == pytest.approx(
        100 * (1 - at_knee["energy_kwh"] / best["energy_kwh"]))
    assert knee["accuracy_drop_points"] == pytest.approx(
        100 * (best["validation_accuracy"] - at_knee["validation_accuracy"]))
    table = (out / "paper-vs-ecnas.md").read_text()
    row = next(line for line in table.splitlines() if "7V front knee: energy saved" in line)
    assert f"| {knee['energy_saving_pct']:.2f} | ecnas-7v, 108 epochs |" in row


@pytest.mark.slow
def test_radar_7v_shows_the_generated_absolute_values(
        made: tuple[Path, dict[str, pd.DataFrame]]) -> None:
    out, written = made
    cells = written["ecnas-7v"].query("epochs == 108").set_index("module_hash")
    front = _front(cells.reset_index())
    radar = pd.read_csv(out / "fig16_radar_7v.csv").set_index("role")
    assert radar.loc["best validation accuracy", "module_hash"] == \
        cells["validation_accuracy"].idxmax()
    assert radar.loc["best training energy", "module_hash"] == \
        front.loc[front["energy_kwh"].idxmin(), "module_hash"]
    assert radar.loc["knee", "module_hash"] == _knee(front)
    for metric in ("validation_accuracy", "energy_kwh", "training_time_s", "trainable_params"):
        expected = cells.loc[radar["module_hash"], metric].to_numpy(dtype=float)
        assert radar[metric].to_numpy() == pytest.approx(expected, rel=1e-9), metric
    ranges = pd.read_csv(out / "fig16_radar_7v_ranges.csv").set_index("metric")
    assert ranges.loc["validation_accuracy", "centre"] == pytest.approx(
        cells["validation_accuracy"].min())
    assert ranges.loc["energy_kwh", "centre"] == pytest.approx(cells["energy_kwh"].max())
    assert ranges.loc["energy_kwh", "rim"] == pytest.approx(cells["energy_kwh"].min())


@pytest.mark.slow
def test_four_gpus_match_the_generated_tables(made: tuple[Path, dict[str, pd.DataFrame]]
                                              ) -> None:
    out, written = made
    energy = pd.DataFrame({g: written[f"ecnas-4v-{g}"].query("epochs == 4")
                           .set_index("module_hash")["energy_kwh"] for g in GPU_SCALE})
    drawn = pd.read_csv(out / "fig11_gpu_energy.csv").set_index("module_hash")
    assert list(drawn.columns) == list(GPU_SCALE) and len(drawn) == 91
    expected = energy.loc[drawn.index].to_numpy()
    assert drawn.to_numpy() == pytest.approx(expected, abs=1e-10)  # the CSV keeps 10 places
    agree = pd.read_csv(out / "fig11_gpu_agreement.csv")
    assert len(agree) == 6
    for row in agree.itertuples(index=False):
        a, b = energy[row.gpu_a], energy[row.gpu_b]
        assert row.kendall_tau == pytest.approx(kendalltau(a, b).statistic, abs=1e-9)
        assert row.median_energy_ratio_b_over_a == pytest.approx(float((b / a).median()))


def test_without_the_tables_one_line_per_figure_names_what_to_fetch(tmp_path: Path) -> None:
    records = reproduce(FIGURES_7V, out=tmp_path / "paper", data_dir=tmp_path / "empty")
    assert [r.number for r in records] == [11, 15, 16]
    for rec in records:
        assert rec.absent and "\n" not in rec.absent and "ecnas data fetch" in rec.absent
        assert not rec.files
    assert all(f"ecnas-4v-{g}" in records[0].absent for g in GPU_SCALE)
    assert all("ecnas-7v" in r.absent for r in records[1:])
    assert not list((tmp_path / "paper").glob("fig1[156]_*"))
    readme = (tmp_path / "paper" / "README.md").read_text()
    assert readme.count("ecnas data fetch") >= 3

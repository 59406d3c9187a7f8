"""Tests for the energy surrogate: features, fit/predict, determinism, save/load, evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from benchmarks.space.cost import count_batch, vertex_channels
from benchmarks.surrogate.evaluate import (
    cross_validate,
    fit_best,
    regression_metrics,
    training_size_curve,
)
from benchmarks.surrogate.features import (
    DEFAULT_GROUPS,
    FEATURE_GROUPS,
    cells_of_frame,
    feature_names,
    featurise,
    featurise_group,
    module_widths,
)
from benchmarks.surrogate.model import Surrogate, fit_surrogate, load_surrogate, load_training_data
from benchmarks.surrogate.persist import FORMAT

# Small, quick models: the tests check behaviour, not accuracy.
FAST: dict[str, dict[str, Any]] = {"mlp": {"max_iter": 60, "hidden_layer_sizes": (32, 16)},
        "gbt": {"max_iter": 40}}

# Hand-made pruned cells with 2, 3, 5 and 7 vertices (none is in the 7V sample: it has >= 4).
CELLS = [
    (np.array([[0, 1], [0, 0]]), np.array([-1, -2])),
    (np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]), np.array([-1, 0, -2])),
    (np.array([[0, 1, 1, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1],
               [0, 0, 0, 0, 0]]), np.array([-1, 0, 2, 1, -2])),
    (np.array([[0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0],
               [0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1],
               [0, 0, 0, 0, 0, 0, 0]]), np.array([-1, 0, 1, 2, 0, 1, -2])),
]


@pytest.fixture(scope="module")
def cells(raw_dir: Path) -> pd.DataFrame:
    return load_training_data(raw_dir)


@pytest.fixture(scope="module")
def small(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.sample(400, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="module")
def model(small: pd.DataFrame) -> Surrogate:
    return fit_surrogate(small, kind="mlp", seed=3, n_models=3, settings=FAST["mlp"])


def test_features_shape_names_and_determinism() -> None:
    m, lab = CELLS[3]
    x, names = featurise_group(np.stack([m, m]), np.stack([lab, lab]), FEATURE_GROUPS)
    assert x.shape == (2, len(names)) and len(set(names)) == len(names)
    assert names == feature_names(FEATURE_GROUPS)
    assert np.isfinite(x).all() and np.array_equal(x[0], x[1])
    again, _ = featurise_group(m[None], lab[None], FEATURE_GROUPS)
    np.testing.assert_array_equal(again[0], x[0])
    with pytest.raises(ValueError, match="unknown feature group"):
        featurise_group(m[None], lab[None], ["nope"])


def test_featurise_mixed_sizes_matches_groups() -> None:
    x, names = featurise([c[0] for c in CELLS], [c[1] for c in CELLS])
    assert names == feature_names(DEFAULT_GROUPS)
    for i, (m, lab) in enumerate(CELLS):
        np.testing.assert_array_equal(x[i], featurise_group(m[None], lab[None])[0][0])


def test_widths_and_flops_decomposition() -> None:
    m, lab = CELLS[2]
    np.testing.assert_allclose(module_widths(m[None])[0],
                               np.array(vertex_channels(m, 128, 128)) / 128)
    x, names = featurise_group(m[None], lab[None], ["compute"])
    col = dict(zip(names, x[0], strict=True))
    flops = count_batch(m[None], lab[None])[1][0]
    parts = col["gmac_conv3x3"] + col["gmac_conv1x1"] + col["gmac_other"]
    assert parts == pytest.approx(flops / 1e9)
    assert col["log_flops"] == pytest.approx(np.log(flops))


def test_vertex_types_count_what_a_module_runs() -> None:
    m, lab = CELLS[2]  # input -> 1, 2, output; 1 -> 3; 2 -> 3, output; 3 -> output
    x, names = featurise_group(m[None], lab[None], ["vertex_types"])
    col = dict(zip(names, x[0], strict=True))
    # Vertices 2 (maxpool) and 3 (conv1x1) feed the output: 64 channels each (width class 2);
    # vertex 1 (conv3x3) feeds only vertex 3 and takes its 64 channels.
    assert col["n_conv3x3_w2"] == col["n_maxpool3x3_w2"] == col["n_conv1x1_w2"] == 1
    assert col["n_proj_w2"] == 2 and col["n_add_w2"] == 1 and col["n_proj_out"] == 1
    assert sum(x[0]) == 7  # nothing else: no truncation, no other width


def test_cells_of_frame_prunes(cells: pd.DataFrame) -> None:
    matrices, labels = cells_of_frame(cells.head(20))
    assert all(len(m) == len(lab) == v for m, lab, v in
               zip(matrices, labels, cells["num_vertices"].head(20), strict=True))


def test_predict_on_unseen_cells(model: Surrogate, small: pd.DataFrame) -> None:
    mean, std = model.predict([c[0] for c in CELLS], [c[1] for c in CELLS])
    assert mean.shape == std.shape == (len(CELLS),)
    assert np.isfinite(mean).all() and (mean > 0).all() and (std >= 0).all()
    lo, hi = small["energy_kwh"].min(), small["energy_kwh"].max()
    assert ((mean > 0.2 * lo) & (mean < 5 * hi)).all()
    m, lab = CELLS[3]
    one, _ = model.predict(m[None], lab[None])  # (N, V, V) input gives the same numbers
    assert one[0] == pytest.approx(mean[3], rel=1e-12)


def test_save_load_round_trip(model: Surrogate, small: pd.DataFrame, tmp_path: Path) -> None:
    path = model.save(tmp_path / "surrogate.skops")
    loaded = load_surrogate(path)
    for a, b in zip(model.predict(small.head(50)), loaded.predict(small.head(50)), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (loaded.kind, loaded.seed, loaded.groups) == (model.kind, model.seed, model.groups)
    assert loaded.data_sha256 == model.data_sha256 and len(loaded.data_sha256) == 64


class _Untrusted:
    pass


def test_load_refuses_untrusted_types(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump({"format": FORMAT, "meta": {}, "base": _Untrusted(), "members": []}, path)
    with pytest.raises(ValueError, match="not trusted"):
        load_surrogate(path)


@pytest.mark.parametrize("kind", ["mlp", "gbt"])
def test_fit_is_deterministic_and_leaves_global_rng(small: pd.DataFrame, kind: str) -> None:
    state = np.random.get_state(legacy=False)  # noqa: NPY002 (asserting it is untouched)
    data = small.head(200)
    a = fit_surrogate(data, kind=kind, seed=7, n_models=2, settings=FAST[kind])
    b = fit_surrogate(data, kind=kind, seed=7, n_models=2, settings=FAST[kind])
    c = fit_surrogate(data, kind=kind, seed=8, n_models=2, settings=FAST[kind])
    np.testing.assert_array_equal(a.predict(small)[0], b.predict(small)[0])
    assert not np.array_equal(a.predict(small)[0], c.predict(small)[0])
    assert a.data_sha256 == b.data_sha256
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    np.testing.assert_array_equal(after["state"]["key"], state["state"]["key"])
    assert after["state"]["pos"] == state["state"]["pos"]


def test_cross_validate_small_subset_is_sane(small: pd.DataFrame) -> None:
    res = cross_validate(small.head(300), kind="gbt", folds=3, seed=0, n_models=1,
                         settings=FAST["gbt"])
    assert all(np.isfinite(v) for v in res.values())
    assert res["kendall_tau"] > 0.7 and res["spearman"] > 0.85 and res["r2"] > 0.7
    assert 0 < res["mae"] < 3.0 and 0 < res["mape"] < 25  # Wh and %


def test_fit_best_refits_the_kind_with_the_lower_cv_mae(small: pd.DataFrame) -> None:
    data = small.head(240)
    model = fit_best(data, seed=0, folds=3, n_models=1)
    scores = {k: model.selection[f"cv3_mae_{k}"] for k in ("gbt", "mlp")}
    assert all(0 < v < 5.0 for v in scores.values())  # Wh
    assert model.kind == min(scores, key=scores.__getitem__) and model.n_train == len(data)
    again = fit_surrogate(data, kind=model.kind, seed=0, n_models=1)
    np.testing.assert_array_equal(model.predict(small)[0], again.predict(small)[0])


def test_training_size_curve_rows(small: pd.DataFrame) -> None:
    calls: list[tuple[int, int]] = []
    lc = training_size_curve(small.head(200), sizes=(50, None), repeats=2, kind="gbt",
                             n_models=1, settings=FAST["gbt"],
                             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]  # one call per fit
    assert list(lc["n_train"]) == [50, 160, 50, 160] and list(lc["size"]) == [50, -1, 50, -1]
    assert list(lc["repeat"]) == [0, 0, 1, 1]
    assert np.isfinite(lc["mae"]).all() and (lc["mae"] > 0).all()
    # more training cells, lower test error (same test set within a repeat)
    assert (lc["mae"].to_numpy()[1::2] < lc["mae"].to_numpy()[::2]).all()


def test_regression_metrics_by_hand() -> None:
    m = regression_metrics(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.5, 3.5]), scale=1000)
    assert m["kendall_tau"] == 1.0 and m["mae"] == pytest.approx(1000 / 3)
    assert m["r2"] == pytest.approx(1 - 0.5 / (14 / 3))


def test_bad_arguments(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        fit_surrogate(small, kind="svm")
    with pytest.raises(ValueError, match="vertex_types"):
        fit_surrogate(small, groups=("graph",))
    with pytest.raises(ValueError, match="lack column"):
        fit_surrogate(small.drop(columns="ops"))


def test_raw_runs_give_time_and_are_kept_apart(raw_dir: Path) -> None:
    data = load_training_data(raw_dir, include_raw_4v5v=True)
    assert set(data["source"]) == {"7v_sample", "4v_raw", "5v_raw"}
    raw = data[data["source"] != "7v_sample"]
    assert len(raw) == 91 + 2532 and raw["training_time_s"].notna().all()
    assert data.loc[data["source"] == "7v_sample", "training_time_s"].isna().all()
    with pytest.raises(ValueError, match="not comparable"):
        fit_surrogate(data, n_models=1)
    timer = fit_surrogate(raw.sample(300, random_state=0), target="training_time_s",
                          kind="gbt", n_models=1, settings=FAST["gbt"])
    seconds, _ = timer.predict(raw.head(5))
    assert ((seconds > 10) & (seconds < 1000)).all()


def test_embedded_training_data_equals_the_raw_files(raw_dir: Path) -> None:
    embedded = load_training_data(include_raw_4v5v=True)  # no raw dir: the shipped tables
    raw = load_training_data(raw_dir, include_raw_4v5v=True)
    keys = ["source", "matrix", "ops"]
    pd.testing.assert_frame_equal(embedded.sort_values(keys, ignore_index=True),
                                  raw.sort_values(keys, ignore_index=True), check_dtype=False)


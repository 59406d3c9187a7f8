"""The surrogate application: fit, evaluate, predict from CSV, build the 7V energy table."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.paths import data_dir as resolve_data_dir
from benchmarks.paths import raw_dir as raw_dir_or_env
from benchmarks.progress import Progress
from benchmarks.sources.builders import frame_from_csv
from benchmarks.sources.energy_csv import find_sample
from benchmarks.sources.tfrecord import read_nasbench101
from benchmarks.space import get_space
from benchmarks.space.describe import describe_frame
from benchmarks.surrogate.evaluate import (
    display_scale,
    fit_best,
    out_of_fold_predictions,
    regression_metrics,
    training_size_curve,
)
from benchmarks.surrogate.model import Surrogate, fit_surrogate, load_surrogate, load_training_data
from benchmarks.surrogate.table_7v import (
    build_energy_table,
    join_nasbench101,
    predict_cells,
    table_meta,
)
from benchmarks.tables.benchmark import save_table
from benchmarks.tables.registry import table_path
from ecnas_cli.plots.style import paper_figure, save_figure
from ecnas_cli.plots.surrogate import (
    learning_curve_info,
    parity_info,
    render_learning_curve,
    render_parity,
)

CURVE_SIZES = (100, 250, 500, 1000, 2000, None)  # training cells of the learning curve


def default_model_path(data_dir: Path | None = None) -> Path:
    return resolve_data_dir(data_dir) / "models" / "energy-7v.skops"


def _raw(raw_dir: Path | None) -> Path | None:
    """The raw data dir (``--raw-dir`` or ``$ECNAS_RAW_DIR``), else None: the embedded tables."""
    return raw_dir_or_env(raw_dir)


def fit(*, kind: str = "mlp", seed: int = 0, raw_dir: Path | None = None,
        output: Path | None = None, data_dir: Path | None = None) -> tuple[Surrogate, Path]:
    """Fit the energy surrogate on the measured 7V cells and save it."""
    cells = load_training_data(_raw(raw_dir))
    if kind == "auto":
        model = fit_best(cells, seed=seed)
    else:
        model = fit_surrogate(cells, kind=kind, seed=seed)
    path = output or default_model_path(data_dir)
    return model, model.save(path)


def evaluate(*, kind: str = "mlp", folds: int = 5, seed: int = 0, raw_dir: Path | None = None,
             out: Path | None = None, curve: bool = True, repeats: int = 5,
             progress: Progress | None = None) -> dict[str, Any]:
    """Cross-validated metrics, a parity plot and (optionally) a learning curve.

    ``progress(done, total)`` counts model fits: the folds, then the learning curve's.
    """
    cells = load_training_data(_raw(raw_dir))
    mean, std = out_of_fold_predictions(cells, kind=kind, folds=folds, seed=seed,
                                        progress=_stage(progress, 0, folds, curve, repeats))
    y = cells["energy_kwh"].to_numpy(dtype=float)
    result: dict[str, Any] = {"kind": kind, "folds": folds, "n": len(cells), "seed": seed,
                              **regression_metrics(y, mean, scale=display_scale("energy_kwh")),
                              "mean_std_wh": float(std.mean() * display_scale("energy_kwh"))}
    if out is not None:
        with paper_figure((3.3, 3.3)) as fig:
            render_parity(fig.add_subplot(), parity_info(y, mean))
            result["parity_plot"] = str(save_figure(fig, out / "parity.png"))
            save_figure(fig, out / "parity.pdf")
    if curve:
        lc = training_size_curve(cells, kind=kind, seed=seed, repeats=repeats, sizes=CURVE_SIZES,
                                 progress=_stage(progress, folds, folds, curve, repeats))
        table = lc.groupby("n_train")[["mae"]].median().reset_index()
        result["learning_curve"] = table.to_dict(orient="records")
        if out is not None:
            with paper_figure() as fig:
                render_learning_curve(fig.add_subplot(), learning_curve_info(lc))
                result["learning_curve_plot"] = str(save_figure(fig, out / "learning_curve.png"))
                save_figure(fig, out / "learning_curve.pdf")
    return result


def _stage(progress: Progress | None, offset: int, folds: int, curve: bool,
           repeats: int) -> Progress | None:
    """``progress`` shifted by ``offset`` fits, over the total fits of :func:`evaluate`."""
    if progress is None:
        return None
    total = folds + (repeats * len(CURVE_SIZES) if curve else 0)
    return lambda done, _: progress(offset + done, total)


def load_or_fit(model: Path | None, *, raw_dir: Path | None,
                data_dir: Path | None) -> Surrogate:
    """The given model, else the saved default, else a freshly fitted default (saved)."""
    if model is not None:
        if not Path(model).is_file():
            raise FileNotFoundError(f"no surrogate model at {model}")
        return load_surrogate(model)
    path = default_model_path(data_dir)
    if path.is_file():
        return load_surrogate(path)
    return fit(raw_dir=raw_dir, data_dir=data_dir)[0]


def predict_frame(cells: pd.DataFrame, model: Surrogate) -> pd.DataFrame:
    """``cells`` (matrix, ops) plus the arch-info columns, ``energy_kwh_pred`` and its spread.

    Invalid rows keep their place with an ``error`` and empty predictions.
    """
    described = describe_frame(cells, get_space("7v"), pruned=True)
    ok = (described["error"] == "").to_numpy()
    pred = np.full(len(cells), np.nan)
    spread = np.full(len(cells), np.nan)
    if ok.any():
        pred[ok], spread[ok] = predict_cells(model, described[ok].reset_index(drop=True))
    return described.assign(matrix=cells["matrix"].to_numpy(), ops=cells["ops"].to_numpy(),
                            energy_kwh_pred=pred, energy_kwh_std=spread)


def build_7v(*, model: Path | None = None, raw_dir: Path | None = None,
             data_dir: Path | None = None, nasbench101: Path | None = None,
             progress: Progress | None = None) -> tuple[str, Path, int]:
    """Build ``ecnas-7v-energy`` (or ``ecnas-7v`` with NAS-Bench-101 data); return name, path,
    rows."""
    surrogate = load_or_fit(model, raw_dir=raw_dir, data_dir=data_dir)
    measured, measured_sha = None, None
    root = raw_dir_or_env(raw_dir)
    if root is not None:
        sample = find_sample(root)
        measured, _ = frame_from_csv(sample)
        measured_sha = hashlib.sha256(sample.read_bytes()).hexdigest()
    frame = build_energy_table(surrogate, measured, progress=progress)
    name = "ecnas-7v-energy"
    if nasbench101 is not None:
        if not Path(nasbench101).is_file():
            raise FileNotFoundError(f"no such file: {nasbench101}")
        frame = join_nasbench101(frame, read_nasbench101(nasbench101))
        name = "ecnas-7v"
    path = table_path(name, data_dir)
    meta = table_meta(surrogate, measured_sha, nasbench101)
    save_table(frame, path, {**meta, "name": name, "space": "7v",
                             "description": meta["provenance"]})
    return name, path, len(frame)

"""``scripts/paper_hypervolumes.py``: its grid hypervolume agrees with moocore; the legend."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import moocore
import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "paper_hypervolumes.py"


def _script():
    spec = importlib.util.spec_from_file_location("paper_hypervolumes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grid_hypervolume_equals_moocore_at_every_reference_point():
    ph = _script()
    P = np.random.default_rng(0).random((40, 2)) * [0.5, 900]
    xs, ys = np.array([0.3, 0.6, 1.5]), np.array([100.0, 1e3, 1e6])
    grid = ph.hv_grid(P, xs, ys)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            inside = P[(P[:, 0] < x) & (P[:, 1] < y)]
            want = moocore.hypervolume(inside, ref=[x, y]) if len(inside) else 0.0
            assert np.isclose(grid[i, j], want, rtol=1e-12), (x, y)


def test_the_legend_is_the_mean_of_runs_at_reference_1_5_and_1e6_wh(raw_dir):
    exact = {tuple(c["ref"]): c for c in _script().candidates(raw_dir)}
    assert exact[(1.5, 1e6)]["matches"] and not exact[(1.0, 1e6)]["matches"]

"""Your own data through the one dataset resolver: ``bench create`` on an image folder and
``search --live`` on a ``module:function`` callable, each one tiny training in process."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
PIL = pytest.importorskip("PIL.Image")

from ecnas_cli.cli import app  # noqa: E402

runner = CliRunner()
TINY = ["--space", "4v", "--epochs", "1", "--stem-channels", "4", "--num-stacks", "1",
        "--cells-per-stack", "1", "--batch-size", "128", "--meter", "estimate", "--tdp-w", "50"]


@pytest.fixture
def env(tmp_path):
    return {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}


def test_bench_create_trains_a_cell_on_an_image_folder(env, tmp_path):
    for k, name in enumerate(("circles", "squares")):
        (tmp_path / "shapes" / name).mkdir(parents=True)
        for i in range(5):
            PIL.new("RGB", (12, 9), (60 * k + i, 10, 200)).save(tmp_path / "shapes" / name /
                                                                  f"{i}.jpg")
    tree = tmp_path / "tree"
    out = runner.invoke(app, ["bench", "create", "--dataset", str(tmp_path / "shapes"),
                              "--repeats", "1", "--cells", "1", "--out", str(tree), *TINY,
                              "--json"], env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["runs_now"] == 1
    settings = json.loads((tree / "create.json").read_text())["settings"]
    assert settings["dataset"] == f"folder:{(tmp_path / 'shapes').resolve()}"
    record = json.loads(next(tree.rglob("results.json")).read_text())
    assert 0.0 <= record["evaluation_results"][-1]["validation_accuracy"] <= 1.0


def test_live_search_trains_on_a_callables_splits(env, tmp_path):
    out = runner.invoke(app, ["search", "--live", "tests.fixtures.datasets:make_dataset", *TINY,
                              "--strategy", "random", "--evals", "2", "--tree",
                              str(tmp_path / "tree"), "--out", str(tmp_path / "runs"),
                              "--json"], env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    info = json.loads(out.stdout)
    assert info["evaluations"] == 2 and info["front"]
    assert info["table"].startswith("live-tests-fixtures-datasets-make-dataset-4v-")

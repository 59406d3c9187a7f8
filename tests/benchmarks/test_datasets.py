"""Image-folder and ``module:function`` datasets: loaded, split and checked; bad ones refused."""

from __future__ import annotations

import numpy as np
import pytest

PIL = pytest.importorskip("PIL.Image")

from benchmarks.create.datasets import (  # noqa: E402
    FOLDER_SIZE,
    canonical_dataset,
    dataset_label,
    load_dataset,
)

FIXTURES = "tests.fixtures.datasets"


def image_folder(root, classes=("cat", "dog"), per_class=5, mode="L", size=(10, 7)):
    """``root/<class>/<i>.png``: class ``k``'s images have grey level ``40 + 100 k``."""
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            level = 40 + 100 * k + i
            colour = level if mode == "L" else (level, 0, 255 - level)
            PIL.new(mode, size, colour).save(root / name / f"{i}.png")
    return root


def test_an_image_folder_is_resized_split_by_class_and_seeded(tmp_path):
    root = image_folder(tmp_path / "pets", per_class=10)
    a, b = load_dataset(f"folder:{root}", seed=0), load_dataset(str(root), seed=1)
    assert (a.input_channels, a.input_size, a.num_classes) == (1, FOLDER_SIZE, 2)
    assert (len(a.x_train), len(a.x_valid), len(a.x_test)) == (12, 4, 4)
    for y in (a.y_train, a.y_valid, a.y_test):  # stratified: both classes in every split
        assert np.bincount(y).tolist() == [len(y) // 2] * 2
    assert abs(float(a.x_train.mean())) < 1e-4 and a.x_train.dtype == np.float32
    # class 1 is the brighter folder (sorted order: cat=0, dog=1)
    assert a.x_train[a.y_train == 1].mean() > a.x_train[a.y_train == 0].mean()
    assert not np.array_equal(a.y_train, b.y_train) or not np.array_equal(a.x_train, b.x_train)


def test_colour_images_give_three_channels(tmp_path):
    root = image_folder(tmp_path / "rgb", mode="RGB")
    assert load_dataset(f"folder:{root}").input_channels == 3


def test_folder_names_are_canonical_and_labelled(tmp_path, monkeypatch):
    root = image_folder(tmp_path / "My Pets")
    monkeypatch.chdir(tmp_path)
    assert canonical_dataset("folder:My Pets") == f"folder:{root.resolve()}"
    assert canonical_dataset("My Pets") == f"folder:{root.resolve()}"  # an existing folder
    assert dataset_label("My Pets") == "My-Pets"
    assert dataset_label(f"{FIXTURES}:make_dataset") == "tests-fixtures-datasets-make-dataset"


@pytest.mark.parametrize("name", ["make_dataset", "make_dataset_object"])
def test_a_callable_returns_arrays_or_a_dataset(name):
    data = load_dataset(f"{FIXTURES}:{name}", seed=3)
    assert (data.input_channels, data.input_size, data.num_classes) == (1, 6, 2)
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (24, 8, 8)
    assert data.y_train.dtype == np.int64 and data.x_train.dtype == np.float32
    if name == "make_dataset":  # arrays are standardised with the training statistics
        assert abs(float(data.x_train.mean())) < 1e-4


@pytest.mark.parametrize(("make", "message"), [
    (lambda t: "folder:" + str(t / "nowhere"), "does not exist"),
    (lambda t: "folder:" + str(image_folder(t / "one", classes=("a",))), "at least 2; found 1"),
    (lambda t: "folder:" + str(image_folder(t / "few", per_class=3)), "at least 5 images"),
    (lambda t: "mnist", "unknown dataset 'mnist'"),
    (lambda t: "no_such_module_xyz:make", "cannot import it"),
    (lambda t: f"{FIXTURES}:missing", "cannot import it"),
    (lambda t: f"{FIXTURES}:one_class", "fewer than 2 classes"),
    (lambda t: f"{FIXTURES}:wrong_shape", "must return a Dataset or"),
])
def test_bad_datasets_are_refused_with_one_line(tmp_path, make, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message) as err:
        load_dataset(make(tmp_path))
    assert "\n" not in str(err.value)


def test_an_unreadable_image_is_named(tmp_path):
    root = image_folder(tmp_path / "broken")
    (root / "dog" / "3.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"3\.png: not an image Pillow can read"):
        load_dataset(f"folder:{root}")

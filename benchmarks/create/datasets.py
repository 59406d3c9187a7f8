"""Datasets for building a benchmark: CIFAR-10, digits, an image folder or a Python callable.

A :class:`Dataset` holds train / validation / test splits as float32 ``(N, C, H, W)`` arrays
(standardised per channel with the training split's statistics) and int64 labels, in memory.

- ``cifar10``: NAS-Bench-101's splits: 40,000 training images (the first four training
  batches), 10,000 validation images (the fifth) and the 10,000 test images. Read from the
  CIFAR-10 *binary* version (``data_batch_1.bin`` ... ``test_batch.bin``) under ``root`` when
  present, otherwise through torchvision (imported only then; ``download=True`` fetches it).
- ``digits``: scikit-learn's 1,797 8x8 grey-scale digits, offline; a seeded stratified split of
  60 / 20 / 20 %. For demos, tests and small runs on CPU.
- ``folder:PATH`` (or a path to an existing folder): one sub-folder per class (labels in sorted
  sub-folder order), every file in it an image Pillow reads; resized to ``FOLDER_SIZE`` pixels
  square, grey-scale if every image is, RGB otherwise; the seeded 60 / 20 / 20 % split of digits.
- ``package.module:function``: ``function(seed)`` returns the splits, either a :class:`Dataset`
  (used as it is) or ``((x_train, y_train), (x_valid, y_valid), (x_test, y_test))`` with ``x``
  ``(N, C, S, S)`` or ``(N, S, S)`` finite numbers and ``y`` integer labels ``0 .. K-1``
  (``K >= 2``); the arrays are standardised with the training split's statistics. The module
  must be importable on every worker (``PYTHONPATH``).

:func:`canonical_dataset` checks a name without loading anything; :func:`load_dataset` loads it
and refuses a bad one with a ValueError or FileNotFoundError naming the problem.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DATASETS", "FOLDER_SIZE", "Dataset", "canonical_dataset", "dataset_label",
           "load_dataset"]

DATASETS = ("cifar10", "digits")
#: Side in pixels every image of a ``folder:`` dataset is resized to.
FOLDER_SIZE = 32
_CALLABLE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_GREY = {"1", "L", "LA", "I", "I;16", "F"}
_CIFAR_BIN = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
_CIFAR_RECORD = 1 + 3 * 32 * 32


@dataclass(frozen=True)
class Dataset:
    """Splits of one dataset; ``x_*`` are ``(N, C, H, W)`` float32, ``y_*`` int64 labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    @property
    def input_channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def input_size(self) -> int:
        return int(self.x_train.shape[2])


def canonical_dataset(name: str) -> str:
    """``name`` checked and in one spelling: a built-in name, ``folder:<absolute path>`` or
    ``module:function``; a ValueError for anything else (nothing is loaded).

    >>> canonical_dataset("digits"), canonical_dataset("my.data:make_dataset")
    ('digits', 'my.data:make_dataset')
    """
    if name in DATASETS or _CALLABLE.match(name):
        return name
    path = name.removeprefix("folder:")
    if path != name or "/" in name or Path(name).is_dir():
        return f"folder:{Path(path).expanduser().resolve()}"
    raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}, folder:PATH "
                     f"or module:function")


def dataset_label(name: str) -> str:
    """A short file-name-safe label of a dataset (for table names).

    >>> dataset_label("folder:/data/My Flowers"), dataset_label("my.data:make")
    ('My-Flowers', 'my-data-make')
    """
    name = canonical_dataset(name)
    label = Path(name[len("folder:"):]).name if name.startswith("folder:") else name
    return re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-") or "dataset"


def load_dataset(name: str, *, root: Path | None = None, seed: int = 0,
                 download: bool = False) -> Dataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        ``cifar10``, ``digits``, ``folder:PATH`` (or a folder's path) or ``module:function``.
    root : pathlib.Path, optional
        CIFAR-10 folder (binary version, or torchvision's ``cifar-10-batches-py`` parent).
    seed : int
        Seeds the split of digits and folders, and is passed to a callable (CIFAR-10's split
        is fixed).
    download : bool
        Let torchvision download CIFAR-10 into ``root``.
    """
    name = canonical_dataset(name)
    if name == "digits":
        return _digits(seed)
    if name == "cifar10":
        if root is None:
            raise ValueError("cifar10 needs a root folder (--data-root)")
        return _cifar10(Path(root), download)
    if name.startswith("folder:"):
        return _folder(Path(name[len("folder:"):]), seed)
    return _from_callable(name, seed)


def _digits(seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    data = load_digits()
    return _split("digits", (data.images.astype(np.float32) / 16.0)[:, None],
                  data.target.astype(np.int64), seed)


def _split(name: str, x: np.ndarray, y: np.ndarray, seed: int) -> Dataset:
    """The seeded stratified 60 / 20 / 20 % split, standardised."""
    from sklearn.model_selection import train_test_split

    x_tr, x_rest, y_tr, y_rest = train_test_split(x, y, test_size=0.4, stratify=y,
                                                  random_state=seed)
    x_va, x_te, y_va, y_te = train_test_split(x_rest, y_rest, test_size=0.5, stratify=y_rest,
                                              random_state=seed)
    return _standardised(name, (x_tr, y_tr), (x_va, y_va), (x_te, y_te), int(y.max()) + 1)


def _folder(root: Path, seed: int) -> Dataset:
    from PIL import Image, UnidentifiedImageError

    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} does not exist")
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if len(classes) < 2:
        raise ValueError(f"dataset folder {root} needs a sub-folder per class, at least 2; "
                         f"found {len(classes)}")
    images, labels = [], []
    for label, folder in enumerate(classes):
        files = sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))
        if len(files) < 5:  # fewer cannot be split 60 / 20 / 20 by class
            raise ValueError(f"class folder {folder} needs at least 5 images, has {len(files)}")
        for file in files:
            try:
                with Image.open(file) as img:
                    img.load()
                    images.append(img.copy())
            except (UnidentifiedImageError, OSError) as exc:
                raise ValueError(f"{file}: not an image Pillow can read ({exc})") from None
            labels.append(label)
    mode = "L" if all(img.mode in _GREY for img in images) else "RGB"
    x = np.stack([np.asarray(img.convert(mode).resize((FOLDER_SIZE, FOLDER_SIZE)),
                             dtype=np.float32) / 255.0 for img in images])
    x = x[:, None] if mode == "L" else x.transpose(0, 3, 1, 2)
    return _split(f"folder:{root}", x, np.asarray(labels, dtype=np.int64), seed)


def _from_callable(name: str, seed: int) -> Dataset:
    module, _, attr = name.partition(":")
    try:
        fn: Callable[[int], Any] = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"dataset {name}: cannot import it ({exc})") from None
    out = fn(seed)
    if isinstance(out, Dataset):
        return out
    try:
        splits = [(_images(x), np.asarray(y)) for x, y in out]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dataset {name} must return a Dataset or ((x_train, y_train), "
                         f"(x_valid, y_valid), (x_test, y_test)) arrays ({exc})") from None
    return _checked(name, splits)


def _images(x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    x = x[:, None] if x.ndim == 3 else x
    if x.ndim != 4 or x.shape[2] != x.shape[3] or not np.isfinite(x).all():
        raise ValueError(f"x must be finite (N, C, S, S) or (N, S, S) images, got shape "
                         f"{x.shape}")
    return x


def _checked(name: str, splits: list[tuple[np.ndarray, np.ndarray]]) -> Dataset:
    if len(splits) != 3:
        raise ValueError(f"dataset {name} must return 3 splits (train, valid, test), got "
                         f"{len(splits)}")
    shape = splits[0][0].shape[1:]
    for x, y in splits:
        if len(x) == 0 or y.shape != (len(x),) or x.shape[1:] != shape \
                or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"dataset {name}: every split needs N > 0 images of one shape and "
                             f"N integer labels >= 0, got x {x.shape}, y {y.shape} {y.dtype}")
    classes = int(max(y.max() for _, y in splits)) + 1
    if classes < 2:
        raise ValueError(f"dataset {name} has fewer than 2 classes")
    train, valid, test = ((x, y.astype(np.int64)) for x, y in splits)
    return _standardised(name, train, valid, test, classes)


def read_cifar10_binary(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(60000, 3, 32, 32)`` uint8 and labels of the six CIFAR-10 binary batches."""
    images, labels = [], []
    for name in _CIFAR_BIN:
        raw = np.fromfile(folder / name, dtype=np.uint8)
        if raw.size % _CIFAR_RECORD:
            raise ValueError(f"{folder / name}: size is not a multiple of {_CIFAR_RECORD} bytes")
        records = raw.reshape(-1, _CIFAR_RECORD)
        labels.append(records[:, 0].astype(np.int64))
        images.append(records[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(images), np.concatenate(labels)


def _cifar10(root: Path, download: bool) -> Dataset:
    binary = next((d for d in (root, root / "cifar-10-batches-bin")
                   if all((d / f).is_file() for f in _CIFAR_BIN)), None)
    if binary is not None:
        x, y = read_cifar10_binary(binary)
    else:
        x, y = _cifar10_torchvision(root, download)
    x = x.astype(np.float32) / 255.0
    return _standardised("cifar10", (x[:40000], y[:40000]), (x[40000:50000], y[40000:50000]),
                         (x[50000:], y[50000:]), 10)


def _cifar10_torchvision(root: Path, download: bool) -> tuple[np.ndarray, np.ndarray]:
    try:
        from torchvision.datasets import CIFAR10
    except ImportError as exc:
        raise FileNotFoundError(
            f"no CIFAR-10 binary batches under {root} and torchvision is not importable "
            f"({exc}); put data_batch_1.bin ... test_batch.bin there") from None
    parts = [CIFAR10(str(root), train=train, download=download) for train in (True, False)]
    x = np.concatenate([p.data for p in parts]).transpose(0, 3, 1, 2)
    y = np.concatenate([np.asarray(p.targets, dtype=np.int64) for p in parts])
    return x, y


def _standardised(name: str, train: tuple, valid: tuple, test: tuple, classes: int) -> Dataset:
    mean = train[0].mean(axis=(0, 2, 3), keepdims=True)
    std = train[0].std(axis=(0, 2, 3), keepdims=True) + 1e-6

    def norm(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray((x - mean) / std, dtype=np.float32)

    return Dataset(name, norm(train[0]), train[1], norm(valid[0]), valid[1], norm(test[0]),
                   test[1], classes)

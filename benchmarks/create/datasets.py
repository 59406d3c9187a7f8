"""Datasets for building a benchmark: CIFAR-10 (torchvision or the binary version) and digits.

A :class:`Dataset` holds train / validation / test splits as float32 ``(N, C, H, W)`` arrays
(standardised per channel with the training split's statistics) and int64 labels, in memory.

- ``cifar10``: NAS-Bench-101's splits: 40,000 training images (the first four training
  batches), 10,000 validation images (the fifth) and the 10,000 test images. Read from the
  CIFAR-10 *binary* version (``data_batch_1.bin`` ... ``test_batch.bin``) under ``root`` when
  present, otherwise through torchvision (imported only then; ``download=True`` fetches it).
- ``digits``: scikit-learn's 1,797 8x8 grey-scale digits, offline; a seeded stratified split of
  60 / 20 / 20 %. For demos, tests and small runs on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "Dataset", "load_dataset"]

DATASETS = ("cifar10", "digits")
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


def load_dataset(name: str, *, root: Path | None = None, seed: int = 0,
                 download: bool = False) -> Dataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : {"cifar10", "digits"}
    root : pathlib.Path, optional
        CIFAR-10 folder (binary version, or torchvision's ``cifar-10-batches-py`` parent).
    seed : int
        Seeds the digits split (CIFAR-10's split is fixed).
    download : bool
        Let torchvision download CIFAR-10 into ``root``.
    """
    if name == "digits":
        return _digits(seed)
    if name == "cifar10":
        if root is None:
            raise ValueError("cifar10 needs a root folder (--data-root)")
        return _cifar10(Path(root), download)
    raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")


def _digits(seed: int) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.images.astype(np.float32) / 16.0)[:, None]
    y = data.target.astype(np.int64)
    x_tr, x_rest, y_tr, y_rest = train_test_split(x, y, test_size=0.4, stratify=y,
                                                  random_state=seed)
    x_va, x_te, y_va, y_te = train_test_split(x_rest, y_rest, test_size=0.5, stratify=y_rest,
                                              random_state=seed)
    return _standardised("digits", (x_tr, y_tr), (x_va, y_va), (x_te, y_te), 10)


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

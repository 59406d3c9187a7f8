"""NAS-Bench-101's training protocol, configurable, with energy metered during training.

Defaults (:class:`TrainingConfig`): batch 256, RMSProp (decay 0.9, momentum 0.9, epsilon 1.0),
learning rate 0.1 with cosine decay to 0 over all steps of the longest budget, L2 weight decay
1e-4 on all trainable variables, and an evaluation of train, validation and test accuracy at
every checkpoint epoch (and at epoch 0). Training time and energy exclude evaluation, as
NAS-Bench-101's ``training_time`` does; energy at a checkpoint is cumulative since the start.
Random crops (4-pixel padding) and horizontal flips augment CIFAR-10 when ``augment`` is set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch
from torch import nn

from benchmarks.create.checks import check_range
from benchmarks.create.datasets import Dataset
from benchmarks.create.meters import EnergyTracker

__all__ = ["TrainingConfig", "train_cell"]


@dataclass(frozen=True)
class TrainingConfig:
    """Training protocol; the defaults are NAS-Bench-101's."""

    checkpoints: tuple[int, ...] = (4, 12, 36, 108)
    batch_size: int = 256
    learning_rate: float = 0.1
    momentum: float = 0.9
    rms_decay: float = 0.9
    epsilon: float = 1.0
    weight_decay: float = 1e-4
    augment: bool = False
    eval_batch_size: int = 1000
    threads: int = 1

    def __post_init__(self) -> None:
        if not self.checkpoints or any(e < 1 for e in self.checkpoints) or \
                list(self.checkpoints) != sorted(set(self.checkpoints)):
            raise ValueError(f"checkpoints must be increasing positive epochs, "
                             f"got {self.checkpoints}")
        for name in ("batch_size", "eval_batch_size", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_range("learning_rate", self.learning_rate, 0.0, 100.0, lo_open=True)
        for name in ("momentum", "rms_decay"):
            check_range(name, getattr(self, name), 0.0, 1.0)
        check_range("epsilon", self.epsilon, 0.0, 1e6, lo_open=True)
        check_range("weight_decay", self.weight_decay, 0.0, 1.0)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, batch: int) -> float:
    device = next(model.parameters()).device
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[i : i + batch]).to(device))
            labels = torch.from_numpy(y[i : i + batch]).to(device)
            correct += int((logits.argmax(1) == labels).sum())
    model.train()
    return correct / len(x)


def _augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    n, _, h, w = xb.shape
    flip = (torch.rand(n, generator=gen) < 0.5).to(xb.device)
    xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
    padded = nn.functional.pad(xb, (4, 4, 4, 4))
    dy, dx = torch.randint(0, 9, (2,), generator=gen).tolist()  # one offset per batch: cheap
    return padded[:, :, dy : dy + h, dx : dx + w]


def _evaluate(model: nn.Module, data: Dataset, cfg: TrainingConfig, epochs: int, steps: int,
              train_s: float, tracker: EnergyTracker) -> dict[str, Any]:
    tracker.pause()
    start, stamp = time.perf_counter(), _now()
    acc = {f"{split}_accuracy": _accuracy(model, getattr(data, f"x_{key}"),
                                          getattr(data, f"y_{key}"), cfg.eval_batch_size)
           for split, key in (("train", "train"), ("validation", "valid"), ("test", "test"))}
    entry = {"epochs": float(epochs), "training_time": train_s, "training_steps": steps, **acc,
             "predict_time": time.perf_counter() - start,
             "energy (kWh)": tracker.energy_kwh(), "co2eq (g)": tracker.co2eq_g(),
             "avg_intensity (gCO2/kWh)": tracker.settings.carbon_intensity,
             "start_emission": stamp, "stop_emission": _now()}
    tracker.resume()
    return entry


def train_cell(model: nn.Module, data: Dataset, cfg: TrainingConfig, tracker: EnergyTracker,
               *, seed: int) -> list[dict[str, Any]]:
    """Train ``model`` to the last checkpoint; one evaluation entry per checkpoint (and epoch 0).

    Entries carry the raw layout's ``evaluation_results`` keys; ``seed`` fixes batch order and
    augmentation (the caller seeds initialisation). Trains on the device ``model`` is on.
    """
    torch.set_num_threads(cfg.threads)
    gen = torch.Generator().manual_seed(seed)
    n = len(data.x_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = steps_per_epoch * cfg.checkpoints[-1]
    opt = torch.optim.RMSprop(model.parameters(), lr=cfg.learning_rate, alpha=cfg.rms_decay,
                              eps=cfg.epsilon, momentum=cfg.momentum,
                              weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total)))
    loss_fn = nn.CrossEntropyLoss()
    device = next(model.parameters()).device
    x_all, y_all = torch.from_numpy(data.x_train).to(device), torch.from_numpy(data.y_train)
    y_all = y_all.to(device)
    tracker.start()
    entries = [_evaluate(model, data, cfg, 0, 0, 0.0, tracker)]
    train_s, steps = 0.0, 0
    model.train()
    for epoch in range(1, cfg.checkpoints[-1] + 1):
        start = time.perf_counter()
        order = torch.randperm(n, generator=gen).to(device)
        for i in range(0, n, cfg.batch_size):
            idx = order[i : i + cfg.batch_size]
            xb = _augment(x_all[idx], gen) if cfg.augment else x_all[idx]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), y_all[idx]).backward()
            opt.step()
            sched.step()
            steps += 1
        train_s += time.perf_counter() - start
        if epoch in cfg.checkpoints:
            entries.append(_evaluate(model, data, cfg, epoch, steps, train_s, tracker))
    tracker.pause()
    return entries

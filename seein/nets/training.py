"""Train a network deterministically and keep snapshots of it along the way (deepViz's timeline).

``train`` runs SGD or Adam on a data set's training split, evaluates on its
test split, and keeps K snapshots spaced evenly over the steps, always
including step 0 (untrained) and the last step. Each snapshot holds the
weights, step, epoch and metrics; the run also keeps loss/accuracy curves.
The same arguments give the same weights bit for bit: seeded initialisation
and shuffling, deterministic algorithms, a fixed thread count. The run file is
written once at the end, atomically (see :mod:`seein.nets.runs`).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report

TRAIN_EVAL_LIMIT = 500  # training images used for a snapshot's train metrics (a fixed subset)
EVAL_BATCH = 512


@contextlib.contextmanager
def deterministic(seed: int, threads: int = 1) -> Iterator[None]:
    """Seeded, deterministic, fixed-thread torch for the block; the caller's settings come back after."""
    saved = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.get_num_threads())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        # warn_only: a user's model with an op that has no deterministic kernel still trains (with a warning)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
            torch.set_num_threads(saved[2])


def snapshot_steps(total_steps: int, k: int) -> list[int]:
    """``k`` steps spread evenly over 0..total_steps, first and last included (fewer if steps are few)."""
    if k < 1:
        raise SeeinError(f"--snapshots must be at least 1 (got {k})")
    if k == 1:
        return [total_steps]
    return sorted({int(round(v)) for v in np.linspace(0, total_steps, k)})


def _batches(images: np.ndarray, n: int = EVAL_BATCH) -> Iterator[torch.Tensor]:
    for start in range(0, len(images), n):
        yield torch.from_numpy(images[start:start + n])


@torch.no_grad()
def _outputs(model: nn.Module, images: np.ndarray) -> torch.Tensor:
    was_training = model.training
    model.eval()
    out = torch.cat([model(x) for x in _batches(images)])
    model.train(was_training)
    return out


class _Evaluator:
    """Metrics of a model on fixed training and test subsets (classifier or embedding)."""

    def __init__(self, train_ds, test_ds, embedding: bool, seed: int):
        from .siamese import pair_partners

        n = min(len(train_ds), TRAIN_EVAL_LIMIT)
        self.sets = {"train": (train_ds.images[:n], train_ds.labels[:n])}
        if test_ds is not None:
            self.sets["test"] = (test_ds.images, test_ds.labels)
        self.embedding = embedding
        rng = np.random.default_rng(seed + 7919)
        self.pairs = {name: pair_partners(labels, np.arange(len(labels)), rng)
                      for name, (_, labels) in self.sets.items()}

    def __call__(self, model: nn.Module) -> dict[str, float]:
        from .siamese import centroid_accuracy, contrastive_loss

        metrics = {}
        outs = {name: _outputs(model, images) for name, (images, _) in self.sets.items()}
        train_emb, train_labels = outs["train"].numpy(), self.sets["train"][1]
        for name, (_, labels) in self.sets.items():
            out = outs[name]
            if self.embedding:
                partner = self.pairs[name]
                same = torch.from_numpy(labels == labels[partner])
                metrics[f"{name}_loss"] = float(contrastive_loss(out, out[partner], same))
                metrics[f"{name}_acc"] = centroid_accuracy(train_emb, train_labels, out.numpy(), labels)
            else:
                target = torch.from_numpy(labels)
                metrics[f"{name}_loss"] = float(F.cross_entropy(out, target))
                metrics[f"{name}_acc"] = float((out.argmax(1) == target).double().mean())
        return metrics


def _make_optimizer(name: str, params, lr: float | None) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr or 1e-3)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr or 0.01, momentum=0.9, weight_decay=5e-4)
    raise SeeinError(f"unknown optimizer {name!r} (adam, sgd)")


def train(model_spec: str, dataset_spec: str = "digits", out: str | os.PathLike = "run.pt",
          epochs: int = 4, snapshots: int = 6, seed: int = 0, progress: ProgressCallback | None = None,
          batch_size: int = 64, lr: float | None = None, split: str = "train", *,
          optimizer: str = "adam", limit: int | None = None, extra: dict | None = None) -> Path:
    """Train ``model_spec`` on ``dataset_spec`` and write a run file with K snapshots to ``out``.

    Parameters
    ----------
    model_spec : str
        ``lenet``, ``siamese-lenet``, ``file.py:Class`` or a TorchScript file.
    dataset_spec : str
        Any :func:`seein.data.load_dataset` spec; trains on ``split``, evaluates on
        the other split (``test`` for ``train``; no test metrics for ``all``).
    epochs, snapshots, seed, batch_size, lr, optimizer, limit
        Training length, number of snapshots (first and last step included),
        seed of initialisation, shuffling and pairing, and SGD/Adam settings;
        ``limit`` keeps the first N training images.
    progress : callable, optional
        ``progress(done_steps, total_steps, message)``; returning True cancels
        (raises :class:`~seein.core.errors.Cancelled`, nothing is written).

    Returns
    -------
    Path of the run file (complete, or absent if training stopped).
    """
    from ..data import load_dataset
    from .check import check_fits
    from .loading import build_model, canonical_spec
    from .models import is_embedding
    from .runs import save_run
    from .siamese import contrastive_loss, pair_partners

    if epochs < 1:
        raise SeeinError(f"--epochs must be at least 1 (got {epochs})")
    if batch_size < 1:
        raise SeeinError(f"--batch-size must be at least 1 (got {batch_size})")
    from .check import preferred_input

    started = time.perf_counter()
    with deterministic(seed):
        model = build_model(model_spec, seed)
        # after the model (an image folder is made into what it takes); loading draws no torch randomness
        channels, size = preferred_input(model)
        train_ds = load_dataset(dataset_spec, split=split, limit=limit, size=size, channels=channels)
        test_ds = None if split == "all" else load_dataset(
            dataset_spec, split="test" if split == "train" else "train", size=size, channels=channels)
        if len(train_ds) == 0:
            raise SeeinError(f"data set {dataset_spec!r} has no {split} images")
        embedding = is_embedding(model)
        n_classes = len(train_ds.class_names)
        check_fits(model, train_ds.images.shape[1:], None if embedding else n_classes, dataset_spec)
        evaluate = _Evaluator(train_ds, test_ds, embedding, seed)
        opt = _make_optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], lr)
        # a last batch of one image is dropped: BatchNorm cannot train on a single value per channel
        steps_per_epoch = len(train_ds) // batch_size if len(train_ds) % batch_size == 1 and len(train_ds) > 1 \
            else math.ceil(len(train_ds) / batch_size)
        total = epochs * steps_per_epoch
        keep = snapshot_steps(total, snapshots)
        rng = np.random.default_rng(seed)
        images, labels = torch.from_numpy(train_ds.images), torch.from_numpy(train_ds.labels)
        curves: dict[str, list[tuple[float, float]]] = {"train_loss": [], "train_acc": [] if not embedding else None,
                                                        "test_loss": [], "test_acc": []}
        snaps = []

        def take_snapshot(step: int) -> None:
            metrics = evaluate(model)
            for key in ("test_loss", "test_acc"):
                if key in metrics:
                    curves[key].append((step, metrics[key]))
            snaps.append({"index": len(snaps), "step": step, "epoch": step / steps_per_epoch,
                          "metrics": metrics,
                          "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}})

        if 0 in keep:
            take_snapshot(0)
        step = 0
        model.train()
        for epoch in range(epochs):
            order = rng.permutation(len(train_ds))
            for start in range(0, steps_per_epoch * batch_size, batch_size):
                idx = order[start:start + batch_size]
                x, y = images[idx], labels[idx]
                if embedding:
                    partner = pair_partners(train_ds.labels, idx, rng)
                    emb = model(torch.cat([x, images[partner]]))
                    a, b = emb[:len(idx)], emb[len(idx):]
                    loss = contrastive_loss(a, b, y == labels[partner])
                else:
                    logits = model(x)
                    loss = F.cross_entropy(logits, y)
                    curves["train_acc"].append((step + 1, float((logits.argmax(1) == y).double().mean())))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                loss_value = float(loss.detach())
                curves["train_loss"].append((step, loss_value))
                if step in keep:
                    take_snapshot(step)
                    model.train()
                report(progress, step, total, f"epoch {epoch + 1}/{epochs} loss {loss_value:.3f}")
        model.eval()
    seconds = time.perf_counter() - started
    payload = {
        "model_spec": canonical_spec(model_spec), "dataset_spec": dataset_spec, "split": split,
        "seed": int(seed), "epochs": int(epochs), "batch_size": int(batch_size), "lr": float(opt.defaults["lr"]),
        "optimizer": optimizer, "steps": int(total), "steps_per_epoch": int(steps_per_epoch),
        "input_shape": [int(v) for v in train_ds.images.shape[1:]], "class_names": list(train_ds.class_names),
        "embedding": bool(embedding), "train_seconds": float(seconds), "snapshots": snaps,
        "curves": {k: torch.tensor(v, dtype=torch.float64).reshape(-1, 2)
                   for k, v in curves.items() if v is not None},
        "extra": dict(extra or {}),
    }
    return save_run(out, payload)

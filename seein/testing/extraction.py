"""A tiny network and extraction plan that drive the extraction engine without seein.nets or seein.data."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..extract.engine import ExtractionPlan, probe_layers
from ..store import SnapshotInfo


def tiny_net() -> nn.Module:
    """A seeded 3-class ``nn.Sequential`` (conv, relu, pool, flatten, fc, relu, fc) on 1x12x12 inputs."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 5 * 5, 8), nn.ReLU(inplace=True),
                         nn.Linear(8, 3)).eval()


def tiny_plan(n_images: int = 50, n_snapshots: int = 2, layers=("0", "1", "2", "4", "5", "6"),
              shard=None) -> ExtractionPlan:
    """A plan over ``n_images`` random 12x12 images with ``n_snapshots`` different weights."""
    rng = np.random.default_rng(1)
    images = rng.random((n_images, 1, 12, 12), dtype=np.float32)
    labels = np.arange(n_images, dtype=np.int64) % 3
    net = tiny_net()
    snaps = []
    for k in range(n_snapshots):
        torch.manual_seed(100 + k)
        snaps.append((SnapshotInfo(index=k, step=10 * k, metrics={"acc": 0.1 * k}),
                      {name: torch.randn_like(v) for name, v in net.state_dict().items()}))
    infos, n_out = probe_layers(net, list(layers), images)
    start, stop = 0, n_images
    if shard:
        i, n = shard
        start, stop = i * n_images // n, (i + 1) * n_images // n
    return ExtractionPlan(model=net, snapshots=snaps, images=images[start:stop], labels=labels[start:stop],
                          image_ids=np.arange(start, stop), class_names=["a", "b", "c"], layers=infos,
                          n_outputs=n_out, curves={"loss": np.array([[0, 1.0], [10, 0.5]])},
                          source={"model": "tiny", "images_total": n_images},
                          shard=(shard[0], shard[1], start, stop, n_images) if shard else None,
                          dataset_spec="random", model_spec="tiny")

"""A tiny live store for tests: :func:`live_writer` starts one, :func:`add_snapshot` grows it."""

from __future__ import annotations

import numpy as np

from ..store import LayerInfo, SnapshotInfo
from ..store.live import LiveStoreWriter

LAYERS = [LayerInfo("conv", "structured", (3, 2, 2), "Conv2d", 0), LayerInfo("fc", "flat", (4,), "Linear", 1)]
N_IMAGES = 5


def live_writer(path) -> LiveStoreWriter:
    """A live store of 5 images, a 3 x 2 x 2 conv layer and a 4-wide flat one, no snapshots yet."""
    rf = np.zeros((2, 2, 4), np.int32) + [0, 0, 3, 3]
    return LiveStoreWriter.create(path, images=np.zeros((N_IMAGES, 4, 4, 1), np.uint8),
                                  labels=np.arange(N_IMAGES) % 2, image_ids=np.arange(N_IMAGES),
                                  class_names=["a", "b"], layers=LAYERS, input_shape=(1, 4, 4),
                                  receptive_fields={"conv": rf}, model_spec="m")


def add_snapshot(writer: LiveStoreWriter, k: int, live: bool = True, **kwargs):
    """Snapshot ``k`` (step 10k) whose activations and weights all equal ``k``."""
    n = N_IMAGES
    outputs = {"conv": np.full((n * 4, 3), k, np.float16), "fc": np.full((n, 4), k, np.float16)}
    return writer.add_snapshot(SnapshotInfo(k, step=10 * k, epoch=k / 2, metrics={"test_acc": 0.1 * k}),
                               outputs=outputs, logits=np.zeros((n, 2)), predictions=np.zeros(n, np.int64),
                               weights={"w": np.full((2, 2), k, np.float32)},
                               curves={"train_loss": np.array([[1, 2.0], [2, 1.0]])}, live=live, **kwargs)

"""Small synthetic stores for tests and examples: real files, written through the real writer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import h5py
import numpy as np

from ..store import LayerInfo, SnapshotInfo, StoreWriter, layer_kind


def make_store(path: str | os.PathLike, *, n_images: int = 60, n_classes: int = 3,
               layers: Mapping[str, Sequence[int]] | None = None, n_snapshots: int = 2,
               image_size: int = 12, seed: int = 0) -> Path:
    """Write a complete store of random, class-dependent activations; return its path.

    Each class has its own mean in every layer, so clusters are visible and
    class-wise statistics differ. Receptive fields are simple 3x3 windows.
    """
    rng = np.random.default_rng(seed)
    layers = dict(layers or {"conv": (4, 5, 5), "fc": (6,), "out": (2,)})
    labels = np.arange(n_images) % n_classes
    images = rng.integers(0, 255, size=(n_images, image_size, image_size, 1), dtype=np.uint8)
    infos = [LayerInfo(name, layer_kind(shape), tuple(shape), "Synthetic", order)
             for order, (name, shape) in enumerate(layers.items())]
    rfs = {}
    for info in infos:
        if info.kind == "structured":
            h, w = info.cells
            yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
            rfs[info.name] = np.stack([yy, xx, np.minimum(yy + 3, image_size),
                                       np.minimum(xx + 3, image_size)], -1).astype(np.int32)
    snaps = [SnapshotInfo(index=k, step=10 * k, epoch=float(k), metrics={"test_acc": 0.5 + 0.1 * k})
             for k in range(n_snapshots)]
    writer = StoreWriter.create(path, images=images, labels=labels, image_ids=np.arange(n_images),
                                class_names=[f"class {c}" for c in range(n_classes)], layers=infos,
                                snapshots=snaps, n_outputs=n_classes, input_shape=(1, image_size, image_size),
                                receptive_fields=rfs, dataset_spec="synthetic", model_spec="synthetic",
                                curves={"train_loss": np.array([[0, 2.0], [10, 1.0]])})
    for snap in snaps:
        outputs = {}
        for info in infos:
            centres = rng.normal(size=(n_classes,) + info.shape) * (1 + snap.index)
            noise = rng.normal(scale=0.3, size=(n_images,) + info.shape)
            outputs[info.name] = (centres[labels] + noise).astype(np.float32)
        logits = np.eye(n_classes)[labels] * 3 + rng.normal(size=(n_images, n_classes))
        writer.write_chunk(snap.index, 0, outputs, logits)
    return writer.finish(path)


def assert_same_stores(a: str | os.PathLike, b: str | os.PathLike) -> None:
    """Assert two stores hold the same datasets and attributes (creation time aside)."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        assert names_a == names_b
        for name in names_a:
            if isinstance(fa[name], h5py.Dataset):
                np.testing.assert_array_equal(fa[name][...], fb[name][...], err_msg=name)
            assert dict(fa[name].attrs).keys() == dict(fb[name].attrs).keys()
        skip = {"created", "store_id"}
        assert {k: str(v) for k, v in fa.attrs.items() if k not in skip} == \
            {k: str(v) for k, v in fb.attrs.items() if k not in skip}

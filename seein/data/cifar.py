"""CIFAR-10 python-version folders (``cifar10:DIR``): data_batch_1..5, test_batch, batches.meta.

Each batch is a pickled dict with ``data`` (uint8, N x 3072: the red, green and blue
32x32 planes of each image in turn) and ``labels`` (N ints); ``batches.meta`` has
``label_names``. Every pickle goes through the restricted unpickler, so a batch file
cannot run code. Split ``train`` is the data batches that exist (in order), ``test``
the test batch, ``all`` both (train first); image_ids index the split's images in
that order.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset
from .safe_pickle import safe_load
from .validate import assemble, labels_to_int, pixels_to_float

TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
META = "batches.meta"
#: The published CIFAR-10 class names, used when batches.meta is missing.
CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _text(value: Any) -> Any:
    """Decode a Python-2 byte string (as encoding='bytes' loads them) to str; leave others."""
    return value.decode("latin1") if isinstance(value, bytes) else value


def read_pickled_dict(path: Path) -> dict[str, Any]:
    """Unpickle a CIFAR file safely and return its dict with str keys."""
    obj = safe_load(path)
    if not isinstance(obj, dict):
        raise SeeinError(f"expected a pickled dict, found {type(obj).__name__}", path)
    return {_text(k): v for k, v in obj.items()}


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch: uint8 images (N, 32, 32, 3) and raw labels (N,)."""
    batch = read_pickled_dict(path)
    for key in ("data", "labels"):
        if key not in batch:
            raise SeeinError(f"batch has no {key!r} entry (keys: {', '.join(map(str, batch))})", path)
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        dtype = getattr(data, "dtype", type(data).__name__)
        raise SeeinError(f"'data' must be a uint8 array of shape (N, 3072), got {dtype} {shape}", path)
    try:
        labels = np.asarray(batch["labels"])
    except (TypeError, ValueError):
        raise SeeinError("'labels' is not a list of integers", path) from None
    labels = labels_to_int(labels, len(data), path)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels


def read_class_names(root: Path) -> list[str]:
    """``label_names`` from batches.meta, or the standard CIFAR-10 names (with a warning)."""
    path = root / META
    if not path.exists():
        warnings.warn(f"{path}: missing, using the standard CIFAR-10 class names", stacklevel=4)
        return list(CIFAR10_NAMES)
    meta = read_pickled_dict(path)
    names = meta.get("label_names")
    if not isinstance(names, (list, tuple)) or not names:
        raise SeeinError("batches.meta has no list 'label_names'", path)
    return [str(_text(n)) for n in names]


def load_cifar10(spec: str, folder: str, split: str, limit: int | None,
                 size: tuple[int, int] | None) -> ImageDataset:
    """Load a CIFAR-10 python-version folder as an ImageDataset (see module docs)."""
    root = Path(folder)
    if not root.exists():
        raise SeeinError("folder not found", root)
    if not root.is_dir():
        raise SeeinError("expected a folder holding the CIFAR-10 python batches", root)
    files: list[Path] = []
    if split in ("train", "all"):
        present = [root / n for n in TRAIN_BATCHES if (root / n).is_file()]
        if not present:
            raise SeeinError(f"no training batches ({TRAIN_BATCHES[0]} .. {TRAIN_BATCHES[-1]})", root)
        missing = [n for n in TRAIN_BATCHES if not (root / n).is_file()]
        if missing:
            warnings.warn(f"{root}: training batches missing, using the others: {', '.join(missing)}",
                          stacklevel=3)
        files += present
    if split in ("test", "all"):
        if not (root / TEST_BATCH).is_file():
            raise SeeinError(f"missing CIFAR-10 file {TEST_BATCH}", root)
        files.append(root / TEST_BATCH)
    class_names = read_class_names(root)
    images, labels, have = [], [], 0
    for path in files:   # read only as many batches as the limit needs
        if limit is not None and have >= limit:
            break
        batch_images, batch_labels = read_batch(path)
        if batch_labels.size and batch_labels.max() >= len(class_names):
            raise SeeinError(f"label {int(batch_labels.max())} is out of range for "
                             f"{len(class_names)} class names", path)
        images.append(batch_images)
        labels.append(batch_labels)
        have += len(batch_images)
    pixels = np.concatenate(images)[:limit]
    label_array = np.concatenate(labels)[:limit]
    return assemble(pixels_to_float(pixels, root), label_array, class_names, np.arange(len(label_array)),
                    spec=spec, split=split, path=root, size=size)

"""MNIST-format folders (``mnist:DIR``): the four standard IDX files, gzipped or not.

Also reads anything else distributed in this format with these names (Fashion-MNIST,
KMNIST); the class names are then the label numbers. Split ``train`` reads the
train-* files, ``test`` the t10k-* files, ``all`` both (train first). image_ids index
the images of the split's files, train then test for ``all``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset
from .idx import read_idx
from .validate import assemble, default_class_names, labels_to_int, pixels_to_float

#: (images, labels) base names per split, in the spellings the format is shipped with.
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def find_file(folder: Path, name: str) -> Path:
    """The file ``name`` in ``folder``: plain, ``.gz``, or with a '.' before 'idx' (as some mirrors
    name it); SeeinError naming what was looked for if none exists."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        path = folder / candidate
        if path.is_file():
            return path
    raise SeeinError(f"missing MNIST file {name} (or {name}.gz)", folder)


def read_pair(folder: Path, split: str, limit: int | None = None) -> tuple[np.ndarray, np.ndarray, Path]:
    """Images uint8 (N, H, W) and int64 labels (N,) of one split (its first ``limit``), checked
    against each other; a bad label is reported against the labels file."""
    image_path = find_file(folder, FILES[split][0])
    label_path = find_file(folder, FILES[split][1])
    images = read_idx(image_path, limit)
    labels = read_idx(label_path, limit)
    if images.ndim != 3:
        raise SeeinError(f"expected images of shape (N, H, W), got {images.shape}", image_path)
    if images.dtype != np.uint8:
        raise SeeinError(f"expected uint8 images, got {images.dtype}", image_path)
    if labels.ndim != 1:
        raise SeeinError(f"expected labels of shape (N,), got {labels.shape}", label_path)
    if len(images) != len(labels):
        raise SeeinError(f"{len(images)} images in {image_path.name} but {len(labels)} labels", label_path)
    return images, labels_to_int(labels, len(images), label_path), image_path


def load_mnist(spec: str, folder: str, split: str, limit: int | None,
               size: tuple[int, int] | None) -> ImageDataset:
    """Load an MNIST-format folder as an ImageDataset (see the module docs for splits and ids)."""
    root = Path(folder)
    if not root.exists():
        raise SeeinError("folder not found", root)
    if not root.is_dir():
        raise SeeinError("expected a folder holding the MNIST IDX files", root)
    parts = ["train", "test"] if split == "all" else [split]
    pairs = [read_pair(root, part, limit) for part in parts]
    shapes = {p[0].shape[1:] for p in pairs}
    if len(shapes) > 1:
        raise SeeinError(f"train and test images differ in size: {sorted(shapes)}", root)
    images = np.concatenate([p[0] for p in pairs])
    labels = labels_to_int(np.concatenate([p[1] for p in pairs]), len(images), pairs[0][2])
    # At least "0".."9", more for formats with more classes (EMNIST), named from all labels.
    names = default_class_names(labels)
    names = names if len(names) >= 10 else [str(i) for i in range(10)]
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    pixels = pixels_to_float(images[..., None], pairs[0][2])
    return assemble(pixels, labels, names, np.arange(len(labels)), spec=spec, split=split,
                    path=root, size=size)

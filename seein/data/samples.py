"""Writers of small, real data files in every supported format, for tests and examples.

Each writer produces exactly what the real distribution looks like (IDX big-endian
headers, Python-pickled CIFAR batches with numpy arrays, PNG/JPEG class folders, npz
archives), so code that reads them is exercised on the real format, not on a mock.
The pixel content is class-dependent noise (each class a brighter band), enough for a
network to learn something and for a test to check that the right image arrived.
"""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np

from .idx import IDX_DTYPES

_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_DTYPES.items()}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    array = np.asarray(array)
    code = _CODES[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.astype(IDX_DTYPES[code]).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file (gzipped if ``compress``); return the path."""
    data = idx_bytes(array)
    Path(path).write_bytes(gzip.compress(data) if compress else data)
    return Path(path)


def sample_pixels(labels: np.ndarray, height: int, width: int, channels: int = 1,
                  seed: int = 0) -> np.ndarray:
    """uint8 (N, H, W, C) images: noise plus a bright row band whose position is the class."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(len(labels), height, width, channels), dtype=np.uint8)
    n_classes = int(labels.max()) + 1 if len(labels) else 1
    for i, label in enumerate(labels):
        top = int(label) * height // n_classes
        images[i, top:top + max(1, height // n_classes)] = 200 + (i % 50)
    return images


def write_mnist_dir(folder: str | os.PathLike, n_train: int = 30, n_test: int = 20, size: int = 28,
                    compress: bool = True, seed: int = 0) -> Path:
    """Write the four MNIST IDX files (10 classes) into ``folder``; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    for prefix, n, offset in (("train", n_train, 0), ("t10k", n_test, 1)):
        labels = (np.arange(n) + offset) % 10
        images = sample_pixels(labels, size, size, 1, seed + offset)[..., 0]
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images.astype(np.uint8), compress)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels.astype(np.uint8), compress)
    return folder


def write_cifar10_dir(folder: str | os.PathLike, per_batch: int = 10, n_train_batches: int = 5,
                      protocol: int = 2, bytes_keys: bool = True, seed: int = 0,
                      label_names: list[str] | None = None) -> Path:
    """Write CIFAR-10 python-version batches (numpy ``data``, list ``labels``) and batches.meta.

    ``bytes_keys`` writes dict keys and names as bytes, as the original Python 2 pickles
    load under ``encoding="bytes"``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = (lambda s: s.encode()) if bytes_keys else (lambda s: s)
    names = label_names or ["airplane", "automobile", "bird", "cat", "deer",
                            "dog", "frog", "horse", "ship", "truck"]
    files = [f"data_batch_{i}" for i in range(1, n_train_batches + 1)] + ["test_batch"]
    for b, name in enumerate(files):
        labels = (np.arange(per_batch) + b) % len(names)
        pixels = sample_pixels(labels, 32, 32, 3, seed + b)              # (N, 32, 32, 3)
        data = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)).reshape(per_batch, 3072)
        batch = {key("batch_label"): key(f"batch {b}"), key("labels"): [int(v) for v in labels],
                 key("data"): data, key("filenames"): [key(f"img_{b}_{i}.png") for i in range(per_batch)]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=protocol)
    meta = {key("label_names"): [key(n) for n in names], key("num_cases_per_batch"): per_batch,
            key("num_vis"): 3072}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=protocol)
    return folder


def write_image_folder(folder: str | os.PathLike, classes: tuple[str, ...] = ("cat", "dog", "emu"),
                       per_class: int = 3, size: tuple[int, int] = (20, 24), mode: str = "RGB",
                       fmt: str = "PNG", seed: int = 0) -> Path:
    """Write ``folder/<class>/<i>.<fmt>`` images of (H, W) = ``size`` in Pillow ``mode``."""
    from PIL import Image

    folder = Path(folder)
    labels = np.repeat(np.arange(len(classes)), per_class)
    channels = 1 if mode == "L" else 3
    pixels = sample_pixels(labels, size[0], size[1], channels, seed)
    ext = {"PNG": "png", "JPEG": "jpg", "BMP": "bmp", "GIF": "gif"}.get(fmt, fmt.lower())
    for i, label in enumerate(labels):
        target = folder / classes[label]
        target.mkdir(parents=True, exist_ok=True)
        img = Image.fromarray(pixels[i, ..., 0] if channels == 1 else pixels[i])
        img.convert(mode).save(target / f"{i:04d}.{ext}", fmt)
    return folder


def write_npz(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray,
              class_names: list[str] | None = None) -> Path:
    """Write an npz archive with ``images``, ``labels`` and, if given, ``class_names``."""
    arrays = {"images": images, "labels": labels}
    if class_names is not None:
        arrays["class_names"] = np.asarray(class_names, dtype=str)
    path = Path(path)
    path = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")  # as np.savez does
    np.savez(path, **arrays)
    return path

"""Checks and conversions every loader shares: pixel arrays to float32 NCHW in [0, 1], labels,
resizing, and the final limit/assembly step, each failing with a SeeinError that names the file."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset

PathLike = str | os.PathLike

#: The most classes a data set may have: labels are 0..MAX_CLASSES-1 (checked before any
#: per-class list is built, so a label of 2**40 is an error, not gigabytes of class names).
MAX_CLASSES = 100_000


def pixels_to_float(pixels: np.ndarray, path: PathLike, what: str = "images") -> np.ndarray:
    """Turn channel-last pixels (N, H, W, C) into float32 (N, C, H, W) in [0, 1].

    uint8 (and other integer arrays whose values lie in 0..255) are divided by 255; bool
    becomes 0/1; float arrays must already be finite and within [0, 1] (we do not guess
    a scaling for floats, since a wrong guess would silently change what the network sees).
    """
    if pixels.ndim != 4 or pixels.shape[-1] not in (1, 3):
        raise SeeinError(f"{what} must be (N, H, W, C) with C 1 or 3, got shape {pixels.shape}", path)
    kind = pixels.dtype.kind
    if kind == "b":
        out = pixels.astype(np.float32)
    elif kind in "ui":
        if pixels.dtype != np.uint8 and pixels.size:
            lo, hi = int(pixels.min()), int(pixels.max())
            if lo < 0 or hi > 255:
                raise SeeinError(f"{what} are {pixels.dtype} with values {lo}..{hi}; expected 0..255", path)
        out = pixels.astype(np.float32) / np.float32(255.0)
    elif kind == "f":
        out = pixels.astype(np.float32)
        bad = ~np.isfinite(out)
        if bad.any():
            first = np.unravel_index(int(np.argmax(bad)), out.shape)[0]
            raise SeeinError(f"{what} contain {int(bad.sum())} NaN/Inf values (first in image {first})", path)
        if out.size:
            lo, hi = float(out.min()), float(out.max())
            if lo < 0.0 or hi > 1.0:
                raise SeeinError(f"float {what} must lie in [0, 1], found {lo:g}..{hi:g} "
                                 f"(store uint8 0..255 or scale to [0, 1])", path)
    else:
        raise SeeinError(f"{what} have dtype {pixels.dtype}; expected uint8 or float", path)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def labels_to_int(labels: np.ndarray, n_images: int, path: PathLike,
                  n_classes: int | None = None) -> np.ndarray:
    """Check labels (one non-negative integer per image, below ``n_classes`` if given); int64."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise SeeinError(f"labels must be one-dimensional, got shape {labels.shape}", path)
    if len(labels) != n_images:
        raise SeeinError(f"{n_images} images but {len(labels)} labels", path)
    kind = labels.dtype.kind
    if kind == "f":
        if not np.isfinite(labels).all():
            raise SeeinError("labels contain NaN/Inf values", path)
        if (labels != np.round(labels)).any():
            raise SeeinError("labels must be whole numbers", path)
    elif kind not in "ui":
        raise SeeinError(f"labels have dtype {labels.dtype}; expected integers", path)
    if labels.size and labels.min() < 0:
        raise SeeinError(f"labels must be >= 0, found {labels.min()}", path)
    if labels.size and labels.max() >= MAX_CLASSES:  # on the file's own dtype: uint64 >= 2**63 too
        top = labels.max()
        raise SeeinError(f"label {int(top) if kind != 'f' else f'{top:g}'} is too large: labels must "
                         f"be class numbers 0..N-1 with N <= {MAX_CLASSES:,}", path)
    out = labels.astype(np.int64)
    if n_classes is not None and out.size and out.max() >= n_classes:
        raise SeeinError(f"label {int(out.max())} is out of range for {n_classes} classes", path)
    return out


def default_class_names(labels: np.ndarray) -> list[str]:
    """Class names "0".."K-1" for labels with maximum K-1 (at least one class)."""
    top = int(labels.max()) if labels.size else 0
    if not 0 <= top < MAX_CLASSES:
        raise SeeinError(f"label {top} is too large: at most {MAX_CLASSES:,} classes")
    return [str(i) for i in range(top + 1)]


def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of Pillow's bilinear filter along one axis.

    Pillow resamples separably; resizing an identity image along one axis gives the
    weight of every input row in every output row, so a whole batch can then be
    resized with two matrix products that agree with Pillow image by image.
    """
    from PIL import Image

    eye = Image.fromarray(np.eye(n_in, dtype=np.float32))
    return np.asarray(eye.resize((n_in, n_out), Image.BILINEAR), np.float32)


def resize_images(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize float32 (N, C, H, W) images to (H', W') = ``size`` with bilinear resampling.

    Pillow's bilinear filter widens its support when shrinking, so downscaling is
    anti-aliased as well (plain point sampling would alias fine strokes away).
    """
    h, w = size
    if images.shape[2:] == (h, w):
        return images
    rows = _resample_matrix(images.shape[2], h)
    cols = _resample_matrix(images.shape[3], w)
    out = np.einsum("yh,nchw,xw->ncyx", rows, images.astype(np.float32), cols, optimize=True)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def assemble(images: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
             image_ids: np.ndarray, *, spec: str, split: str, path: PathLike,
             limit: int | None = None, size: tuple[int, int] | None = None) -> ImageDataset:
    """Apply ``limit`` (first N) and ``size``, refuse an empty result, build the ImageDataset."""
    if limit is not None:
        images, labels, image_ids = images[:limit], labels[:limit], image_ids[:limit]
    if len(images) == 0:
        raise SeeinError(f"the data set is empty (split {split!r})", path)
    if size is not None:
        images = resize_images(images, size)
    if len(class_names) == 0:
        raise SeeinError("the data set has no classes", path)
    if labels.max() >= len(class_names):
        raise SeeinError(f"label {int(labels.max())} is out of range for {len(class_names)} class names", path)
    return ImageDataset(images=np.ascontiguousarray(images, dtype=np.float32),
                        labels=np.asarray(labels, dtype=np.int64),
                        class_names=[str(c) for c in class_names],
                        image_ids=np.asarray(image_ids, dtype=np.int64),
                        spec=spec, split=split)

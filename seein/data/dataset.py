"""The in-memory image data set every loader returns, and the split/limit helpers they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import SeeinError

SPLITS = ("train", "test", "all")


@dataclass(eq=False)
class ImageDataset:
    """A labelled set of images, ready for a network and for display.

    Attributes
    ----------
    images : ndarray
        float32 (N, C, H, W) with values in [0, 1]; C is 1 (grey) or 3 (RGB).
    labels : ndarray
        int64 (N,), each in ``range(len(class_names))``.
    class_names : list of str
        Name of each class, indexed by label.
    image_ids : ndarray
        int64 (N,): where each image sits in its source (see the loader's docs), so a
        store can say which original image a point came from.
    spec : str
        The spec string the set was loaded from (e.g. ``"digits"``, ``"mnist:/data"``).
    split : str
        The split that was asked for: ``train``, ``test`` or ``all``.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    image_ids: np.ndarray
    spec: str
    split: str

    def __post_init__(self) -> None:
        # Loaders build these already checked; the asserts keep the contract honest for
        # anyone constructing a data set by hand.
        n = len(self.images)
        if self.images.dtype != np.float32 or self.images.ndim != 4 or self.images.shape[1] not in (1, 3):
            raise ValueError(f"images must be float32 (N, C, H, W) with C in (1, 3), got "
                             f"{self.images.dtype} {self.images.shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != (n,):
            raise ValueError(f"labels must be int64 ({n},), got {self.labels.dtype} {self.labels.shape}")
        if self.image_ids.dtype != np.int64 or self.image_ids.shape != (n,):
            raise ValueError(f"image_ids must be int64 ({n},), got {self.image_ids.dtype} {self.image_ids.shape}")
        self.class_names = [str(c) for c in self.class_names]

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        c, h, w = self.image_shape
        return (f"ImageDataset(spec={self.spec!r}, split={self.split!r}, n={len(self)}, "
                f"image_shape=({c}, {h}, {w}), classes={len(self.class_names)})")

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image: what a model's input must accept."""
        _, c, h, w = self.images.shape
        return int(c), int(h), int(w)

    @property
    def n_classes(self) -> int:
        """Number of classes (the length of ``class_names``)."""
        return len(self.class_names)

    def display_images(self) -> np.ndarray:
        """The images as uint8 (N, H, W, C), the layout the store and the views use."""
        pixels = np.rint(np.clip(self.images, 0.0, 1.0) * 255.0).astype(np.uint8)
        return np.ascontiguousarray(pixels.transpose(0, 2, 3, 1))


def check_split(split: str) -> str:
    """Return ``split`` if it is one of train/test/all, else raise a SeeinError listing them."""
    if split not in SPLITS:
        raise SeeinError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return split


def check_limit(limit: int | None) -> int | None:
    """Return ``limit`` if it is None or a positive integer, else raise a SeeinError."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise SeeinError(f"limit must be a positive number of images, got {limit!r}")
    return int(limit)


def check_size(size: tuple[int, int] | None) -> tuple[int, int] | None:
    """Return ``size`` as (H, W) of positive ints, or None; raise a SeeinError otherwise."""
    if size is None:
        return None
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise SeeinError(f"size must be (height, width), got {size!r}") from None
    if h < 1 or w < 1:
        raise SeeinError(f"size must be positive, got {size!r}")
    return h, w

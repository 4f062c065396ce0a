"""The embedded default data set: scikit-learn's 1,797 handwritten digits, upsampled to 28x28.

The 8x8 digits (values 0..16) are scaled to [0, 1] and resampled bilinearly to 28x28 so
that MNIST-shaped networks (LeNet) run on them unchanged. The train/test split is our
own fixed stratified split (20% of each class to test, drawn with a seeded generator),
so it never changes with the scikit-learn version and every run and store agree on it.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset
from .validate import assemble, resize_images

N_DIGITS = 1797
SIZE = (28, 28)
TEST_FRACTION = 0.2
SPLIT_SEED = 0


def _digits_csv() -> Path | None:
    """Path of scikit-learn's bundled digits.csv.gz, found without importing sklearn.

    ``import sklearn.datasets`` costs a second or more; the file itself parses in a
    few milliseconds, so we read it directly and fall back to load_digits only if
    scikit-learn ever moves it.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root) / "datasets" / "data" / "digits.csv.gz"
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=1)
def raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The original digits: float32 (1797, 8, 8) in [0, 1] and int64 labels (read-only, cached)."""
    csv = _digits_csv()
    if csv is not None:
        with gzip.open(csv, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64)
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - only if scikit-learn relocates its data file
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels, labels = bunch.data.astype(np.int64), bunch.target.astype(np.int64)
    if pixels.shape != (N_DIGITS, 64):
        raise SeeinError(f"scikit-learn's digits have shape {pixels.shape}, expected ({N_DIGITS}, 64)",
                         csv)
    images = (pixels.reshape(N_DIGITS, 1, 8, 8) / 16.0).astype(np.float32)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


@functools.lru_cache(maxsize=4)
def upsampled_digits(size: tuple[int, int] = SIZE) -> np.ndarray:
    """All 1,797 digits resampled to ``size``, float32 (1797, 1, H, W), read-only and cached."""
    images = resize_images(raw_digits()[0], size)
    images.flags.writeable = False
    return images


@functools.lru_cache(maxsize=1)
def split_indices() -> dict[str, np.ndarray]:
    """Indices (into the 1,797) of each split: a stratified 80/20 split, in original order.

    For each class, a generator seeded with SPLIT_SEED permutes its images and sends
    round(20%) of them to test. Both splits keep the original order.
    """
    labels = raw_digits()[1]
    rng = np.random.RandomState(SPLIT_SEED)
    test = np.zeros(N_DIGITS, bool)
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        chosen = rng.permutation(members)[: int(round(TEST_FRACTION * len(members)))]
        test[chosen] = True
    out = {"train": np.flatnonzero(~test), "test": np.flatnonzero(test), "all": np.arange(N_DIGITS)}
    for array in out.values():
        array.flags.writeable = False
    return out


def load_digits_dataset(spec: str, split: str, limit: int | None,
                        size: tuple[int, int] | None) -> ImageDataset:
    """Load the digits (``spec`` is ``"digits"``); image_ids index the original 1,797."""
    index = split_indices()[split]
    if limit is not None:
        index = index[:limit]
    images = upsampled_digits(size or SIZE)[index]  # fancy indexing copies: callers may write
    labels = raw_digits()[1][index]
    return assemble(images, labels, [str(d) for d in range(10)], index.copy(),
                    spec=spec, split=split, path="digits")

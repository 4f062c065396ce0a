"""Image data sets for Seein' In: one entry point, :func:`load_dataset`, for every source.

Spec strings (the CLI's ``--dataset``):

``digits``
    scikit-learn's 1,797 bundled handwritten digits, upsampled to 28x28 (the default;
    needs no files). Fixed stratified split, 20% test.
``mnist:DIR``
    The four MNIST IDX files (train-images-idx3-ubyte, ...), gzipped or not.
``cifar10:DIR``
    The CIFAR-10 python-version batches (data_batch_1..5, test_batch, batches.meta),
    read through a restricted unpickler that cannot run code.
``folder:DIR``
    One sub-folder of images per class (or DIR/train/<class>, DIR/test/<class>).
``npz:FILE``
    A NumPy archive with ``images``, ``labels`` and optional ``class_names``.

Folders and archives without their own split give the whole set for every split; see
:mod:`seein.data.folder` and :mod:`seein.data.npz`.
"""

from __future__ import annotations

import os
from typing import Callable

from ..core.errors import SeeinError
from .dataset import SPLITS, ImageDataset, check_limit, check_size, check_split

__all__ = ["load_dataset", "ImageDataset", "KNOWN_SPECS", "SPLITS"]

#: Every accepted spec form, as shown in error messages and help texts.
KNOWN_SPECS = ("digits", "mnist:DIR", "cifar10:DIR", "folder:DIR", "npz:FILE")


def _loaders() -> dict[str, Callable[..., ImageDataset]]:
    # Imported here so `import seein.data` stays light (Pillow is only needed by some).
    from .cifar import load_cifar10
    from .folder import load_folder
    from .mnist import load_mnist
    from .npz import load_npz

    return {"mnist": load_mnist, "cifar10": load_cifar10, "folder": load_folder, "npz": load_npz}


def load_dataset(spec: str = "digits", split: str = "test", limit: int | None = None,
                 size: tuple[int, int] | None = None, channels: int | None = None) -> ImageDataset:
    """Load the data set named by ``spec``.

    Parameters
    ----------
    spec : str
        ``digits``, ``mnist:DIR``, ``cifar10:DIR``, ``folder:DIR`` or ``npz:FILE``.
    split : {"train", "test", "all"}
        Which part to load.
    limit : int, optional
        Keep only the first ``limit`` images of the split.
    size : (int, int), optional
        Resize every image to (height, width) with bilinear resampling (default: the
        source's own size; for folders, the size of the first image).
    channels : 1 or 3, optional
        For ``folder:`` data sets, convert every image to grey (1) or RGB (3), e.g. the
        model's input channels (default: whichever most of the images are). Other sources
        keep their own channels: a model that does not fit them gets an error naming both.

    Returns
    -------
    ImageDataset
        float32 (N, C, H, W) images in [0, 1], int64 labels, class names, image ids.

    Raises
    ------
    SeeinError
        For any problem with the spec or the files, naming the file and the problem.
    """
    check_split(split)
    limit = check_limit(limit)
    size = check_size(size)
    if not isinstance(spec, str) or not spec.strip():
        raise SeeinError(f"empty data set spec; use one of {', '.join(KNOWN_SPECS)}")
    spec = spec.strip()
    if spec == "digits":
        from .digits import load_digits_dataset

        return load_digits_dataset(spec, split, limit, size)
    prefix, sep, location = spec.partition(":")
    loaders = _loaders()
    if not sep or prefix not in loaders:
        raise SeeinError(f"unknown data set spec {spec!r}; known: {', '.join(KNOWN_SPECS)}")
    if not location:
        raise SeeinError(f"data set spec {spec!r} names no path; e.g. {prefix}:/path/to/data")
    if channels is not None and channels not in (1, 3):
        raise SeeinError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")
    if prefix == "folder":
        return loaders[prefix](spec, os.path.expanduser(location), split, limit, size, channels=channels)
    return loaders[prefix](spec, os.path.expanduser(location), split, limit, size)

"""NumPy archives (``npz:FILE``): ``images``, ``labels`` and optional ``class_names``.

``images`` may be N x H x W (grey), N x H x W x C or N x C x H x W with C = 1 or 3; a
4-D array is channel-last when its last axis is 1 or 3, else channel-first when its
second axis is, else an error. uint8 (or integer 0..255) pixels are scaled by 1/255,
float pixels must lie in [0, 1]. ``labels`` holds one non-negative integer per image;
``class_names`` (strings) defaults to "0".."K-1". The file is read with
``allow_pickle=False``, so it cannot run code.

An archive carries no train/test split and we do not invent one: ``train``, ``test``
and ``all`` each give the whole file, and image_ids are indices into it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset
from .validate import assemble, default_class_names, labels_to_int, pixels_to_float


def channel_last(images: np.ndarray, path: Path) -> np.ndarray:
    """View ``images`` (N,H,W), (N,H,W,C) or (N,C,H,W) as (N, H, W, C) with C in {1, 3}."""
    if images.ndim == 3:
        return images[..., None]
    if images.ndim == 4:
        if images.shape[-1] in (1, 3):
            return images
        if images.shape[1] in (1, 3):
            return images.transpose(0, 2, 3, 1)
        raise SeeinError(f"cannot find a channel axis of size 1 or 3 in 'images' of shape {images.shape}", path)
    raise SeeinError(f"'images' must be N x H x W, N x H x W x C or N x C x H x W, got shape {images.shape}",
                     path)


#: Deflate cannot expand data more than about 1032:1; a member declaring more is a bomb.
MAX_RATIO = 1100
#: No array seein reads from an archive declares more than this many bytes.
MAX_BYTES = 16 * 2**30


def read_member(archive: zipfile.ZipFile, name: str, path: Path, limit: int | None) -> np.ndarray:
    """One ``.npy`` member read as a stream: its header checked against what the member can
    hold (before allocating), then only its first ``limit`` rows."""
    info = archive.getinfo(name)
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        if dtype.hasobject:
            raise SeeinError(f"not a readable .npz archive: {name[:-4]!r} holds Python objects "
                             "(pickles are never loaded)", path)
        declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
        can_hold = info.compress_size * MAX_RATIO if info.compress_type else info.file_size
        if declared > MAX_BYTES or declared > can_hold:
            raise SeeinError(f"{name[:-4]!r} declares shape {shape} ({declared:,} bytes), more than "
                             f"{'the archive can hold' if declared <= MAX_BYTES else 'seein reads'}", path)
        rows = shape[0] if shape else 0
        if limit is not None and shape and not fortran:
            rows = max(0, min(int(limit), shape[0]))
            shape = (rows, *shape[1:])
        count = int(np.prod(shape, dtype=object))
        body = stream.read(count * dtype.itemsize)
        if len(body) < count * dtype.itemsize:
            raise SeeinError(f"{name[:-4]!r} is truncated", path)
    data = np.frombuffer(body, dtype=dtype, count=count)
    return data.reshape(shape[::-1]).transpose() if fortran else data.reshape(shape)


def read_arrays(path: Path, limit: int | None = None) -> dict[str, np.ndarray]:
    """The arrays of the archive (images, labels, class_names if present), never unpickling;
    ``images`` and ``labels`` only their first ``limit`` rows."""
    if not path.exists():
        raise SeeinError("file not found", path)
    if not path.is_file():
        raise SeeinError("expected an .npz file", path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
        if magic == b"\x93NUMPY":
            raise SeeinError("expected an .npz archive, found a single .npy array", path)
        with zipfile.ZipFile(path) as archive:
            keys = [n[:-4] for n in archive.namelist() if n.endswith(".npy")]
            missing = [k for k in ("images", "labels") if k not in keys]
            if missing:
                raise SeeinError(f"missing {' and '.join(repr(k) for k in missing)} "
                                 f"(found: {', '.join(keys) or 'nothing'})", path)
            return {k: read_member(archive, k + ".npy", path, None if k == "class_names" else limit)
                    for k in ("images", "labels", "class_names") if k in keys}
    except SeeinError:
        raise
    except Exception as exc:  # a damaged archive fails in many ways (zip, zlib, npy header): all mean this
        first = (str(exc).splitlines() or [""])[0][:200]
        raise SeeinError(f"not a readable .npz archive ({type(exc).__name__}: {first})", path) from None


def read_class_names(value: np.ndarray, path: Path) -> list[str]:
    """Decode the optional ``class_names`` array (1-D strings or bytes) to a list of str."""
    if value.ndim != 1 or value.dtype.kind not in "US":
        raise SeeinError(f"'class_names' must be a 1-D array of strings, got {value.dtype} {value.shape}",
                         path)
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in value.tolist()]


def load_npz(spec: str, file: str, split: str, limit: int | None,
             size: tuple[int, int] | None) -> ImageDataset:
    """Load an .npz archive as an ImageDataset (see module docs for layouts and splits)."""
    path = Path(file)
    arrays = read_arrays(path, limit)
    images = channel_last(arrays["images"], path)
    labels = labels_to_int(arrays["labels"], len(images), path)
    if "class_names" in arrays:
        names = read_class_names(arrays["class_names"], path)
        if labels.size and labels.max() >= len(names):
            raise SeeinError(f"label {int(labels.max())} is out of range for {len(names)} class names", path)
    else:
        names = default_class_names(labels)
    if len(images) == 0:
        raise SeeinError("the data set is empty ('images' has no images)", path)
    images, labels = images[:limit], labels[:limit]
    return assemble(pixels_to_float(images, path), labels, names, np.arange(len(labels)),
                    spec=spec, split=split, path=path, size=size)

"""Shared plumbing of the analysis statistics: the device, finite checks, chunked reads, the cache.

Every statistic in ``seein.compute`` reads a layer through :func:`chunks` (images in
fixed-size chunks, each checked for NaN/Inf so a bad activation is reported with its
layer and snapshot), runs on the backend's device, and keeps its result in the store's
cache through :func:`cached`, keyed by its parameters, so a second call returns at once.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from ..core.errors import SeeinError
from ..store import Store

#: Images per chunk when streaming a layer: bounds the memory of every statistic.
IMAGES_PER_CHUNK = 256

_RECORD: ContextVar[list | None] = ContextVar("seein_cache_record", default=None)


def device() -> Any:
    """The torch device analysis runs on (``seein.core.backend`` decides once; SEEIN_DEVICE overrides)."""
    from ..core.backend import get_backend

    return get_backend().device


def check_finite(values: np.ndarray, store: Store, layer: str, snapshot: int, first_point: int = 0) -> None:
    """Raise a one-line SeeinError naming layer, snapshot, point and image if ``values`` hold NaN/Inf.

    ``values`` are rows of the layer's points starting at point ``first_point``. The one
    check of every statistic and projection, so a bad activation reads the same everywhere.
    """
    if values.size and not np.isfinite(values).all():
        bad = np.isfinite(values).all(axis=-1) if values.ndim > 1 else np.isfinite(values)
        point = first_point + int(np.flatnonzero(~bad)[0])
        image = point // max(1, store.layer(layer).points_per_image)
        index = store.snapshot(snapshot).index
        hint = ""
        if np.isinf(values).any() and store.activations(layer, snapshot).dtype == np.float16:
            hint = " (beyond float16's range? extract with --dtype float32)"
        raise SeeinError(f"layer {layer!r} at snapshot {index} holds NaN or Inf activations "
                         f"(first at point {point}, image {image}){hint}; re-extract or pick "
                         "another snapshot", store.path)


def chunks(store: Store, layer: str, snapshot: int = -1,
           images_per_chunk: int = IMAGES_PER_CHUNK) -> Iterator[tuple[int, np.ndarray]]:
    """Stream ``(first_image, points float32 (n, dims))`` chunks of a layer, each checked finite."""
    per = store.layer(layer).points_per_image
    for start, pts in store.iter_chunks(layer, snapshot, images_per_chunk=images_per_chunk):
        check_finite(pts, store, layer, snapshot, start * per)
        yield start, pts


def snapshot_index(store: Store, snapshot: int) -> int:
    """The position (0..n-1) of snapshot ``snapshot`` (which may count from the end)."""
    n = len(store.snapshots)
    store.snapshot(snapshot)  # a clear error for an unknown snapshot
    return snapshot % n


def cached(store: Store, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
           compute: Callable[[], Mapping[str, np.ndarray]]) -> tuple[dict[str, np.ndarray], bool]:
    """Return ``(result, was_cached)``: the cached result for these parameters, else ``compute()``.

    A fresh result is saved through ``store.save_result`` (atomic). When the cache folder
    cannot be written (read-only media) the result is still returned, with a warning; the
    ``seein compute`` command checks writability first and stops with a one-line error.
    """
    hit = store.load_result(kind, layer, snapshot, params)
    record = _RECORD.get()
    if record is not None:
        record.append((kind, hit is not None))
    if hit is not None:
        return hit, True
    result = {k: np.asarray(v) for k, v in compute().items()}
    try:
        store.save_result(kind, layer, snapshot, params, result)
    except OSError as exc:
        warnings.warn(f"{store.cache_dir}: cannot cache {kind} ({exc.strerror or exc}); "
                      "the result is not kept", RuntimeWarning, stacklevel=3)
    return result, False


@contextmanager
def record_cache() -> Iterator[list[tuple[str, bool]]]:
    """Within the block, collect ``(kind, was_cached)`` of every :func:`cached` lookup (for reports)."""
    token = _RECORD.set([])
    try:
        yield _RECORD.get()
    finally:
        _RECORD.reset(token)


def check_cache_writable(store: Store) -> None:
    """Raise a one-line SeeinError unless results can be written beside the store."""
    import os
    import tempfile

    folder = store.cache_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SeeinError(f"cannot write computed results there ({exc.strerror or exc}); "
                         "copy the store to a writable folder", folder) from None

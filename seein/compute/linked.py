"""Two stores side by side: the same-data check, and one layer of each in one aligned plot.

Two stores link by image id only if they hold the same images (same data digest, same ids
in the same order). The compare mode projects one layer of each, takes every image's
position (its point for a flat layer, the mean of its cells' points for a conv layer) and
moves B's map onto A's by Procrustes with the mirroring test, so the same image's two
positions can be joined in one plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback
from .procrustes import Alignment, procrustes
from .projection import project


def _images_digest(store: Any) -> str:
    """A digest of the stored images and labels, for stores that recorded no data digest."""
    import hashlib

    h = hashlib.sha1()
    for start in range(0, store.n_images, 1024):
        h.update(np.ascontiguousarray(store.images[start:start + 1024]).tobytes())
    h.update(np.ascontiguousarray(store.labels).tobytes())
    return h.hexdigest()[:16]


def check_same_data(a: Any, b: Any) -> None:
    """Raise one line unless stores ``a`` and ``b`` hold the same images (digest, ids, order)."""
    da, db = a.source.get("data_digest", ""), b.source.get("data_digest", "")
    if not (da and db):
        da, db = _images_digest(a), _images_digest(b)
    if a.n_images != b.n_images:
        what = f"{a.n_images} vs {b.n_images} images"
    elif not np.array_equal(a.image_ids, b.image_ids):
        what = "other image ids"
    elif da != db:
        what = f"data digest {da} vs {db}"
    else:
        return
    raise SeeinError(f"cannot link {b.path.name} to {a.path.name}: they do not hold the same data set "
                     f"({what}); link stores extracted from the same images", b.path)


def image_positions(store: Any, layer: str, embedding: np.ndarray) -> np.ndarray:
    """Per image, its position in a layer's projection (the mean over its cells for a conv layer)."""
    n = store.n_images
    cells = len(embedding) // n
    return embedding.reshape(n, cells, -1).mean(1)


@dataclass
class Comparison:
    """Both layers' per-image positions, B's already aligned onto A's."""

    a: np.ndarray
    b: np.ndarray
    alignment: Alignment
    labels: np.ndarray
    layers: tuple[str, str]
    method: str


def compare_layers(a: Any, b: Any, layer_a: str, layer_b: str, method: str = "pca", *,
                   snapshot_a: int = -1, snapshot_b: int = -1,
                   progress: ProgressCallback | None = None, **params: Any) -> Comparison:
    """Project ``layer_a`` of ``a`` and ``layer_b`` of ``b`` (cached in each store), align B onto A."""
    check_same_data(a, b)
    pa = image_positions(a, layer_a, project(a, layer_a, method, 2, snapshot_a, progress, **params).embedding)
    pb = image_positions(b, layer_b, project(b, layer_b, method, 2, snapshot_b, progress, **params).embedding)
    fit = procrustes(pb, pa)
    return Comparison(a=pa.astype(np.float32), b=fit.apply(pb), alignment=fit, labels=a.labels,
                      layers=(layer_a, layer_b), method=method)


__all__ = ["check_same_data", "image_positions", "Comparison", "compare_layers"]

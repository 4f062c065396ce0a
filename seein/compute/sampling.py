"""Reading a layer's points for a projection, and sampling big layers.

A structured layer holds ``n_images * H * W`` points (millions for early conv layers).
Projections that cannot stream (t-SNE, PivotMDS) read the layer once, chunk by chunk,
into one float32 array, checking every chunk for NaN/Inf on the way
(:func:`seein.compute.streaming.check_finite`, the one check of every statistic). t-SNE on more
points than a limit is fitted on a seeded random sample; the other points are placed
afterwards (:func:`knn_place` here, or openTSNE's ``transform``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from .streaming import check_finite


def check_layer(store: Any, layer: str, snapshot: int) -> int:
    """Validate layer and snapshot names; return the layer's point count (at least 2)."""
    store.layer(layer)
    store.snapshot(snapshot)
    n = store.n_points(layer)
    if n < 2:
        raise SeeinError(f"layer {layer!r} has {n} point(s); a projection needs at least 2", store.path)
    return n


def load_points(store: Any, layer: str, snapshot: int = -1, progress: ProgressCallback | None = None,
                images_per_chunk: int = 512) -> np.ndarray:
    """The whole layer as float32 points (n_points, dims), NaN/Inf-checked chunk by chunk."""
    n = check_layer(store, layer, snapshot)
    out = np.empty((n, store.layer(layer).dims), dtype=np.float32)
    row = 0
    for first, chunk in store.iter_chunks(layer, snapshot, images_per_chunk):
        check_finite(chunk, store, layer, snapshot, row)
        out[row:row + len(chunk)] = chunk
        row += len(chunk)
        report(progress, first + len(chunk) // store.layer(layer).points_per_image, store.n_images,
               f"reading {layer}")
    return out


def sample_indices(n: int, limit: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a seeded random sample of ``min(n, limit)`` of ``n`` points."""
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=limit, replace=False))


def knn_place(reference: Any, reference_embedding: Any, new: Any, k: int = 10,
              chunk: int | None = None, progress: ProgressCallback | None = None) -> Any:
    """Place new points at the distance-weighted mean embedding of their k nearest references.

    Works on torch tensors on any device (the GPU's way to place points t-SNE did not
    fit); distances are computed ``chunk`` rows at a time so memory stays
    ``chunk * n_reference``. Returns a tensor (n_new, dims) on the references' device.
    """
    import torch

    k = max(1, min(int(k), reference.shape[0]))
    chunk = chunk or max(1, (1 << 22) // max(1, reference.shape[0]))  # ~16 MB of distances
    out = torch.empty((new.shape[0], reference_embedding.shape[1]), dtype=reference_embedding.dtype,
                      device=reference_embedding.device)
    for start in range(0, new.shape[0], chunk):
        block = new[start:start + chunk].to(reference.dtype)
        dist, idx = torch.cdist(block, reference).topk(k, dim=1, largest=False)
        weight = 1.0 / (dist + 1e-6 * (dist.mean(dim=1, keepdim=True) + 1e-12))
        weight = weight / weight.sum(dim=1, keepdim=True)
        out[start:start + chunk] = (reference_embedding[idx] * weight[..., None].to(out.dtype)).sum(1)
        report(progress, min(start + chunk, new.shape[0]), new.shape[0], "placing points")
    return out

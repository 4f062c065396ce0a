"""Reading a layer's points for a projection, and sampling big layers.

A structured layer holds ``n_images * H * W`` points (millions for early conv layers).
Projections that cannot stream (t-SNE, PivotMDS) read the layer once, chunk by chunk,
into one float32 array, checking every chunk for NaN/Inf on the way
(:func:`seein.compute.streaming.check_finite`, the one check of every statistic). t-SNE on more
points than a limit is fitted on a seeded random sample; the other points are placed
afterwards (:func:`place` here, or openTSNE's ``transform``).

Nearest neighbours (:func:`nearest`): a k-d tree (SciPy's ``cKDTree``, multi-threaded)
where the data's dimension lets it prune, else blocked brute force (torch ``cdist`` +
``topk``); a probe on the first block times both and keeps the faster, so a 20-channel
conv layer gets the tree (14x less CPU than brute force exact, 40x at ``PLACE_EPS``)
and a 500-D layer the BLAS. Placement quality is the brute force's (tested). pynndescent was measured and not used: its numba compile costs 30-100 s
in every fresh process, more than the placement it would save.
"""

from __future__ import annotations

import time
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


QUERY_BLOCK = 16384  # query points per block of :func:`nearest` (one progress call each)
PROBE = 1024  # query points the probe times each method on
TREE_MAX_DIMS = 64  # beyond this a k-d tree prunes nothing: brute force without a probe
# Placement's k-d tree tolerance: 3x faster than exact on conv1 (20-D), 99.3 % of the
# exact 10 neighbours found, the same 10-NN class accuracy of the placed points
# (tests/compute/test_placement_quality.py); t-SNE's own neighbours stay exact.
PLACE_EPS = 1.0


def _brute(reference: Any, block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact kNN of ``block`` among ``reference`` (a float32 torch tensor) by cdist + topk."""
    import torch

    rows = max(1, (1 << 22) // max(1, reference.shape[0]))  # ~16 MB of distances at a time
    idx = np.empty((len(block), k), np.int64)
    dist = np.empty((len(block), k), np.float32)
    for start in range(0, len(block), rows):
        q = torch.from_numpy(block[start:start + rows])
        d, i = torch.cdist(q, reference).topk(k, dim=1, largest=False)
        idx[start:start + rows], dist[start:start + rows] = i.numpy(), d.numpy()
    return idx, dist


def nearest(reference: np.ndarray, queries: np.ndarray, k: int, progress: ProgressCallback | None = None,
            message: str = "nearest neighbours", workers: int = -1, method: str = "auto",
            eps: float = 0.0) -> tuple[np.ndarray, np.ndarray, str]:
    """The k nearest ``reference`` rows of every query row: (indices, distances, method used).

    Block by block (:data:`QUERY_BLOCK` queries, a progress call each, so cancel is
    noticed within one block); ``method`` "kdtree", "brute" or "auto" (time both on a
    probe block, keep the faster; with ``eps`` > 0 "auto" is the tree up to
    :data:`TREE_MAX_DIMS` dims, so the result never depends on the machine's load).
    Exact with ``eps`` 0; else the tree may return a
    neighbour up to (1 + eps) times farther than the true k-th (SciPy's ``eps``; brute
    force is always exact). Distances are Euclidean (not squared), float32.
    """
    import torch
    from scipy.spatial import cKDTree

    reference = np.ascontiguousarray(reference, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    k = max(1, min(int(k), len(reference)))
    n = len(queries)
    idx = np.empty((n, k), np.int64)
    dist = np.empty((n, k), np.float32)
    ref_t = torch.from_numpy(reference)
    if method == "auto" and reference.shape[1] > TREE_MAX_DIMS:
        method = "brute"
    elif method == "auto" and eps > 0:  # approximate: the answer must not depend on which was faster today
        method = "kdtree"
    tree = cKDTree(reference) if method in ("auto", "kdtree") else None

    def by_tree(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d, i = tree.query(block, k=k, workers=workers, eps=eps)
        return np.asarray(i, np.int64).reshape(len(block), k), np.asarray(d, np.float32).reshape(len(block), k)

    def exact(block: np.ndarray, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distances recomputed in float64 and rows sorted by (distance, index): the same
        figures whichever method (and thread count) found the neighbours, so a seeded map repeats."""
        d = np.sqrt(((reference[i].astype(np.float64) - block[:, None, :]) ** 2).sum(-1))
        order = np.lexsort((i, d), axis=-1)
        return np.take_along_axis(i, order, axis=1), np.take_along_axis(d, order, axis=1).astype(np.float32)

    done = 0
    if method == "auto":
        probe = queries[:PROBE]
        t0 = time.perf_counter()
        i_b, _ = _brute(ref_t, probe, k)
        t1 = time.perf_counter()
        i_t, _ = by_tree(probe)
        t2 = time.perf_counter()
        method = "kdtree" if t2 - t1 < t1 - t0 else "brute"
        idx[:len(probe)], dist[:len(probe)] = exact(probe, i_t if method == "kdtree" else i_b)
        done = len(probe)
        report(progress, done, n, message)
    for start in range(done, n, QUERY_BLOCK):
        block = queries[start:start + QUERY_BLOCK]
        i, _ = by_tree(block) if method == "kdtree" else _brute(ref_t, block, k)
        idx[start:start + len(block)], dist[start:start + len(block)] = exact(block, i)
        report(progress, start + len(block), n, message)
    return idx, dist, method


def place(reference: np.ndarray, reference_embedding: np.ndarray, new: np.ndarray, k: int = 10,
          progress: ProgressCallback | None = None, message: str | None = None,
          eps: float | None = None) -> np.ndarray:
    """New points at the distance-weighted mean embedding of their k nearest references.

    The CPU twin of :func:`knn_place` (same weights), on NumPy arrays, with
    :func:`nearest`'s index at ``eps`` :data:`PLACE_EPS`; returns float32 (n_new, dims).
    """
    msg = message or f"placing {len(new):,} points"
    idx, dist, _ = nearest(reference, new, k, progress, msg, eps=PLACE_EPS if eps is None else eps)
    return weighted_mean(np.asarray(reference_embedding, np.float32), idx, dist)


def weighted_mean(reference_embedding: np.ndarray, idx: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Inverse-distance-weighted mean of the neighbours' positions (the weights of :func:`knn_place`)."""
    dist = dist.astype(np.float64)
    weight = 1.0 / (dist + 1e-6 * (dist.mean(axis=1, keepdims=True) + 1e-12))
    weight /= weight.sum(axis=1, keepdims=True)
    out = np.zeros((len(idx), reference_embedding.shape[1]), np.float64)
    for j in range(idx.shape[1]):  # k passes over (n_new, dims): no (n_new, k, dims) temporary
        out += reference_embedding[idx[:, j]] * weight[:, j:j + 1]
    return out.astype(np.float32)


PLACE_BLOCK = 262144  # rows per block of :func:`place_rows` (bounds the copy of the layer)


def place_rows(reference: np.ndarray, reference_embedding: np.ndarray, data: np.ndarray, rows: np.ndarray,
               out: np.ndarray, progress: ProgressCallback | None = None, message: str | None = None) -> None:
    """:func:`place` the ``rows`` of ``data`` into the same rows of ``out``, a block at a time
    (never a copy of the whole layer), with one progress over all of them."""
    message = message or f"placing {len(rows):,} points"
    for start in range(0, len(rows), PLACE_BLOCK):
        idx = rows[start:start + PLACE_BLOCK]

        def block_progress(done: int, _total: int, msg: str, start: int = start) -> bool | None:
            return progress(start + done, len(rows), msg) if progress else False

        out[idx] = place(reference, reference_embedding, data[idx], 10, block_progress, message)

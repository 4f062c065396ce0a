"""PCA on the backend's device, in memory or streamed over a store layer.

Two ways to the same components:

- :func:`pca` takes an array already in memory: centre, then the eigenvectors of the
  (D x D) covariance when there are more points than dimensions (far cheaper than an
  SVD of the n x D data, and as exact in float64), else a thin SVD (``torch.linalg.svd``).
- :func:`pca_store` never holds the layer: it accumulates the mean and the covariance
  (float64) over ``store.iter_chunks``, takes the eigenvectors of the (dims x dims)
  covariance, then projects chunk by chunk. This suits the usual case of a layer with
  far more points than dimensions (a conv layer: millions of points, tens of channels).

Layers wider than ``COV_MAX_DIMS`` (a D x D covariance would not fit comfortably) are
read once and decomposed by the randomized ``torch.pca_lowrank`` (seeded, four power
iterations) instead.

Signs are deterministic, as scikit-learn's (``svd_flip`` on the components): the
largest-magnitude loading of each component is positive. So results match
``sklearn.decomposition.PCA`` (full SVD) up to float tolerance, not just up to sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.backend import get_backend
from ..core.progress import ProgressCallback, report
from .sampling import check_layer
from .streaming import check_finite

COV_MAX_DIMS = 4096
CHUNK_POINTS = 65536  # points per streamed chunk (conv1 of the demo: 113 images of 576 points)


@dataclass
class PCAResult:
    """Scores (n, k) float32, components (k, dims), mean (dims,), explained variance (k,)."""

    embedding: np.ndarray
    components: np.ndarray
    mean: np.ndarray
    explained_variance: np.ndarray


def _flip_signs(components: Any) -> Any:
    """Make the largest-|.| entry of each row positive (scikit-learn's convention)."""
    import torch

    idx = components.abs().argmax(dim=1)
    signs = torch.sign(components[torch.arange(components.shape[0], device=components.device), idx])
    signs[signs == 0] = 1
    return components * signs[:, None]


def pca(data: Any, dims: int = 2, lowrank: bool = False) -> PCAResult:
    """Principal components of an in-memory array (n, D) on the backend's device.

    ``lowrank`` uses the randomized ``torch.pca_lowrank`` (for very wide data) instead of
    the exact decomposition (covariance eigenvectors, or a thin SVD when n <= D).
    """
    import torch

    backend = get_backend()
    x = backend.tensor(data, dtype=torch.float64)
    k = min(dims, x.shape[0], x.shape[1])
    mean = x.mean(dim=0)
    xc = x - mean
    n, d = x.shape
    if lowrank:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            _, s, v = torch.pca_lowrank(xc, q=min(k + 8, *xc.shape), center=False, niter=4)
        vt, var = v.T, s[:k] ** 2 / max(n - 1, 1)
    elif n > d and d <= COV_MAX_DIMS:  # the usual shape: eigenvectors of the small covariance
        evals, evecs = torch.linalg.eigh(xc.T @ xc / max(n - 1, 1))
        order = torch.argsort(evals, descending=True)
        vt, var = evecs[:, order].T, evals[order][:k].clamp(min=0)
    else:
        _, s, vt = torch.linalg.svd(xc, full_matrices=False)
        var = s[:k] ** 2 / max(n - 1, 1)
    comps = _flip_signs(vt[:k].contiguous())
    scores = xc @ comps.T
    return PCAResult(_pad(backend.to_numpy(scores).astype(np.float32), dims),
                     backend.to_numpy(comps), backend.to_numpy(mean), backend.to_numpy(var))


def _pad(scores: np.ndarray, dims: int) -> np.ndarray:
    """Zero columns when a layer has fewer dimensions than asked (e.g. 3-D of a 2-D layer)."""
    if scores.shape[1] >= dims:
        return scores
    return np.hstack([scores, np.zeros((scores.shape[0], dims - scores.shape[1]), scores.dtype)])


def pca_store(store: Any, layer: str, snapshot: int = -1, dims: int = 2,
              progress: ProgressCallback | None = None, images_per_chunk: int | None = None) -> PCAResult:
    """PCA of a store layer in two streaming passes (covariance, then projection).

    Memory: one chunk of points (``images_per_chunk`` images; by default as many as make
    about ``CHUNK_POINTS`` points) plus a (D x D) float64 matrix; the output (n, dims).
    """
    import torch

    backend = get_backend()
    n = check_layer(store, layer, snapshot)
    d = store.layer(layer).dims
    if d > COV_MAX_DIMS:
        from .sampling import load_points

        return pca(load_points(store, layer, snapshot, progress), dims, lowrank=True)
    if images_per_chunk is None:
        images_per_chunk = max(1, CHUNK_POINTS // store.layer(layer).points_per_image)
    total = 2 * store.n_images
    s1 = torch.zeros(d, dtype=torch.float64, device=backend.device)
    s2 = torch.zeros((d, d), dtype=torch.float64, device=backend.device)
    shift = None  # subtract the first chunk's mean: keeps the one-pass covariance accurate
    row = 0
    for first, chunk in store.iter_chunks(layer, snapshot, images_per_chunk):
        check_finite(chunk, store, layer, snapshot, row)
        row += len(chunk)
        x = backend.tensor(chunk, dtype=torch.float64)
        if shift is None:
            shift = x.mean(dim=0)
        x = x - shift
        s1 += x.sum(dim=0)
        s2 += x.T @ x
        report(progress, first + len(chunk) // store.layer(layer).points_per_image, total, f"PCA {layer}")
    mean_shifted = s1 / n
    cov = (s2 - n * torch.outer(mean_shifted, mean_shifted)) / max(n - 1, 1)
    evals, evecs = torch.linalg.eigh(cov)
    k = min(dims, d, n)
    order = torch.argsort(evals, descending=True)[:k]
    comps = _flip_signs(evecs[:, order].T.contiguous())
    mean = mean_shifted + shift
    out = np.empty((n, k), dtype=np.float32)
    row = 0
    for first, chunk in store.iter_chunks(layer, snapshot, images_per_chunk):
        x = backend.tensor(chunk, dtype=torch.float64) - mean
        out[row:row + len(chunk)] = backend.to_numpy(x @ comps.T)
        row += len(chunk)
        report(progress, store.n_images + first + len(chunk) // store.layer(layer).points_per_image,
               total, f"PCA {layer}")
    return PCAResult(_pad(out, dims), backend.to_numpy(comps), backend.to_numpy(mean),
                     backend.to_numpy(evals[order].clamp(min=0)))

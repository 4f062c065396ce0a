"""k-means on device (torch; cuML when present) and deepViz's clustered-images view.

deepViz clusters the images by their output of the *last* fully-connected layer into
30 clusters (k-means, Euclidean) and shows the 20 images nearest each centre, for
every snapshot. :func:`kmeans` is a torch implementation of scikit-learn's algorithm
(greedy k-means++ seeding, Lloyd iterations, best of ``n_init`` runs by inertia) that
runs on whatever device the backend chose; the tests check it against scikit-learn by
adjusted Rand index. Distances are computed in blocks of points, so no n x n matrix
and no n x k matrix larger than a block exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.backend import get_backend
from ..core.errors import SeeinError
from ..store import FLAT, Store
from .streaming import cached, chunks

_BLOCK = 65536  # points per distance block


@dataclass
class KMeansResult:
    """Cluster of every point, the centres, and the summed squared distance (inertia)."""

    labels: np.ndarray  # int64 (n,)
    centers: np.ndarray  # float32 (k, d)
    inertia: float
    n_iter: int


def _nearest(x, centers):
    """(index, squared distance) of the nearest centre of every row of ``x``, in blocks."""
    import torch

    c2 = (centers * centers).sum(1)
    labels = torch.empty(len(x), dtype=torch.int64, device=x.device)
    dist = torch.empty(len(x), dtype=x.dtype, device=x.device)
    for s in range(0, len(x), _BLOCK):
        xb = x[s:s + _BLOCK]
        d = (xb * xb).sum(1, keepdim=True) - 2 * xb @ centers.T + c2
        dist[s:s + _BLOCK], labels[s:s + _BLOCK] = d.min(1)
    return labels, dist.clamp_min_(0)


def _sq_dist_to(x, x_sq, c):
    """Squared distances of every row of ``x`` (squared norms ``x_sq``) to each row of ``c``."""
    import torch

    return torch.addmm(x_sq[:, None] + (c * c).sum(1), x, c.T, alpha=-2).clamp_min_(0)


def _kmeans_pp(x, k: int, gen):
    """Greedy k-means++ seeding (as scikit-learn: 2 + log k candidates per new centre)."""
    import torch

    n = len(x)
    trials = 2 + int(math.log(k))
    x_sq = (x * x).sum(1)
    first = torch.randint(n, (1,), generator=gen, device="cpu").item()
    centers = [x[first]]
    closest = _sq_dist_to(x, x_sq, x[first:first + 1])[:, 0]
    pot = closest.sum()
    for _ in range(1, k):
        if pot <= 0:  # every point sits on a centre: take any remaining points
            cand = torch.randint(n, (1,), generator=gen, device="cpu").to(x.device)
            centers.append(x[cand[0]])
            continue
        r = torch.rand(trials, generator=gen, device="cpu", dtype=torch.float64).to(x.device) * pot
        cand = torch.searchsorted(torch.cumsum(closest, 0, dtype=torch.float64), r).clamp_max_(n - 1)
        d = torch.minimum(closest[:, None], _sq_dist_to(x, x_sq, x[cand]))  # (n, trials)
        pots = d.sum(0)
        best = int(pots.argmin())
        closest, pot = d[:, best].contiguous(), pots[best]
        centers.append(x[cand[best]])
    return torch.stack(centers)


def _assign(x, centers):
    """Nearest centre of every row: argmin_c (|c|^2 - 2 x.c) (|x|^2 does not change the argmin)."""
    import torch

    c2 = (centers * centers).sum(1)
    labels = torch.empty(len(x), dtype=torch.int64, device=x.device)
    for s in range(0, len(x), _BLOCK):
        labels[s:s + _BLOCK] = torch.addmm(c2, x[s:s + _BLOCK], centers.T, alpha=-2).min(1).indices
    return labels


def _lloyd(x, centers, max_iter: int, tol: float):
    """Lloyd iterations until labels stop changing or centres move less than ``tol`` (scikit-learn's rule)."""
    import torch

    k = len(centers)
    tol_abs = tol * float(x.var(0).mean())
    labels = None
    for it in range(1, max_iter + 1):
        new_labels = _assign(x, centers)
        if labels is not None and torch.equal(new_labels, labels):
            break  # strict convergence
        labels = new_labels
        sums = torch.zeros_like(centers).index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=k).to(x.dtype)
        new = torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None], centers)
        shift = float(((new - centers) ** 2).sum())
        centers = new
        if shift <= tol_abs:
            break
    labels, dist = _nearest(x, centers)
    return labels, centers, float(dist.sum()), it


def kmeans(points: np.ndarray, k: int = 30, *, n_init: int = 4, max_iter: int = 100, tol: float = 1e-4,
           seed: int = 0, engine: str = "auto") -> KMeansResult:
    """k-means of ``points`` (n, d) into ``k`` clusters; the best of ``n_init`` seeded runs.

    ``engine``: "torch" (on the backend's device), "cuml" (cuML on CUDA), or "auto"
    (cuML when importable on a CUDA device, else torch). ``k`` larger than the number
    of points is clamped to it; fewer than two points is a SeeinError.
    """
    import torch

    x_np = np.asarray(points, dtype=np.float32)
    if x_np.ndim != 2 or len(x_np) < 2:
        raise SeeinError(f"k-means needs at least 2 points; got {len(x_np)}")
    k = max(1, min(int(k), len(x_np)))
    backend = get_backend()
    if engine not in ("auto", "torch", "cuml"):
        raise SeeinError(f"unknown k-means engine {engine!r} (auto, torch, cuml)")
    if engine == "cuml" or (engine == "auto" and backend.is_cuda and backend.has_cuml):
        from cuml.cluster import KMeans  # CUDA only

        km = KMeans(n_clusters=k, init="k-means++", n_init=n_init, max_iter=max_iter, tol=tol,
                    random_state=seed, output_type="numpy").fit(x_np)
        return KMeansResult(np.asarray(km.labels_, dtype=np.int64),
                            np.asarray(km.cluster_centers_, np.float32),
                            float(km.inertia_), int(km.n_iter_))
    x = torch.from_numpy(x_np).to(backend.device)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    best = None
    for _ in range(max(1, n_init)):
        labels, centers, inertia, n_iter = _lloyd(x, _kmeans_pp(x, k, gen), max_iter, tol)
        if best is None or inertia < best[2]:
            best = (labels, centers, inertia, n_iter)
    labels, centers, inertia, n_iter = best
    return KMeansResult(labels.cpu().numpy(), centers.cpu().numpy(), inertia, n_iter)


def last_flat_layer(store: Store) -> str:
    """The last fully-connected (flat) layer of the store, where deepViz clusters."""
    flat = [layer.name for layer in store.layers if layer.kind == FLAT]
    if not flat:
        raise SeeinError("the store has no fully-connected layer to cluster", store.path)
    return flat[-1]


def cluster_images(store: Store, layer: str | None = None, k: int = 30, n_nearest: int = 20,
                   snapshot: int = -1, seed: int = 0, n_init: int = 4,
                   max_iter: int = 100, metric: str = "euclidean") -> dict[str, np.ndarray]:
    """deepViz's clustered images: k-means of the images in a flat layer, nearest images per centre.

    Returns (cached as ``clusters/kmeans``) ``labels`` int64 (N,) cluster of each image,
    ``centers`` float32 (k, D), ``sizes`` int64 (k,), ``nearest`` int64 (k, n_nearest): the
    images of each cluster closest to its centre, nearest first, padded with -1 when a
    cluster is smaller, and ``nearest_distance`` float32 (k, n_nearest) (NaN padding).
    """
    layer = layer or last_flat_layer(store)
    info = store.layer(layer)
    if info.kind != FLAT:
        raise SeeinError(f"layer {layer!r} is structured; cluster images on a flat layer", store.path)
    params = {"k": int(k), "n_nearest": int(n_nearest), "seed": int(seed), "n_init": int(n_init),
              "max_iter": int(max_iter)}
    if metric != "euclidean":  # the Euclidean key stays as it was, so existing caches still serve
        params["metric"] = metric

    def compute() -> dict[str, np.ndarray]:
        x = np.concatenate([pts for _, pts in chunks(store, layer, snapshot)])  # (N, D): one copy
        if metric == "cosine":
            x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        res = kmeans(x, k, n_init=n_init, max_iter=max_iter, seed=seed)
        kk = len(res.centers)
        dist = np.sqrt(((x - res.centers[res.labels]) ** 2).sum(1))
        order = np.lexsort((dist, res.labels))  # by cluster, then by distance
        sizes = np.bincount(res.labels, minlength=kk)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        nearest = np.full((kk, n_nearest), -1, dtype=np.int64)
        near_d = np.full((kk, n_nearest), np.nan, dtype=np.float32)
        for c in range(kk):
            take = order[starts[c]:starts[c] + min(sizes[c], n_nearest)]
            nearest[c, :len(take)] = take
            near_d[c, :len(take)] = dist[take]
        return {"labels": res.labels, "centers": res.centers, "sizes": sizes.astype(np.int64),
                "nearest": nearest, "nearest_distance": near_d, "inertia": np.float64(res.inertia)}

    return cached(store, "clusters/kmeans", layer, snapshot, params, compute)[0]

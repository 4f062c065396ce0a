"""DeepEyes' Filter Map (§4.5): how alike the filters of a layer respond, as a scatter plot.

Two filters i, j are compared by the weighted Jaccard similarity of their activations
over the sampled receptive-field instances r (:mod:`seein.compute.instances`)::

    phi_ij = sum_r min(a_ri, a_rj) / sum_r max(a_ri, a_rj)

(1 when they respond identically; activations rectified first). Since
min(a, b) = (a + b - |a - b|) / 2 and max(a, b) = (a + b + |a - b|) / 2,
phi_ij = (s_i + s_j - L_ij) / (s_i + s_j + L_ij) with s the column sums and L the
L1 distances between columns, which torch computes in blocks of instances
(``torch.cdist(p=1)``): memory O(F^2 + block * F), exact, on any device.

The filters are then embedded in 2-D by t-SNE on the distance 1 - phi (classical MDS
when a layer has too few filters for t-SNE); each is coloured by the class with the
largest cumulative activation t_i(c) = sum over instances of class c of a_ri, and sized
by 1 / perplexity(t_i / |t_i|_1): large for a filter tied to one class.
"""

from __future__ import annotations

import numpy as np

from ..store import Store
from .deepeyes import perplexity
from .instances import COVERAGE, N_INSTANCES, read_instances
from .streaming import cached, device

_BLOCK = 4096  # instances per block of the L1 distance
_MIN_TSNE = 8  # fewer filters than this: classical MDS instead of t-SNE


def weighted_jaccard(values: np.ndarray, rectify: bool = True, block: int = _BLOCK) -> np.ndarray:
    """Weighted Jaccard similarity of every pair of columns of ``values`` (n, F): float64 (F, F).

    Two all-zero columns (two filters that never respond) count as identical (phi = 1).
    """
    import torch

    dev = device()
    dtype = torch.float64 if dev.type == "cpu" else torch.float32
    x = np.asarray(values, dtype=np.float32)
    n_f = x.shape[1]
    l1 = torch.zeros((n_f, n_f), dtype=torch.float64, device=dev)
    sums = torch.zeros(n_f, dtype=torch.float64, device=dev)
    for s in range(0, len(x), block):
        a = torch.as_tensor(x[s:s + block], device=dev).to(dtype)
        a = a.clamp_min(0) if rectify else a
        at = a.T.contiguous()
        l1 += torch.cdist(at[None], at[None], p=1)[0].double()
        sums += a.sum(0).double()
    pair = sums[:, None] + sums[None, :]
    num = (pair - l1).clamp_min(0)
    den = pair + l1
    phi = torch.where(den > 0, num / den.clamp_min(torch.finfo(torch.float64).tiny), torch.ones_like(den))
    phi.fill_diagonal_(1.0)
    return phi.clamp_(0.0, 1.0).cpu().numpy()


def weighted_jaccard_naive(values: np.ndarray, rectify: bool = True) -> np.ndarray:
    """The reference: a double loop over filter pairs with NumPy min / max (for tests and bench)."""
    x = np.asarray(values, dtype=np.float64)
    x = np.maximum(x, 0) if rectify else x
    n_f = x.shape[1]
    phi = np.ones((n_f, n_f))
    for i in range(n_f):
        for j in range(n_f):
            den = np.maximum(x[:, i], x[:, j]).sum()
            if den > 0:
                phi[i, j] = np.minimum(x[:, i], x[:, j]).sum() / den
    return phi


def classical_mds(dist: np.ndarray, dims: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS of a small distance matrix: float32 (n, dims)."""
    n = len(dist)
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (np.asarray(dist, float) ** 2) @ j
    w, v = np.linalg.eigh(b)
    order = np.argsort(w)[::-1][:dims]
    out = np.zeros((n, dims))
    out[:, :len(order)] = v[:, order] * np.sqrt(np.maximum(w[order], 0))
    return out.astype(np.float32)


def embed_distances(dist: np.ndarray, seed: int = 0, perplexity_: float = 30.0) -> tuple[np.ndarray, str]:
    """2-D layout of points given their distances: t-SNE (openTSNE, precomputed), MDS when few."""
    n = len(dist)
    if n < _MIN_TSNE:
        return classical_mds(dist), "mds"
    from openTSNE import TSNE

    perp = float(min(perplexity_, max(1.0, (n - 1) / 3.0)))
    tsne = TSNE(perplexity=perp, metric="precomputed", initialization="spectral", random_state=seed,
                n_jobs=1, negative_gradient_method="bh")  # one thread: few points (see inputmap)
    emb = tsne.fit(np.asarray(dist, dtype=np.float64))
    return np.asarray(emb, dtype=np.float32), "tsne"


def class_association(values: np.ndarray, labels: np.ndarray, n_classes: int,
                      rectify: bool = True) -> np.ndarray:
    """t (F, K): cumulative (rectified) activation of every filter on instances of each class."""
    x = np.maximum(values, 0) if rectify else np.abs(values)
    t = np.zeros((x.shape[1], n_classes), dtype=np.float64)
    for c in range(n_classes):
        rows = labels == c
        if rows.any():
            t[:, c] = x[rows].sum(axis=0, dtype=np.float64)
    return t


def filter_map(store: Store, layer: str, snapshot: int = -1, n_instances: int = N_INSTANCES, seed: int = 0,
               rectify: bool = True, coverage: float = COVERAGE) -> dict[str, np.ndarray]:
    """The Filter Map of a layer at a snapshot (cached as ``deepeyes/filtermap``).

    Returns ``similarity`` float64 (F, F) phi, ``embedding`` float32 (F, 2), ``color_class``
    int64 (F,) the class with the largest cumulative activation, ``association`` float64
    (F, K) those cumulative activations, ``perplexity`` float32 (F,) over classes,
    ``size`` float32 (F,) = 1 / perplexity in [1/K, 1], and ``method`` ("tsne" or "mds").
    """
    params = {"n_instances": int(n_instances), "seed": int(seed), "rectify": bool(rectify),
              "coverage": float(coverage)}

    def compute() -> dict[str, np.ndarray]:
        inst = read_instances(store, layer, snapshot, n_instances, seed, coverage)
        phi = weighted_jaccard(inst.values, rectify)
        emb, method = embed_distances(1.0 - phi, seed)
        t = class_association(inst.values, inst.labels, max(store.n_classes, 1), rectify)
        perp = perplexity(t.astype(np.float32))
        return {"similarity": phi, "embedding": emb, "color_class": t.argmax(axis=1).astype(np.int64),
                "association": t, "perplexity": perp, "size": (1.0 / perp).astype(np.float32),
                "method": np.array(method)}

    return cached(store, "deepeyes/filtermap", layer, snapshot, params, compute)[0]

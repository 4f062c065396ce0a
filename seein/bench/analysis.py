"""Analysis benchmarks, merged into ``seein bench compute``: k-means, weighted Jaccard, perplexity.

:func:`analysis_benchmarks` takes the bench's :class:`~seein.bench.compute.BenchData`
(a seeded sample of a conv layer's points, 20,000 x C by default) and returns
``{"results": {...}, "ratios": {...}}``, measured the bench's way (contenders interleaved,
median of ``repeats_cheap`` runs, peak resident-set growth):

``kmeans_vs_sklearn``
    our torch k-means (greedy k-means++, Lloyd) vs scikit-learn's ``KMeans`` with the same
    k = 30, n_init = 4, max_iter = 100, tol and seed, on the sample; the adjusted Rand
    index between the two clusterings is reported beside the times.
``jaccard_vs_naive``
    the Filter Map's weighted Jaccard similarity of the sample's filters, vectorised
    (torch, L1 distances in blocks) vs the double loop over filter pairs, on the first
    ``JACCARD_ROWS`` instances (the loop is too slow for more); ours on the whole sample
    is reported too. ``jaccard_wide_vs_naive`` does the same for 128 filters (a
    fully-connected layer's width), where the loop's F^2 cost shows.
``perplexity_vs_numpy``
    per-instance perplexity (torch) vs a plain NumPy entropy over the sample.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .measure import BenchData, measure

JACCARD_ROWS = 2000  # instances for the naive loop
WIDE_FILTERS = 128


@contextmanager
def _one_thread() -> Iterator[None]:
    """torch and scikit-learn's OpenMP / BLAS pools limited to one thread inside the block."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(before)


def _numpy_perplexity(x: np.ndarray) -> np.ndarray:
    a = np.maximum(x, 0).astype(np.float64)
    total = a.sum(1, keepdims=True)
    p = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log2(p), 0.0).sum(1)
    out = 2.0 ** h
    out[total[:, 0] <= 0] = x.shape[1]
    return out


def analysis_benchmarks(data: BenchData) -> dict[str, Any]:
    """Time the analysis paths against their references on the bench's sample (see module doc)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from ..compute.clustering import kmeans
    from ..compute.deepeyes import perplexity
    from ..compute.filtermap import weighted_jaccard, weighted_jaccard_naive

    x = np.ascontiguousarray(data.points, dtype=np.float32)
    reps = max(1, data.repeats_cheap)
    k, n_init, max_iter, tol = min(30, len(x)), 4, 100, 1e-4
    kmeans(x[:200], 3)  # warm up torch's kernels so the first timed run is not an outlier
    labels: dict[str, np.ndarray] = {}

    inertia: dict[str, float] = {}

    def ours_kmeans() -> None:
        res = kmeans(x, k, n_init=n_init, max_iter=max_iter, tol=tol, seed=0)
        labels["seein"], inertia["seein"] = res.labels, res.inertia

    def sklearn_kmeans() -> None:
        ref = KMeans(k, n_init=n_init, max_iter=max_iter, tol=tol, random_state=0).fit(x)
        labels["sklearn"], inertia["sklearn"] = ref.labels_, float(ref.inertia_)

    res = measure({"kmeans_seein": ours_kmeans, "kmeans_sklearn": sklearn_kmeans}, reps)
    res["kmeans_seein"].update(k=k, n_init=n_init, max_iter=max_iter, inertia=inertia["seein"],
                               ari_vs_sklearn=float(adjusted_rand_score(labels["seein"], labels["sklearn"])))
    res["kmeans_sklearn"].update(inertia=inertia["sklearn"])
    with _one_thread():  # both single-threaded: the algorithms' cost without thread contention
        one = measure({"kmeans_seein_1thread": ours_kmeans, "kmeans_sklearn_1thread": sklearn_kmeans}, reps)
    res.update(one)

    small = x[:JACCARD_ROWS]
    jac = measure({"jaccard_seein": lambda: weighted_jaccard(small),
                   "jaccard_naive": lambda: weighted_jaccard_naive(small)}, reps)
    err = float(np.abs(weighted_jaccard(small) - weighted_jaccard_naive(small)).max())
    jac["jaccard_seein"].update(rows=len(small), filters=int(x.shape[1]), max_abs_diff_vs_naive=err)
    full = measure({"jaccard_seein_full_sample": lambda: weighted_jaccard(x)}, reps)
    full["jaccard_seein_full_sample"].update(rows=len(x), filters=int(x.shape[1]))

    rng = np.random.default_rng(0)
    shape = (len(small), WIDE_FILTERS)
    wide_x = (rng.exponential(size=shape) * (rng.random(shape) < 0.5)).astype(np.float32)
    wide = measure({"jaccard_wide_seein": lambda: weighted_jaccard(wide_x),
                    "jaccard_wide_naive": lambda: weighted_jaccard_naive(wide_x)}, max(1, reps // 3))
    wide["jaccard_wide_seein"].update(rows=len(small), filters=WIDE_FILTERS)

    perp = measure({"perplexity_seein": lambda: perplexity(x),
                    "perplexity_numpy": lambda: _numpy_perplexity(x)}, reps)
    results = {**res, **jac, **full, **wide, **perp}

    def ratio(a: str, b: str) -> float:
        return results[a]["median_s"] / results[b]["median_s"]

    return {"results": results, "ratios": {
        "kmeans_vs_sklearn": ratio("kmeans_seein", "kmeans_sklearn"),
        "kmeans_vs_sklearn_1thread": ratio("kmeans_seein_1thread", "kmeans_sklearn_1thread"),
        "jaccard_vs_naive": ratio("jaccard_seein", "jaccard_naive"),
        "jaccard_wide_vs_naive": ratio("jaccard_wide_seein", "jaccard_wide_naive"),
        "perplexity_vs_numpy": ratio("perplexity_seein", "perplexity_numpy"),
    }}

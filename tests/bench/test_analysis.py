"""The analysis benchmarks show up in ``seein bench compute``'s ratios."""

from __future__ import annotations

import numpy as np

from seein.bench.compute import run_benchmarks
from seein.bench.measure import BenchData


def test_analysis_entries_are_merged_into_the_compute_bench():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=5.0, size=(5, 8))
    labels = rng.integers(0, 5, size=600)
    points = (centres[labels] + rng.normal(size=(600, 8))).astype(np.float32)
    data = BenchData(points, labels, "test mixture", repeats=1, repeats_cheap=1)
    out = run_benchmarks(data, only=["analysis"], log=lambda m: None)
    ratios = out["ratios"]
    for name in ("kmeans_vs_sklearn", "kmeans_vs_sklearn_1thread", "jaccard_vs_naive",
                 "jaccard_wide_vs_naive", "perplexity_vs_numpy"):
        assert np.isfinite(ratios[name]) and ratios[name] > 0
    res = out["results"]
    assert res["kmeans_seein"]["k"] == 30 and 0 <= res["kmeans_seein"]["ari_vs_sklearn"] <= 1
    assert res["kmeans_seein"]["inertia"] <= 1.05 * res["kmeans_sklearn"]["inertia"]
    assert res["jaccard_seein"]["max_abs_diff_vs_naive"] < 1e-9
    assert all(res[k]["peak_mb"] >= 0 and res[k]["median_s"] > 0 for k in res)

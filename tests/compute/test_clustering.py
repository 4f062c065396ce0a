"""k-means against scikit-learn: agreement, seeding, clamped k, and the cuML branch with a stand-in."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.clustering import kmeans
from seein.core.errors import SeeinError


@pytest.mark.parametrize("k, n_features, std", [(8, 5, 1.0), (30, 10, 1.5)])
def test_kmeans_agrees_with_scikit_learn(k, n_features, std):
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    x, truth = make_blobs(3000, n_features=n_features, centers=k, cluster_std=std, random_state=1)
    ours = kmeans(x, k, n_init=4, max_iter=100, seed=0)
    ref = KMeans(k, n_init=4, max_iter=100, random_state=0).fit(x)
    assert adjusted_rand_score(ours.labels, ref.labels_) >= 0.9
    assert adjusted_rand_score(ours.labels, truth) >= 0.9
    assert ours.inertia <= ref.inertia_ * 1.05
    assert ours.centers.shape == (k, n_features) and ours.labels.dtype == np.int64


def test_kmeans_is_seeded_and_clamps_k():
    x = np.random.default_rng(0).normal(size=(200, 3))
    a, b = kmeans(x, 5, seed=3), kmeans(x, 5, seed=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    few = kmeans(x[:4], 30)
    assert len(few.centers) == 4 and sorted(few.labels.tolist()) == [0, 1, 2, 3]
    with pytest.raises(SeeinError, match="at least 2 points"):
        kmeans(x[:1], 3)
    with pytest.raises(SeeinError, match="engine"):
        kmeans(x, 3, engine="gpu-magic")


def test_cuml_engine_is_called_with_the_same_settings(stand_in_cuml):
    """The CUDA-only branch, run with a scikit-learn stand-in for cuML's KMeans (no GPU here)."""
    from sklearn.cluster import KMeans as SkKMeans

    seen = {}

    class FakeKMeans:
        def __init__(self, *, output_type=None, **kw):
            seen.update(kw, output_type=output_type)
            self._km = SkKMeans(**kw)

        def fit(self, x):
            self._km.fit(x)
            self.labels_, self.cluster_centers_ = self._km.labels_, self._km.cluster_centers_
            self.inertia_, self.n_iter_ = self._km.inertia_, self._km.n_iter_
            return self

    stand_in_cuml("cluster", "KMeans", FakeKMeans)
    x = np.random.default_rng(0).normal(size=(100, 3))
    res = kmeans(x, 4, n_init=2, max_iter=50, seed=7, engine="cuml")
    assert seen == {"n_clusters": 4, "init": "k-means++", "n_init": 2, "max_iter": 50, "tol": 1e-4,
                    "random_state": 7, "output_type": "numpy"}
    assert res.labels.dtype == np.int64 and res.centers.shape == (4, 3) and res.n_iter >= 1

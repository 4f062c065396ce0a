"""The analysis algorithms against their references: k-means vs scikit-learn, Jaccard vs a loop, perplexity."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.clustering import kmeans
from seein.compute.deepeyes import histogram_edges, perplexity
from seein.compute.filtermap import (
    class_association,
    classical_mds,
    weighted_jaccard,
    weighted_jaccard_naive,
)
from seein.compute.instances import sample_points
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


def test_weighted_jaccard_matches_the_naive_loop():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=(1000, 12)) * (rng.random((1000, 12)) < 0.6)  # sparse, non-negative
    x[:, 3] = 0.0  # a dead filter
    x[:, 7] = 0.0  # and another: two dead filters count as identical
    x[:, 5] = 2 * x[:, 4]
    fast = weighted_jaccard(x, block=97)  # many blocks, one partial
    ref = weighted_jaccard_naive(x)
    np.testing.assert_allclose(fast, ref, atol=1e-9)
    assert fast[3, 7] == 1.0 and fast[3, 0] == 0.0 and np.allclose(np.diag(fast), 1.0)
    assert fast[4, 5] == pytest.approx(0.5)  # sum min / sum max = x / 2x
    signed = rng.normal(size=(300, 5))
    np.testing.assert_allclose(weighted_jaccard(signed, block=64), weighted_jaccard_naive(signed), atol=1e-9)


def test_perplexity_ends_and_a_hand_value():
    f = 7
    assert np.allclose(perplexity(np.eye(f) * 3.0), 1.0)
    assert np.allclose(perplexity(np.full((2, f), 0.4)), f)
    assert np.allclose(perplexity(np.zeros((1, f))), f)  # nothing detected: as uncertain as can be
    assert perplexity(np.array([[1.0, 1.0, 0, 0]]))[0] == pytest.approx(2.0)
    p = np.array([0.8, 0.2])
    assert perplexity(np.array([[4.0, 1.0]]))[0] == pytest.approx(2 ** -(p * np.log2(p)).sum(), rel=1e-6)
    assert perplexity(np.array([[-5.0, 1.0]]))[0] == pytest.approx(1.0)  # rectified
    assert perplexity(np.array([[-1.0, 1.0]]), rectify=False)[0] == pytest.approx(2.0)
    np.testing.assert_allclose(histogram_edges(5, 4), [1, 2, 3, 4, 5])


def test_sampled_instances_are_spread_and_repeatable():
    pts = sample_points(100, 25, n_instances=1000, seed=1)
    assert len(pts) == 1000 and len(np.unique(pts)) == 1000
    assert (np.bincount(pts // 25, minlength=100) == 10).all()  # ten cells of every image
    np.testing.assert_array_equal(pts, sample_points(100, 25, n_instances=1000, seed=1))
    assert not np.array_equal(pts, sample_points(100, 25, n_instances=1000, seed=2))
    assert sample_points(10, 4, n_instances=100).tolist() == list(range(40))  # small layer: all of it
    sparse = sample_points(5000, 9, n_instances=300, seed=0)  # more images than instances
    assert len(sparse) == 300 and len(np.unique(sparse // 9)) == 300


def test_classical_mds_and_class_association():
    pts = np.array([[0, 0], [3, 0], [0, 4], [3, 4]], float)
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    emb = classical_mds(d)
    np.testing.assert_allclose(np.sqrt(((emb[:, None] - emb[None]) ** 2).sum(-1)), d, atol=1e-4)
    vals = np.array([[1.0, 0.0], [2.0, -1.0], [0.0, 5.0]])
    t = class_association(vals, np.array([0, 0, 1]), 3)
    np.testing.assert_allclose(t, [[3, 0, 0], [0, 5, 0]])


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


def test_instance_budget_covers_half_of_every_image(synthetic_store):
    """DeepEyes' default: sampled receptive fields add up to at least half of each input."""
    from seein.compute.deepeyes import perplexity_histogram
    from seein.compute.instances import instance_budget, read_instances
    from seein.store import Store

    with Store.open(synthetic_store) as store:  # conv: 5 x 5 cells, 3 x 3 boxes on 12 x 12 images
        budget = instance_budget(store, "conv", n_instances=120)
        assert budget == 60 * 8  # ceil(0.5 * 144 / 9) = 8 cells of each of the 60 images
        inst = read_instances(store, "conv", -1, budget)
        rf = store.receptive_fields("conv")
        _, y, x = store.point_cell("conv", inst.points)
        area = (rf[y, x, 2] - rf[y, x, 0]) * (rf[y, x, 3] - rf[y, x, 1])
        per_image = np.bincount(inst.images, weights=area, minlength=60)
        assert (per_image >= 0.5 * 144).all()
        assert instance_budget(store, "conv", n_instances=120, coverage=0) == 120  # the rule switched off
        assert instance_budget(store, "conv", n_instances=5000) == 5000  # a larger budget stands
        assert instance_budget(store, "fc", n_instances=30) == 30  # flat: one instance is the whole image
        hist = perplexity_histogram(store, "conv", n_instances=120)
        assert hist["counts"].sum() == 480

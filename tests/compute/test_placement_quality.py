"""Placing a big layer's points with the k-d tree keeps the brute-force placement's quality."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial import cKDTree

from seein.compute.sampling import knn_place, load_points, nearest, place
from seein.compute.tsne import tsne
from seein.store import Store


def _accuracy(fitted_map, fitted_labels, placed_map, placed_labels, k=10):
    """10-NN class accuracy of placed points: the majority class of their k nearest fitted points on the map."""
    _, idx = cKDTree(fitted_map).query(placed_map, k=k)
    votes = np.array([np.bincount(row, minlength=fitted_labels.max() + 1).argmax() for row in fitted_labels[idx]])
    return float((votes == placed_labels).mean())


def test_tree_placement_matches_brute_force_on_pool1(demo_store):
    """pool1 of the demo (258,768 points, 20 channels, like conv1): fit 2,000, place 20,000 both ways."""
    with Store.open(demo_store) as s:
        x = load_points(s, "pool1", -1)
        labels = s.labels[s.point_image("pool1", np.arange(len(x)))]
    res = tsne(x[:60_000], 2, n_jobs=1, limit=2000, n_iter=200, early_exaggeration_iter=100)
    fitted = res.sample
    rest = np.setdiff1d(np.arange(60_000), fitted)[::2][:20_000]
    ref, ref_map = x[fitted], res.embedding[fitted]
    brute = knn_place(torch.from_numpy(ref), torch.from_numpy(ref_map), torch.from_numpy(x[rest])).numpy()
    tree = place(ref, ref_map, x[rest])
    np.testing.assert_allclose(res.embedding[rest], tree, atol=1e-5)  # what tsne() placed is this placement
    a_brute = _accuracy(ref_map, labels[fitted], brute, labels[rest])
    a_tree = _accuracy(ref_map, labels[fitted], tree, labels[rest])
    assert a_brute > 0.12 and abs(a_tree - a_brute) <= 0.01, (a_tree, a_brute)  # chance: 0.1 (a patch of a digit)
    exact = place(ref, ref_map, x[rest], eps=0.0)
    off = np.abs(exact - brute).max(axis=1)  # eps 0: the brute force's neighbours, but for ties among
    assert np.median(off) < 1e-4 * np.ptp(ref_map)  # equal patches (background) at the k-th place


def test_nearest_is_exact_by_either_method():
    rng = np.random.default_rng(0)
    ref, q = rng.normal(size=(3000, 6)).astype(np.float32), rng.normal(size=(5000, 6)).astype(np.float32)
    d_true = np.sort(((q[:, None, :] - ref[None]) ** 2).sum(-1), axis=1)[:, :7] ** 0.5
    for method in ("kdtree", "brute", "auto"):
        idx, dist, used = nearest(ref, q, 7, method=method)
        assert used in ("kdtree", "brute") and idx.shape == (5000, 7)
        np.testing.assert_allclose(dist, d_true, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(np.linalg.norm(q[:, None] - ref[idx], axis=2), dist, rtol=1e-4, atol=1e-4)

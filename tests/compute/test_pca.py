"""PCA (in memory, low-rank and streamed) against scikit-learn."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from sklearn.decomposition import PCA

from seein.compute.pca import pca, pca_store
from seein.core.errors import SeeinError
from seein.store import Store


def _data(n=400, d=7, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, d)) * np.linspace(3, 0.5, d) + rng.normal(size=d) * 10).astype(np.float32)


def test_pca_matches_sklearn_including_signs():
    x = _data()
    ours = pca(x, 3)
    ref = PCA(3, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.components, ref.components_, atol=1e-4)
    np.testing.assert_allclose(ours.embedding, ref.transform(x), atol=1e-3)
    np.testing.assert_allclose(ours.explained_variance, ref.explained_variance_, rtol=1e-4)


def test_lowrank_pca_for_wide_layers_matches_sklearn(synthetic_store, monkeypatch):
    rng = np.random.default_rng(4)  # a clear spectrum: a few strong directions plus noise
    x = (rng.normal(size=(80, 4)) * [9, 5, 2, 1]) @ rng.normal(size=(4, 300)) + rng.normal(size=(80, 300)) * 0.1
    ours = pca(x, 2, lowrank=True)
    ref = PCA(2, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.embedding, ref.transform(x), atol=1e-3)
    from seein.compute import pca as pca_mod

    monkeypatch.setattr(pca_mod, "COV_MAX_DIMS", 3)  # fc (6 dims) now counts as wide
    with Store.open(synthetic_store) as store:
        wide = pca_store(store, "fc", dims=2)
        exact = PCA(2, svd_solver="full").fit_transform(store.read_activations("fc"))
    np.testing.assert_allclose(wide.embedding, exact, atol=1e-3)


def test_streamed_pca_equals_in_memory_and_sklearn(synthetic_store):
    with Store.open(synthetic_store) as store:
        x = store.read_activations("conv")
        streamed = pca_store(store, "conv", dims=2, images_per_chunk=7)  # many chunks
    ref = PCA(2, svd_solver="full").fit(x)
    # up to sign for robustness, and exactly (same convention) for the components
    np.testing.assert_allclose(np.abs(streamed.embedding), np.abs(ref.transform(x)), atol=2e-3)
    np.testing.assert_allclose(streamed.components, ref.components_, atol=1e-4)
    np.testing.assert_allclose(streamed.embedding, pca(x, 2).embedding, atol=2e-3)
    np.testing.assert_allclose(streamed.mean, x.mean(0), atol=1e-4)


def test_pca_of_a_narrow_layer_pads_to_three_dims(synthetic_store):
    with Store.open(synthetic_store) as store:  # layer "out" has 2 dims
        res = pca_store(store, "out", dims=3)
    assert res.embedding.shape == (60, 3)
    assert np.all(res.embedding[:, 2] == 0) and np.ptp(res.embedding[:, 0]) > 0


def test_streamed_pca_names_layer_and_snapshot_on_nan(synthetic_store):
    with h5py.File(synthetic_store, "r+") as f:
        f["snapshots/0001/layers/conv"][30, 1] = np.inf
    with Store.open(synthetic_store) as store:
        with pytest.raises(SeeinError, match=r"layer 'conv' at snapshot 1 holds NaN or Inf .*point 30, image 1\)"):
            pca_store(store, "conv", snapshot=1)
        pca_store(store, "conv", snapshot=0)  # the other snapshot is fine


def test_pca_with_fewer_points_than_dimensions_matches_sklearn():
    x = _data(12, 30, seed=5)  # n <= D: the thin-SVD branch
    ours = pca(x, 3)
    ref = PCA(3, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.components, ref.components_, atol=1e-4)
    np.testing.assert_allclose(ours.embedding, ref.transform(x), atol=1e-3)
    np.testing.assert_allclose(ours.explained_variance, ref.explained_variance_, rtol=1e-4)

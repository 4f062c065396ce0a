"""PCA (in memory and streamed) against scikit-learn; PivotMDS against a NumPy reference."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from sklearn.decomposition import PCA

from seein.compute.pca import pca, pca_store
from seein.compute.pivotmds import (
    double_centre,
    pivot_mds,
    pivot_mds_numpy,
    top_eigenvectors,
)
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


def test_pivotmds_matches_numpy_reference():
    x = _data(500, 9, seed=3)
    for dims, k in ((2, 40), (3, 25)):
        ours = pivot_mds(x, dims, n_pivots=k, seed=5)
        ref = pivot_mds_numpy(x, dims, n_pivots=k, seed=5)
        assert ours.shape == ref.shape == (500, dims)
        np.testing.assert_allclose(ours, ref, atol=1e-3 * np.abs(ref).max())


def test_pivotmds_with_every_point_a_pivot_is_classical_mds_ie_pca():
    x = _data(120, 5, seed=1)
    ours = pivot_mds(x, 2, n_pivots=120)
    scores = PCA(2, svd_solver="full").fit_transform(x)
    for axis in range(2):  # equal up to the sign of each axis
        sign = np.sign(ours[:, axis] @ scores[:, axis])
        np.testing.assert_allclose(sign * ours[:, axis], scores[:, axis], atol=1e-3 * np.abs(scores).max())


def test_pivotmds_preserves_distances_roughly():
    rng = np.random.default_rng(2)
    plane = rng.normal(size=(300, 2)) * [5, 2]
    x = plane @ rng.normal(size=(2, 12))  # a 2-D plane inside 12-D: MDS recovers its distances
    y = pivot_mds(x, 2, n_pivots=30)
    i, j = rng.integers(0, 300, (2, 200))
    dx = np.linalg.norm(x[i] - x[j], axis=1)
    dy = np.linalg.norm(y[i] - y[j], axis=1)
    np.testing.assert_allclose(dy, dx, rtol=1e-3, atol=1e-3)


def test_double_centring_and_power_iteration():
    import torch

    d2 = torch.rand(30, 6, dtype=torch.float64)
    c = double_centre(d2)
    assert torch.allclose(c.mean(0), torch.zeros(6, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(c.mean(1), torch.zeros(30, dtype=torch.float64), atol=1e-12)
    m = c.T @ c
    vals, vecs = top_eigenvectors(m, 2)
    ref_vals = torch.linalg.eigvalsh(m).flip(0)[:2]
    assert torch.allclose(vals, ref_vals, rtol=1e-8)
    assert torch.allclose(m @ vecs, vecs * vals, atol=1e-8 * ref_vals[0])


def test_pca_with_fewer_points_than_dimensions_matches_sklearn():
    x = _data(12, 30, seed=5)  # n <= D: the thin-SVD branch
    ours = pca(x, 3)
    ref = PCA(3, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.components, ref.components_, atol=1e-4)
    np.testing.assert_allclose(ours.embedding, ref.transform(x), atol=1e-3)
    np.testing.assert_allclose(ours.explained_variance, ref.explained_variance_, rtol=1e-4)


def test_pivotmds_in_blocks_equals_the_reference():
    x = _data(700, 6, seed=7)
    ref = pivot_mds_numpy(x, 2, n_pivots=30, seed=1)
    for chunk in (64, 333, 100000):  # many blocks, a ragged last one, a single block
        np.testing.assert_allclose(pivot_mds(x, 2, n_pivots=30, seed=1, chunk=chunk), ref,
                                   atol=1e-3 * np.abs(ref).max())


def test_pivotmds_streams_a_big_layer():
    """No n x k matrix, no float64 copy of the layer: memory grows with n by the output alone.

    Peak growth is measured at n and 2n points; the difference per extra point is what the
    algorithm holds per point beyond its input (a constant overhead cancels out). The former
    version held a float64 copy, its centred twin and D (n x 50 float64): ~720 bytes a point.
    """
    import torch

    from seein.bench.measure import measure

    x = np.random.default_rng(0).normal(size=(2_000_000, 20)).astype(np.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared machine: one thread is steadier (and here faster)
    try:
        pivot_mds(x[:40_000], 2)  # load the libraries and size the allocator's blocks first
        peaks = []
        for n in (1_000_000, 2_000_000):  # a million points apart: the allocator's noise is ~20 MB
            out = {}
            res = measure({"pivotmds": lambda: out.setdefault("y", pivot_mds(x[:n], 2))}, repeats=1)
            assert out["y"].shape == (n, 2) and np.isfinite(out["y"]).all()
            peaks.append(res["pivotmds"]["peak_mb"] * 2**20)
    finally:
        torch.set_num_threads(threads)
    per_point = (peaks[1] - peaks[0]) / 1_000_000
    # output 8 B, nearest-pivot distances 8 B, a temporary of the output 8 B (measured 25-32);
    # one more float32 copy of the input would add 80 B
    assert per_point < 56, per_point

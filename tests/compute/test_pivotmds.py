"""PivotMDS against a NumPy reference: in memory, in blocks and streamed from a store."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from seein.compute.pivotmds import (
    double_centre,
    pivot_mds,
    pivot_mds_numpy,
    top_eigenvectors,
)


def _data(n=400, d=7, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, d)) * np.linspace(3, 0.5, d) + rng.normal(size=d) * 10).astype(np.float32)


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


def test_double_centring_and_top_eigenpairs():
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

"""Panel densities against numpy's histogram2d: sampling, bins, the store cache, the backend device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.compute.density import data_ranges, layer_densities, panel_densities


def test_panel_densities_match_histogram2d():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(3000, 4)).astype(np.float32)
    dens = panel_densities(pts, bins=12)
    ranges = data_ranges(pts)
    assert dens.shape == (4, 4, 12, 12)
    for r in range(4):
        for c in range(4):
            if r == c:
                h, _ = np.histogram(pts[:, c], bins=12, range=ranges[c])
                assert np.allclose(dens[r, c].sum(axis=0), h)
            else:
                h, _, _ = np.histogram2d(pts[:, r], pts[:, c], bins=12, range=[ranges[r], ranges[c]])
                assert np.array_equal(dens[r, c], h.astype(np.float32)), (r, c)
    assert np.array_equal(panel_densities(torch.as_tensor(pts), bins=12), dens)
    assert np.array_equal(panel_densities(pts, 12, pairs=(3, 1))[0, 0], dens[1, 3])


def test_panel_densities_sample_beyond_max_points():
    pts = np.random.default_rng(1).normal(size=(10000, 2)).astype(np.float32)
    full = panel_densities(pts, 8, max_points=None)
    sampled = panel_densities(pts, 8, max_points=2000)
    assert abs(sampled[0, 1].sum() - 10000) < 1e-3
    assert np.abs(sampled[0, 1] - full[0, 1]).max() < 0.1 * full[0, 1].max() + 30


def test_layer_densities_are_cached_in_the_store(synthetic_store):
    from seein.store import Store

    with Store.open(synthetic_store) as store:
        dens, ranges = layer_densities(store, "fc", bins=8)
        assert dens.shape == (6, 6, 8, 8) and ranges.shape == (6, 2)
        assert any(r["kind"] == "density" for r in store.results())
        again, _ = layer_densities(store, "fc", bins=8)
        assert np.array_equal(again, dens)


def test_panel_densities_cap_bins_to_what_a_matrix_image_can_show(monkeypatch):
    """Bins per panel are capped at MAX_SIDE_BINS // D (48 bins over a 500-D matrix would
    be 4.6 GB of counts); the counts stay right."""
    import seein.compute.density as density

    monkeypatch.setattr(density, "MAX_SIDE_BINS", 64)
    pts = np.random.default_rng(5).normal(size=(500, 16)).astype(np.float32)
    dens = density.panel_densities(pts, bins=48)
    assert dens.shape == (16, 16, 4, 4)  # 64 // 16
    assert np.allclose(dens.sum(axis=(2, 3)), 500)
    h, _, _ = np.histogram2d(pts[:, 3], pts[:, 7], bins=4, range=[data_ranges(pts)[3], data_ranges(pts)[7]])
    assert np.array_equal(dens[3, 7], h.astype(np.float32))
    assert density.panel_densities(pts, bins=48, pairs=(0, 1)).shape == (1, 1, 32, 32)  # 64 // 2


def test_panel_densities_run_on_the_backend_device(monkeypatch):
    """"auto" follows the compute backend's rule (SEEIN_DEVICE, then torch): the GPU when
    there is one; here the CPU, with the same counts as torch on an explicit device."""
    from seein.compute.density import compute_device
    from seein.core.errors import SeeinError

    pts = np.random.default_rng(6).normal(size=(2000, 3)).astype(np.float32)
    monkeypatch.delenv("SEEIN_DEVICE", raising=False)
    assert compute_device() == (torch.device("cuda") if torch.cuda.is_available() else None)
    assert np.array_equal(panel_densities(pts, 8), panel_densities(pts, 8, device="cpu"))
    monkeypatch.setenv("SEEIN_DEVICE", "cpu")
    assert compute_device("auto") is None
    monkeypatch.setenv("SEEIN_DEVICE", "tpu")
    with pytest.raises(SeeinError, match="SEEIN_DEVICE"):
        panel_densities(pts, 8)


def test_panel_class_densities_keep_each_bins_leading_class():
    from seein.compute.density import panel_class_densities

    rng = np.random.default_rng(1)
    cls = rng.integers(0, 3, size=4000)
    pts = (rng.normal(size=(4000, 3)) + cls[:, None] * 2.0).astype(np.float32)  # classes apart
    cls[:5] = -1  # unlabelled images count, but lead no bin
    ranges = data_ranges(pts)
    got = panel_class_densities(pts, cls, 3, bins=10, ranges=ranges)
    assert np.allclose(got.counts, panel_densities(pts, 10, ranges), rtol=1e-5)  # the same counts
    r, c = 2, 0
    per = np.stack([np.histogram2d(pts[cls == k, r], pts[cls == k, c], bins=10, range=[ranges[r], ranges[c]])[0]
                    for k in range(3)])
    total = np.histogram2d(pts[:, r], pts[:, c], bins=10, range=[ranges[r], ranges[c]])[0]
    full = total > 0
    assert np.array_equal(got.dominant[r, c][per.max(0) > 0], per.argmax(0)[per.max(0) > 0])
    assert np.all(got.dominant[r, c][~full] == -1)
    assert np.allclose(got.purity[r, c][full], (per.max(0) / np.maximum(total, 1))[full])
    diag = np.stack([np.histogram(pts[cls == k, 1], bins=10, range=ranges[1])[0] for k in range(3)])
    assert np.array_equal(got.dominant[1, 1][0][diag.max(0) > 0], diag.argmax(0)[diag.max(0) > 0])
    low, high = got.dominant[0, 0][0, 0], got.dominant[0, 0][0, -1]
    assert (low, high) == (0, 2)  # dim 0's low end is class 0's, its high end class 2's
    torch_got = panel_class_densities(torch.as_tensor(pts), cls, 3, bins=10, ranges=ranges)
    assert np.array_equal(torch_got.dominant, got.dominant)
    pair = panel_class_densities(pts, cls, 3, 10, ranges, pairs=(0, 2))
    assert np.array_equal(pair.dominant[0, 0], got.dominant[2, 0])


def test_diagonal_densities_are_histogram_bars():
    from seein.compute.density import histogram_bars, panel_densities

    bars = histogram_bars(np.array([4.0, 0.0, 2.0, 1.0]))
    assert bars.shape == (4, 4)
    assert (bars[:, 0] > 0).all() and not bars[:, 1].any()  # the tallest bar fills its column
    assert (bars[:2, 2] > 0).all() and not bars[2:, 2].any()  # half as many: half as tall, from the bottom
    np.testing.assert_allclose(bars.sum(axis=0), [4.0, 0.0, 2.0, 1.0])  # the counts are kept
    points = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    dens = panel_densities(points, 16)
    diag = dens[1, 1]
    np.testing.assert_allclose(diag.sum(axis=0), np.histogram(points[:, 1], 16, range=(points[:, 1].min(),
                                                                                      points[:, 1].max()))[0],
                               atol=1e-3)
    assert (diag[0] > 0).sum() > (diag[-1] > 0).sum()  # bars stand on the bottom row

"""Per-class histograms of a dimension (the matrix's diagonal panels) against numpy's own."""

from __future__ import annotations

import numpy as np

from seein.compute.histograms import HistogramCache, class_histograms, mask_histogram


def test_class_histograms_match_numpy_per_class():
    rng = np.random.default_rng(0)
    values = rng.normal(size=5000).astype(np.float32)
    cls = rng.integers(-1, 4, size=5000)  # -1: unlabelled, left out
    got = class_histograms(values, cls, 4, (-2.0, 2.0), bins=16)
    for k in range(4):
        ref, _ = np.histogram(values[cls == k], bins=16, range=(-2.0, 2.0))
        assert np.array_equal(got[k], ref), k
    assert got.sum() == np.count_nonzero((cls >= 0) & (np.abs(values) <= 2.0))  # off the axis: no bin


def test_mask_histogram_and_the_cache():
    rng = np.random.default_rng(1)
    points = rng.uniform(size=(600, 3)).astype(np.float32)
    image_index = np.repeat(np.arange(200), 3)  # 3 points per image
    labels = np.arange(200) % 2
    ranges = np.array([[0.0, 1.0]] * 3)
    mask = np.zeros(200, bool)
    mask[:50] = True
    point_mask = mask[image_index]
    ref, _ = np.histogram(points[point_mask, 1], bins=10, range=(0.0, 1.0))
    assert np.array_equal(mask_histogram(points[:, 1], point_mask, (0.0, 1.0), bins=10), ref)
    cache = HistogramCache(bins=10)
    cache.reset(points, image_index, labels, ranges)
    assert cache.selected(0) is None
    first = cache.classes(2)
    assert cache.classes(2) is first and cache.computed == 1  # binned once, only the dims asked for
    assert first.shape == (2, 10) and first.sum() == 600
    cache.set_selection(mask)
    assert np.array_equal(cache.selected(1), ref)
    cache.set_ranges(np.array([[0.0, 2.0]] * 3))  # fit to another snapshot: bins move
    assert cache.classes(2)[:, 5:].sum() == 0 and cache.computed == 2

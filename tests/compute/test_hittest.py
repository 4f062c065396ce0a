"""Lasso and box hit-testing against matplotlib.path on seeded random polygons (no GL)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.path import Path

from seein.compute.hittest import box_hits, images_hit, lasso_hits


def _polygon(rng, kind):
    m = int(rng.integers(3, 40))
    if kind == "star":  # a simple, non-convex lasso-like loop
        angles = np.sort(rng.uniform(0, 2 * np.pi, m))
        radii = rng.uniform(0.2, 1.0, m)
        return np.c_[radii * np.cos(angles), radii * np.sin(angles)] + rng.uniform(-0.3, 0.3, 2)
    return rng.uniform(-1, 1, size=(m, 2))  # self-intersecting: even-odd rule


@pytest.mark.parametrize("kind", ["star", "random"])
def test_lasso_matches_matplotlib_on_random_polygons(kind):
    rng = np.random.default_rng(7)
    for _ in range(25):
        pts = rng.uniform(-1.2, 1.2, size=(5000, 2)).astype(np.float32)
        poly = _polygon(rng, kind)
        ref = Path(poly).contains_points(pts.astype(np.float64))
        got = lasso_hits(pts, poly)
        assert got.dtype == bool and got.shape == (5000,)
        assert (got != ref).sum() <= 1  # a point on an edge may fall either way


def test_lasso_torch_path_matches_numpy_path():
    rng = np.random.default_rng(8)
    pts = rng.uniform(-1, 1, size=(20000, 2))
    for kind in ("star", "random") * 3:
        poly = _polygon(rng, kind)
        got = lasso_hits(torch.as_tensor(pts), poly)
        assert (got == lasso_hits(pts, poly)).all()
        assert (got != Path(poly).contains_points(pts)).sum() <= 1
        assert (lasso_hits(pts, poly, device="cpu") == lasso_hits(pts, poly)).all()


def test_lasso_degenerate_and_bad_input():
    pts = np.zeros((10, 2), np.float32)
    assert not lasso_hits(pts, [[0, 0], [1, 1]]).any()  # fewer than 3 vertices
    assert lasso_hits(np.zeros((0, 2)), [[0, 0], [1, 0], [0, 1]]).shape == (0,)
    with pytest.raises(ValueError):
        lasso_hits(np.zeros((10, 3)), [[0, 0], [1, 0], [0, 1]])


def test_box_hits_and_image_mask():
    pts = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0], [2.0, 0.5]], np.float32)
    assert box_hits(pts, (1.0, 1.0, 0.0, 0.0)).tolist() == [True, True, True, False]
    assert box_hits(torch.as_tensor(pts), (0.2, 0.2, 2.5, 0.8)).tolist() == [False, True, False, True]
    assert images_hit(np.array([False, True, False, True]), np.array([0, 0, 1, 2]), 4).tolist() == \
        [True, False, True, False]


def test_lasso_and_box_on_a_million_points_match_the_references():
    """Millions of points, as in conv1: a hand-drawn-like lasso of 300 edges against
    matplotlib.path, on NumPy and on torch (the device path). Speed is the benchmark's
    job, not a timed unit test's."""
    rng = np.random.default_rng(9)
    pts = rng.normal(size=(1_000_000, 2)).astype(np.float32)
    t = np.linspace(0, 2 * np.pi, 300, endpoint=False)
    r = 1.0 + 0.4 * np.sin(5 * t) + rng.uniform(-0.05, 0.05, t.size)  # a wobbly, non-convex loop
    poly = np.c_[r * np.cos(t), r * np.sin(t)]
    ref = Path(poly).contains_points(pts.astype(np.float64))
    got = lasso_hits(pts, poly)
    assert ref.sum() > 300_000 and (got != ref).sum() <= 2
    # torch does the crossing test in the points' float32, NumPy in float64: a point on an
    # edge may fall either way (GPU and CPU paths agree to tolerance)
    assert (lasso_hits(torch.as_tensor(pts), poly) != ref).sum() <= 2
    box = box_hits(pts, (-0.5, -1.0, 0.7, 0.25))
    assert (box == ((pts[:, 0] >= -0.5) & (pts[:, 0] <= 0.7) & (pts[:, 1] >= -1.0) & (pts[:, 1] <= 0.25))).all()

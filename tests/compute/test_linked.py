"""Linking two stores: same data only, and the compare mode's Procrustes-aligned layouts."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.linked import check_same_data, compare_layers, image_positions
from seein.core.errors import SeeinError
from seein.store import Store
from seein.testing import make_store


def test_same_data_links_other_data_is_refused(tmp_path):
    a = make_store(tmp_path / "a.h5", seed=0)
    b = make_store(tmp_path / "b.h5", seed=0, layers={"conv": (3, 4, 4), "emb": (2,)})
    c = make_store(tmp_path / "c.h5", seed=5)
    d = make_store(tmp_path / "d.h5", n_images=30)
    with Store.open(a) as sa, Store.open(b) as sb, Store.open(c) as sc, Store.open(d) as sd:
        check_same_data(sa, sb)
        with pytest.raises(SeeinError, match="c.h5.*not hold the same data set.*digest"):
            check_same_data(sa, sc)
        with pytest.raises(SeeinError, match="60 vs 30 images"):
            check_same_data(sa, sd)


def test_image_positions_average_cells():
    class S:
        n_images = 2
    emb = np.arange(16, dtype=np.float32).reshape(8, 2)  # 2 images x 4 cells
    np.testing.assert_allclose(image_positions(S, "conv", emb), [[3, 4], [11, 12]])


def test_compare_aligns_a_mirrored_copy(tmp_path):
    """Same data and activations: the aligned layouts coincide; another layer aligns with a residual."""
    a = make_store(tmp_path / "a.h5", seed=0)
    b = make_store(tmp_path / "b.h5", seed=0)
    with Store.open(a) as sa, Store.open(b) as sb:
        cmp = compare_layers(sa, sb, "fc", "fc", "pca")
        np.testing.assert_allclose(cmp.a, cmp.b, atol=1e-3)  # same data, same activations
        other = compare_layers(sa, sb, "fc", "conv", "pca")
        assert other.b.shape == (sa.n_images, 2)
        assert other.alignment.residual > 0


def test_demo_and_siamese_link(demo_store):
    from seein.demo import demo_store as build

    with Store.open(demo_store) as a, Store.open(build("siamese-lenet")) as b:
        cmp = compare_layers(a, b, "fc2", "fc3", "pca")
    assert cmp.a.shape == cmp.b.shape == (a.n_images, 2)
    # the networks agree: an image's aligned positions are closer than a random other image's
    near = np.linalg.norm(cmp.a - cmp.b, axis=1).mean()
    far = np.linalg.norm(cmp.a - np.roll(cmp.b, 1, 0), axis=1).mean()
    assert near < 0.8 * far

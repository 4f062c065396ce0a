"""Procrustes alignment with the mirroring test, and layer-to-layer aligned projections."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.procrustes import align, image_means, procrustes
from seein.compute.projection import aligned_projections, project
from seein.core.errors import SeeinError
from seein.store import Store


def _rotation(theta):
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def test_recovers_a_similarity_transform():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(50, 2))
    source = 3.5 * target @ _rotation(0.7) + [10, -4]
    fit = procrustes(source, target)
    assert not fit.reflected
    assert fit.residual < 1e-10
    assert fit.scale == pytest.approx(1 / 3.5)
    np.testing.assert_allclose(align(source, target), target, atol=1e-5)


def test_mirror_image_is_taken_only_when_allowed():
    rng = np.random.default_rng(1)
    target = rng.normal(size=(40, 2)) * [3, 1]
    source = (target * [-1, 1]) @ _rotation(1.1) * 0.5  # mirrored, rotated, shrunk
    fit = procrustes(source, target)
    assert fit.reflected and fit.residual < 1e-10
    np.testing.assert_allclose(fit.apply(source), target, atol=1e-5)
    proper = procrustes(source, target, allow_reflection=False)
    assert not proper.reflected and np.linalg.det(proper.rotation) > 0
    assert proper.residual > 0.5  # a rotation alone cannot undo a mirror image


def test_three_d_and_apply_moves_other_points_the_same_way():
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    target = rng.normal(size=(30, 3))
    source = target @ q.T * 2 + 1
    fit = procrustes(source, target)
    extra = rng.normal(size=(5, 3))
    np.testing.assert_allclose(fit.apply(extra @ q.T * 2 + 1), extra, atol=1e-5)


def test_no_scaling_when_switched_off():
    rng = np.random.default_rng(3)
    target = rng.normal(size=(20, 2))
    fit = procrustes(target * 4, target, allow_scale=False)
    assert fit.scale == 1.0 and fit.residual > 1


def test_bad_input():
    with pytest.raises(SeeinError, match="same shape"):
        align(np.zeros((4, 2)), np.zeros((5, 2)))
    with pytest.raises(SeeinError, match="NaN"):
        align(np.full((4, 2), np.nan), np.zeros((4, 2)))


def test_image_means():
    emb = np.arange(12, dtype=np.float32).reshape(6, 2)  # 3 images x 2 points
    np.testing.assert_allclose(image_means(emb, 2), [[1, 2], [5, 6], [9, 10]])


def test_aligned_projections_move_each_layer_onto_the_previous(synthetic_store):
    layers = ["conv", "fc", "out"]
    aligned = aligned_projections(synthetic_store, layers, "pivotmds")
    with Store.open(synthetic_store) as store:
        raw = {name: project(store, name, "pivotmds").embedding for name in layers}
        assert all(project(store, name, "pivotmds").cached for name in layers)
        per = {name: store.layer(name).points_per_image for name in layers}
    np.testing.assert_array_equal(aligned["conv"].embedding, raw["conv"])  # the first stays put
    for prev, cur in zip(layers, layers[1:]):
        before = image_means(raw[cur], per[cur]) - image_means(aligned[prev].embedding, per[prev])
        after = image_means(aligned[cur].embedding, per[cur]) - image_means(aligned[prev].embedding, per[prev])
        assert np.linalg.norm(after) < np.linalg.norm(before)
        assert "aligned to the previous layer" in aligned[cur].notes[-1]
        # the alignment is a similarity: distances within the layer keep their ratios
        d_raw = np.linalg.norm(raw[cur][1:] - raw[cur][:-1], axis=1)
        d_al = np.linalg.norm(aligned[cur].embedding[1:] - aligned[cur].embedding[:-1], axis=1)
        np.testing.assert_allclose(d_al / d_al.sum(), d_raw / d_raw.sum(), atol=1e-5)
    with pytest.raises(SeeinError, match="at least one layer"):
        aligned_projections(synthetic_store, [], "pca")

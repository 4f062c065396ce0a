"""DeepEyes' maps (perplexity, Filter Map, Input Map) and the result cache, on the synthetic store."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from seein.compute import deepeyes, filtermap, inputmap, stats
from seein.compute.deepeyes import histogram_edges, perplexity
from seein.compute.instances import read_instances
from seein.store import Store


def test_filter_map_of_a_layer(synthetic_store):
    with Store.open(synthetic_store) as store:
        fm = filtermap.filter_map(store, "fc", n_instances=50)
        inst = read_instances(store, "fc", -1, 50)
        assert len(inst) == 50
        np.testing.assert_allclose(fm["similarity"], filtermap.weighted_jaccard_naive(inst.values), atol=1e-9)
        t = np.zeros((6, 3))
        for c in range(3):
            t[:, c] = np.maximum(inst.values[inst.labels == c], 0).sum(0)
        np.testing.assert_array_equal(fm["color_class"], t.argmax(1))
        np.testing.assert_allclose(fm["size"], 1 / deepeyes.perplexity(t), rtol=1e-5)
        assert fm["embedding"].shape == (6, 2) and str(fm["method"]) == "mds"  # 6 filters: MDS
        assert ((fm["size"] >= 1 / 3 - 1e-6) & (fm["size"] <= 1 + 1e-6)).all()


def test_filter_map_uses_tsne_with_enough_filters(tmp_path):
    from seein.testing import make_store

    path = make_store(tmp_path / "wide.h5", n_images=30, layers={"wide": (12,)}, n_snapshots=1)
    with Store.open(path) as store:
        fm = filtermap.filter_map(store, "wide")
        assert str(fm["method"]) == "tsne" and fm["embedding"].shape == (12, 2)
        assert np.isfinite(fm["embedding"]).all() and np.ptp(fm["embedding"], axis=0).min() > 0


def test_input_map_keeps_instances_with_their_cells(synthetic_store):
    with Store.open(synthetic_store) as store:
        im = inputmap.input_map(store, "conv", n_instances=60, seed=2)
        n = len(im["points"])
        assert n == 60 and im["embedding"].shape == (60, 2) and np.isfinite(im["embedding"]).all()
        assert (np.bincount(im["images"], minlength=60) == 1).all()  # one cell of every image
        image, y, x = store.point_cell("conv", im["points"])
        np.testing.assert_array_equal(im["cells"], np.stack([y, x], 1))
        np.testing.assert_array_equal(im["labels"], store.labels[image])
        rows = store.read_activations("conv")[im["points"]]
        np.testing.assert_allclose(im["activations"], rows)
        np.testing.assert_allclose(im["max_activation"], rows.max(1))
        assert (im["boxes"] == store.receptive_fields("conv")[y, x]).all()


def test_perplexity_histograms_per_snapshot(synthetic_store):
    with Store.open(synthetic_store) as store:
        h = deepeyes.perplexity_histograms(store, "conv", bins=30)
        assert h["counts"].shape == (2, 30) and (h["counts"].sum(1) == 60 * 25).all()
        assert h["edges"][0] == 1 and h["edges"][-1] == 4
        direct = deepeyes.perplexity(store.read_activations("conv", 1))
        np.testing.assert_array_equal(h["counts"][1], np.histogram(direct, bins=h["edges"])[0])
        np.testing.assert_array_equal(h["diff"][1], h["counts"][1] - h["counts"][0])


def test_second_call_is_cached_and_fast(synthetic_store):
    with Store.open(synthetic_store) as store:
        first = stats.feature_ranges(store, "conv")
        pts = store.read_activations("conv")
        np.testing.assert_allclose(first, np.stack([pts.min(0), pts.max(0)], 1))
        deepeyes.perplexity_histogram(store, "conv")
        n_files = len(store.results())
        t0 = time.perf_counter()
        again = stats.feature_ranges(store, "conv")
        deepeyes.perplexity_histogram(store, "conv")
        assert time.perf_counter() - t0 < 0.5
        np.testing.assert_array_equal(first, again)
        assert len(store.results()) == n_files
        deepeyes.perplexity_histogram(store, "conv", bins=10)  # other parameters: a new result
        assert len(store.results()) == n_files + 1
        kinds = {r["kind"] for r in store.results()}
        assert {"stats/ranges", "deepeyes/perplexity"} <= kinds


def test_unwritable_cache_still_returns_results(synthetic_store):
    with Store.open(synthetic_store) as store:
        store.cache_dir.write_text("not a folder")  # as root, a file is what reliably blocks writing
        with pytest.warns(RuntimeWarning, match="cannot cache stats/ranges"):
            ranges = stats.feature_ranges(store, "fc")
        assert ranges.shape == (6, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert stats.confusion_matrix(store).sum() == 60


def test_neuronal_receptive_fields(synthetic_store):
    from seein.compute.neuronal import neuronal_features

    with Store.open(synthetic_store) as store:
        p = 7 * 25 + 2 * 5 + 3  # image 7, conv cell (2, 3): box [2, 3, 5, 6) of the 12 x 12 input
        patch = neuronal_features(store, "conv", -1, np.array([p, 0]))
        np.testing.assert_allclose(patch[0], store.image(7)[2:5, 3:6, 0].ravel() / 255.0, rtol=1e-6)
        whole = neuronal_features(store, "fc", 0, np.array([4, 9]))  # fc is fed by all of conv
        np.testing.assert_allclose(whole[1], store.feature_maps("conv", 9, 0).ravel())
        im = inputmap.input_map(store, "fc", n_instances=30, features="neuronal")
        plain = inputmap.input_map(store, "fc", n_instances=30, features="layer")
        default = inputmap.input_map(store, "fc", n_instances=30)  # DeepEyes' choice is the default
        np.testing.assert_array_equal(default["embedding"], im["embedding"])
        assert im["embedding"].shape == (30, 2) and not np.allclose(im["embedding"], plain["embedding"])
        np.testing.assert_array_equal(im["activations"], plain["activations"])  # the layer's own filters


def test_window_extent_at_the_border():
    from seein.compute.neuronal import _extent

    lo, hi = np.arange(0, 10, 2), np.arange(0, 10, 2) + 6  # previous cells [0,6), [2,8), ... (clipped later)
    assert _extent(lo, hi, 0, 10) == (0, 3)  # [0,6) [2,8) [4,10)
    assert _extent(np.array([0, 0, 2]), np.array([3, 5, 7]), 0, 5) == (0, 2)
    assert _extent(lo, hi, 4, 6) == (1, 1)  # a box smaller than any cell: the nearest cell ([2, 8))


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

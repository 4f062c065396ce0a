"""Layer stability, selection shares per perplexity bin, degenerate filters and heatmap orders."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from seein.compute.deepeyes import activation_heatmap
from seein.compute.deepeyes_views import (
    FilterOrder,
    filter_flags,
    filter_order,
    histogram_change,
    layer_stability,
    selection_shares,
)
from seein.store import Store
from seein.testing import make_store


def test_histogram_change_is_the_share_of_instances_that_moved():
    assert histogram_change([10, 0], [10, 0]) == 0
    assert histogram_change([10, 0], [0, 5]) == 1
    assert histogram_change([8, 2], [6, 4]) == pytest.approx(0.2)


@pytest.fixture
def store_path(tmp_path):
    path = make_store(tmp_path / "s.h5", n_images=60, layers={"conv": (4, 5, 5), "fc": (6,)}, n_snapshots=3)
    with h5py.File(path, "r+") as f:
        layers = f["snapshots"]
        layers["0002/layers/conv"][...] = layers["0001/layers/conv"][...]  # conv stops changing
        fc = layers["0002/layers/fc"][...]
        fc[:, 1] = 0  # a filter killed (its weights zeroed: it never responds)
        fc[:, 4] = 100  # a filter that responds to everything
        layers["0002/layers/fc"][...] = fc
    return path


def test_a_layer_whose_histogram_stops_changing_is_stable(store_path):
    with Store.open(store_path) as store:
        conv = layer_stability(store, "conv")
        assert conv["change"][0] == 0 and conv["change"][1] > 0 and conv["change"][2] == 0
        assert conv["stable"].tolist() == [False, conv["change"][1] < 0.05, True]
        assert conv["stable_since"] == 2
        assert conv["counts"].shape == (3, 30)


def test_selected_images_share_of_each_bin(store_path):
    with Store.open(store_path) as store:
        none = selection_shares(store, "conv", 1, np.zeros(60, bool))
        every = selection_shares(store, "conv", 1, np.ones(60, bool))
        half = np.arange(60) < 30
        some = selection_shares(store, "conv", 1, half)
    assert none["selected"].sum() == 0 and np.array_equal(every["selected"], every["total"])
    assert some["selected"].sum() == pytest.approx(every["total"].sum() / 2)  # every image gives as many
    assert np.all((some["share"] >= 0) & (some["share"] <= 1))


def test_the_killed_filter_is_dead_and_the_saturated_one_always_active(store_path):
    with Store.open(store_path) as store:
        heat = activation_heatmap(store, "fc", 2, since=2)
    flags = filter_flags(heat)
    assert flags["dead"].tolist() == [i == 1 for i in range(6)]
    assert flags["always_active"].tolist() == [i == 4 for i in range(6)]
    activity = filter_order(heat, FilterOrder.ACTIVITY)
    assert activity[0] == 4 and activity[-1] == 1
    by_class = filter_order(heat, "class")
    top = np.nan_to_num(heat["max_by_class"], neginf=-np.inf).argmax(1)
    assert sorted(by_class.tolist()) == list(range(6)) and np.all(np.diff(top[by_class]) >= 0)
    assert filter_order(heat).tolist() == list(range(6))

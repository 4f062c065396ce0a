"""DeepEyes' instances: sampled points spread over the images, and the coverage budget."""

from __future__ import annotations

import numpy as np

from seein.compute.instances import sample_points


def test_sampled_instances_are_spread_and_repeatable():
    pts = sample_points(100, 25, n_instances=1000, seed=1)
    assert len(pts) == 1000 and len(np.unique(pts)) == 1000
    assert (np.bincount(pts // 25, minlength=100) == 10).all()  # ten cells of every image
    np.testing.assert_array_equal(pts, sample_points(100, 25, n_instances=1000, seed=1))
    assert not np.array_equal(pts, sample_points(100, 25, n_instances=1000, seed=2))
    assert sample_points(10, 4, n_instances=100).tolist() == list(range(40))  # small layer: all of it
    sparse = sample_points(5000, 9, n_instances=300, seed=0)  # more images than instances
    assert len(sparse) == 300 and len(np.unique(sparse // 9)) == 300


def test_instance_budget_covers_half_of_every_image(synthetic_store):
    """DeepEyes' default: sampled receptive fields add up to at least half of each input."""
    from seein.compute.deepeyes import perplexity_histogram
    from seein.compute.instances import instance_budget, read_instances
    from seein.store import Store

    with Store.open(synthetic_store) as store:  # conv: 5 x 5 cells, 3 x 3 boxes on 12 x 12 images
        budget = instance_budget(store, "conv", n_instances=120)
        assert budget == 60 * 8  # ceil(0.5 * 144 / 9) = 8 cells of each of the 60 images
        inst = read_instances(store, "conv", -1, budget)
        rf = store.receptive_fields("conv")
        _, y, x = store.point_cell("conv", inst.points)
        area = (rf[y, x, 2] - rf[y, x, 0]) * (rf[y, x, 3] - rf[y, x, 1])
        per_image = np.bincount(inst.images, weights=area, minlength=60)
        assert (per_image >= 0.5 * 144).all()
        assert instance_budget(store, "conv", n_instances=120, coverage=0) == 120  # the rule switched off
        assert instance_budget(store, "conv", n_instances=5000) == 5000  # a larger budget stands
        assert instance_budget(store, "fc", n_instances=30) == 30  # flat: one instance is the whole image
        hist = perplexity_histogram(store, "conv", n_instances=120)
        assert hist["counts"].sum() == 480

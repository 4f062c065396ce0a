"""Activation maximisation reaches the data set's maximum; top patches are the true top activations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.compute.maximize import maximise_pattern, maximise_unit, unit_weights
from seein.compute.toppatches import dataset_max, top_patches
from seein.store import Store


def _brute_top(store, layer, unit, snapshot, k):
    """Every point's activation, image by image, the best cell per image, the k best images."""
    info = store.layer(layer)
    best = []
    for i in range(store.n_images):
        pts = store.image_points(layer, [i])
        acts = store.read_activations(layer, snapshot)[pts, unit]
        best.append((float(acts.max()), -i, int(acts.argmax())))
    best.sort(reverse=True)
    return [(-b[1], b[2] // (info.cells[1] if info.kind == "structured" else 1), b[0]) for b in best[:k]]


@pytest.mark.parametrize("layer,unit", [("conv", 2), ("fc", 4)])
def test_top_patches_are_brute_force_top(synthetic_store, layer, unit):
    with Store.open(synthetic_store) as store:
        got = top_patches(store, layer, unit, snapshot=1, k=9)
        want = _brute_top(store, layer, unit, 1, 9)
        assert [p.image for p in got] == [w[0] for w in want]
        np.testing.assert_allclose([p.value for p in got], [w[2] for w in want], rtol=1e-6)
        assert [p.y for p in got] == [w[1] for w in want]
        rfs = store.receptive_fields(layer)
        assert all(p.box == tuple(rfs[p.y, p.x]) for p in got)
        assert got[0].value == dataset_max(store, layer, unit, 1)


@pytest.mark.parametrize("layer,unit", [("conv1", 3), ("conv2", 7), ("fc1", 11), ("fc2", 4)])
def test_maximised_input_beats_the_data_set(demo_store, layer, unit):
    from seein.compute.network import store_network

    with Store.open(demo_store) as store:
        net = store_network(store, -1)
        result = maximise_unit(net, layer, unit, store.input_shape, steps=160)
        best = dataset_max(store, layer, unit)
    assert result.activation >= best, (result.activation, best)
    assert result.image.shape == (1, 28, 28) and 0 <= result.image.min() and result.image.max() <= 1


def test_pattern_of_a_selection(demo_store):
    from seein.compute.maximize import layer_output
    from seein.compute.network import store_inputs, store_network

    with Store.open(demo_store) as store:
        net = store_network(store, -1)
        chosen = np.flatnonzero(store.labels == 3)[:40]
        x = store_inputs(store, chosen).to(next(net.parameters()).device)
        with torch.no_grad():
            pattern = layer_output(net, "fc1", x).mean(0).cpu().numpy()
        result = maximise_pattern(net, "fc1", pattern, store.input_shape, steps=160)
        with torch.no_grad():
            img = torch.from_numpy(result.image)[None].to(x.device)
            probs = net(img).softmax(1)[0].cpu().numpy()
    assert result.activation > 0.9
    assert probs.argmax() == 3


def test_unit_weights(demo_store):
    from seein.compute.network import store_network

    with Store.open(demo_store) as store:
        net = store_network(store, -1)
    assert unit_weights(net, "conv2", 5).shape == (20, 5, 5)
    assert unit_weights(net, "fc2", 1).shape == (500,)
    assert unit_weights(net, "pool1", 0) is None

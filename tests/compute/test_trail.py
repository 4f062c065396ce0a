"""The adversarial trail: the strip's first image lands on the stored image's own point."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.adversarial import attack_store_image
from seein.compute.network import store_network
from seein.compute.trail import strip_trail
from seein.store import Store


@pytest.mark.parametrize("layer,method", [("fc2", "pca"), ("conv2", "pca"), ("fc1", "pivotmds")])
def test_trail_starts_at_the_image(demo_store, layer, method):
    with Store.open(demo_store) as store:
        strip = attack_store_image(store, 7, steps=4)
        trail = strip_trail(store, store_network(store), strip, layer, method)
        own = trail.embedding[store.image_points(layer, [7])]
        spread = trail.embedding.std(0).mean()
    cells = 64 if layer == "conv2" else 1
    assert trail.points.shape == (5, cells, 2)
    # float16 store vs float32 network; knn placement is a weighted mean of the nearest stored points
    tol = 0.02 if method == "pca" else 0.1
    assert np.abs(trail.points[0] - own).max() < tol * spread
    assert np.abs(trail.points[-1] - trail.points[0]).max() > tol * spread  # the attack moved it


def test_adversarial_cli_with_trail(demo_store, tmp_path):
    from PIL import Image

    from seein.cli import main

    out = tmp_path / "t.png"
    assert main(["adversarial", str(demo_store), "--image", "1", "--steps", "4", "--layer", "fc2",
                 "-o", str(out)]) == 0
    pixels = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert pixels.shape == (800, 1200, 3)
    lower = pixels[500:]  # the trail panel: coloured points, not white
    assert (np.abs(lower - 255).sum(2) > 60).sum() > 500

"""What hovering a deepViz chart shows (Qt-free): a confusion cell's images, a kernel's weights,
a class bar's probability."""

from __future__ import annotations

import numpy as np

from seein.render.deepviz.hover import confusion_tip, filter_tip, prediction_tip, thumbnail_grid


def test_thumbnail_grid_places_each_image_scaled_in_rows():
    images = [np.full((3, 4), 10 * (i + 1), np.uint8) for i in range(8)]
    grid = thumbnail_grid(images, per_row=3, gap=1, scale=2)
    assert grid.shape == (3 * 7 + 1, 3 * 9 + 1, 4) and grid.dtype == np.uint8
    assert (grid[1:7, 1:9, :3] == 10).all() and (grid[8:14, 10:18, :3] == 50).all()
    assert (grid[0] == 255).all() and (grid[-1, :, 3] == 255).all()  # white ground, opaque


def test_confusion_tip_samples_the_cell_and_says_its_count():
    data = {"labels": np.array([0, 0, 1, 1, 1]), "predictions": np.array([0, 1, 1, 1, 0]),
            "class_names": ["zero", "one"]}
    images = np.arange(5 * 4, dtype=np.uint8).reshape(5, 2, 2) * 10
    tip = confusion_tip(data, (1, 1), images, sample=12)
    assert tip.text.startswith("true one, predicted one: 2 images (#2, #3)")
    assert np.array_equal(tip.image[2:2 + 28:14, 2:2 + 28:14, 0], images[2])  # 2x2 scaled up 14 times
    empty = confusion_tip({**data, "predictions": np.zeros(5, int)}, (1, 1), images)
    assert empty.image is None and ": 0 images" in empty.text


def test_filter_and_prediction_tips_give_the_values():
    kernels = np.zeros((2, 3, 2, 2), np.float32)
    kernels[1, 2] = [[0.5, -0.25], [0.125, 1.0]]
    tip = filter_tip({"layer": "conv2", "kernels": kernels, "snapshot": 4}, (1, 2))
    assert tip.text.splitlines()[0] == ("conv2 filter 1, input channel 2 (snapshot 4), 2x2, min -0.250, max +1.000")
    assert tip.text.splitlines()[1:3] == ["+0.500 -0.250", "+0.125 +1.000"]
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.5, 0.5]])
    data = {"probabilities": probs, "class_names": ["a", "b"]}
    assert prediction_tip(data, 1, np.array([1])).text.startswith("b: p = 0.700 for image #1")
    many = prediction_tip(data, 0, np.array([0, 1])).text
    assert many.startswith("a: mean p = 0.600 ± 0.300 over 2 images") and "2 images predicted as a" in many

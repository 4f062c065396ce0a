"""Picking from a per-panel k-d tree answers as brute force does, before and after the tree is up."""

import time

import numpy as np

from seein.render.layout import Layout
from seein.render.picking import Picker


def _brute(mx, my, x, y, px, radius):
    d2 = ((mx - x) * px) ** 2 + ((my - y) * px) ** 2
    near = np.flatnonzero(d2 <= radius * radius)
    return None if not len(near) else float(d2[near].min())


def test_pick_matches_brute_force_in_scatter_and_matrix_panels():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(20_000, 3)).astype(np.float32)
    image_index = np.arange(len(pts)) // 4
    for mode, (row, col) in (("scatter", (0, 0)), ("splom", (2, 0)), ("splom", (1, 1))):
        layout = Layout(np.stack([pts.min(0), pts.max(0)], 1), mode, dims=(0, 1))
        panel = layout.panel(row, col)
        picker = Picker(background=False)
        picker.set_layer(pts, image_index, len(pts) // 4)
        mx, my = layout.to_matrix(panel, *picker.panel_values(panel))
        for k in rng.integers(0, len(pts), 30):
            x, y = mx[k] + 0.001, my[k] - 0.001
            got = picker.pick(layout, panel, x, y, (300.0, 300.0), 3.0)
            want = _brute(mx, my, x, y, 300.0, 3.0)
            assert got is not None and want is not None
            assert np.isclose(((mx[got] - x) * 300) ** 2 + ((my[got] - y) * 300) ** 2, want)
        assert picker.pick(layout, panel, panel.x0 - 5, panel.y0 - 5, (300.0, 300.0), 3.0) is None


def test_pick_prefers_selected_points_and_builds_its_index_in_the_background():
    pts = np.array([[0.0, 0.0], [0.001, 0.0], [1.0, 1.0]], np.float32)
    layout = Layout(np.array([[0.0, 1.0], [0.0, 1.0]]), "scatter", dims=(0, 1))
    panel = layout.panel(0, 0)
    picker = Picker()  # background build: the first pick answers by brute force
    picker.set_layer(pts, np.arange(3), 3)
    x, y = layout.to_matrix(panel, np.array([0.0]), np.array([0.0]))
    assert picker.pick(layout, panel, x[0], y[0], (500.0, 500.0), 4.0) == 0
    selected = np.array([False, True, False])
    assert picker.pick(layout, panel, x[0], y[0], (500.0, 500.0), 4.0, selected) == 1
    deadline = time.monotonic() + 10
    while any(tree is None for tree in picker._trees.values()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(tree is not None for tree in picker._trees.values())
    assert picker.pick(layout, panel, x[0], y[0], (500.0, 500.0), 4.0, selected) == 1

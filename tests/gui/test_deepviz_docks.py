"""deepViz's docks in a real window: each draws the demo store's data, follows the timeline,
and a click in it changes the embedding view's selection or focus."""

from __future__ import annotations

import numpy as np
from qtpy import QtCore


def _show(window, qtbot, name):
    window.docks[f"deepviz_{name}"].show()
    dock = window.deepviz[name]
    qtbot.waitUntil(lambda: dock.drawn is not None and not dock.busy, timeout=120000)
    return dock


def _click(qtbot, dock, x, y):
    qtbot.mouseClick(dock, QtCore.Qt.LeftButton, pos=QtCore.QPoint(int(x), int(y)))


def _data_to_pixel(drawn, ax, x, y):
    px, py = ax.transData.transform((x, y))
    return px, drawn.figure.bbox.height - py


def _redrawn(qtbot, dock, before):
    qtbot.waitUntil(lambda: not dock.busy and dock.drawn is not None and dock.drawn is not before, timeout=60000)
    return dock.drawn


def test_confusion_matrix_selects_a_cell_and_follows_the_timeline(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    last = len(state.store.snapshots) - 1
    state.set_snapshot(last)
    dock = _show(window, qtbot, "confusion")
    drawn = dock.drawn
    ax = drawn.figure.axes[0]
    # the diagonal is dark on the last snapshot: the network is right about most images
    image = ax.images[0].get_array()
    assert np.mean(np.diag(image)) > 0.8 and image.sum() - np.trace(image) < 0.5 * image.shape[0]
    x, y = _data_to_pixel(drawn, ax, 3.38, 3.38)  # true 3, predicted 3 (a corner, clear of the count)
    centre = drawn.rgba[int(y), int(x), :3].astype(int)
    assert centre.sum() < 200, centre  # a dark blue cell
    # a click on the cell (true 8, predicted 1) selects exactly those images in every view
    x, y = _data_to_pixel(drawn, ax, 1, 8)
    _click(qtbot, dock, x, y)
    expected = (np.asarray(state.store.labels) == 8) & (state.store.predictions(last) == 1)
    assert expected.any() and np.array_equal(state.selection, expected)
    drawn = _redrawn(qtbot, dock, drawn)
    assert "selected" in drawn.figure.axes[0].get_title()
    assert state.undo() and not np.array_equal(state.selection, expected)
    # a timeline step redraws it with the untrained snapshot's confusion (a light diagonal)
    before = dock.drawn
    state.set_snapshot(0)
    drawn = _redrawn(qtbot, dock, before)
    assert "snapshot 0" in drawn.figure.axes[0].get_title()
    assert not np.array_equal(drawn.rgba, before.rgba)
    assert np.mean(np.diag(drawn.figure.axes[0].images[0].get_array())) < 0.8


def test_filters_differ_over_time_and_a_click_focuses_a_filter(make_window, demo_store, qtbot, tmp_path):
    window = make_window(demo_store)
    state = window.state
    state.set_layer("conv1")
    state.set_snapshot(0)
    dock = _show(window, qtbot, "filters")
    first = dock.drawn
    assert "conv1 filters, snapshot 0" in first.figure.texts[0].get_text()
    state.set_snapshot(len(state.store.snapshots) - 1)
    last = _redrawn(qtbot, dock, first)
    kernels_0 = first.figure.axes[0].images[0].get_array()
    kernels_n = last.figure.axes[0].images[0].get_array()
    assert np.nanmean(np.abs(kernels_n - kernels_0)) > 0.05  # training changed conv1's kernels
    assert not np.array_equal(first.rgba, last.rgba)
    # a click on filter 7 focuses it: the embedding view jumps to conv1's diagonal panel 7
    ax = last.figure.axes[0]
    h = last.figure.bbox.height
    hit = next((x, y) for y in range(int(h - ax.bbox.y1), int(h - ax.bbox.y0), 2)
               for x in range(int(ax.bbox.x0), int(ax.bbox.x1), 2) if last.pick(x, y) == (7, 0))
    _click(qtbot, dock, *hit)
    assert state.layer == "conv1" and state.dims == (7, 7)
    framed = _redrawn(qtbot, dock, last)
    assert framed.rgba[..., 0].astype(int).sum() != last.rgba[..., 0].astype(int).sum()  # the orange frame
    assert dock.export(str(tmp_path / "filters.pdf")).stat().st_size > 1000


def test_prediction_histogram_shows_the_selection_and_selects_a_class(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    dock = _show(window, qtbot, "prediction")
    assert "hover or click" in dock.drawn.figure.axes[0].get_title()
    before = dock.drawn
    state.select_images([5])
    drawn = _redrawn(qtbot, dock, before)
    assert drawn.figure.axes[0].get_title().startswith("image 5")
    heights = [b.get_height() for b in drawn.figure.axes[0].patches]
    assert abs(sum(heights) - 1.0) < 1e-3
    ax = drawn.figure.axes[0]
    x, y = _data_to_pixel(drawn, ax, 4, 0.02)
    _click(qtbot, dock, x, y)
    assert np.array_equal(state.selection, state.store.predictions(state.snapshot) == 4)


def test_network_graph_highlights_the_active_layer_and_a_click_activates_one(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    state.set_layer("conv1")
    dock = _show(window, qtbot, "network")
    drawn = dock.drawn
    ax = drawn.figure.axes[0]
    order = [layer.name for layer in sorted(state.store.layers, key=lambda layer: layer.order)]
    x, y = _data_to_pixel(drawn, ax, 1 + order.index("fc1"), 0.5)  # node 0 is the input
    assert drawn.pick(x, y) == "fc1"
    _click(qtbot, dock, x, y)
    assert state.layer == "fc1"
    redrawn = _redrawn(qtbot, dock, drawn)
    px = redrawn.rgba[int(y), int(x), :3].astype(int)
    assert px[2] > 150 and px[0] < 100, px  # the active node is filled dark blue
    old = drawn.rgba[int(y), int(x), :3].astype(int)
    assert old[0] > 150  # it was light before


def test_view_show_puts_the_views_in_front_of_a_window_screenshot(demo_store, tmp_path, capsys):
    from PIL import Image

    from seein.cli import main

    out = tmp_path / "window.png"
    assert main(["view", str(demo_store), "--show", "confusion,network", "--size", "1200x800",
                 "--screenshot", str(out)]) == 0
    rgba = np.asarray(Image.open(out).convert("RGB")).astype(int)
    # the confusion matrix's darkest blue (matplotlib's Blues at 1.0: 8, 48, 107) is on screen
    dark_blue = (np.abs(rgba - np.array([8, 48, 107])).sum(-1) < 30).sum()
    assert dark_blue > 2000, dark_blue
    assert main(["view", str(demo_store), "--show", "nope", "--screenshot", str(tmp_path / "x.png")]) == 2
    assert "no view nope" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()

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
    assert "click an image" in dock.drawn.figure.axes[0].get_title()
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


def test_clustered_images_select_a_cluster_and_follow_the_timeline(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    dock = _show(window, qtbot, "clusters")
    drawn = dock.drawn
    labels = dock._data["labels"]
    assert len(np.unique(labels)) == 30 and dock._data["layer"] == "fc2"
    ax = drawn.figure.axes[1]
    x, y = _data_to_pixel(drawn, ax, 100, 5)  # inside the first (largest) row's thumbnails
    cluster, members = drawn.pick(x, y)
    assert members.sum() == dock._data["sizes"].max()
    _click(qtbot, dock, x, y)
    assert np.array_equal(state.selection, labels == cluster)
    # the selected cluster is mostly one digit on the trained network
    classes = np.asarray(state.store.labels)[state.selection]
    assert np.bincount(classes).max() / len(classes) > 0.8
    before = _redrawn(qtbot, dock, drawn)
    state.set_snapshot(0)
    after = _redrawn(qtbot, dock, before)
    assert "snapshot 0" in after.figure.texts[0].get_text() and not np.array_equal(after.rgba, before.rgba)


def test_cosine_clusters_are_cached_apart_from_euclidean(demo_store):
    from seein.compute.clustering import cluster_images
    from seein.store import Store

    with Store.open(demo_store) as store:
        e = cluster_images(store, "fc2", k=10, n_init=1)
        c = cluster_images(store, "fc2", k=10, n_init=1, metric="cosine")
    assert not np.array_equal(e["labels"], c["labels"])


def test_direct_compare_shows_the_selected_image_over_checkpoints_and_a_click_focuses(make_window, demo_store,
                                                                                      qtbot):
    window = make_window(demo_store)
    state = window.state
    state.select_images([7])
    dock = _show(window, qtbot, "compare")
    data = dock._data
    assert data["image"] == 7 and data["snapshots"] == list(range(len(state.store.snapshots)))
    assert data["layers"] == ["conv1", "pool1", "conv2", "pool2"]
    # conv2's map of the image changes with training: the first and the last checkpoint differ
    first, last = data["cells"][0, "conv2"], data["cells"][data["snapshots"][-1], "conv2"]
    assert np.abs(first - last).mean() > 0.1 * np.abs(last).mean()
    drawn = dock.drawn
    target = next(ax for ax in drawn.figure.axes if drawn.pick(*_centre_of(drawn, ax)) == (2, "conv2"))
    _click(qtbot, dock, *_centre_of(drawn, target))
    assert state.snapshot == 2 and state.layer == "conv2"
    assert state.dims == (data["channels"]["conv2"],) * 2
    # another image redraws it
    state.select_images([100])
    redrawn = _redrawn(qtbot, dock, drawn)
    assert dock._data["image"] == 100 and not np.array_equal(redrawn.rgba, drawn.rgba)


def _centre_of(drawn, ax):
    h = drawn.figure.bbox.height
    return (ax.bbox.x0 + ax.bbox.x1) / 2, h - (ax.bbox.y0 + ax.bbox.y1) / 2


def test_search_box_selects_by_class_name_and_image_id(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    box = window.search_box
    qtbot.keyClicks(box, "7")
    qtbot.keyClick(box, QtCore.Qt.Key_Return)
    assert np.array_equal(state.selection, np.asarray(state.store.labels) == 7)
    box.clear()
    qtbot.keyClicks(box, "#5 #9")
    qtbot.keyClick(box, QtCore.Qt.Key_Return)
    assert np.flatnonzero(state.selection).tolist() == np.flatnonzero(np.isin(state.store.image_ids, [5, 9])).tolist()
    assert state.undo() and np.array_equal(state.selection, np.asarray(state.store.labels) == 7)


def test_compact_prediction_is_always_visible_and_follows_the_selection(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    chart = window.compact_prediction
    assert chart.isVisible()
    qtbot.waitUntil(lambda: chart.drawn is not None and not chart.busy, timeout=60000)
    before = chart.drawn
    state.select_class(2)
    drawn = _redrawn(qtbot, chart, before)
    assert "mean of" in drawn.figure.axes[0].get_title() and not np.array_equal(drawn.rgba, before.rgba)


def _hover(dock, x, y):
    from qtpy import QtGui, QtWidgets

    event = QtGui.QMouseEvent(QtCore.QEvent.MouseMove, QtCore.QPointF(x, y), QtCore.Qt.NoButton,
                              QtCore.Qt.NoButton, QtCore.Qt.NoModifier)
    QtWidgets.QApplication.sendEvent(dock, event)


def test_hovering_a_confusion_cell_shows_its_images_and_a_filter_its_weights(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    state = window.state
    last = len(state.store.snapshots) - 1
    state.set_snapshot(last)
    state.set_layer("conv1")
    dock = _show(window, qtbot, "confusion")
    drawn = dock.drawn
    ax = drawn.figure.axes[0]
    _hover(dock, *_data_to_pixel(drawn, ax, 3, 3))  # true 3, predicted 3: many images
    popup = dock.popup
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    ids = np.flatnonzero((np.asarray(state.store.labels) == 3) & (state.store.predictions(last) == 3))
    assert f"true 3, predicted 3: {len(ids)} images" in popup.text.text()
    grid = popup.tip.image
    # the thumbnails are those images (the first at the top left, past the 2-px margin), not a blank
    first = np.asarray(state.store.images[int(ids[0])]).squeeze()
    h, w = first.shape[:2]
    assert np.array_equal(grid[2:2 + h, 2:2 + w, 0], first.astype(np.uint8))
    assert popup.picture.pixmap().width() == grid.shape[1] and grid[..., :3].std() > 20
    _hover(dock, *_data_to_pixel(drawn, ax, 1, 8))  # another cell: another sample
    assert "true 8, predicted 1" in popup.text.text()
    _hover(dock, 2, 2)  # off the matrix: the popup goes
    assert not popup.isVisible()
    assert state.selection is None or not state.selection.any()  # hovering selects nothing
    # a filter's hover names it and lists its weights
    filters = _show(window, qtbot, "filters")
    fd = filters.drawn
    fax = fd.figure.axes[0]
    h = fd.figure.bbox.height
    x, y = next((x, y) for y in range(int(h - fax.bbox.y1), int(h - fax.bbox.y0), 2)
                for x in range(int(fax.bbox.x0), int(fax.bbox.x1), 2) if fd.pick(x, y) == (4, 0))
    _hover(filters, x, y)
    qtbot.waitUntil(filters.popup.isVisible, timeout=5000)
    text = filters.popup.text.text()
    kernel = filters._data["kernels"][4, 0]
    assert text.startswith(f"conv1 filter 4, input channel 0 (snapshot {last})")
    assert f"{kernel[0, 0]:+.3f}" in text and f"{kernel.max():+.3f}" in text
    _hover(filters, 1, 1)
    assert not filters.popup.isVisible()

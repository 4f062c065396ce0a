"""DeepEyes' docks in a real window: each draws the demo store, and a click or lasso in it
changes the app's snapshot, layer, or the embedding view's focus."""

from __future__ import annotations

import numpy as np
from qtpy import QtCore

from seein.testing.qt import drag


def _show(window, qtbot, name):
    window.docks[f"deepeyes_{name}"].show()
    dock = window.deepeyes[name]
    qtbot.waitUntil(lambda: dock.drawn is not None and not dock.busy, timeout=120000)
    return dock


def _settle(window, qtbot):
    """Let every view's worker finish before the window closes (clicks here start several)."""
    qtbot.waitUntil(lambda: not window.busy and not window.input_map.busy
                    and not any(d.busy for d in window.deepeyes.values()), timeout=120000)
    qtbot.wait(500)


def _click(qtbot, dock, x, y):
    qtbot.mouseClick(dock, QtCore.Qt.LeftButton, pos=QtCore.QPoint(int(x), int(y)))


def _centre(drawn, ax):
    h = drawn.figure.bbox.height
    return (ax.bbox.x0 + ax.bbox.x1) / 2, h - (ax.bbox.y0 + ax.bbox.y1) / 2


def test_deepeyes_docks_link_to_the_app(make_window, demo_store, qtbot, tmp_path):
    window = make_window(demo_store)
    state = window.state
    assert not any(d.isVisible() for n, d in window.docks.items() if n.startswith("deepeyes_"))

    # curves: a click near the left edge of the loss chart moves the timeline to snapshot 0
    curves = _show(window, qtbot, "curves")
    before = curves.pixmap().toImage()
    ax = curves.drawn.figure.axes[0]
    _click(qtbot, curves, ax.bbox.x0 + 3, _centre(curves.drawn, ax)[1])
    assert state.snapshot == 0
    qtbot.waitUntil(lambda: curves.pixmap().toImage() != before, timeout=20000)  # marker moved

    # perplexity histograms: a click on a conv2 cell makes conv2 the active layer
    perp = _show(window, qtbot, "perplexity")
    drawn = perp.drawn
    cell = next(a for a in drawn.figure.axes if drawn.pick(*_centre(drawn, a)) == ("conv2", 1))
    _click(qtbot, perp, *_centre(drawn, cell))
    assert state.layer == "conv2" and state.snapshot == 1

    # heatmap: a click on a filter's row jumps the embedding view to its diagonal panel
    heat = _show(window, qtbot, "heatmap")
    qtbot.waitUntil(lambda: heat.drawn is not None and "conv2" in heat.drawn.figure.axes[0].get_title(),
                    timeout=60000)
    ax = heat.drawn.figure.axes[0]
    h = heat.drawn.figure.bbox.height
    x = (ax.bbox.x0 + ax.bbox.x1) / 2
    y = next(y for y in range(int(h - ax.bbox.y1), int(h - ax.bbox.y0)) if heat.drawn.pick(x, y) == 7)
    _click(qtbot, heat, x, y + 1)
    assert state.layer == "conv2" and state.dims == (7, 7)
    # the focused row is framed in black in the redrawn heatmap
    qtbot.waitUntil(lambda: not heat.busy, timeout=20000)
    rgba = heat.drawn.rgba
    assert (rgba[int(y) - 3:int(y) + 4, int(ax.bbox.x0):int(ax.bbox.x1), :3].max(-1) < 40).sum() > 20

    # Filter Map: a click on a filter focuses it, a lasso round another focuses that one
    fmap = _show(window, qtbot, "filtermap")
    emb = np.asarray(fmap._data["embedding"], float)
    fig = fmap.drawn.figure
    pts = fig.axes[0].transData.transform(emb)
    pts[:, 1] = fig.bbox.height - pts[:, 1]
    _click(qtbot, fmap, *pts[12])
    assert state.dims == (12, 12)
    x, y = pts[30]
    qtbot.waitUntil(lambda: not fmap.busy, timeout=20000)
    drag(fmap, [(x - 3, y - 3), (x + 3, y - 3), (x + 3, y + 3), (x - 3, y + 3), (x - 3, y - 3)])
    assert state.dims[0] == state.dims[1] and state.dims != (12, 12)

    # export
    out = fmap.export(str(tmp_path / "filtermap.svg"))
    assert out.stat().st_size > 1000
    _settle(window, qtbot)


def test_input_map_hover_shows_the_patch_and_a_lasso_selects_images(make_window, demo_store, qtbot):
    window = make_window(demo_store, layer="conv1")
    state = window.state
    dock = window.docks["deepeyes_inputmap"]
    dock.setFloating(True)
    dock.resize(420, 520)
    dock.show()
    view = window.input_map
    qtbot.waitUntil(lambda: view.data is not None and not view.busy, timeout=300000)
    canvas = view.canvas
    qtbot.waitUntil(lambda: canvas.native.width() > 200 and canvas.native.height() > 200, timeout=10000)
    qtbot.wait(200)
    before = view.scene.render()
    assert (before[..., :3] < 200).any(-1).sum() > 500  # points drawn
    # hover over a point: the inset shows its receptive-field patch and image
    pts = view.scene.canvas_to_matrix(np.zeros((1, 2)))  # make sure transforms are set up
    assert pts.shape == (1, 2)
    w, h = canvas.size
    hit = next(((x, y) for y in range(10, h - 10, 6) for x in range(10, w - 10, 6)
                if view.scene.pick(x, y) is not None), None)
    assert hit is not None
    view.show_instance(view.scene.pick(*hit))
    assert not view.inset.pixmap().isNull()
    # a lasso over the middle of the map selects the instances' images everywhere
    from seein.testing.qt import drag as qdrag

    native = canvas.native
    cx, cy = native.width() // 2, native.height() // 2
    r = min(cx, cy) // 2
    qdrag(native, [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r), (cx - r, cy - r)])
    qtbot.waitUntil(lambda: state.selection.any(), timeout=10000)
    assert 0 < state.selection.sum() < state.store.n_images
    qtbot.wait(200)
    after = view.scene.render()
    assert not np.array_equal(before, after)  # the selection is brushed on the map
    assert not view.inset.pixmap().isNull()  # the grid of caught patches
    # colour by the focused filter follows the heatmap/embedding focus
    view.colour.setCurrentText("filter")
    state.focus_feature("conv1", 3)
    assert view.arrays is not None and view.arrays["n_images"] == len(view.data["images"])
    _settle(window, qtbot)
    dock.setFloating(False)  # a floating dock is a top-level window of its own
    dock.hide()

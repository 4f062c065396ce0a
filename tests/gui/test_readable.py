"""The window reads at once (issue 10): first screen, legend, sliders, hover, flat-layer labels, densities."""

import numpy as np
import pytest
from qtpy import QtCore, QtWidgets

from seein.state import class_palette
from seein.testing import make_store
from seein.testing.qt import send_mouse, wait_idle, widget_pixels
from seein.testing.scene import canvas_px, point_px

pytestmark = pytest.mark.gui

WHITE = 250


@pytest.fixture
def ten_classes(tmp_path):
    """A 10-class store whose last layer has one unit per class (logits), as the demo's fc2."""
    return make_store(tmp_path / "ten.h5", n_images=100, n_classes=10,
                      layers={"conv": (4, 5, 5), "fc": (12,), "logits": (10,)})


def _canvas_px(scene, mx, my):
    return canvas_px(scene, mx, my)


def _point_px(window, point):
    """Canvas pixel where ``point`` of the active layer is drawn in the scene's first visible panel."""
    return point_px(window.embedding.scene, point)


def _ink(frame):
    return (frame[..., :3] < WHITE).any(axis=2)


def test_first_screen_reads_at_once(make_window, ten_classes, qtbot):
    w = make_window(ten_classes, size=(1400, 900))
    scene = w.embedding.scene
    assert w.state.layer == "logits" and scene.mode == "splom"  # the class outputs, not conv's cells
    assert w.layer_list.currentItem().text().startswith("logits")
    frame = scene.render()
    width = frame.shape[1]
    x0 = _canvas_px(scene, 0.0, 0.0)[0]  # where the matrix's left edge is drawn
    assert x0 - scene.plot_rect[0] < 0.02 * width  # no empty band left of the matrix (but the axes' labels)
    first_ink = int(np.flatnonzero(_ink(frame).any(axis=0))[0])
    assert first_ink <= max(x0, 0) + 3
    x1 = _canvas_px(scene, 4.0, 0.0)[0]
    assert x1 < width - 10  # the spare width shows a 5th column instead
    assert _ink(frame[:, int(x1) + 3:]).sum() > 50  # (narrower beside the axes' margin)
    # the empty docks say what to do, in words drawn where their content goes
    assert w.feature_maps.canvas.maps == []
    fm = widget_pixels(w.feature_maps.canvas)
    h = fm.shape[0]
    band = fm[h // 2 - 30:h // 2 + 30]
    assert (band.min(axis=2) < 100).sum() > 200  # dark text on the dock's background
    pic = widget_pixels(w.details.picture)
    assert (pic.min(axis=2) > 150).sum() > 200  # light text on the dark picture box
    assert "Hover over a point" in w.details.caption.text()
    w.state.select_class(3)
    wait_idle(qtbot, w)
    assert w.feature_maps.canvas.maps and w.feature_maps.canvas.tiles  # maps now, where the words were


def test_legend_shows_every_class_without_scrolling(make_window, ten_classes, qtbot):
    w = make_window(ten_classes, size=(1400, 900), select="class=2")
    lg = w.legend
    assert lg.count() == 10
    view = lg.viewport().rect()
    assert all(view.contains(lg.row_rect(k)) for k in range(10))
    assert not lg.verticalScrollBar().isVisible()
    pixels = widget_pixels(lg.viewport())
    palette = (class_palette(10)[:, :3] * 255).round()
    for k in range(10):  # each class's swatch is drawn in its colour
        r = lg.row_rect(k)
        patch = pixels[r.top():r.bottom(), r.left():r.left() + 24].reshape(-1, 3).astype(float)
        assert np.abs(patch - palette[k]).max(axis=1).min() < 12, k
    qtbot.mouseClick(lg.viewport(), QtCore.Qt.LeftButton, pos=lg.row_rect(9).center())
    assert np.array_equal(w.state.selection, w.state.store.labels == 9)


def test_unselected_opacity_slider(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out", select="class=1")
    style, scene = w.embedding.controls.style, w.embedding.scene
    assert style.fade_label.text() == "Unselected opacity"
    labels = [lbl.text() for lbl in style.findChildren(QtWidgets.QLabel)]
    assert "Fade" not in labels
    style.fade_slider.setValue(5)
    assert w.state.fade == pytest.approx(0.05)
    faint = scene.render()
    style.fade_slider.setValue(95)  # up: unselected points more opaque
    assert w.state.fade == pytest.approx(0.95)
    opaque = scene.render()
    unselected = [p for p in range(60) if w.state.store.labels[p] != 1]
    darkness = [sum(255 - int(f[int(y), int(x), :3].min()) for x, y in (_point_px(w, p) for p in unselected))
                for f in (faint, opaque)]
    assert darkness[1] > darkness[0] + 20 * len(unselected)
    w.state.set_fade(0.3)
    assert style.fade_slider.value() == 30


def test_hover_ends_when_the_pointer_leaves(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out")
    scene, native = w.embedding.scene, w.embedding.canvas.native
    before = scene.render()
    x, y = _point_px(w, 11)
    send_mouse(native, "move", (x, y), buttons=QtCore.Qt.NoButton)
    qtbot.waitUntil(lambda: w.state.hover.image is not None, timeout=3000)
    hovered = scene.render()
    assert _ink(hovered).sum() > _ink(before).sum()  # the hovered image's point grew
    QtWidgets.QApplication.sendEvent(native, QtCore.QEvent(QtCore.QEvent.Leave))
    qtbot.wait(100)  # a hover pick still pending must not bring it back
    assert w.state.hover.image is None
    after = scene.render()
    assert _ink(after).sum() == _ink(before).sum()  # back to its size: it does not look selected
    # moved off a point onto empty canvas, the point un-enlarges too
    send_mouse(native, "move", (x, y), buttons=QtCore.Qt.NoButton)
    qtbot.waitUntil(lambda: w.state.hover.image is not None, timeout=3000)
    send_mouse(native, "move", (3, 3), buttons=QtCore.Qt.NoButton)
    qtbot.waitUntil(lambda: w.state.hover.image is None, timeout=3000)
    assert _ink(scene.render()).sum() == _ink(before).sum()


def test_flat_layers_name_their_units(make_window, ten_classes, qtbot):
    w = make_window(ten_classes, layer="fc", select="images=7", size=(1400, 900))
    wait_idle(qtbot, w)
    canvas = w.feature_maps.canvas
    names = w.state.store.class_names
    logits = [t for t in canvas.tiles if t.layer == "logits"]
    assert [t.label for t in logits] == names  # the class outputs' cells carry the class names
    assert all(t.label == "" for t in canvas.tiles if t.layer == "fc")
    w.feature_maps.ensureWidgetVisible(canvas, 0, 0)
    w.feature_maps.verticalScrollBar().setValue(w.feature_maps.verticalScrollBar().maximum())
    pixels = widget_pixels(canvas)
    r = logits[0].rect
    under = pixels[int(r.bottom()) + 2:int(r.bottom()) + 12, int(r.left()):int(r.right())]
    assert (under.min(axis=2) < 120).sum() > 5  # the name's text under the cell
    # hovering a flat layer's unit names it (and its value) in the layer's header
    fc = next(t for t in canvas.tiles if t.layer == "fc" and t.channel == 5)
    header = next(rect for rect, name in canvas.headers if name == "fc")
    before = widget_pixels(canvas)
    send_mouse(canvas, "move", (fc.rect.center().x(), fc.rect.center().y()), buttons=QtCore.Qt.NoButton)
    assert canvas.hovered is fc and canvas.unit_text(fc).startswith("unit 5: ")
    qtbot.waitUntil(lambda: not np.array_equal(widget_pixels(canvas), before), timeout=2000)
    after = widget_pixels(canvas)
    y0, y1 = int(header.top()), int(header.bottom())
    right = slice(int(header.center().x()), int(header.right()))
    assert (after[y0:y1, right].min(axis=2) < 120).sum() > (before[y0:y1, right].min(axis=2) < 120).sum() + 10
    cls = logits[4]
    send_mouse(canvas, "move", (cls.rect.center().x(), cls.rect.center().y()), buttons=QtCore.Qt.NoButton)
    assert canvas.hovered is cls and f"({names[4]})" in canvas.unit_text(cls)


def test_zoomed_out_matrix_keeps_class_colours(make_window, ten_classes, qtbot):
    w = make_window(ten_classes, layer="fc", size=(900, 700))
    scene = w.embedding.scene
    scene.view_rect = (-0.2, -0.2, 12.4, 12.4)  # all 144 panels: drawn from their densities
    qtbot.waitUntil(lambda: scene.showing_densities, timeout=3000)
    frame = scene.render()[..., :3].reshape(-1, 3).astype(float)
    palette = class_palette(10)[:, :3] * 255
    near = [int((np.abs(frame - palette[k]).max(axis=1) < 30).sum()) for k in range(10)]
    assert sum(n > 3 for n in near) >= 8, near  # the class colours are there, not one ink
    inked = frame[(frame < WHITE).any(axis=1)]
    hues = np.unique((inked // 32).astype(int), axis=0)
    assert len(hues) > 20

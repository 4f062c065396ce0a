"""The whole main window under Xvfb: linked views, tools, shortcuts, timeline, settings, CLI."""

import os
import subprocess
import sys

import numpy as np
import pytest
from qtpy import QtCore, QtWidgets

from seein.state import SelectMode
from seein.testing.qt import drag, send_mouse, wait_idle
from seein.testing.scene import canvas_px, point_px

pytestmark = pytest.mark.gui


def _canvas_px(scene, mx, my):
    return canvas_px(scene, mx, my)


def _point_px(window, point):
    """Canvas pixel where ``point`` of the active layer is drawn in the scene's first visible panel."""
    return point_px(window.embedding.scene, point)


def test_open_store_and_click_layer(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    assert w.state.layer == "conv" and w.embedding.scene.mode == "splom"
    assert w.windowTitle().endswith("synthetic.h5")
    lst = w.layer_list
    qtbot.mouseClick(lst.viewport(), QtCore.Qt.LeftButton, pos=lst.row_rect("out").center())
    assert w.state.layer == "out" and w.embedding.scene.mode == "scatter"
    assert w.embedding.scene.n_dims == 2
    assert "out: 60 points" in w.status.points_label.text()
    w.embedding.canvas.native.setFocus()
    qtbot.keyClick(w.embedding.canvas.native, QtCore.Qt.Key_PageUp)
    assert w.state.layer == "fc"
    qtbot.keyClick(w.embedding.canvas.native, QtCore.Qt.Key_BracketRight)
    assert w.state.layer == "out"


def test_lasso_selects_and_links_other_views(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out")
    wait_idle(qtbot, w)
    fmaps_before = w.feature_maps.canvas.grab().toImage()
    frame_before = w.embedding.scene.render()
    w.actions_.lasso.setChecked(True)
    native = w.embedding.canvas.native
    wpx, hpx = native.width(), native.height()
    centre = wpx / 2
    poly = [(centre - hpx * 0.45, 5), (centre, 5), (centre, hpx - 5), (centre - hpx * 0.45, hpx - 5)]
    drag(native, poly)
    px = np.array([_point_px(w, p) for p in range(60)])
    expected = px[:, 0] < centre
    assert 0 < expected.sum() < 60
    assert np.array_equal(w.state.selection, expected)
    assert not w.actions_.lasso.isChecked()  # one lasso, then back to pan/zoom
    wait_idle(qtbot, w)
    assert (w.embedding.scene.render() != frame_before).any()
    assert w.feature_maps.canvas.grab().toImage() != fmaps_before
    assert w.status.selection_label.text().startswith(f"{expected.sum()} / 60")
    # Shift-lasso over the other half adds: everything is selected
    w.actions_.lasso.setChecked(True)
    drag(native, [(centre - 2, 5), (wpx - 5, 5), (wpx - 5, hpx - 5), (centre - 2, hpx - 5)],
         modifiers=QtCore.Qt.ShiftModifier)
    assert w.state.selection.all()
    qtbot.keyClick(w, QtCore.Qt.Key_Z, QtCore.Qt.ControlModifier)
    assert np.array_equal(w.state.selection, expected)
    qtbot.keyClick(w, QtCore.Qt.Key_Z, QtCore.Qt.ControlModifier | QtCore.Qt.ShiftModifier)
    assert w.state.selection.all()
    qtbot.keyClick(w, QtCore.Qt.Key_Escape)
    assert not w.state.selection.any()


def test_click_point_and_legend(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out")
    x, y = _point_px(w, 7)
    native = w.embedding.canvas.native
    send_mouse(native, "press", (x, y))
    send_mouse(native, "release", (x, y))
    assert np.flatnonzero(w.state.selection).tolist() == [7]
    lg = w.legend
    qtbot.mouseClick(lg.viewport(), QtCore.Qt.LeftButton, pos=lg.row_rect(2).center())
    assert np.array_equal(w.state.selection, w.state.store.labels == 2)
    w.actions_.mode_actions[SelectMode.INTERSECT].trigger()
    qtbot.mouseClick(lg.viewport(), QtCore.Qt.LeftButton, pos=lg.row_rect(1).center())
    assert not w.state.selection.any()


def test_hover_shows_thumbnail_and_box(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    w.state.set_dims(2, 1)  # the scatter is dim 2 (x) against dim 1 (y)
    w.state.set_mode("scatter")
    point = 25 * 9 + 5 * 3 + 1  # image 9, cell (3, 1)
    scene = w.embedding.scene
    layout = scene._layout()
    panel = layout.panel(0, 0)
    assert (panel.dx, panel.dy) == (2, 1)
    mx, my = layout.to_matrix(panel, scene._points[point:point + 1, 2], scene._points[point:point + 1, 1])
    x, y = _canvas_px(scene, mx[0], my[0])
    send_mouse(w.embedding.canvas.native, "move", (x, y), buttons=QtCore.Qt.NoButton)
    qtbot.waitUntil(lambda: w.details.shown_image is not None, timeout=3000)
    hovered = w.state.hover
    assert w.details.shown_image == hovered.image
    assert w.details.picture.box == w.state.store.receptive_field("conv", *hovered.cell)
    assert np.hypot(*(scene._points[hovered.point, [2, 1]] - scene._points[point, [2, 1]])) < 0.5
    assert "label" in w.details.caption.text()


def test_feature_map_click_navigates(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out", select="images=4")
    wait_idle(qtbot, w)
    canvas = w.feature_maps.canvas
    tile = next(t for t in canvas.tiles if t.layer == "fc" and t.channel == 3)
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton, pos=tile.rect.center().toPoint())
    assert w.state.layer == "fc" and w.state.dims == (3, 3)
    x, y, width, height = w.embedding.scene.view_rect
    assert x <= 3.5 <= x + width and y <= 6 - 1 - 3 + 0.5 <= y + height  # the diagonal cell (3, 3)
    assert width < 2  # zoomed onto that one panel
    tile = next(t for t in canvas.tiles if t.layer == "conv" and t.channel == 1)
    r = tile.rect
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton, pos=QtCore.QPoint(int(r.right() - 2), int(r.bottom() - 2)))
    assert w.state.layer == "conv" and w.state.dims == (1, 1)
    assert w.details.shown_image == 4 and w.details.picture.box == w.state.store.receptive_field("conv", 4, 4)
    w.state.select_class(0)
    wait_idle(qtbot, w)
    tile = next(t for t in canvas.tiles if t.layer == "conv" and t.channel == 0)
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton, pos=tile.rect.topLeft().toPoint() + QtCore.QPoint(1, 1))
    assert w.details.picture.box == w.state.store.receptive_field("conv", 0, 0)
    assert "average of 20 selected images" in w.details.caption.text()
    header = next(rect for rect, name in canvas.headers if name == "out")
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton, pos=header.center().toPoint())
    assert w.state.layer == "out"


def test_timeline_changes_what_is_drawn(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out")
    scene = w.embedding.scene
    scene.view_rect = (0.1, 0.2, 0.5, 0.5)
    ranges = scene._ranges.copy()
    store = w.state.store
    both = np.concatenate([store.read_activations("out", 0), store.read_activations("out", 1)])
    np.testing.assert_allclose(ranges, np.stack([both.min(0), both.max(0)], 1), rtol=1e-3)  # all snapshots
    before = scene.render()
    w.timeline.slider.setValue(0)
    assert w.state.snapshot == 0
    assert (scene.render() != before).any()
    assert np.array_equal(scene._ranges, ranges)  # the points move, the axes stay
    x, y, width, height = scene.view_rect
    assert abs(x + width / 2 - 0.35) < 1e-6 and abs(y + height / 2 - 0.45) < 1e-6  # the zoom is kept
    qtbot.keyClick(w, QtCore.Qt.Key_Space)
    assert w.timeline.timer.isActive()
    qtbot.keyClick(w, QtCore.Qt.Key_Space)
    assert not w.timeline.timer.isActive()


def test_rapid_selection_no_errors_no_point_uploads(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    wait_idle(qtbot, w)
    w.embedding.scene.render()
    before = w.embedding.scene.uploads
    for k in range(200):
        w.state.select_class(k % 3, SelectMode.ADD if k % 4 else SelectMode.REPLACE, source="test")
        if k % 20 == 0:
            QtWidgets.QApplication.processEvents()
    wait_idle(qtbot, w)
    w.embedding.scene.render()
    after = w.embedding.scene.uploads
    assert after["points"] == before["points"] and after["point_bytes"] == before["point_bytes"]
    assert after["state"] - before["state"] == 200  # one n_images-byte upload per selection


def test_overview_drag_navigates_main_view(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    wait_idle(qtbot, w)
    scene = w.embedding.scene
    x0, y0, width, height = scene.view_rect
    ov = w.overview.scene
    target = _canvas_px(ov, 3.5, 0.5)  # centre of the bottom-right panel
    drag(w.overview.canvas.native, [tuple(target)])
    x, y, wd, ht = scene.view_rect
    assert abs(x + wd / 2 - 3.5) < 0.05 and abs(y + ht / 2 - 0.5) < 0.05
    assert abs(wd - width) < 1e-6
    from qtpy import QtGui

    pos = QtCore.QPointF(*target)
    wheel = QtGui.QWheelEvent(pos, QtCore.QPointF(w.overview.canvas.native.mapToGlobal(pos.toPoint())),
                              QtCore.QPoint(0, 0), QtCore.QPoint(0, 120), QtCore.Qt.NoButton,
                              QtCore.Qt.NoModifier, QtCore.Qt.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(w.overview.canvas.native, wheel)
    x, y, wd2, ht2 = scene.view_rect
    assert wd2 < wd * 0.9 and abs(x + wd2 / 2 - 3.5) < 0.05  # scrolled in about the same centre
    before = ov.render()
    w.state.set_viewport((0.2, 3.2, 0.02, 0.02), source="test")
    assert ov.crosshair and (ov.render() != before).any()


def test_projection_runs_off_thread_with_progress(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="fc")
    progress = []
    w.state.bus.progress.connect(progress.append)
    idx = w.embedding.controls.mode_box.findData("projection")
    w.embedding.controls.mode_box.setCurrentIndex(idx)
    assert w.state.mode == "projection" and w.state.method == "pca"
    qtbot.waitUntil(lambda: w.state.projection("fc") is not None, timeout=20000)
    # its own progress finished (the other snapshot's map may be computing ahead by now)
    assert any(e.finished and e.task == "PCA of fc at snapshot 2" for e in progress) and w.embedding.scene.n_dims == 2
    w.state.set_layer("out")  # in projection mode: project, then animate from fc's aligned positions
    scene = w.embedding.scene
    frames = []
    qtbot.waitUntil(lambda: scene.in_transition, timeout=20000)
    while scene.in_transition:
        frames.append(scene.render())
        QtWidgets.QApplication.processEvents()
    wait_idle(qtbot, w)
    final = scene.render()
    assert w.state.projection("out") is not None and scene.n_dims == 2
    assert frames and (frames[0] != final).any()  # the points moved from where fc had them


def test_settings_remember_store_and_layout(make_window, synthetic_store, qtbot):
    from seein.gui.main_window import settings

    w = make_window(synthetic_store)
    w.docks["details"].hide()
    w.close()
    assert settings().value("last_store") == str(synthetic_store.resolve())
    assert settings().value("window_state") is not None
    from seein.gui.app import build_window

    again = build_window(None, size=(900, 700))
    try:
        assert again.state.store is not None and again.state.store.path == synthetic_store
        assert not again.docks["details"].isVisible()
    finally:
        again.close()
        again.deleteLater()


def test_help_dialog_lists_shortcuts(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    dialog = w.show_help()
    texts = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert texts["Clear selection"] == "Esc" and texts["Lasso"] == "L"
    assert "Ctrl+Z" in texts["Undo selection"] and "Space" in texts["Play/pause timeline"]
    dialog.close()


def test_export_import_selection_files(make_window, synthetic_store, tmp_path, monkeypatch):
    w = make_window(synthetic_store, select="class=2")
    chosen = w.state.selection.copy()
    out = tmp_path / "sel.csv"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    w.actions_.export_selection.trigger()
    w.state.clear_selection()
    w.actions_.import_selection.trigger()
    assert np.array_equal(w.state.selection, chosen)


def test_view_cli_screenshot(synthetic_store, tmp_path):
    out = tmp_path / "shot.png"
    no_display = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    run = subprocess.run([sys.executable, "-m", "seein", "view", str(synthetic_store), "--screenshot", str(out),
                          "--layer", "out", "--select", "class=1", "--size", "900x600"],
                         capture_output=True, text=True, timeout=120, env=no_display)  # its own Xvfb
    assert run.returncode == 0, run.stderr
    from PIL import Image

    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (600, 900, 3) and img.std() > 10
    bad = subprocess.run([sys.executable, "-m", "seein", "view", str(synthetic_store), "--screenshot",
                          str(out), "--layer", "nope"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no layer 'nope'" in bad.stderr


def test_projection_can_be_cancelled(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="conv")
    events = []
    w.state.bus.progress.connect(events.append)
    w.state.set_mode("projection", "tsne")
    assert w.embedding.busy and w.status.cancel_button.isVisible()
    qtbot.mouseClick(w.status.cancel_button, QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: events and events[-1].finished, timeout=20000)
    assert events[-1].message == "cancelled" and w.state.projection("conv") is None
    assert not w.status.progress_bar.isVisible()
    QtWidgets.QApplication.processEvents()
    assert w.centralWidget() is w.embedding  # the window is still there and responsive

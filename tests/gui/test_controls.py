"""The window's controls as a user reaches them: sliders, shortcuts, menus, projection methods, fps."""

import re

import numpy as np
import pytest
from qtpy import QtCore, QtWidgets

from seein.testing.qt import wait_idle
from seein.testing.scene import point_px

pytestmark = pytest.mark.gui

WHITE = 250  # brighter than this on every channel: the background


def _point_px(window, point):
    """Canvas pixel where ``point`` of the active (2-D) layer is drawn."""
    return point_px(window.embedding.scene, point)


def _ink_near(frame, xy, radius=1):
    """True when some pixel within ``radius`` of canvas pixel ``xy`` is not background."""
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = frame[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1, :3]
    return bool((patch < WHITE).any())


def test_size_and_fade_sliders(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="out", select="class=1")
    scene, style = w.embedding.scene, w.embedding.controls.style
    small = scene.render()
    style.size_slider.setValue(12)
    assert w.state.point_size == 12.0
    big = scene.render()
    assert (big[..., :3] < WHITE).any(axis=2).sum() > 2 * (small[..., :3] < WHITE).any(axis=2).sum()
    style.fade_slider.setValue(0)  # unselected points vanish, selected ones stay
    assert w.state.fade == 0.0
    frame = scene.render()
    labels = w.state.store.labels
    unselected = [p for p in range(60) if labels[p] != 1]
    selected = [p for p in range(60) if labels[p] == 1]
    shown = [_ink_near(frame, _point_px(w, p)) for p in selected]
    assert all(shown)
    # an unselected point far from every selected one is gone
    sel_px = np.array([_point_px(w, p) for p in selected])
    lonely = [p for p in unselected if np.min(np.hypot(*(sel_px - _point_px(w, p)).T)) > 20]
    assert lonely and not any(_ink_near(frame, _point_px(w, p)) for p in lonely)
    w.state.set_point_size(4.0)  # state -> slider, without a loop back
    assert style.size_slider.value() == 4


def test_shortcuts_invert_lasso_home_help(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, select="class=0")
    chosen = w.state.selection.copy()
    qtbot.keyClick(w, QtCore.Qt.Key_I, QtCore.Qt.ControlModifier | QtCore.Qt.ShiftModifier)
    assert np.array_equal(w.state.selection, ~chosen)
    qtbot.keyClick(w, QtCore.Qt.Key_L)
    assert w.actions_.lasso.isChecked() and w.embedding.lasso.active
    assert not w.embedding.scene.view.camera.interactive  # drags draw, not pan
    qtbot.keyClick(w, QtCore.Qt.Key_L)
    assert not w.embedding.lasso.active and w.embedding.scene.view.camera.interactive
    w.embedding.scene.view_rect = (1.0, 1.0, 0.5, 0.5)
    qtbot.keyClick(w, QtCore.Qt.Key_Home)
    home = w.embedding.adapter.home_rect()
    assert np.allclose(w.embedding.scene.view_rect, home)
    for key in (QtCore.Qt.Key_Question, QtCore.Qt.Key_F1):
        qtbot.keyClick(w, key)
        dialogs = [d for d in QtWidgets.QApplication.topLevelWidgets() if type(d).__name__ == "HelpDialog"
                   and d.isVisible()]
        assert len(dialogs) == 1 and dialogs[0].table.rowCount() >= 15
        dialogs[0].close()


def test_open_store_menu_and_bad_file(make_window, synthetic_store, tmp_path, monkeypatch):
    w = make_window(synthetic_store)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not a store")
    warnings = []
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    w.actions_.open.trigger()
    assert len(warnings) == 1 and "junk.h5" in warnings[0] and "\n" not in warnings[0]
    assert w.state.store is not None and w.state.store.path == synthetic_store  # the old store stays
    other = tmp_path / "other.h5"
    from seein.testing import make_store

    make_store(other)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    w.actions_.open.trigger()
    assert w.state.store.path == other and w.windowTitle().endswith("other.h5") and len(warnings) == 1


def test_save_screenshot_menu(make_window, synthetic_store, tmp_path, monkeypatch):
    from PIL import Image

    w = make_window(synthetic_store, layer="out", select="class=2", size=(1000, 700))
    out = tmp_path / "shot.png"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    w.actions_.screenshot.trigger()
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[:2] == (w.height(), w.width())
    native = w.embedding.canvas.native
    top_left = native.mapTo(w, QtCore.QPoint(0, 0))
    region = img[top_left.y():top_left.y() + native.height(), top_left.x():top_left.x() + native.width()]
    frame = w.embedding.scene.render()[..., :3]
    assert region.shape == frame.shape and np.abs(region.astype(int) - frame).mean() < 2  # GL view drawn in


def test_status_bar_shows_measured_frame_rate(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store)
    rates = []
    w.embedding.frame_rate.connect(rates.append)
    for _ in range(6):
        w.embedding.canvas.native.repaint()  # a real paint of the Qt canvas (not an offscreen render)
        qtbot.wait(5)
    assert rates and all(r > 0 for r in rates)
    assert re.fullmatch(r"\s*\d+\.\d fps", w.status.fps_label.text())


@pytest.mark.parametrize("method", ["pivotmds", "tsne", "umap"])
def test_projection_methods_from_the_view(make_window, synthetic_store, qtbot, method):
    w = make_window(synthetic_store, layer="fc")
    view = w.embedding
    matrix = view.scene.render()
    view.controls.mode_box.setCurrentIndex(view.controls.mode_box.findData("projection"))
    assert view.controls.method_box.isEnabled()
    view.controls.method_box.setCurrentIndex(view.controls.method_box.findData(method))
    assert w.state.mode == "projection" and w.state.method == method
    qtbot.waitUntil(lambda: w.state.projection("fc") is not None, timeout=120000)  # UMAP compiles (numba) on first use
    wait_idle(qtbot, w)
    frame = view.scene.render()
    assert view.scene.n_dims == 2 and view.scene.mode == "scatter"
    assert frame.shape != matrix.shape or (frame != matrix).any()
    emb = w.state.projection("fc")
    assert emb.shape == (60, 2) and np.isfinite(emb).all()
    x, y = _point_px(w, 0)
    assert _ink_near(frame, (x, y), radius=2)  # point 0 is drawn at its projected place


def test_click_and_lasso_modifiers(make_window, synthetic_store, qtbot):
    from seein.testing.qt import drag, send_mouse

    Qt = QtCore.Qt
    w = make_window(synthetic_store, layer="out")
    native = w.embedding.canvas.native

    def click(point, modifiers=None):
        xy = tuple(_point_px(w, point))
        send_mouse(native, "press", xy, modifiers=modifiers)
        send_mouse(native, "release", xy, modifiers=modifiers)

    click(3)
    click(8, Qt.ShiftModifier)
    assert np.flatnonzero(w.state.selection).tolist() == [3, 8]
    click(3, Qt.AltModifier)
    assert np.flatnonzero(w.state.selection).tolist() == [8]
    px = np.array([_point_px(w, p) for p in range(60)])
    hpx, centre = native.height(), native.width() / 2
    left = [(2, 2), (centre, 2), (centre, hpx - 2), (2, hpx - 2)]
    inside = px[:, 0] < centre
    w.state.select(np.ones(60, bool), source="test")
    w.actions_.lasso.setChecked(True)
    drag(native, left, modifiers=Qt.AltModifier)  # subtract the left half
    assert np.array_equal(w.state.selection, ~inside)
    w.state.select(np.ones(60, bool), source="test")
    w.actions_.lasso.setChecked(True)
    drag(native, left, modifiers=Qt.ShiftModifier | Qt.AltModifier)  # intersect with it
    assert np.array_equal(w.state.selection, inside)


def test_pan_draws_a_sample_then_every_point(make_window, synthetic_store, qtbot):
    from seein.testing.qt import drag

    w = make_window(synthetic_store)  # conv: a 4 x 4 matrix of 1,500 points
    view, scene = w.embedding, w.embedding.scene
    per_frame = view.adapter.points_per_frame()
    assert per_frame >= 4 * 1500
    view.adapter.moving_budget = per_frame // 3  # as a million-point matrix on a software rasteriser
    w.state.set_point_size(1.0)  # one pixel a point: fewer points, less ink
    before = scene.uploads
    native = w.embedding.canvas.native
    px, py, pw, ph = scene.plot_rect  # the plot's centre (the axes' margins lie left of and below it)
    cx, cy = px + pw / 2, py + ph / 2
    drag(native, [(cx, cy), (cx + 4, cy + 2), (cx + 8, cy + 4)])  # a pan
    assert scene.points.sample_size == 1500 // 3 or scene.points.sample_size == 1500 // 4
    moving = scene.render()
    qtbot.waitUntil(lambda: scene.points.sample_size is None, timeout=3000)  # the camera rests
    rest = scene.render()

    def ink(frame):
        return int((frame[..., :3] < WHITE).any(axis=2).sum())

    assert ink(moving) < 0.75 * ink(rest)
    assert scene.uploads["points"] == before["points"]  # thinning out uploads no positions
    w.actions_.lasso.setChecked(True)  # drawing a lasso redraws the view at every step: thinned too
    drag(native, [(cx - 20, cy - 20), (cx + 20, cy - 20), (cx + 20, cy + 20), (cx - 20, cy + 20)])
    assert scene.points.sample_size is not None and w.state.selection.any()
    qtbot.waitUntil(lambda: scene.points.sample_size is None, timeout=3000)
    assert scene.uploads["points"] == before["points"]
    w.state.select_class(2, source="test")  # a new selection: a thinned frame first, then every point
    assert scene.points.sample_size is not None and w.busy  # a screenshot now would wait
    qtbot.waitUntil(lambda: scene.points.sample_size is None, timeout=3000)
    assert not w.busy
    view.adapter.moving_budget = 10 ** 9  # a fast GPU: every point, moving or not
    drag(native, [(cx, cy), (cx + 4, cy + 2), (cx + 8, cy + 4)])
    assert scene.points.sample_size is None


def test_timeline_moves_every_view(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="fc", select="images=4")
    store = w.state.store
    assert (store.predictions(0) != store.predictions(1)).any()
    image = int(np.flatnonzero(store.predictions(0) != store.predictions(1))[0])
    w.state.set_hover_point(image)  # fc: one point per image
    caption = w.details.caption.text()
    overview = w.overview.scene.render()
    maps = w.feature_maps.canvas.grab().toImage()
    main = w.embedding.scene.render()
    w.timeline.slider.setValue(0)
    wait_idle(qtbot, w)
    assert (w.embedding.scene.render() != main).any()
    assert (w.overview.scene.render() != overview).any()
    assert w.feature_maps.canvas.grab().toImage() != maps
    names = store.class_names
    assert w.details.caption.text() != caption
    assert f"predicted {names[store.predictions(0)[image]]}" in w.details.caption.text()

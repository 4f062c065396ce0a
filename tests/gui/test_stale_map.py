"""The view never draws another layer's or snapshot's map while the state's projection is computed."""

import threading

import numpy as np
import pytest
from qtpy import QtWidgets

from seein.core.errors import Cancelled
from seein.testing.qt import send_mouse, wait_idle
from seein.testing.scene import point_px

pytestmark = pytest.mark.gui


def _coloured(frame: np.ndarray) -> int:
    """Pixels of a saturated colour (class-coloured points; the placeholder text is grey)."""
    rgb = frame[..., :3].astype(int)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())


def _point_px(scene, point: int) -> tuple[float, float]:
    return tuple(point_px(scene, point))


@pytest.fixture
def held_projection(monkeypatch):
    """Projections of layer "out" wait until the test releases them (or cancels them)."""
    import seein.compute.projection as projection

    real = projection.project
    gate = threading.Event()

    def project(store, layer, method, *, progress=None, **kw):
        while layer == "out" and not gate.is_set():
            if progress is not None and progress(0, 1, "held by the test"):
                raise Cancelled()  # True: the task was cancelled
            gate.wait(0.02)
        return real(store, layer, method, progress=progress, **kw)

    monkeypatch.setattr(projection, "project", project)
    return gate


def _fc_map(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="fc")
    w.state.set_mode("projection", "pca")
    qtbot.waitUntil(lambda: w.state.projection("fc") is not None, timeout=20000)
    wait_idle(qtbot, w)
    return w


def test_layer_switch_shows_no_stale_map_and_takes_no_hover_or_click(make_window, synthetic_store, qtbot,
                                                                     held_projection):
    w = _fc_map(make_window, synthetic_store, qtbot)
    view, scene = w.embedding, w.embedding.scene
    assert _coloured(scene.render()) > 50  # fc's map is drawn
    px = _point_px(scene, 0)
    w.state.set_layer("out")  # its projection is held: the view must not keep fc's map
    QtWidgets.QApplication.processEvents()
    assert view.blank and "PCA of out" in view.adapter.placeholder.message
    frame = scene.render()
    assert _coloured(frame) == 0 and (frame[..., :3] < 200).any()  # no points, but a message
    send_mouse(view.canvas.native, "move", px)
    qtbot.wait(120)  # the hover timer fires
    assert w.state.hover.image is None
    send_mouse(view.canvas.native, "press", px)
    send_mouse(view.canvas.native, "release", px)
    assert not w.state.selection.any()
    held_projection.set()
    qtbot.waitUntil(lambda: w.state.projection("out") is not None, timeout=20000)
    wait_idle(qtbot, w)
    assert not view.blank and _coloured(scene.render()) > 50  # out's own map, hoverable again
    send_mouse(view.canvas.native, "move", _point_px(scene, 0))
    qtbot.waitUntil(lambda: w.state.hover.image is not None, timeout=2000)


def test_cancelled_projection_keeps_the_placeholder(make_window, synthetic_store, qtbot, held_projection):
    w = _fc_map(make_window, synthetic_store, qtbot)
    view = w.embedding
    w.state.set_layer("out")
    assert view.blank
    view.cancel_projection()
    qtbot.waitUntil(lambda: "cancelled" in view.adapter.placeholder.message, timeout=5000)
    wait_idle(qtbot, w)  # nothing pending: the window is not stuck "busy"
    assert view.blank and _coloured(view.scene.render()) == 0
    w.state.set_mode("splom")  # the layer's own points come back at once
    assert not view.blank and _coloured(view.scene.render()) > 50


def test_snapshot_step_in_projection_mode_never_shows_the_previous_snapshots_map(
        make_window, synthetic_store, qtbot, monkeypatch):
    import seein.compute.projection as projection

    real, gate = projection.project, threading.Event()

    def project(store, layer, method, *, snapshot=None, progress=None, **kw):
        while snapshot == 0 and not gate.is_set():
            if progress is not None and progress(0, 1, "held by the test"):
                raise Cancelled()
            gate.wait(0.02)
        return real(store, layer, method, snapshot=snapshot, progress=progress, **kw)

    monkeypatch.setattr(projection, "project", project)
    w = _fc_map(make_window, synthetic_store, qtbot)  # at the last snapshot
    assert w.state.snapshot == 1
    w.state.set_snapshot(0)
    QtWidgets.QApplication.processEvents()
    assert w.embedding.blank and "snapshot 1" in w.embedding.adapter.placeholder.message
    assert _coloured(w.embedding.scene.render()) == 0
    gate.set()
    qtbot.waitUntil(lambda: w.state.projection("fc") is not None, timeout=20000)
    wait_idle(qtbot, w)
    assert not w.embedding.blank and _coloured(w.embedding.scene.render()) > 50

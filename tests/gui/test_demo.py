"""Smoke test on the demo store: the million-point conv1 layer in the full window."""

import time

import numpy as np
import pytest
from qtpy import QtCore

from seein.testing.qt import drag, send_mouse

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_demo_conv1_million_points(make_window, demo_store, qtbot):
    w = make_window(demo_store, layer="conv1", select="class=2", size=(1000, 700))  # selected before conv1 is read
    state, scene = w.state, w.embedding.scene
    assert scene.points.n_points == 1797 * 24 * 24 == 1_035_072
    assert state.mode == "splom" and scene.n_dims == 20
    assert len(scene.visible_panels()) <= 9  # the first view keeps a million-point matrix drawable
    state.set_dims(1, 0)
    state.set_mode("scatter")  # one panel: every interaction below redraws a million points
    before = scene.uploads
    lg = w.legend
    t0 = time.perf_counter()
    qtbot.mouseClick(lg.viewport(), QtCore.Qt.LeftButton, pos=lg.row_rect(1).center())
    select_ms = (time.perf_counter() - t0) * 1000
    assert np.array_equal(state.selection, state.store.labels == 1)
    native = w.embedding.canvas.native
    cx, cy = native.width() / 2, native.height() / 2
    w.actions_.lasso.setChecked(True)
    drag(native, [(cx - 60, cy - 60), (cx + 60, cy - 60), (cx + 60, cy + 60), (cx - 60, cy + 60)],
         modifiers=QtCore.Qt.ShiftModifier)
    assert state.selection.sum() > (state.store.labels == 1).sum()
    assert state.point_mask is None  # an added lasso keeps images, not exact points
    send_mouse(native, "move", (cx, cy), buttons=QtCore.Qt.NoButton)
    qtbot.waitUntil(lambda: w.details.shown_image is not None, timeout=20000)
    assert w.details.picture.box is not None  # a conv1 point sees a 5 x 5 window of the digit
    y0, x0, y1, x1 = w.details.picture.box
    assert (y1 - y0, x1 - x0) == (5, 5)
    after = scene.uploads
    assert after["points"] == before["points"]  # selection and hover uploaded no positions
    t0 = time.perf_counter()
    state.set_layer("pool1")  # 2.6 M values: read in a worker, the old points stay meanwhile
    switch_ms = (time.perf_counter() - t0) * 1000
    assert w.embedding.stale and scene.points.n_points == 1_035_072
    qtbot.waitUntil(lambda: not w.embedding.busy, timeout=60000)
    assert scene.points.n_points == 1797 * 12 * 12 and not w.embedding.stale
    print(f"\nconv1 selection: state and views {select_ms:.0f} ms; layer switch returns in {switch_ms:.0f} ms")

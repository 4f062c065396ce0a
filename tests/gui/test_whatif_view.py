"""The what-if docks in a real window: they follow the selection and the focused feature (pixels)."""

from __future__ import annotations

import numpy as np


def _wait(window, qtbot, panel):
    qtbot.waitUntil(lambda: not panel.busy and panel.rgba is not None, timeout=120000)


def test_adversarial_dock_follows_the_selection(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    window.state.set_layer("fc2", source="test")
    window.state.select_images([0])
    dock, panel = window.docks["adversarial"], window.whatif["adversarial"]
    assert dock.toggleViewAction() in window.actions_.view_menu.actions()
    dock.show()
    _wait(window, qtbot, panel)
    first = panel.rgba.copy()
    pix = panel.image.pixmap()
    assert pix is not None and 0 < pix.width() <= first.shape[1] and pix.height() > 50
    assert len(np.unique(first.reshape(-1, 4), axis=0)) > 50  # a drawn strip, not a blank
    window.state.select_images([42])
    _wait(window, qtbot, panel)
    assert panel.shown_generation == panel._generation
    assert (np.abs(panel.rgba.astype(int) - first.astype(int)).sum(2) > 30).sum() > 1000


def test_maximize_dock_follows_the_focused_feature(make_window, demo_store, qtbot):
    window = make_window(demo_store)
    dock, panel = window.docks["maximize"], window.whatif["maximize"]
    dock.show()
    window.state.focus_feature("conv2", 4)
    _wait(window, qtbot, panel)
    assert panel.unit == 4 and panel.request().layer == "conv2"
    first = panel.rgba.copy()
    window.state.focus_feature("conv2", 9)
    _wait(window, qtbot, panel)
    assert panel.unit == 9
    assert (np.abs(panel.rgba.astype(int) - first.astype(int)).sum(2) > 30).sum() > 1000

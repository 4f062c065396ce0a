"""Qt test helpers: synthetic mouse input and real MainWindows that never leak (imports Qt).

GUI test areas take the fixtures into their conftest (``from seein.testing.qt import
make_window, private_settings``); they need pytest-qt's ``qtbot`` and a display (pytest-xvfb).
"""

from __future__ import annotations

import gc
import time

import numpy as np
import pytest


def wait_idle(qtbot, window, timeout: int = 20000) -> None:
    """Wait until the window's views have no pending work (feature maps, projections)."""
    qtbot.waitUntil(lambda: not window.busy, timeout=timeout)


def widget_pixels(widget) -> np.ndarray:
    """What ``widget`` shows now, as a uint8 (H, W, 3) RGB array (its own painting, no GL)."""
    from qtpy import QtGui

    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_RGBA8888)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes() if hasattr(image, "sizeInBytes") else image.byteCount())
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rows[:, :image.width(), :3].copy()


def send_mouse(widget, kind: str, pos, button=None, buttons=None, modifiers=None) -> None:
    """Deliver one synthetic mouse event to ``widget`` synchronously (press, move or release).

    QTest's mouseMove cannot hold a button down, so drags are sent as QMouseEvents.
    """
    from qtpy import QtCore, QtGui, QtWidgets

    Qt = QtCore.Qt
    types = {"press": QtCore.QEvent.MouseButtonPress, "move": QtCore.QEvent.MouseMove,
             "release": QtCore.QEvent.MouseButtonRelease}
    button = Qt.LeftButton if button is None else button
    buttons = (Qt.NoButton if kind == "release" else button) if buttons is None else buttons
    local = QtCore.QPointF(float(pos[0]), float(pos[1]))
    event = QtGui.QMouseEvent(types[kind], local, QtCore.QPointF(widget.mapToGlobal(local.toPoint())),
                              Qt.NoButton if kind == "move" else button, buttons,
                              Qt.NoModifier if modifiers is None else modifiers)
    QtWidgets.QApplication.sendEvent(widget, event)


def drag(widget, points, modifiers=None) -> None:
    """Press at the first point, move through the rest, release at the last (a lasso or a pan)."""
    send_mouse(widget, "press", points[0], modifiers=modifiers)
    for p in points[1:]:
        time.sleep(0.011)  # VisPy drops mouse moves less than 10 ms apart
        send_mouse(widget, "move", p, modifiers=modifiers)
    send_mouse(widget, "release", points[-1], modifiers=modifiers)


@pytest.fixture
def private_settings(tmp_path_factory):
    """Keep QSettings (layout, last store) of tests out of the user's own settings."""
    from qtpy import QtCore

    folder = tmp_path_factory.mktemp("qsettings")
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture
def make_window(qtbot, private_settings):
    """Build MainWindows on stores; closes them after the test and fails if a window leaked.

    Like napari's make_napari_viewer: every top-level window the test leaves visible
    (other than the ones made here, which are closed) is an error.
    """
    from qtpy import QtWidgets

    from ..gui.app import build_window

    made = []

    def make(store=None, *, size=(1200, 800), **kwargs):
        window = build_window(store, size=size, restore=False, **kwargs)
        made.append(window)
        qtbot.waitExposed(window)
        window.activateWindow()  # window shortcuts need the active window
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=5000)
        qtbot.waitUntil(lambda: not window.busy, timeout=120000)  # layers read, averages drawn
        return window

    yield make
    for window in made:
        window.close()
        window.deleteLater()
    QtWidgets.QApplication.processEvents()
    gc.collect()
    leaked = [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()]
    for w in leaked:
        w.close()
    assert not leaked, f"windows left open by the test: {[type(w).__name__ for w in leaked]}"

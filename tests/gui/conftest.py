"""GUI fixtures: a real MainWindow under Xvfb (pytest-xvfb), private settings, no leaked windows."""

from __future__ import annotations

import gc

import pytest

pytest.importorskip("pytestqt")


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """Keep QSettings (layout, last store) of tests out of the user's own settings."""
    from qtpy import QtCore

    folder = tmp_path_factory.mktemp("qsettings")
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture
def make_window(qtbot, request):
    """Build MainWindows on stores; closes them after the test and fails if a window leaked.

    Like napari's make_napari_viewer: every top-level window the test leaves visible
    (other than the ones made here, which are closed) is an error.
    """
    from qtpy import QtWidgets

    from seein.gui.app import build_window

    made = []

    def make(store=None, *, size=(1200, 800), **kwargs):
        window = build_window(store, size=size, restore=False, **kwargs)
        made.append(window)
        qtbot.waitExposed(window)
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


def wait_idle(qtbot, window, timeout=20000):
    """Wait until the window's views have no pending work (feature maps, projections)."""
    qtbot.waitUntil(lambda: not window.busy, timeout=timeout)

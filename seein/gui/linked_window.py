"""Two networks side by side: two full halves (layer list, embedding view, timeline...) in one
window, with one selection linked by image id (:class:`seein.state.link.SelectionLink`)."""

from __future__ import annotations

import os
from pathlib import Path

from qtpy import QtCore, QtWidgets

from ..core.errors import SeeinError
from ..state.link import SelectionLink
from .grab import grab_window


class LinkedWindow(QtWidgets.QMainWindow):
    """Hosts two half windows (MainWindow instances on stores of the same images) in a splitter."""

    def __init__(self, first: QtWidgets.QMainWindow, second: QtWidgets.QMainWindow):
        super().__init__()
        self.setObjectName("seein_linked_window")
        self.halves = (first, second)
        self.link = SelectionLink(first.state, second.state)  # refuses other data before any layout
        splitter = QtWidgets.QSplitter(QtCore.Qt.Horizontal, self)
        for half in self.halves:
            half.setWindowFlags(QtCore.Qt.Widget)
            for action in half.actions_.all():  # the same shortcut in both halves: the focused one's
                action.setShortcutContext(QtCore.Qt.WidgetWithChildrenShortcut)
            splitter.addWidget(half)
        self.setCentralWidget(splitter)
        names = [Path(h.state.store.path).name for h in self.halves]
        self.setWindowTitle(f"Seein' In: {names[0]} | {names[1]} (linked by image)")
        self.resize(2000, 900)

    @property
    def busy(self) -> bool:
        return any(h.busy for h in self.halves)

    @property
    def state(self):
        """The first half's state (what a caller that expects one window's state reads)."""
        return self.halves[0].state

    def save_screenshot(self, path: str | os.PathLike) -> Path:
        """Write the whole window, both halves' GL views included, to a PNG."""
        image = grab_window(self)
        if not image.save(str(path)):
            raise SeeinError("could not write the screenshot", path)
        return Path(path)

    def closeEvent(self, event) -> None:
        self.link.disconnect()
        for half in self.halves:
            half.close()
        super().closeEvent(event)


__all__ = ["LinkedWindow"]

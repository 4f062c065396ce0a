"""The keyboard-shortcut help: every action of the window with its shortcut, read from the actions."""

from __future__ import annotations

from typing import Iterable

from qtpy import QtGui, QtWidgets


def shortcut_rows(actions: Iterable[QtWidgets.QAction]) -> list[tuple[str, str]]:
    """(action text, shortcut) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = [k.toString(QtGui.QKeySequence.NativeText) for k in action.shortcuts()]
        if keys:
            rows.append((action.text().replace("&", "").rstrip("."), ", ".join(keys)))
    return rows


class HelpDialog(QtWidgets.QDialog):
    """A two-column table of actions and shortcuts, plus the mouse gestures."""

    MOUSE = [("Pan / zoom the embedding view", "Drag / wheel"),
             ("Select the image of a point", "Click (Shift adds, Alt removes)"),
             ("Lasso a region", "L, then drag (Shift adds, Alt removes, Shift+Alt intersects)"),
             ("Select a class", "Click in the legend (Ctrl/Shift adds, Alt removes)"),
             ("Activate a layer", "Click it in the layer list or its name in the feature maps"),
             ("Go to a feature's diagonal plot", "Click a pixel in the feature maps"),
             ("Navigate the main view", "Drag or scroll in the overview"),
             ("Zoom the feature maps", "Ctrl+wheel")]

    def __init__(self, actions: Iterable[QtWidgets.QAction], parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("help_dialog")
        self.setWindowTitle("Seein' In: keyboard and mouse")
        rows = shortcut_rows(actions) + self.MOUSE
        self.table = QtWidgets.QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys / mouse"])
        for r, (text, keys) in enumerate(rows):
            self.table.setItem(r, 0, QtWidgets.QTableWidgetItem(text))
            self.table.setItem(r, 1, QtWidgets.QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 520)

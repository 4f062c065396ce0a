"""The class legend: a colour swatch and name per class; a click selects the class's images.

Click replaces the selection, Shift/Ctrl-click adds the class, Alt-click removes it.
Each entry shows how many of the class's images are selected. Entries flow left to right
and wrap (a grid of equal cells), so a 10-class store shows every class in the default
window without a scrollbar.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..state import AppState, class_palette
from ..state.bus import SelectionEvent, Source, Subscriptions
from .modifiers import mode_from_modifiers
from .qimage import event_point, to_qcolor

MAX_ROWS = 8  # a legend of more classes than fit in this many rows scrolls


class Legend(QtWidgets.QListWidget):
    """One entry per class with its colour, in a wrapping grid; clicking selects (modifiers add/remove)."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("legend")
        self.state = state
        self.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.setFlow(QtWidgets.QListView.LeftToRight)  # a flow of equal cells that wraps to the width
        self.setWrapping(True)
        self.setResizeMode(QtWidgets.QListView.Adjust)
        self.setMovement(QtWidgets.QListView.Static)
        self.setSpacing(1)
        self._subs = Subscriptions()
        self._subs.connect(state.bus.store_changed, self._on_store)
        self._subs.connect(state.bus.selection_changed, self._on_selection)
        self._counts: list[int] = []
        if state.store is not None:
            self._on_store(state.store)

    def _on_store(self, store) -> None:
        self.clear()
        palette = class_palette(store.n_classes)
        self._counts = [int(c) for c in self.state.class_counts()]
        for k, name in enumerate(store.class_names):
            pix = QtGui.QPixmap(14, 14)
            pix.fill(to_qcolor(palette[k]))
            item = QtWidgets.QListWidgetItem(QtGui.QIcon(pix), name)
            item.setData(QtCore.Qt.UserRole, k)
            self.addItem(item)
        self._on_selection(SelectionEvent(self.state.selection))
        self._fit_grid()

    def _fit_grid(self) -> None:
        """One cell size for every entry: wide enough for the longest "name  (n/N)" text."""
        store = self.state.store
        if store is None:
            return
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        metrics = QtGui.QFontMetrics(bold)
        widest = max((metrics.horizontalAdvance(f"{name}  ({n}/{n})")
                      for name, n in zip(store.class_names, self._counts)), default=40)
        self.setGridSize(QtCore.QSize(widest + 14 + 14, max(metrics.height(), 14) + 4))
        self._fit_height()

    def _fit_height(self) -> None:
        """Ask for the height every entry needs at the current width (up to MAX_ROWS rows, then scroll)."""
        grid = self.gridSize()
        if not self.count() or not grid.isValid():
            return
        width = self.viewport().width() if self.isVisible() else self.width()
        per_row = max(1, (max(width, grid.width()) - 2) // grid.width())
        rows = min(-(-self.count() // per_row), MAX_ROWS)
        self.setMinimumHeight(rows * grid.height() + 2 * self.frameWidth() + 4)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def _on_selection(self, event: SelectionEvent) -> None:
        store = self.state.store
        if store is None or self.count() != store.n_classes:
            return
        chosen = self.state.class_counts(event.mask)
        for k in range(self.count()):
            item = self.item(k)
            name = store.class_names[k]
            item.setText(f"{name}  ({chosen[k]}/{self._counts[k]})" if event.mask.any() else name)
            font = item.font()
            font.setBold(bool(chosen[k]))
            item.setFont(font)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        item = self.itemAt(event_point(event))
        if item is not None and event.button() == QtCore.Qt.LeftButton:
            mode = mode_from_modifiers(event.modifiers(), self.state.select_mode)
            self.state.select_class(item.data(QtCore.Qt.UserRole), mode, source=Source.LEGEND)
        super().mouseReleaseEvent(event)

    def row_rect(self, cls: int) -> QtCore.QRect:
        """Where class ``cls``'s entry is, in viewport coordinates."""
        return self.visualItemRect(self.item(cls))

    def shutdown(self) -> None:
        self._subs.disconnect()

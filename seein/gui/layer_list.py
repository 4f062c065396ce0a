"""The layer list: every layer of the store with its shape; clicking one (or moving to it
with the keys) makes it active."""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

from ..state import AppState
from ..state.bus import LayerEvent, Source, Subscriptions


class LayerList(QtWidgets.QListWidget):
    """One row per layer ("conv1  20x24x24"); the active layer's row is current."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layer_list")
        self.state = state
        self._subs = Subscriptions()
        self._subs.connect(state.bus.store_changed, self._on_store)
        self._subs.connect(state.bus.layer_changed, self._on_layer)
        self.itemClicked.connect(self._on_click)
        self.currentItemChanged.connect(lambda item, _old: item is not None and self._on_click(item))
        if state.store is not None:
            self._on_store(state.store)
            if state.layer:
                self._on_layer(LayerEvent(state.layer))

    def _on_store(self, store) -> None:
        self.clear()
        for layer in store.layers:
            shape = "x".join(str(v) for v in layer.shape)
            item = QtWidgets.QListWidgetItem(f"{layer.name}  {shape}")
            item.setData(QtCore.Qt.UserRole, layer.name)
            item.setToolTip(f"{layer.name}: {layer.module} {shape}, {layer.kind}, "
                            f"{layer.n_points(store.n_images):,} points")
            self.addItem(item)

    def _on_layer(self, event: LayerEvent) -> None:
        for row in range(self.count()):
            if self.item(row).data(QtCore.Qt.UserRole) == event.layer:
                blocked = self.blockSignals(True)
                self.setCurrentRow(row)
                self.blockSignals(blocked)

    def _on_click(self, item: QtWidgets.QListWidgetItem) -> None:
        self.state.set_layer(item.data(QtCore.Qt.UserRole), source=Source.LAYER_LIST)

    def row_rect(self, name: str) -> QtCore.QRect:
        """Where the row of layer ``name`` is drawn (for tests and tours)."""
        for row in range(self.count()):
            if self.item(row).data(QtCore.Qt.UserRole) == name:
                return self.visualItemRect(self.item(row))
        raise KeyError(name)

    def shutdown(self) -> None:
        self._subs.disconnect()

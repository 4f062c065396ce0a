"""The Input Map dock (DeepEyes §4.4): the active layer's receptive-field instances on the point visual.

The map (t-SNE of the instances, :func:`seein.compute.inputmap.input_map`, cached) is
computed in a worker; points are coloured by label, by the focused filter's activation
or by the maximum activation. Hovering shows the instance's receptive-field patch and
its image in the inset; a lasso selects the instances' images everywhere (AppState,
with undo) and shows their patches as a grid.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets

from ...render.deepeyes.inputmap import ColourBy, patch, patch_grid, scene_arrays
from ...state import AppState
from ...state.bus import Source, Subscriptions
from ..lasso import LassoTool
from ..worker import Task

GRID_MAX = 48  # patches shown for a lasso


def _pixmap(rgb: np.ndarray, scale: int) -> QtGui.QPixmap:
    rgb = np.ascontiguousarray(rgb if rgb.shape[-1] == 3 else np.repeat(rgb, 3, axis=-1))
    h, w = rgb.shape[:2]
    image = QtGui.QImage(rgb.data, w, h, 3 * w, QtGui.QImage.Format_RGB888).copy()
    return QtGui.QPixmap.fromImage(image.scaled(w * scale, h * scale))


class InputMapView(QtWidgets.QWidget):
    """Input Map of the active layer at the current snapshot, linked to the app."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        from ...render.scene import EmbeddingScene
        from ..qt_app import vispy_app

        self.setObjectName("deepeyes_inputmap")
        self.state = state
        self.scene = EmbeddingScene(app=vispy_app(), size=(400, 400), show=False, parent=self)
        self.scene.view.camera.interactive = False  # a drag is a lasso here
        self.canvas = self.scene.canvas
        self.lasso = LassoTool(self.canvas)
        self.lasso.set_active(True)
        self.colour = QtWidgets.QComboBox(self)
        self.colour.addItems([m.value for m in ColourBy])
        self.colour.setToolTip("Colour instances by label, by the focused filter's activation, or by "
                               "the maximum activation over the filters")
        self.inset = QtWidgets.QLabel(self)
        self.inset.setMinimumHeight(80)
        self.inset.setAlignment(QtCore.Qt.AlignLeft | QtCore.Qt.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.colour)
        layout.addWidget(self.canvas.native, 1)
        layout.addWidget(self.inset)
        self.data: Optional[dict] = None
        self.arrays: Optional[dict] = None
        self._key: Any = None
        self._task: Optional[Task] = None
        self._stale = False
        self._per_instance = False
        ev = self.canvas.events
        ev.mouse_press.connect(lambda e: self.lasso.start(e.pos) if e.button == 1 else None)
        ev.mouse_move.connect(self._on_move)
        ev.mouse_release.connect(self._on_release)
        self.colour.currentTextChanged.connect(lambda _: self._upload())
        self._subs = Subscriptions()
        bus = state.bus
        for signal in (bus.store_changed, bus.snapshot_changed, bus.layer_changed, bus.snapshots_added):
            self._subs.connect(signal, self._on_change)
        self._subs.connect(bus.dims_changed, self._on_focus)
        self._subs.connect(bus.selection_changed, self._on_selection)

    def canvases(self) -> list:
        """Its VisPy canvas (window screenshots draw it in when the dock is shown)."""
        return [self.canvas] if self.isVisible() else []

    @property
    def busy(self) -> bool:
        return self._task is not None or self._stale

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._on_change()

    # -- data ------------------------------------------------------------------------------
    def _on_change(self, *_: Any) -> None:
        s = self.state
        if s.store is None or s.layer is None or not self.isVisible():
            return
        key = (str(s.store.path), s.layer, s.store.snapshot(s.snapshot).index)
        if key == self._key:
            return
        if self._task is not None:
            self._stale = True
            self._task.cancel()
            return
        path, layer, snapshot = key[0], s.layer, s.snapshot

        def work(progress):
            from ...compute.inputmap import input_map
            from ...store import Store

            with Store.open(path) as store:
                return key, input_map(store, layer, snapshot, progress=progress), store.labels

        self._task = Task(work, tag="inputmap", parent=self)
        self._task.done.connect(self._on_done)
        self._task.failed.connect(self._on_failed)
        self._task.cancelled.connect(self._on_cancelled)
        self._task.start()

    def _on_done(self, tag: Any, result: Any) -> None:
        self._task = None
        self._key, self.data, self._labels = result
        if self._stale:
            self._stale = False
            self._on_change()
        self._upload()

    def _on_failed(self, tag: Any, message: str) -> None:
        self._task = None
        self._stale = False
        self.state.bus.status.emit(f"Input Map: {message}")

    def _on_cancelled(self, tag: Any) -> None:
        self._task = None
        self._stale = False
        self._on_change()

    def _focused(self) -> Optional[int]:
        i, j = self.state.dims
        return i if i == j else None

    def _upload(self) -> None:
        if self.data is None:
            return
        mode = ColourBy(self.colour.currentText())
        feature = self._focused()
        if mode is ColourBy.FILTER and (feature is None or feature >= self.data["activations"].shape[1]):
            mode = ColourBy.MAX if feature is None else ColourBy.LABEL
        sel = self.state.selection if self.state.selection.any() else None
        self.arrays = scene_arrays(self.data, self._labels, mode, feature, sel)
        self._per_instance = mode is not ColourBy.LABEL
        a = self.arrays
        self.scene.set_layer(a["points"], a["image_index"], a["labels"], a["n_images"], a["palette"],
                             mode="scatter")
        self.scene.set_point_size(5.0)
        self.scene.set_selection(a["mask"])
        self.canvas.update()

    def _on_focus(self, event) -> None:
        if ColourBy(self.colour.currentText()) is ColourBy.FILTER:
            self._upload()

    def _on_selection(self, event) -> None:
        if self.arrays is None:
            return
        mask = event.mask if event.mask.any() else None
        if mask is not None and self._per_instance:
            mask = mask[self.data["images"]]
        self.scene.set_selection(mask)
        self.canvas.update()

    # -- mouse -----------------------------------------------------------------------------
    def _instances(self, image_mask: np.ndarray) -> np.ndarray:
        """The instances a lasso's mask over the scene's "images" catches (coloured by label
        the scene's images are the store's; by activation each instance is its own)."""
        mask = np.asarray(image_mask, bool)
        return np.flatnonzero(mask if self._per_instance else mask[self.data["images"]])

    def _on_move(self, event) -> None:
        if self.lasso.dragging:
            self.lasso.extend(event.pos)
            return
        if self.data is None or self.state.store is None:
            return
        k = self.scene.pick(*event.pos[:2])
        if k is not None:
            self.show_instance(int(k))

    def show_instance(self, k: int) -> None:
        """The inset: instance ``k``'s receptive-field patch beside its whole image."""
        store = self.state.store
        image, box = int(self.data["images"][k]), self.data["boxes"][k]
        whole = np.asarray(store.image(image))
        side = max(1, 72 // max(whole.shape[:2]))
        row = np.full((whole.shape[0] * side, whole.shape[1] * side * 2 + 8, 3), 255, np.uint8)
        p = patch(store, image, box)
        p3 = p if p.shape[-1] == 3 else np.repeat(p, 3, axis=-1)
        w3 = whole if whole.shape[-1] == 3 else np.repeat(whole, 3, axis=-1)
        big = np.kron(w3, np.ones((side, side, 1), np.uint8))
        row[:, :big.shape[1]] = big
        ys = np.minimum(np.arange(big.shape[0]) * p3.shape[0] // big.shape[0], p3.shape[0] - 1)
        xs = np.minimum(np.arange(big.shape[1]) * p3.shape[1] // big.shape[1], p3.shape[1] - 1)
        row[:, big.shape[1] + 8:] = p3[ys][:, xs]
        self.inset.setPixmap(_pixmap(row, 1))
        self.inset.setToolTip(f"image {image}, receptive field {tuple(int(v) for v in box)}")

    def _on_release(self, event) -> None:
        if not self.lasso.dragging:
            return
        self.lasso.extend(event.pos)
        polygon = self.lasso.finish()
        if self.data is None or len(polygon) < 3:
            return
        image_mask, _ = self.scene.lasso(polygon)
        caught = self._instances(image_mask)
        if not len(caught):
            return
        images = np.zeros(self.state.store.n_images, dtype=bool)
        images[self.data["images"][caught]] = True
        self.state.select(images, source=Source.INPUTMAP)
        shown = caught[:GRID_MAX]
        grid = patch_grid(self.state.store, self.data["images"][shown], self.data["boxes"][shown],
                          columns=12, cell=24)
        self.inset.setPixmap(_pixmap(grid, 1))

    def shutdown(self) -> None:
        self._subs.disconnect()
        if self._task is not None:
            self._task.cancel()
            self._task.wait()  # a running QThread must not be destroyed with its widget
        self.scene.close()

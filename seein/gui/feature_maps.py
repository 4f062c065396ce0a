"""The coordinated feature-map view (Seein' In §3.3): every layer's response to the selection.

One selected image shows its feature maps in every layer, input included; several show
their average. Structured maps are a grid of images, one per channel; flat layers one
square per unit; the class-output layer's squares are larger and carry their class names,
and the hovered unit of any flat layer is named (with its scaled value) in its layer's
header. With nothing selected the view says how to fill it. Clicking a layer's name
activates it; clicking a pixel jumps to that feature's diagonal plot and shows the
pixel's receptive field. Ctrl+wheel zooms. The (possibly large) averages are computed
in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets

from ..state import AppState, class_output_layer
from ..state.bus import Source, Subscriptions
from .qimage import event_point, to_qimage
from .worker import Task

HEADER = 18
GAP = 3
LABEL = 13  # height of the class-name line under the class-output layer's squares
EMPTY_HINT = "Click a point or select a class to see its feature maps."


@dataclass
class Tile:
    """One drawn map: where it is, which layer and channel, and its image."""

    rect: QtCore.QRectF
    layer: str
    channel: int
    cells: tuple[int, int]
    image: QtGui.QImage
    value: Optional[float] = None  # a flat layer's unit: its value, scaled to [0, 1] over the layer
    label: str = ""  # the class-output layer's unit: its class name


class FeatureMapCanvas(QtWidgets.QWidget):
    """Draws the sections (header + tiles) and maps clicks back to layers, channels and cells."""

    layer_clicked = QtCore.Signal(str)
    cell_clicked = QtCore.Signal(str, int, int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.maps: list[tuple[str, np.ndarray]] = []
        self.tile_size = 44
        self.tiles: list[Tile] = []
        self.headers: list[tuple[QtCore.QRectF, str]] = []
        self.class_layer: Optional[str] = None  # the layer whose units are the classes
        self.class_names: list[str] = []
        self.hovered: Optional[Tile] = None  # a flat layer's unit under the pointer
        self.setMouseTracking(True)

    def set_maps(self, maps: list[tuple[str, np.ndarray]]) -> None:
        self.maps = maps
        self.hovered = None
        self._layout()

    def set_classes(self, layer: Optional[str], names: list[str]) -> None:
        """Name the units of ``layer`` (the class-output layer) with ``names``."""
        self.class_layer, self.class_names = layer, list(names)
        self._layout()

    def _layout(self) -> None:
        width = max(self.width(), 120)
        self.tiles, self.headers, self.hovered = [], [], None
        y = 2.0
        for name, a in self.maps:
            self.headers.append((QtCore.QRectF(2, y, width - 4, HEADER), name))
            y += HEADER
            if name == "input":
                chans = [(0, a.transpose(1, 2, 0))]
            elif a.ndim == 3:
                chans = [(c, a[c]) for c in range(a.shape[0])]
            else:
                chans = [(c, a[c:c + 1, None]) for c in range(a.shape[0])]
            flat = not (a.ndim == 3 or name == "input")
            classes = flat and name == self.class_layer and len(self.class_names) == len(chans)
            size = self.tile_size if not flat else max(22, self.tile_size // 2) if classes \
                else max(6, self.tile_size // 4)
            label = LABEL if classes else 0
            x = 2.0
            for c, img in chans:
                if x + size > width and x > 2:
                    x, y = 2.0, y + size + label + GAP
                self.tiles.append(Tile(QtCore.QRectF(x, y, size, size), name, c,
                                       (img.shape[0], img.shape[1]), to_qimage(img),
                                       float(a[c]) if flat else None,
                                       self.class_names[c] if classes else ""))
                x += size + GAP
            y += size + label + GAP + 4
        self.setMinimumHeight(int(y) + 2)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.maps:
            self._layout()

    def paintEvent(self, event) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        if not self.maps:  # nothing selected: say how to get maps here
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(self.palette().text().color())
            painter.drawText(QtCore.QRectF(self.rect()).adjusted(12, 12, -12, -12),
                             QtCore.Qt.AlignCenter | QtCore.Qt.TextWordWrap, EMPTY_HINT)
            painter.end()
            return
        hovered = self.hovered
        for rect, name in self.headers:
            painter.setPen(self.palette().link().color() if name != "input" else self.palette().text().color())
            painter.drawText(rect, QtCore.Qt.AlignLeft | QtCore.Qt.AlignVCenter, name)
            if hovered is not None and hovered.layer == name:
                painter.setPen(self.palette().text().color())
                painter.drawText(rect, QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter, self.unit_text(hovered))
        for tile in self.tiles:
            painter.drawImage(tile.rect, tile.image)
        font.setBold(False)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.setPen(self.palette().text().color())
        for tile in self.tiles:
            if tile.label:
                r = tile.rect
                under = QtCore.QRectF(r.x() - GAP / 2, r.bottom() + 1, r.width() + GAP, LABEL - 1)
                text = painter.fontMetrics().elidedText(tile.label, QtCore.Qt.ElideRight, int(under.width()))
                painter.drawText(under, QtCore.Qt.AlignHCenter | QtCore.Qt.AlignTop, text)
        if hovered is not None:
            painter.setPen(QtGui.QPen(QtGui.QColor(255, 40, 40), 2))
            painter.drawRect(hovered.rect.adjusted(-1, -1, 1, 1))
        painter.end()

    @staticmethod
    def unit_text(tile: Tile) -> str:
        """"unit 7 (class 7): 0.93": a flat layer's unit, its class and its scaled value."""
        name = f" ({tile.label})" if tile.label else ""
        return f"unit {tile.channel}{name}: {tile.value:.2f}"

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        hit = self.tile_at(QtCore.QPointF(event_point(event)))
        tile = hit[0] if hit is not None and hit[0].value is not None else None
        if tile is not self.hovered:
            self.hovered = tile
            self.setToolTip(f"{tile.layer} {self.unit_text(tile)}" if tile is not None else "")
            self.update()

    def leaveEvent(self, event) -> None:
        if self.hovered is not None:
            self.hovered = None
            self.update()
        super().leaveEvent(event)

    def tile_at(self, pos: QtCore.QPointF) -> Optional[tuple[Tile, int, int]]:
        """The tile under ``pos`` and the cell (y, x) of it, or None."""
        for tile in self.tiles:
            if tile.rect.contains(pos):
                h, w = tile.cells
                fy = (pos.y() - tile.rect.y()) / tile.rect.height()
                fx = (pos.x() - tile.rect.x()) / tile.rect.width()
                return tile, min(int(fy * h), h - 1), min(int(fx * w), w - 1)
        return None

    def header_at(self, pos: QtCore.QPointF) -> Optional[str]:
        for rect, name in self.headers:
            if rect.contains(pos):
                return name
        return None

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = QtCore.QPointF(event_point(event))
        name = self.header_at(pos)
        if name is not None and name != "input":
            self.layer_clicked.emit(name)
            return
        hit = self.tile_at(pos)
        if hit is not None and hit[0].layer != "input":
            tile, y, x = hit
            self.cell_clicked.emit(tile.layer, tile.channel, y, x)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if event.modifiers() & QtCore.Qt.ControlModifier:
            step = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.tile_size = int(min(max(self.tile_size * step, 12), 240))
            self._layout()
            event.accept()
        else:
            event.ignore()


class FeatureMapView(QtWidgets.QScrollArea):
    """The scrollable feature-map display, following selection and snapshot."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feature_maps")
        self.state = state
        self.canvas = FeatureMapCanvas(self)
        self.setWidget(self.canvas)
        self.setWidgetResizable(True)
        self.canvas.layer_clicked.connect(lambda name: state.set_layer(name, source=Source.FEATURE_MAP))
        self.canvas.cell_clicked.connect(self._on_cell)
        self._task: Optional[Task] = None
        self._pending = False
        self._generation = 0
        self.shown_generation = 0
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(40)
        self._debounce.timeout.connect(self._start)
        self._subs = Subscriptions()
        self._subs.connect(state.bus.selection_changed, self._on_change)
        self._subs.connect(state.bus.snapshot_changed, self._on_change)
        self._subs.connect(state.bus.store_changed, self._on_change)
        self._subs.connect(state.bus.store_changed, self._on_store)
        if state.store is not None:
            self._on_store(state.store)

    def _on_store(self, store) -> None:
        """The class-output layer's units are named by class (fc2 of a 10-class net: 0..9)."""
        self.canvas.set_maps([])
        self.canvas.set_classes(class_output_layer(store), store.class_names)

    def _on_change(self, *_args) -> None:
        self._generation += 1
        self._debounce.start()

    def _start(self) -> None:
        if self._task is not None and self._task.isRunning():
            self._pending = True  # one computation at a time; the latest request follows it
            self._task.cancel()  # its result would be stale anyway
            return
        if self.state.store is None:
            return
        mask, snapshot, generation = self.state.selection.copy(), self.state.snapshot, self._generation
        self._task = Task(lambda progress: self.state.feature_maps(mask, snapshot, progress), generation, self)
        self._task.done.connect(self._on_done)
        self._task.failed.connect(self._on_failed)
        self._task.finished.connect(self._on_finished)
        self._task.start()

    def _on_done(self, generation: int, maps) -> None:
        self.canvas.set_maps(maps)
        self.shown_generation = generation

    def _on_failed(self, generation: int, message: str) -> None:
        self.shown_generation = generation  # nothing more will come for this request
        self.state.bus.status.emit(f"feature maps: {message}")

    def _on_finished(self) -> None:
        self._task = None
        if self._pending:
            self._pending = False
            self._start()

    @property
    def busy(self) -> bool:
        return self._debounce.isActive() or (self._task is not None and self._task.isRunning()) \
            or self.shown_generation != self._generation

    def _on_cell(self, layer: str, channel: int, y: int, x: int) -> None:
        self.state.focus_feature(layer, channel, y, x, image=self.state.selected_image())

    def shutdown(self) -> None:
        self._subs.disconnect()
        self._debounce.stop()
        self._pending = False
        if self._task is not None:
            self._task.cancel()
            self._task.wait()

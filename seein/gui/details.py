"""Details on demand: the image under the mouse, its receptive-field box, label and prediction.

Follows hover events from the embedding view and, when a feature-map pixel is clicked,
shows that cell's receptive field on the clicked image.
"""

from __future__ import annotations

from typing import Optional

from qtpy import QtCore, QtGui, QtWidgets

from ..state import AppState
from ..state.bus import CellEvent, HoverEvent, Subscriptions
from .qimage import to_qimage

IMAGE_HINT = "Hover over a point to see its image here"
CAPTION_HINT = "Hover over a point for its image, label and prediction."


class ImageWithBox(QtWidgets.QWidget):
    """An image scaled to fit (nearest neighbour) with an optional [y0, x0, y1, x1) box on top."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.image: Optional[QtGui.QImage] = None
        self.box: Optional[tuple[int, int, int, int]] = None
        self.hint = ""  # said where the image goes while there is none
        self.setMinimumSize(96, 96)

    def set_image(self, image: Optional[QtGui.QImage], box=None) -> None:
        self.image, self.box = image, box
        self.update()

    def target_rect(self) -> QtCore.QRectF:
        """Where the image is drawn: the largest centred square-pixel fit."""
        if self.image is None:
            return QtCore.QRectF()
        iw, ih = self.image.width(), self.image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QtCore.QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor(30, 30, 30))
        if self.image is None and self.hint:
            painter.setPen(QtGui.QColor(210, 210, 210))
            painter.drawText(QtCore.QRectF(self.rect()).adjusted(8, 8, -8, -8),
                             QtCore.Qt.AlignCenter | QtCore.Qt.TextWordWrap, self.hint)
        if self.image is not None:
            target = self.target_rect()
            painter.drawImage(target, self.image)
            if self.box is not None:
                y0, x0, y1, x1 = self.box
                sx = target.width() / self.image.width()
                sy = target.height() / self.image.height()
                pen = QtGui.QPen(QtGui.QColor(255, 40, 40), 2)
                painter.setPen(pen)
                painter.drawRect(QtCore.QRectF(target.x() + x0 * sx, target.y() + y0 * sy,
                                               (x1 - x0) * sx, (y1 - y0) * sy))
        painter.end()


class DetailsView(QtWidgets.QWidget):
    """The hovered (or feature-focused) image with its box and a caption."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("details")
        self.state = state
        self.picture = ImageWithBox(self)
        self.picture.hint = IMAGE_HINT
        self.caption = QtWidgets.QLabel(CAPTION_HINT, self)
        self.caption.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        self.shown_image: Optional[int] = None
        self._shown: Optional[tuple] = None
        self._subs = Subscriptions()
        self._subs.connect(state.bus.hover_changed, self._on_hover)
        self._subs.connect(state.bus.cell_focused, self._on_cell)
        self._subs.connect(state.bus.store_changed, lambda store: self._clear())
        self._subs.connect(state.bus.snapshot_changed, self._on_snapshot)

    def _clear(self) -> None:
        self.shown_image = None
        self._shown = None
        self.picture.set_image(None)
        self.caption.setText(CAPTION_HINT)

    def _show(self, image: int, layer: Optional[str], cell, prefix: str) -> None:
        store = self.state.store
        box = self.state.receptive_box(layer, cell) if layer else None
        self.shown_image = image
        self._shown = (image, layer, cell, prefix)
        self.picture.set_image(to_qimage(store.image(image)), box)
        d = self.state.describe_image(image)
        where = f", cell ({cell[0]}, {cell[1]}) of {layer}" if cell is not None else ""
        mark = "" if d["correct"] or d["prediction"] < 0 else "  (wrong)"
        pred = f"predicted {d['prediction_name']}{mark}" if d["prediction"] >= 0 else "no class output"
        self.caption.setText(f"{prefix}image {d['image']} (id {d['image_id']}){where}\n"
                             f"label {d['label_name']}, {pred}")

    def _on_snapshot(self, k: int) -> None:
        if self._shown is not None:  # the prediction belongs to the snapshot shown
            self._show(*self._shown)

    def _on_hover(self, event: HoverEvent) -> None:
        if event.image is not None:
            self._show(event.image, event.layer, event.cell, "")

    def _on_cell(self, event: CellEvent) -> None:
        if event.image is not None:
            self._show(event.image, event.layer, (event.y, event.x), f"feature {event.channel}: ")
            return
        average = self.state.selection_image()  # several images: the box on their average
        if average is not None:
            cell = (event.y, event.x)
            self._shown = None
            self.shown_image = None
            self.picture.set_image(to_qimage(average), self.state.receptive_box(event.layer, cell))
            n = self.state.n_selected
            self.caption.setText(f"feature {event.channel}: cell ({event.y}, {event.x}) of {event.layer}\n"
                                 f"on the average of {n} selected images")

    def shutdown(self) -> None:
        self._subs.disconnect()

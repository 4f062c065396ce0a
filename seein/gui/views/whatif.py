"""The what-if docks: the adversarial strip (follows the selection, layer, snapshot) and the
activation maximisation (follows the focused feature, else the selection's pattern).

The figure is computed off the GUI thread (seein.gui.worker.Task, latest request wins, old
pixels kept until the new ones are ready), only while the dock is visible. The network is
loaded on the GUI thread first, so the consent dialog for a user model file can show.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy import QtCore, QtWidgets

from ...core.errors import SeeinError
from ...render.whatif_views import CONTENT, WhatIfRequest, WhatIfView
from ...state.bus import Subscriptions
from ..consent import consent_asker
from ..qimage import to_qimage
from ..worker import Task


class WhatIfPanel(QtWidgets.QWidget):
    """One what-if view in a dock: a label showing the figure, a status line, Cancel."""

    def __init__(self, state: Any, view: WhatIfView, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state, self.view = state, WhatIfView(view)
        self.setObjectName(f"whatif_{self.view.value}")
        self.image = QtWidgets.QLabel(alignment=QtCore.Qt.AlignCenter)
        self.image.setMinimumSize(200, 150)
        self.image.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Ignored)
        self.note = QtWidgets.QLabel("")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.cancel_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addLayout(row)
        self.rgba: np.ndarray | None = None
        self.unit: int | None = None
        self._task: Task | None = None
        self._pending = False
        self._generation = self.shown_generation = 0
        self._debounce = QtCore.QTimer(self, singleShot=True, interval=60)
        self._debounce.timeout.connect(self._start)
        self._subs = Subscriptions()
        bus = state.bus
        for signal in (bus.selection_changed, bus.snapshot_changed, bus.store_changed):
            self._subs.connect(signal, self._on_change)
        self._subs.connect(bus.layer_changed, self._on_layer)
        self._subs.connect(bus.cell_focused, self._on_cell)

    # -- following the state -----------------------------------------------------------
    def _on_cell(self, event: Any) -> None:
        self.unit = int(event.channel)
        self._on_change()

    def _on_layer(self, event: Any) -> None:
        self.unit = None  # a new layer: its unit comes with the focus event that may follow
        self._on_change()

    def _on_change(self, *_args: Any) -> None:
        self._generation += 1
        if self.isVisible():
            self._debounce.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.shown_generation != self._generation or self.rgba is None:
            self._debounce.start()

    def request(self) -> WhatIfRequest:
        s = self.state
        chosen = tuple(int(i) for i in np.flatnonzero(s.selection)) if s.selection is not None else ()
        size = (1000, 700)  # drawn at a readable size, scaled to the dock
        if self.view is WhatIfView.ADVERSARIAL:
            chosen = chosen[:1]
        return WhatIfRequest(snapshot=s.snapshot, layer=s.layer, selection=chosen, unit=self.unit, size=size)

    # -- work ---------------------------------------------------------------------------
    def _start(self) -> None:
        if self._task is not None and self._task.isRunning():
            self._pending = True
            self._task.cancel()
            return
        store = self.state.store
        if store is None:
            return
        req, generation = self.request(), self._generation
        try:  # on the GUI thread: a user model file's consent dialog can show here
            from ...compute.network import store_network

            store_network(store, req.snapshot, ask=consent_asker(self))
        except SeeinError as exc:
            self.note.setText(str(exc))
            self.shown_generation = generation
            return
        content = CONTENT[self.view]

        def work(progress):
            from ...render.whatif import figure_rgba

            return figure_rgba(content(store, req, progress))

        self._task = Task(work, generation, self)
        self._task.done.connect(self._on_done)
        self._task.failed.connect(self._on_failed)
        self._task.cancelled.connect(self._on_cancelled)
        self._task.progressed.connect(self._on_progress)
        self._task.finished.connect(self._on_finished)
        self.cancel_button.setEnabled(True)
        self._task.start()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_progress(self, generation: int, done: int, total: int, message: str) -> None:
        self.note.setText(f"{message} {done}/{total}")

    def _on_done(self, generation: int, rgba: np.ndarray) -> None:
        self.rgba = rgba
        self._show_pixmap()
        self.note.setText("")
        self.shown_generation = generation

    def _show_pixmap(self) -> None:
        if self.rgba is not None:
            self.image.setPixmap(_pixmap(self.rgba).scaled(self.image.size(), QtCore.Qt.KeepAspectRatio,
                                                           QtCore.Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show_pixmap()

    def _on_failed(self, generation: int, message: str) -> None:
        self.note.setText(message)
        self.shown_generation = generation

    def _on_cancelled(self, generation: int) -> None:
        self.note.setText("cancelled")
        self.shown_generation = generation

    def _on_finished(self) -> None:
        self._task = None
        self.cancel_button.setEnabled(False)
        if self._pending:
            self._pending = False
            self._start()

    @property
    def busy(self) -> bool:
        if not self.isVisible():
            return False
        return self._debounce.isActive() or (self._task is not None and self._task.isRunning()) \
            or self.shown_generation != self._generation

    def shutdown(self) -> None:
        self._subs.disconnect()
        if self._task is not None:
            self._task.cancel()
            self._task.wait(2000)


def _pixmap(rgba: np.ndarray):
    from qtpy import QtGui

    return QtGui.QPixmap.fromImage(to_qimage(rgba))


__all__ = ["WhatIfPanel"]

"""The status bar: points in the active layer, selected images, frame rate, and long-work progress."""

from __future__ import annotations

from qtpy import QtWidgets

from ..state import AppState
from ..state.bus import LayerEvent, ProgressEvent, SelectionEvent, Subscriptions


class StatusBar(QtWidgets.QStatusBar):
    """Permanent fields for points / selection / fps and a progress bar with a Cancel button."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("status")
        self.state = state
        self.points_label = QtWidgets.QLabel(self)
        self.selection_label = QtWidgets.QLabel(self)
        self.fps_label = QtWidgets.QLabel(self)
        self.fps_label.setMinimumWidth(70)
        self.progress_bar = QtWidgets.QProgressBar(self)
        self.progress_bar.setMinimumWidth(320)  # wide enough to name the phase
        self.progress_bar.setMaximumWidth(420)
        self.cancel_button = QtWidgets.QToolButton(self)
        self.cancel_button.setText("Cancel")
        for w in (self.progress_bar, self.cancel_button):
            w.hide()
            self.addPermanentWidget(w)
        for w in (self.points_label, self.selection_label, self.fps_label):
            self.addPermanentWidget(w)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self._cancelling = False
        self._task = ""  # the task the bar shows
        self._subs = Subscriptions()
        self._subs.connect(state.bus.layer_changed, self._on_layer)
        self._subs.connect(state.bus.selection_changed, self._on_selection)
        self._subs.connect(state.bus.progress, self._on_progress)
        self._subs.connect(state.bus.status, lambda text: self.showMessage(text, 8000))

    def _on_layer(self, event: LayerEvent) -> None:
        store = self.state.store
        self.points_label.setText(f"{event.layer}: {store.n_points(event.layer):,} points")
        self._on_selection(SelectionEvent(self.state.selection))

    def _on_selection(self, event: SelectionEvent) -> None:
        n = self.state.store.n_images if self.state.store is not None else 0
        self.selection_label.setText(f"{event.count:,} / {n:,} images selected")

    def set_fps(self, fps: float) -> None:
        """Show the embedding view's measured frame rate."""
        self.fps_label.setText(f"{fps:5.1f} fps")

    def _on_cancel_clicked(self) -> None:
        """Answer at once: the bar says "cancelling…" until the work has stopped (well within a second)."""
        self._cancelling = True
        self.cancel_button.setEnabled(False)
        self.progress_bar.setFormat(f"{self._task}: cancelling…")
        self.showMessage(f"{self._task}: cancelling…")

    def _cancel_done(self) -> None:
        """The cancel asked of the last task is over (it finished, or another task started)."""
        self._cancelling = False
        self.cancel_button.setEnabled(True)

    def _on_progress(self, event: ProgressEvent) -> None:
        if event.finished:
            self.progress_bar.hide()
            self.cancel_button.hide()
            self._cancel_done()
            if event.message:
                self.showMessage(event.message, 8000)
            return
        if event.task != self._task:  # another task started
            self._cancel_done()
        self._task = event.task
        self.progress_bar.show()
        self.cancel_button.show()
        self.progress_bar.setRange(0, max(event.total, 0))
        self.progress_bar.setValue(min(event.done, max(event.total, 0)))
        if self._cancelling:
            self.progress_bar.setFormat(f"{event.task}: cancelling…")
            return
        # the phase in the bar itself ("t-SNE of conv1: placing 1,015,072 points 97%")
        phase = f" · {event.message}" if event.message else ""
        text = f"{event.task}{phase}".replace("%", "%%")
        self.progress_bar.setFormat(f"{text} %p%" if event.total > 0 else text)
        if event.message:
            self.showMessage(f"{event.task}: {event.message}")

    def shutdown(self) -> None:
        self._subs.disconnect()

"""The timeline (deepViz): a slider over the store's snapshots with play/pause; every view follows.

In projection mode each snapshot has its own map, computed in the background ahead of the
play head (the embedding view queues them, ``seein.state.projection_timeline``): the play
head steps on only once the next snapshot's map is ready, and the label says what it
waits for ("snapshot 4/6 · computing t-SNE…"), so it never names a snapshot whose map is
not the one drawn. A Cancel (or a failure) stops the play.
"""

from __future__ import annotations

from typing import Optional

from qtpy import QtCore, QtWidgets

from ..state import AppState, ViewMode
from ..state.bus import MapStatus, MapStatusEvent, Subscriptions
from .embedding_controls import METHOD_LABELS


class Timeline(QtWidgets.QWidget):
    """Play/pause button, snapshot slider and a label with the step, epoch and metrics."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None, interval_ms: int = 700):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.state = state
        self.play_button = QtWidgets.QToolButton(self)
        self.play_button.setCheckable(True)
        self.play_button.setText("Play")
        self.play_button.setToolTip("Play/pause the training timeline (Space)")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, self)
        self.slider.setPageStep(1)
        self.label = QtWidgets.QLabel(self)
        self.label.setMinimumWidth(260)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.play_button.toggled.connect(self._on_play)
        self.slider.valueChanged.connect(self._on_slider)
        self._subs = Subscriptions()
        self._subs.connect(state.bus.store_changed, self._on_store)
        self._subs.connect(state.bus.snapshot_changed, self._on_snapshot)
        self._subs.connect(state.bus.snapshots_added, self._on_added)
        self._subs.connect(state.bus.map_status, self._on_map_status)
        self._subs.connect(state.bus.mode_changed, self._refresh)
        self._subs.connect(state.bus.layer_changed, self._refresh)
        self._waiting_for: Optional[int] = None  # playing, the next snapshot's map is not ready yet
        if state.store is not None:
            self._on_store(state.store)

    def _on_store(self, store) -> None:
        self.play_button.setChecked(False)
        n = len(store.snapshots)
        blocked = self.slider.blockSignals(True)
        self.slider.setRange(0, n - 1)
        self.slider.setValue(self.state.snapshot)
        self.slider.blockSignals(blocked)
        self.setEnabled(n > 1)
        self._on_snapshot(self.state.snapshot)

    def _on_added(self, n: int) -> None:
        """A live store grew: the slider reaches its new last snapshot (the current one is kept)."""
        blocked = self.slider.blockSignals(True)
        self.slider.setRange(0, n - 1)
        self.slider.blockSignals(blocked)
        self.setEnabled(n > 1)
        self._on_snapshot(self.state.snapshot)

    def _on_snapshot(self, k: int) -> None:
        blocked = self.slider.blockSignals(True)
        self.slider.setValue(k)
        self.slider.blockSignals(blocked)
        store = self.state.store
        snap = store.snapshot(k)
        metrics = ", ".join(f"{name} {value:.3g}" for name, value in sorted(snap.metrics.items()))
        self.label.setText(f"snapshot {k + 1}/{len(store.snapshots)}{self._note(k)}  step {snap.step}  "
                           f"epoch {snap.epoch:g}" + (f"  {metrics}" if metrics else ""))

    def _status(self, k: int) -> Optional[MapStatus]:
        """How snapshot ``k``'s map of the active layer stands; None outside projection mode."""
        s = self.state
        if s.mode != ViewMode.PROJECTION or s.layer is None:
            return None
        return s.maps.status((s.layer, s.method, k))

    def _note(self, k: int) -> str:
        """What the label adds in projection mode: the map of snapshot ``k`` not ready, or the next awaited."""
        status = self._status(k)
        if status is None:
            return ""
        method = METHOD_LABELS[self.state.method]
        if status is MapStatus.CANCELLED:
            return f" · {method} cancelled"
        if status is MapStatus.FAILED:
            return f" · {method} failed"
        if status is not MapStatus.READY:
            return f" · computing {method}…"
        if self._waiting_for is not None:
            return f" · waiting for snapshot {self._waiting_for + 1}'s {method}…"
        return ""

    def _refresh(self, *_args) -> None:
        if self.state.store is not None:
            self._on_snapshot(self.state.snapshot)

    def _on_map_status(self, event: MapStatusEvent) -> None:
        s = self.state
        if (event.layer, event.method) != (s.layer, s.method) or s.mode != ViewMode.PROJECTION:
            return
        if event.status in (MapStatus.CANCELLED, MapStatus.FAILED) and self.play_button.isChecked():
            self.play_button.setChecked(False)  # Cancel stops the play: it would wait for nothing
        if event.snapshot in (s.snapshot, self._waiting_for):
            if event.status is MapStatus.READY and event.snapshot == self._waiting_for and self.timer.isActive():
                self._tick()  # the awaited map is here: step on now
            else:
                self._refresh()

    def _on_slider(self, value: int) -> None:
        self.state.set_snapshot(value)

    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self.timer.start()
        else:
            self.timer.stop()
            if self._waiting_for is not None:
                self._waiting_for = None
                self._refresh()

    def toggle_play(self) -> None:
        if self.isEnabled():
            self.play_button.toggle()

    def _tick(self) -> None:
        """One step of the play; in projection mode only onto a snapshot whose map is ready."""
        s = self.state
        k = s.snapshot
        nxt = (k + 1) % len(s.store.snapshots)
        here, there = self._status(k), self._status(nxt)
        if here is not None and here is not MapStatus.READY:
            return  # this snapshot's map is still being computed: the label says so, the play waits
        if there in (MapStatus.QUEUED, MapStatus.COMPUTING):
            if self._waiting_for != nxt:
                self._waiting_for = nxt
                self._refresh()
            return
        self._waiting_for = None
        s.step_snapshot(1)  # a map not asked for yet is computed once the view names it
        if self.timer.isActive():
            self.timer.start()  # a whole step on the new snapshot, however late its map came

    def shutdown(self) -> None:
        self.timer.stop()
        self._subs.disconnect()

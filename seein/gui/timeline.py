"""The timeline (deepViz): a slider over the store's snapshots with play/pause; every view follows."""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

from ..state import AppState
from ..state.bus import Subscriptions


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
        self.label.setText(f"snapshot {k + 1}/{len(store.snapshots)}  step {snap.step}  "
                           f"epoch {snap.epoch:g}" + (f"  {metrics}" if metrics else ""))

    def _on_slider(self, value: int) -> None:
        self.state.set_snapshot(value)

    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self.timer.start()
        else:
            self.timer.stop()

    def toggle_play(self) -> None:
        if self.isEnabled():
            self.play_button.toggle()

    def _tick(self) -> None:
        self.state.step_snapshot(1)

    def shutdown(self) -> None:
        self.timer.stop()
        self._subs.disconnect()

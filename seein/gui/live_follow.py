"""The window's side of following a live store: a poll timer and the "Follow latest" toggle.

The work is :class:`seein.state.live.StoreFollower`'s; this module only runs it on a
timer (every half second: one ``stat`` unless the index changed) and puts the toggle on
the timeline, shown while the open store is being written.
"""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

from ..state import AppState
from ..state.bus import Subscriptions
from ..state.live import StoreFollower

POLL_MS = 500


class LiveFollow(QtCore.QObject):
    """Polls the open store while it is live; ``follow_box`` toggles following the newest snapshot."""

    def __init__(self, state: AppState, timeline: QtWidgets.QWidget, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.follower = StoreFollower(state)
        self.follow_box = QtWidgets.QCheckBox("Follow latest", timeline)
        self.follow_box.setObjectName("follow_latest")
        self.follow_box.setToolTip("The store is being written by a training: jump to each new snapshot")
        self.follow_box.setChecked(True)
        self.follow_box.setVisible(False)
        self.follow_box.toggled.connect(self._on_toggle)
        timeline.layout().addWidget(self.follow_box)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._subs = Subscriptions()
        self._subs.connect(state.bus.store_changed, self._on_store)
        if state.store is not None:
            self._on_store(state.store)

    def _on_store(self, store) -> None:
        if store is self.state.store and self.follower.following and store.path == self.follower.path:
            return
        live = self.follower.watch(store)
        self.follow_box.setVisible(live)
        if live:
            self.timer.start()
        else:
            self.timer.stop()

    def _on_toggle(self, on: bool) -> None:
        self.follower.follow_latest = on
        if on and self.state.store is not None:
            self.state.set_snapshot(len(self.state.store.snapshots) - 1)

    def poll(self) -> int:
        added = self.follower.poll()
        if not self.follower.following:
            self.timer.stop()
            self.follow_box.setVisible(False)
        return added

    def shutdown(self) -> None:
        self.timer.stop()
        self._subs.disconnect()
        self.follower.stop()

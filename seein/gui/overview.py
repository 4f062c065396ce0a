"""The overview (focus + context, Seein' In §3.4): the whole layer small, with the main view's box.

Dragging in the overview moves the main view's centre there; scrolling zooms the main
view about it. The box becomes a crosshair when it is too small to see (the scene's
job). The per-panel densities are computed in a worker thread, so a million-point
matrix never stalls the window. This view only turns mouse input into a new viewport
on the state; the embedding view follows viewport events from any source but itself.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from qtpy import QtWidgets

from ..state import AppState, ViewMode, class_palette
from ..state.bus import Source, Subscriptions, ViewportEvent
from .worker import Task

ZOOM_STEP = 1.25
BINS = 48  # density bins per panel side


class OverviewView(QtWidgets.QWidget):
    """A small canvas of :class:`seein.render.overview.OverviewScene` following the active layer."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        from ..render.overview import OverviewScene
        from .qt_app import vispy_app

        self.setObjectName("overview")
        self.state = state
        self.scene = OverviewScene(app=vispy_app(), size=(220, 220), show=False, parent=self)
        self.canvas = self.scene.canvas
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas.native)
        self.setMinimumSize(160, 160)
        self._dragging = False
        self._shown_key: Optional[tuple] = None
        self._task: Optional[Task] = None
        ev = self.canvas.events
        ev.mouse_press.connect(self._on_press)
        ev.mouse_move.connect(self._on_move)
        ev.mouse_release.connect(self._on_release)
        ev.mouse_wheel.connect(self._on_wheel)
        b = state.bus
        self._subs = Subscriptions()
        self._subs.connect(b.layer_changed, self._reload)
        self._subs.connect(b.snapshot_changed, self._reload)
        self._subs.connect(b.mode_changed, self._reload)
        self._subs.connect(b.projection_changed, self._reload)
        self._subs.connect(b.dims_changed, self._reload)
        self._subs.connect(b.viewport_changed, self._on_viewport)

    def canvases(self) -> list:
        return [self.canvas]

    @property
    def busy(self) -> bool:
        return self._task is not None and self._task.isRunning()

    def _reload(self, *_args) -> None:
        """Recompute the density overview when what the main view shows changed (in a worker)."""
        s = self.state
        if s.store is None or s.layer is None:
            return
        key = (s.layer, s.snapshot, s.mode, s.method if s.mode == ViewMode.PROJECTION else None,
               s.dims if s.mode == ViewMode.SCATTER else None)
        if key == self._shown_key or (s.mode == ViewMode.PROJECTION and s.projection() is None):
            return
        self._shown_key = key
        if self._task is not None and self._task.isRunning():
            self._task.cancel()
        pairs = s.dims if s.mode == ViewMode.SCATTER else None
        layer, snapshot, projected = s.layer, s.snapshot, s.projection() if s.mode == ViewMode.PROJECTION else None

        store = s.store

        def work(progress):  # in class colours, as the main view's points and densities
            from ..render.overview import class_densities

            points = projected if projected is not None else s.read_points(layer, snapshot)
            images = store.point_image(layer, np.arange(len(points)))
            if projected is not None:  # a projection's axes are its own
                return class_densities(projected, images, store.labels, BINS, None, pairs=(0, 1), progress=progress)
            ranges = s.layer_ranges(layer)  # as the main view
            return class_densities(points, images, store.labels, BINS, ranges, pairs=pairs, progress=progress)

        self._task = Task(work, key, self)
        self._task.done.connect(self._show)
        self._task.failed.connect(self._on_failed)
        self._task.finished.connect(self._on_finished)
        self._task.start()

    def _on_failed(self, key, message: str) -> None:
        self.state.bus.status.emit(f"overview: {message}")

    def _on_finished(self) -> None:
        if self._task is not None and self._task.isFinished():
            self._task = None

    def _show(self, key, densities) -> None:
        if key != self._shown_key:
            return  # a newer layer or mode is on its way
        self.scene.set_densities(densities, class_palette(self.state.store.n_classes))
        if self.state.viewport is not None:
            self.scene.set_viewport(self.state.viewport)
        self.canvas.update()

    def _on_viewport(self, event: ViewportEvent) -> None:
        self.scene.set_viewport(event.rect)
        self.canvas.update()

    # -- navigation ------------------------------------------------------------------------
    def _on_press(self, event) -> None:
        if event.button == 1 and self.state.viewport is not None:
            self._dragging = True
            self.state.set_viewport(self.scene.navigate(*event.pos[:2]), source=Source.OVERVIEW)

    def _on_move(self, event) -> None:
        if self._dragging and self.state.viewport is not None:
            self.state.set_viewport(self.scene.navigate(*event.pos[:2]), source=Source.OVERVIEW)

    def _on_release(self, event) -> None:
        self._dragging = False

    def _on_wheel(self, event) -> None:
        if self.state.viewport is not None:
            factor = 1 / ZOOM_STEP if event.delta[1] > 0 else ZOOM_STEP
            self.state.set_viewport(self.scene.zoom(*event.pos[:2], factor), source=Source.OVERVIEW)
        event.handled = True

    def shutdown(self) -> None:
        self._subs.disconnect()
        if self._task is not None:
            self._task.cancel()
            self._task.wait()

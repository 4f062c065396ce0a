"""The embedding view (Seein' In §3.1): the active layer as a scatter, a SPLOM or a projection.

A thin Qt widget of three parts: the toolbar (:mod:`seein.gui.embedding_controls`), the
adapter that keeps the scene showing what the state names (:mod:`seein.gui.embedding_adapter`)
and the task controller that reads big layers, computes projections and plays the
transition (:mod:`seein.gui.embedding_tasks`). Here the mouse over the canvas becomes
state changes: hover (throttled), click, lasso.
"""

from __future__ import annotations

import time
from typing import Optional

from qtpy import QtCore, QtWidgets

from ..state import AppState
from ..state.bus import Source
from .embedding_adapter import EmbeddingAdapter
from .embedding_controls import EmbeddingControls
from .embedding_tasks import EmbeddingTasks
from .frame_clock import FrameClock
from .lasso import LassoTool
from .modifiers import mode_from_vispy

HOVER_MIN_MS = 30  # hover picks at most this often; slower picks (huge layers) space out more


class EmbeddingView(QtWidgets.QWidget):
    """The central view: the toolbar over the scene's canvas, mouse input to the state."""

    frame_rate = QtCore.Signal(float)
    lasso_finished = QtCore.Signal()

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        from ..render.scene import EmbeddingScene
        from .qt_app import vispy_app

        self.setObjectName("embedding_view")
        self.state = state
        self.scene = EmbeddingScene(app=vispy_app(), size=(800, 600), show=False, parent=self)
        self.canvas = self.scene.canvas
        self.controls = EmbeddingControls(state, self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.controls)
        layout.addWidget(self.canvas.native, 1)
        self.tasks = EmbeddingTasks(state, self.scene, self)
        self.adapter = EmbeddingAdapter(state, self.scene, self.tasks, self)
        self.clock = FrameClock(self.canvas, self)
        self.clock.frame.connect(self.adapter.frame_drawn)
        self.clock.frame_rate.connect(self.frame_rate)
        self.lasso = LassoTool(self.canvas)
        self._hover_pending: Optional[tuple[float, float]] = None
        self._hover_timer = QtCore.QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_MIN_MS)
        self._hover_timer.timeout.connect(self._do_hover)
        self.adapter.pointer_left.connect(lambda: setattr(self, "_hover_pending", None))  # no late pick
        self._press: Optional[tuple[float, float]] = None
        ev = self.canvas.events
        ev.mouse_move.connect(self._on_mouse_move)
        ev.mouse_press.connect(self._on_mouse_press)
        ev.mouse_release.connect(self._on_mouse_release)
        ev.mouse_wheel.connect(lambda event: self.adapter.moving())
        ev.resize.connect(lambda event: QtCore.QTimer.singleShot(0, self.adapter.resized))

    def canvases(self) -> list:
        return [self.canvas]

    @property
    def stale(self) -> bool:
        """The scene still shows the previous layer or snapshot (the new one is being read)."""
        return self.adapter.stale

    @property
    def blank(self) -> bool:
        """The scene shows a placeholder, not points: nothing to hover, click or lasso."""
        return self.adapter.placeholder.active

    @property
    def busy(self) -> bool:
        """Work pending before the view shows what the state names, every point of it."""
        return self.tasks.busy or self.adapter.stale \
            or self.scene.points.sample_size is not None  # a thinned frame: every point follows

    def reset_view(self) -> None:
        self.adapter.reset_view()

    def cancel_projection(self) -> None:
        self.tasks.cancel_projection()

    def set_lasso(self, on: bool) -> None:
        """Turn the lasso tool on (drags draw a polygon) or off (drags pan)."""
        self.lasso.set_active(on)
        self.scene.view.camera.interactive = not on

    # -- mouse ----------------------------------------------------------------------------------
    def _on_mouse_move(self, event) -> None:
        if self.lasso.dragging:
            self.adapter.thin()  # each step of the polygon redraws the view: thinned, like a pan
            self.lasso.extend(event.pos)
            return
        if event.is_dragging and not self.lasso.active:  # a pan
            self.adapter.moving()
        if event.button is None and not event.is_dragging:
            self._hover_pending = tuple(event.pos[:2])
            if not self._hover_timer.isActive():
                self._hover_timer.start()

    def _do_hover(self) -> None:
        if self._hover_pending is None or self.state.store is None or self.stale or self.blank:
            return
        t0 = time.perf_counter()
        point = self.scene.pick(*self._hover_pending)
        self.state.set_hover_point(point)
        # leave the event loop at least as much time as picking took
        spent_ms = (time.perf_counter() - t0) * 1000
        self._hover_timer.setInterval(int(max(HOVER_MIN_MS, 2 * spent_ms)))

    def _on_mouse_press(self, event) -> None:
        self._press = tuple(event.pos[:2])
        if self.lasso.active and event.button == 1:
            self.lasso.start(event.pos)

    def _on_mouse_release(self, event) -> None:
        if self.state.store is None or self.stale or self.blank:  # no points of the active layer on screen
            self.lasso.cancel()
            return
        mode = mode_from_vispy(event.modifiers, self.state.select_mode)
        if self.lasso.dragging:
            self.lasso.extend(event.pos)
            polygon = self.lasso.finish()
            if len(polygon) >= 3:
                image_mask, point_mask = self.scene.lasso(polygon)
                self.state.select_points(point_mask, mode, source=Source.LASSO) if point_mask is not None \
                    else self.state.select(image_mask, mode, source=Source.LASSO)
            self.lasso_finished.emit()
            return
        if event.button == 1 and self._press is not None:
            dx, dy = event.pos[0] - self._press[0], event.pos[1] - self._press[1]
            if dx * dx + dy * dy <= 9:  # a click, not a pan
                self.state.select_point(self.scene.pick(*event.pos[:2]), mode, source=Source.CLICK)

    def shutdown(self) -> None:
        self._hover_timer.stop()
        self.clock.close()
        self.controls.shutdown()
        self.adapter.shutdown()
        self.tasks.shutdown()

"""The embedding view (Seein' In §3.1): the active layer as a scatter, a SPLOM or a projection.

A thin Qt shell around :class:`seein.render.scene.EmbeddingScene`: mouse input becomes
state changes (hover, click, lasso), bus events become scene calls. Selection changes
reach the scene as an image mask (n_images bytes); point positions are uploaded only
when the layer, snapshot or projection changes. Projections are computed in a worker
thread with progress on the bus and a Cancel; switching layers in projection mode
animates from the previous layer's aligned positions.
"""

from __future__ import annotations

import time
from typing import Optional

from qtpy import QtCore, QtWidgets

from ..state import METHODS, MOVING_POINTS_BUDGET, AppState, moving_sample
from ..state.bus import (
    DimsEvent,
    HoverEvent,
    LayerEvent,
    ModeEvent,
    ProgressEvent,
    ProjectionEvent,
    SelectionEvent,
    Subscriptions,
    ViewportEvent,
)
from .lasso import LassoTool
from .modifiers import mode_from_vispy
from .style_controls import StyleControls
from .worker import Task

MODE_LABELS = {"scatter": "Scatter", "splom": "Matrix", "projection": "Projection"}
METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "pivotmds": "PivotMDS"}
TRANSITION_MS = 900
HOVER_REDRAW_MAX_POINTS = 300_000  # points per frame up to which a hover redraws to highlight
ASYNC_LOAD_VALUES = 2_000_000  # layers with more values (points x dims) are read in a worker
HOVER_MIN_MS = 30  # hover picks at most this often; slower picks (huge layers) space out more
REST_MS = 250  # the camera rests this long after the last pan or zoom: draw every point again


def _task_label(key: tuple) -> str:
    """"PCA of fc1" for a projection task's (layer, method, snapshot) key."""
    layer, method, _ = key
    return f"{METHOD_LABELS[method]} of {layer}"


class EmbeddingView(QtWidgets.QWidget):
    """The central view: a toolbar (mode, method, dims, size, fade) over the scene's canvas."""

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
        self.mode_box = QtWidgets.QComboBox(self)
        for mode, label in MODE_LABELS.items():
            self.mode_box.addItem(label, mode)
        self.method_box = QtWidgets.QComboBox(self)
        for method in METHODS:
            self.method_box.addItem(METHOD_LABELS[method], method)
        self.x_box = QtWidgets.QSpinBox(self)
        self.y_box = QtWidgets.QSpinBox(self)
        self.x_box.setPrefix("x ")
        self.y_box.setPrefix("y ")
        self.x_box.setToolTip("Dimension on the x axis of the scatter")
        self.y_box.setToolTip("Dimension on the y axis of the scatter")
        self.style = StyleControls(state, self)
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for w in (QtWidgets.QLabel("Show", self), self.mode_box, self.method_box, self.x_box, self.y_box):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.style)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas.native, 1)
        self.lasso = LassoTool(self.canvas)
        self._task: Optional[Task] = None
        self._loader: Optional[Task] = None
        self._load_after = None
        self._shown_images: Optional[int] = None  # images of the store whose points are on screen
        self.stale = False  # the scene still shows the previous layer or snapshot
        self._task_key = None
        self._shown_key = None
        self._hover_pending: Optional[tuple[float, float]] = None
        self._hover_timer = QtCore.QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_MIN_MS)
        self._hover_timer.timeout.connect(self._do_hover)
        self.moving_budget = MOVING_POINTS_BUDGET  # points per frame while the user pans or zooms
        self._homed = False  # the view is the layer's first view, untouched since (resizes keep it so)
        self._rest_timer = QtCore.QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_MS)
        self._rest_timer.timeout.connect(self._at_rest)
        self._anim = QtCore.QTimer(self)
        self._anim.setInterval(16)
        self._anim.timeout.connect(self._animate)
        self._anim_start = 0.0
        self._press: Optional[tuple[float, float]] = None
        self._frame_times: list[float] = []
        self._draw_t0 = 0.0
        self.mode_box.currentIndexChanged.connect(self._on_mode_box)
        self.method_box.currentIndexChanged.connect(self._on_mode_box)
        self.x_box.valueChanged.connect(self._on_dims_box)
        self.y_box.valueChanged.connect(self._on_dims_box)
        ev = self.canvas.events
        ev.mouse_move.connect(self._on_mouse_move)
        ev.mouse_press.connect(self._on_mouse_press)
        ev.mouse_release.connect(self._on_mouse_release)
        ev.mouse_wheel.connect(lambda event: self._moving())
        ev.resize.connect(lambda event: QtCore.QTimer.singleShot(0, self._on_resized))
        ev.draw.connect(self._on_draw_start, position="first")
        ev.draw.connect(self._on_draw_end, position="last")
        b = state.bus
        self._subs = Subscriptions()
        self._subs.connect(b.layer_changed, self._on_layer)
        self._subs.connect(b.snapshot_changed, self._on_snapshot)
        self._subs.connect(b.mode_changed, self._on_mode)
        self._subs.connect(b.dims_changed, self._on_dims)
        self._subs.connect(b.selection_changed, self._on_selection)
        self._subs.connect(b.hover_changed, self._on_hover)
        self._subs.connect(b.viewport_changed, self._on_viewport)
        self._subs.connect(b.projection_changed, self._on_projection)
        self._subs.connect(b.style_changed, self._on_style)
        self.scene.view_changed.connect(self._on_camera)
        self.scene.set_point_size(state.point_size)
        self.scene.set_fade(state.fade)

    def canvases(self) -> list:
        return [self.canvas]

    # -- state -> scene -----------------------------------------------------------------------
    def _sync_controls(self) -> None:
        s, info = self.state, self.state.info
        for box, value in ((self.mode_box, s.mode), (self.method_box, s.method)):
            blocked = box.blockSignals(True)
            box.setCurrentIndex(box.findData(value))
            box.blockSignals(blocked)
        # enabled or not, never shown or hidden: a toolbar that changes height resizes the
        # canvas, and a resized canvas redraws at once (a second frame of a million points)
        self.method_box.setEnabled(s.mode == "projection")
        for box, value in ((self.x_box, s.dims[1]), (self.y_box, s.dims[0])):
            blocked = box.blockSignals(True)
            box.setRange(0, max(info.dims - 1, 0))
            box.setValue(value)
            box.blockSignals(blocked)
            box.setEnabled(s.mode == "scatter" and info.dims > 2)

    def _reload(self, after=None) -> None:
        """Upload the active layer at the current snapshot (or its projection) to the scene.

        ``after`` says where the view goes once the new points are up: "home", a rect
        (x, y, w, h) to keep, or None. Large layers are read in a worker first, the
        previous points staying on screen (and out of reach of the mouse) meanwhile.
        """
        s = self.state
        if s.store is None or s.layer is None:
            return
        self._sync_controls()
        if s.mode == "projection" and s.projection() is None:
            self._start_projection()
            return
        info = s.info
        if s.mode != "projection" and not s.has_points(s.layer, s.snapshot) \
                and info.n_points(s.store.n_images) * info.dims > ASYNC_LOAD_VALUES:
            self._start_load(after)
            return
        self.stale = False
        arrays = s.layer_arrays()
        # scatter and matrix draw the same uploaded points (the scene switches with uniforms);
        # only a projection brings other positions
        key = (str(s.store.path), s.layer, s.snapshot, s.method if s.mode == "projection" else None)
        if key != self._shown_key:
            self.scene.set_layer(arrays["points"], arrays["image_index"], arrays["labels"],
                                 arrays["n_images"], arrays["palette"], ranges=arrays["ranges"])
            self._shown_key = key
            self._shown_images = arrays["n_images"]
        self.scene.set_mode("scatter" if s.mode == "projection" else s.mode)
        if s.mode == "scatter":
            self.scene.set_dims(s.dims[1], s.dims[0])  # the scene takes (x, y)
        self.scene.set_selection(s.selection if s.selection.any() else None)
        if after == "home":
            self.reset_view()
        elif after is not None:
            self.scene.view_rect = after
        self.canvas.update()

    def _start_load(self, after) -> None:
        """Read the active layer's points in a worker; upload them when they arrive."""
        s = self.state
        key = (s.layer, s.snapshot)
        self.stale = True
        self._load_after = after
        if self._loader is not None and self._loader.isRunning() and self._loader.tag == key:
            return
        layer, snapshot = key
        self._loader = Task(lambda progress: (s.layer_ranges(layer), s.read_points(layer, snapshot)), key, self)
        self._loader.done.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._loader.finished.connect(self._on_loader_finished)
        s.bus.status.emit(f"reading {layer} at snapshot {snapshot + 1}...")
        self._loader.start()

    def _on_loaded(self, key, _points) -> None:
        s = self.state
        s.bus.status.emit("")  # clears the "reading ..." message
        if key == (s.layer, s.snapshot) and s.mode != "projection":
            self._reload(self._load_after)

    def _on_load_failed(self, key, message: str) -> None:
        self.state.bus.status.emit(f"could not read {key[0]}: {message}")

    def _on_loader_finished(self) -> None:
        if self._loader is not None and self._loader.isFinished():
            self._loader = None

    def _on_snapshot(self, k: int) -> None:
        """Same layer at another training step: new positions, same view (pan/zoom kept)."""
        self._reload(after=self.scene.view_rect)

    def _on_layer(self, event: LayerEvent) -> None:
        self._reload(after="home")

    def _on_mode(self, event: ModeEvent) -> None:
        self._reload(after="home")

    def _on_dims(self, event: DimsEvent) -> None:
        self._sync_controls()
        if self.stale:  # the new layer is still being read: go there once it is up
            if self.state.mode == "splom":
                self._load_after = self.state.panel_rect(event.i, event.j)
            return
        if self.state.mode == "scatter":
            self.scene.set_dims(event.j, event.i)  # x = dim j, y = dim i
        elif self.state.mode == "splom":
            self.scene.view_rect = self.state.panel_rect(event.i, event.j)
            self._homed = False
        self.canvas.update()

    def _on_selection(self, event: SelectionEvent) -> None:
        if self._shown_images != len(event.mask):
            return  # the store's first points are still being read; the upload brings the selection
        self.scene.set_selection(event.mask if event.mask.any() else None)
        self._thin()  # a huge view shows the new selection on a thinned frame first, then in full
        self.canvas.update()

    def _on_hover(self, event: HoverEvent) -> None:
        # Highlighting costs a full redraw; on huge layers the details view alone answers a hover.
        if self._shown_images is not None and self.points_per_frame() <= HOVER_REDRAW_MAX_POINTS:
            self.scene.set_hover(event.image)
            self.canvas.update()

    def points_per_frame(self) -> int:
        """How many points the next frame draws (0 while the scene shows density images)."""
        if self.scene.showing_densities:
            return 0
        return len(self.scene.visible_panels()) * self.scene.points.n_points

    def _on_style(self, name: str, value: float) -> None:
        (self.scene.set_point_size if name == "point_size" else self.scene.set_fade)(value)
        self.canvas.update()

    def _on_viewport(self, event: ViewportEvent) -> None:
        if event.source != "embedding":
            self._moving()  # the overview drags or scrolls this view
            self.scene.view_rect = event.rect
            self.canvas.update()

    def _moving(self) -> None:
        """The user pans or zooms: the first view is theirs now, and frames are thinned."""
        self._homed = False
        self._thin()

    def _thin(self) -> None:
        """Frames while the user moves the camera or draws a lasso: huge layers are thinned out to
        ``moving_budget`` points a frame until the view rests."""
        self.scene.points.set_sample(moving_sample(self.scene.points.n_points, self.points_per_frame(),
                                                   self.moving_budget))
        self._rest_timer.start()

    def _at_rest(self) -> None:
        if self.scene.points.sample_size is not None:
            self.scene.points.set_sample(None)
            self.canvas.update()

    def _on_camera(self, rect) -> None:
        self.state.set_viewport(rect, source="embedding")

    def reset_view(self) -> None:
        rect = self.state.home_rect(canvas_size=tuple(self.canvas.size))
        if rect is None:
            self.scene.home()
        else:
            self.scene.view_rect = rect
        self._homed = True
        self.canvas.update()

    def _on_resized(self) -> None:
        """A first view fits the canvas's new shape (the window was laid out or resized)."""
        if self._homed and not self.stale and self.state.store is not None:
            self.reset_view()

    # -- controls -> state --------------------------------------------------------------------
    def _on_mode_box(self) -> None:
        mode, method = self.mode_box.currentData(), self.method_box.currentData()
        if mode == "scatter" and self.state.info is not None and self.state.info.dims > 2 \
                and self.state.mode != "scatter":
            self.state.set_mode(mode, source="embedding")
        else:
            self.state.set_mode(mode, method if mode == "projection" else None, source="embedding")

    def _on_dims_box(self) -> None:
        self.state.set_dims(self.y_box.value(), self.x_box.value(), source="embedding")

    # -- mouse ----------------------------------------------------------------------------------
    def set_lasso(self, on: bool) -> None:
        """Turn the lasso tool on (drags draw a polygon) or off (drags pan)."""
        self.lasso.set_active(on)
        self.scene.view.camera.interactive = not on

    def _on_mouse_move(self, event) -> None:
        if self.lasso.dragging:
            self._thin()  # each step of the polygon redraws the view: thinned, like a pan
            self.lasso.extend(event.pos)
            return
        if event.is_dragging and not self.lasso.active:  # a pan
            self._moving()
        if event.button is None and not event.is_dragging:
            self._hover_pending = tuple(event.pos[:2])
            if not self._hover_timer.isActive():
                self._hover_timer.start()

    def _do_hover(self) -> None:
        if self._hover_pending is None or self.state.store is None or self.stale:
            return
        t0 = time.perf_counter()
        point = self.scene.pick(*self._hover_pending)
        self.state.set_hover_point(point)
        # leave the event loop at least as much time as picking took (a million points: ~0.1 s)
        spent_ms = (time.perf_counter() - t0) * 1000
        self._hover_timer.setInterval(int(max(HOVER_MIN_MS, 2 * spent_ms)))

    def _on_mouse_press(self, event) -> None:
        self._press = tuple(event.pos[:2])
        if self.lasso.active and event.button == 1:
            self.lasso.start(event.pos)

    def _on_mouse_release(self, event) -> None:
        if self.state.store is None or self.stale:  # the points on screen are not the active layer's
            self.lasso.cancel()
            return
        mode = mode_from_vispy(event.modifiers, self.state.select_mode)
        if self.lasso.dragging:
            self.lasso.extend(event.pos)
            polygon = self.lasso.finish()
            if len(polygon) >= 3:
                image_mask, point_mask = self.scene.lasso(polygon)
                self.state.select_points(point_mask, mode, source="lasso") if point_mask is not None \
                    else self.state.select(image_mask, mode, source="lasso")
            self.lasso_finished.emit()
            return
        if event.button == 1 and self._press is not None:
            dx, dy = event.pos[0] - self._press[0], event.pos[1] - self._press[1]
            if dx * dx + dy * dy <= 9:  # a click, not a pan
                self.state.select_point(self.scene.pick(*event.pos[:2]), mode, source="click")

    # -- frames -----------------------------------------------------------------------------------
    def _on_draw_start(self, event) -> None:
        self._draw_t0 = time.perf_counter()

    def _on_draw_end(self, event) -> None:
        from vispy.gloo import gl

        gl.glFinish()  # count the rasterisation too (llvmpipe does it here)
        now = time.perf_counter()
        if self._rest_timer.isActive():  # rest counts from the last thinned frame, not from the move
            self._rest_timer.start()
        self._frame_times.append(now - self._draw_t0)
        if len(self._frame_times) >= 5:
            self.frame_rate.emit(len(self._frame_times) / max(sum(self._frame_times), 1e-6))
            self._frame_times.clear()

    @property
    def last_frame_ms(self) -> float:
        return 1000 * self._frame_times[-1] if self._frame_times else float("nan")

    # -- projections ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return (self._task is not None and self._task.isRunning()) or self._anim.isActive() \
            or (self._loader is not None and self._loader.isRunning()) or self.stale \
            or self.scene.points.sample_size is not None  # a thinned frame: every point follows

    def _start_projection(self) -> None:
        from ..compute.projection import project

        s = self.state
        key = (s.layer, s.method, s.snapshot)
        if self._task is not None and self._task.isRunning():
            if self._task_key == key:
                return
            self._task.cancel()
        store, layer, method, snapshot = s.store, s.layer, s.method, s.snapshot
        task = Task(lambda progress: project(store, layer, method, snapshot=snapshot, progress=progress),
                    key, self)
        task.progressed.connect(self._on_task_progress)
        task.done.connect(self._on_projected)
        task.failed.connect(self._on_task_failed)
        task.cancelled.connect(self._on_task_cancelled)
        task.finished.connect(self._on_task_finished)
        self._task, self._task_key = task, key
        s.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "starting"))
        task.start()

    def _on_task_progress(self, key, done: int, total: int, message: str) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), done, total, message))

    def _on_task_failed(self, key, message: str) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, f"failed: {message}", True))

    def _on_task_cancelled(self, key) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "cancelled", True))

    def _on_task_finished(self) -> None:
        if self._task is not None and self._task.isFinished():
            self._task = None

    def cancel_projection(self) -> None:
        if self._task is not None and self._task.isRunning():
            self._task.cancel()

    def _on_projected(self, key, result) -> None:
        layer, method, snapshot = key
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 1, 1,
                                                   "cached" if result.cached else "done", True))
        self.state.set_projection(layer, method, snapshot, result.embedding[:, :2])

    def _on_projection(self, event: ProjectionEvent) -> None:
        s = self.state
        if (event.layer, event.method, event.snapshot) != (s.layer, s.method, s.snapshot) or s.mode != "projection":
            return
        self._reload()
        if event.start is not None:
            # the scene interpolates in its vertex shader from these start positions
            self.scene.set_transition(event.start)
            self._anim_start = time.perf_counter()
            self._anim.start()
        self.reset_view()

    def _animate(self) -> None:
        t = min((time.perf_counter() - self._anim_start) * 1000 / TRANSITION_MS, 1.0)
        self.scene.set_transition_t(t)
        self.canvas.update()
        if t >= 1.0:
            self._anim.stop()

    def shutdown(self) -> None:
        self._subs.disconnect()
        self.scene.view_changed.disconnect(self._on_camera)
        self.style.shutdown()
        self._hover_timer.stop()
        self._rest_timer.stop()
        self._anim.stop()
        for task in (self._task, self._loader):
            if task is not None:
                task.cancel()
                task.wait()

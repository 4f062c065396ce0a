"""The adapter between the state and the embedding scene (napari's ``VispyBaseLayer(layer, node)``).

Each bus event the embedding view follows is connected to an ``_on_*_change`` method that
updates :class:`~seein.render.scene.EmbeddingScene`; the scene's camera goes back to the
state as the viewport. Selections reach the scene as an image mask (n_images bytes); point
positions are uploaded only when the layer, snapshot or projection changes. Big layers
are read, and projections computed, by the task controller
(:class:`~seein.gui.embedding_tasks.EmbeddingTasks`); meanwhile the scene shows a marked
placeholder (:mod:`seein.render.placeholder`), never the previous layer's, snapshot's or
method's points, and takes no hover or click. A projection is drawn as the state's frame
(aligned onto the map shown before it) and animated from where its images' points are on
screen. While the camera moves (or a lasso is
drawn, or a selection lands) a huge view is thinned out (``seein.render.policy.moving_sample``)
until it rests.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from qtpy import QtCore

from ..render.axes import axis_titles
from ..render.placeholder import Placeholder
from ..render.policy import MOVING_POINTS_BUDGET, home_rect, moving_sample, panel_rect
from ..state import AppState, ViewMode
from ..state.bus import (
    DimsEvent,
    HoverEvent,
    LayerEvent,
    ModeEvent,
    ProjectionEvent,
    SelectionEvent,
    Source,
    Style,
    StyleEvent,
    Subscriptions,
    ViewportEvent,
)
from ..state.projection_timeline import MapFrame, eased, prefetch_order, start_positions
from ..state.start import unit_classes
from .embedding_controls import METHOD_LABELS
from .embedding_tasks import STEP_TRANSITION_MS, TRANSITION_MS, EmbeddingTasks

HOVER_REDRAW_MAX_POINTS = 300_000  # points per frame up to which a hover redraws to highlight
ASYNC_LOAD_VALUES = 2_000_000  # layers with more values (points x dims) are read in a worker
REST_MS = 250  # the camera rests this long after the last pan or zoom: draw every point again


class EmbeddingAdapter(QtCore.QObject):
    """Keeps ``scene`` showing what ``state`` names; ``tasks`` does the work that takes long."""

    pointer_left = QtCore.Signal()  # the pointer left the canvas (a pending hover pick is void)

    def __init__(self, state: AppState, scene, tasks: EmbeddingTasks, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.scene = scene
        self.tasks = tasks
        self.canvas = scene.canvas
        self.stale = False  # the state's layer or snapshot is still being read
        self.placeholder = Placeholder(scene)  # stands in for points the state does not name
        self.moving_budget = MOVING_POINTS_BUDGET  # points per frame while the user pans or zooms
        self._load_after = None
        self._shown_images: Optional[int] = None  # images of the store whose points are on screen
        self._shown_key = None
        self._on_screen: Optional[MapFrame] = None  # the projection frame drawn (None: a scatter or matrix)
        self._start = None  # where its points started their transition
        self._homed = False  # the view is the layer's first view, untouched since (resizes keep it so)
        self._rest_timer = QtCore.QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_MS)
        self._rest_timer.timeout.connect(self._at_rest)
        b = state.bus
        self._subs = Subscriptions()
        self._subs.connect(b.layer_changed, self._on_layer_change)
        self._subs.connect(b.snapshot_changed, self._on_snapshot_change)
        self._subs.connect(b.mode_changed, self._on_mode_change)
        self._subs.connect(b.dims_changed, self._on_dims_change)
        self._subs.connect(b.selection_changed, self._on_selection_change)
        self._subs.connect(b.hover_changed, self._on_hover_change)
        self._subs.connect(b.viewport_changed, self._on_viewport_change)
        self._subs.connect(b.projection_changed, self._on_projection_change)
        self._subs.connect(b.style_changed, self._on_style_change)
        self._subs.connect(b.axis_range_changed, self._on_axis_range_change)
        tasks.loaded.connect(self._on_loaded)
        tasks.ended.connect(self._on_task_ended)
        scene.view_changed.connect(self._on_camera)
        scene.set_point_size(state.point_size)
        scene.set_fade(state.fade)
        self.canvas.native.installEventFilter(self)

    # -- uploads ----------------------------------------------------------------------------
    def reload(self, after=None) -> None:
        """Upload the active layer at the current snapshot (or its projection) to the scene.

        ``after`` says where the view goes once the new points are up: "home", a rect
        (x, y, w, h) to keep, or None. Large layers are read in a worker first, the
        previous points staying on screen (and out of reach of the mouse) meanwhile.
        """
        s = self.state
        if s.store is None or s.layer is None:
            return
        frame = s.projection_frame() if s.mode == ViewMode.PROJECTION else None
        if s.mode == ViewMode.PROJECTION:
            if frame is None:
                self.stale = False
                self._load_after = after
                self.blank(f"computing {self._what()}… the map appears when it is ready")
                self.tasks.project(s.layer, s.method, s.snapshot)
            self._prefetch()
            if frame is None:
                return
        if s.mode != ViewMode.PROJECTION:
            self.tasks.prefetch(s.layer, s.method, [])  # the timeline's maps are wanted in projections only
        info = s.info
        if s.mode != ViewMode.PROJECTION and not s.has_points(s.layer, s.snapshot) \
                and info.n_points(s.store.n_images) * info.dims > ASYNC_LOAD_VALUES:
            self.stale = True
            self._load_after = after
            self.blank(f"reading {s.layer} at snapshot {s.snapshot + 1}…")
            self.tasks.load(s.layer, s.snapshot)
            return
        self.stale = False
        self.placeholder.hide()
        arrays = s.layer_arrays()
        # scatter and matrix draw the same uploaded points (the scene switches with uniforms);
        # only a projection brings other positions
        key = (str(s.store.path), s.layer, s.snapshot, s.method if s.mode == ViewMode.PROJECTION else None)
        start = None
        if key != self._shown_key:
            start = self._transition_start(frame, arrays["n_images"])
            start_layer = self._on_screen.key[0] if start is not None else None
            projection = s.mode == ViewMode.PROJECTION
            names = axis_titles(s.layer, arrays["points"].shape[1], s.method if projection else None,
                                unit_classes(s.store, s.layer))
            self.scene.set_layer(arrays["points"], arrays["image_index"], arrays["labels"],
                                 arrays["n_images"], arrays["palette"], ranges=arrays["ranges"], dim_names=names)
            self._shown_key = key
            self._shown_images = arrays["n_images"]
            self._on_screen, self._start = frame, start
        self.scene.set_mode(ViewMode.SCATTER if s.mode == ViewMode.PROJECTION else s.mode)
        if s.mode == ViewMode.SCATTER:
            self.scene.set_dims(*s.dims)
        self.scene.set_selection(s.selection if s.selection.any() else None)
        if after == "home":
            self.reset_view()
        elif after is not None:
            self.scene.view_rect = after
        if start is not None:  # between snapshots of one layer quicker, within the timeline's step
            self.tasks.animate(start, TRANSITION_MS if start_layer != s.layer else STEP_TRANSITION_MS)
        self.canvas.update()

    def _transition_start(self, frame: Optional[MapFrame], n_images: int):
        """Where the new map's points start (Deepling): where the map on screen draws the same
        images, mid-transition included; None when no projection of these images is on screen."""
        shown = self._on_screen
        if frame is None or shown is None or shown.key == frame.key \
                or len(shown.positions) != n_images * shown.per_image:
            return None
        t = self.tasks.transition_t
        if t is not None and self._start is not None:  # the points are on their way: start where they are
            shown = replace(shown, positions=eased(self._start, shown.positions, t))
        return start_positions(shown, frame.cells, frame.ranges)

    def _prefetch(self) -> None:
        """The timeline's maps: this snapshot's and the next ones', computed ahead of the play head."""
        s = self.state
        n = len(s.store.snapshots)
        if n < 2:
            return
        order = prefetch_order(s.snapshot, n, lambda k: s.maps.ready((s.layer, s.method, k)),
                               s.store.n_points(s.layer))
        self.tasks.prefetch(s.layer, s.method, [k for k in order if k != s.snapshot])

    def _what(self) -> str:
        """"t-SNE of fc1 at snapshot 3": the projection the state names."""
        s = self.state
        return f"{METHOD_LABELS[s.method]} of {s.layer} at snapshot {s.snapshot + 1}"

    def blank(self, message: str) -> None:
        """No points of the state's choice yet: show ``message`` instead of any other's points."""
        self.placeholder.show(message)
        if self.state.hover.image is not None:
            self.state.set_hover_point(None)

    def _on_task_ended(self, key, message: str) -> None:
        """A projection or read stopped without a result: say so where its map would be."""
        s = self.state
        if not self.placeholder.active:
            return
        if len(key) == 3 and s.mode == ViewMode.PROJECTION and tuple(key) == (s.layer, s.method, s.snapshot):
            self.placeholder.show(f"{self._what()}: {message}. Choose the method again to compute it, "
                                  "or show the layer as a scatter or matrix")
        elif len(key) == 2 and self.stale and tuple(key) == (s.layer, s.snapshot):
            self.stale = False
            self.placeholder.show(f"could not read {s.layer}: {message}")

    def _on_loaded(self, key) -> None:
        s = self.state
        if key == (s.layer, s.snapshot) and s.mode != ViewMode.PROJECTION:
            self.reload(self._load_after)

    # -- state -> scene ---------------------------------------------------------------------
    def _on_snapshot_change(self, k: int) -> None:
        """Same layer at another training step: new positions, same view (pan/zoom kept)."""
        self.reload(after=self.scene.view_rect)

    def _on_layer_change(self, event: LayerEvent) -> None:
        self.reload(after="home")

    def _on_mode_change(self, event: ModeEvent) -> None:
        self.reload(after="home")

    def _on_dims_change(self, event: DimsEvent) -> None:
        if self.stale:  # the new layer is still being read: go there once it is up
            if self.state.mode == ViewMode.SPLOM:
                self._load_after = panel_rect(self.state.info.dims, event.x, event.y)
            return
        if self.state.mode == ViewMode.SCATTER:
            self.scene.set_dims(event.x, event.y)
        elif self.state.mode == ViewMode.SPLOM:
            self.scene.view_rect = panel_rect(self.state.info.dims, event.x, event.y)
            self._homed = False
        self.canvas.update()

    def _on_selection_change(self, event: SelectionEvent) -> None:
        if self._shown_images != len(event.mask):
            return  # the store's first points are still being read; the upload brings the selection
        self.scene.set_selection(event.mask if event.mask.any() else None)
        self.thin()  # a huge view shows the new selection on a thinned frame first, then in full
        self.canvas.update()

    def _on_hover_change(self, event: HoverEvent) -> None:
        # Highlighting costs a full redraw; on huge layers the details view alone answers a hover.
        # An end of hover always reaches the scene: a point enlarged earlier must not stay so.
        if self._shown_images is not None and (event.image is None
                                               or self.points_per_frame() <= HOVER_REDRAW_MAX_POINTS):
            self.scene.set_hover(event.image)
            self.canvas.update()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        """The pointer left the canvas: nothing is hovered any more (the point un-enlarges)."""
        if event.type() == QtCore.QEvent.Leave and self.state.hover.source in (Source.EMBEDDING, Source.NONE):
            self.pointer_left.emit()
            if self.state.store is not None and self.state.hover.image is not None:
                self.state.set_hover_point(None)
        return False

    def _on_style_change(self, event: StyleEvent) -> None:
        (self.scene.set_point_size if event.style is Style.POINT_SIZE else self.scene.set_fade)(event.value)
        self.canvas.update()

    def _on_axis_range_change(self, axis_range) -> None:
        """Same axes over all snapshots, or fit to this one: new ranges on the points shown, no upload."""
        s = self.state
        if self._shown_key is None or s.mode == ViewMode.PROJECTION or self.stale or self.placeholder.active:
            return  # a projection's axes are its own; a layer being read brings its ranges along
        self.scene.set_ranges(s.axis_ranges(s.layer, s.snapshot))
        self.canvas.update()

    def _on_viewport_change(self, event: ViewportEvent) -> None:
        if event.source is not Source.EMBEDDING:
            self.moving()  # the overview drags or scrolls this view
            self.scene.view_rect = event.rect
            self.canvas.update()

    def _on_projection_change(self, event: ProjectionEvent) -> None:
        s = self.state
        if (event.layer, event.method, event.snapshot) != (s.layer, s.method, s.snapshot) \
                or s.mode != ViewMode.PROJECTION or self._shown_key == (str(s.store.path), s.layer, s.snapshot, s.method):
            return  # a map computed ahead (the timeline's), or one already drawn
        after, self._load_after = self._load_after, None
        self.reload(after=after if after is not None else "home")

    # -- camera -----------------------------------------------------------------------------
    def _on_camera(self, rect) -> None:
        self.state.set_viewport(rect, source=Source.EMBEDDING)

    def home_rect(self):
        """The layer's first view (x, y, w, h): a big matrix's top-left corner; None for the scene's home."""
        s = self.state
        if s.info is None or s.mode != ViewMode.SPLOM:
            return None
        return home_rect(s.info.dims, s.require_store().n_points(s.info.name), 
                         canvas_size=tuple(int(v) for v in self.scene.plot_rect[2:]))  # beside the axes

    def reset_view(self) -> None:
        """The layer's first view (the scene's home, or a big matrix's top-left corner)."""
        rect = self.home_rect()
        if rect is None:
            self.scene.home()
        else:
            self.scene.view_rect = rect
        self._homed = True
        self.canvas.update()

    def resized(self) -> None:
        """A first view fits the canvas's new shape (the window was laid out or resized)."""
        if self._homed and not self.stale and self.state.store is not None:
            self.reset_view()

    def points_per_frame(self) -> int:
        """How many points the next frame draws (0 while the scene shows density images)."""
        if self.scene.showing_densities:
            return 0
        return len(self.scene.visible_panels()) * self.scene.points.n_points

    def moving(self) -> None:
        """The user pans or zooms: the first view is theirs now, and frames are thinned."""
        self._homed = False
        self.thin()

    def thin(self) -> None:
        """Frames while the user moves the camera or draws a lasso: huge layers are thinned out to
        ``moving_budget`` points a frame until the view rests."""
        self.scene.points.set_sample(moving_sample(self.scene.points.n_points, self.points_per_frame(),
                                                   self.moving_budget))
        self._rest_timer.start()

    def frame_drawn(self, seconds: float = 0.0) -> None:
        """A frame is on screen: rest counts from the last thinned frame, not from the move."""
        if self._rest_timer.isActive():
            self._rest_timer.start()

    def _at_rest(self) -> None:
        if self.scene.points.sample_size is not None:
            self.scene.points.set_sample(None)
            self.canvas.update()

    def shutdown(self) -> None:
        self._subs.disconnect()
        self.canvas.native.removeEventFilter(self)
        self.scene.view_changed.disconnect(self._on_camera)
        self._rest_timer.stop()

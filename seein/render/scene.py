"""The embedding view: one layer's points as a scatter or a scatter-plot matrix (Seein' In §3.1).

:class:`EmbeddingScene` owns a VisPy ``SceneCanvas`` on any app backend: a Qt widget
(``app="pyqt5"``, embed ``scene.canvas.native``) or offscreen EGL (``app="egl"``, see
:mod:`seein.render.offscreen`). It draws through :class:`~seein.render.points.PointsVisual`,
so a layer is uploaded once and dims, mode, selection, hover, size and fade changes
upload nothing but the n_images selection bytes. Picking and lassoing use the CPU
copy of the points and :mod:`seein.compute.hittest`; the GUI turns their results into
state changes on the bus.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from psygnal import Signal
from vispy import scene

from ..core.palette import class_palette
from ..state.modes import ViewMode
from .axes import Axes
from .density_layer import DensityLayer
from .grid import MatrixGrid
from .histograms import DiagonalHistograms
from .layout import PAD, Layout, Panel
from .picking import Picker
from .points import PointsNode
from .transition import Transition

MAX_PANELS = 64  # more visible panels than this: the view shows their densities instead
POINT_BUDGET = 20_000_000  # or more points than this per frame (visible panels x points)



class EmbeddingScene:
    """A scatter (2-D or projection layer, or two chosen dims) or a D x D matrix of one layer.

    Parameters
    ----------
    app : str or vispy Application, optional
        VisPy app backend (``"pyqt5"``, ``"egl"``); default VisPy's current one.
    size : (width, height)
        Canvas size in logical pixels.
    show, parent, bgcolor, keys
        Passed to ``vispy.scene.SceneCanvas``.
    """

    view_changed = Signal(tuple)  # the view rect (x, y, w, h) in matrix coordinates, on pan/zoom

    def __init__(self, app: Any = None, size: tuple[int, int] = (600, 600), *, show: bool = False,
                 parent: Any = None, bgcolor: Any = "white", keys: Any = None, axes: bool = True):
        self.canvas = scene.SceneCanvas(app=app, size=size, show=show, parent=parent,
                                        bgcolor=bgcolor, keys=keys)
        # the plot: a view box beside the axes' margins (seein.render.axes), placed on each resize
        self.view = scene.widgets.ViewBox(parent=self.canvas.scene)
        self.view.camera = scene.PanZoomCamera(aspect=1.0)
        self.show_axes = bool(axes)
        self.axes_node = scene.Node(parent=self.canvas.scene)
        self.axes = Axes(self.axes_node, dpi=float(self.canvas.dpi or 96.0))
        self.points = PointsNode(parent=self.view.scene)
        self.points.skip_diagonal = True  # the diagonals are histograms (self.histograms)
        self.histograms = DiagonalHistograms(self.view.scene)
        self.decorations = MatrixGrid(self.view.scene)
        self.dim_names: list[str] | None = None
        self.densities = DensityLayer(self.view.scene, self._density_input)
        self.max_panels = MAX_PANELS
        self.point_budget = POINT_BUDGET
        self.picker = Picker()
        self._points = np.zeros((0, 2), np.float32)
        self._image_index = np.zeros(0, np.int64)
        self._labels = np.zeros(0, np.int64)
        self._n_images = 0
        self._ranges = np.array([[0.0, 1.0], [0.0, 1.0]])
        self._mode = ViewMode.SCATTER
        self._dims = (0, 1)
        self._selection: np.ndarray | None = None
        self._size = 4.0
        self._fade = 0.15
        self._shape = "auto"
        self._palette = class_palette(1)
        self.transition = Transition(self.view.scene, self.points)
        self._watched = None  # the camera's scene transform whose changes we follow
        self.canvas.events.resize.connect(self._place_view)
        self._place_view()
        self.view.scene.events.transform_change.connect(self._watch_transform)
        self._watch_transform()

    def _place_view(self, event: Any = None) -> None:
        """The plot fills the canvas but for the axes' margins (left and bottom), when there is room."""
        w, h = self.canvas.size
        left, bottom = Axes.margins((w, h), self.show_axes)
        self.view.pos = (float(left), 0.0)
        self.view.size = (float(max(w - left, 1)), float(max(h - bottom, 1)))
        self._update_density_mode()

    def set_plot_visible(self, visible: bool) -> None:
        """Show or hide everything drawn of the layer: points, grid, histograms and axes (placeholders)."""
        self.view.visible = bool(visible)
        self.axes_node.visible = bool(visible)
        self.canvas.update()

    @property
    def plot_rect(self) -> tuple[float, float, float, float]:
        """The plot area (x, y, w, h) in canvas pixels, origin top-left; the axes' margins lie outside it."""
        x, y = (float(v) for v in self.view.pos)
        w, h = (float(v) for v in self.view.size)
        return x, y, w, h

    # -- data ------------------------------------------------------------------------------
    def set_layer(self, points: np.ndarray, image_index: np.ndarray, labels_per_image: np.ndarray,
                  n_images: int, palette: np.ndarray | None = None, *, ranges: np.ndarray | None = None,
                  mode: str | None = None, dim_names: Sequence[str] | None = None) -> None:
        """Show a layer: points (n_points, D), image of each point, class of each image.

        The one upload of the layer. ``mode`` defaults to a scatter for D <= 2 and a
        matrix for D > 2; ``ranges`` (D, 2) to each dimension's min and max; ``dim_names``
        label the matrix's diagonal (default ``d0, d1, ...``).
        """
        pts = np.ascontiguousarray(points, dtype=np.float32)
        if pts.ndim == 1:
            pts = pts[:, None]
        image_index = np.asarray(image_index, dtype=np.int64)
        labels = np.asarray(labels_per_image, dtype=np.int64)
        if len(image_index) != len(pts) or len(labels) != int(n_images):
            raise ValueError(f"set_layer: {len(pts)} points need as many image indices (got "
                             f"{len(image_index)}) and {n_images} images as many labels (got {len(labels)})")
        self._points, self._image_index, self._n_images = pts, image_index, int(n_images)
        self._labels = labels  # each image's class: the density images keep class colours
        self.picker.set_layer(pts, image_index, n_images)
        if ranges is None:
            ranges = (np.stack([np.nanmin(pts, axis=0), np.nanmax(pts, axis=0)], axis=1)
                      if len(pts) else np.tile([0.0, 1.0], (pts.shape[1], 1)))
        self._ranges = np.asarray(ranges, dtype=np.float64)
        d = pts.shape[1]
        self.dim_names = None if dim_names is None else [str(v) for v in dim_names][:d]
        self._mode = mode or (ViewMode.SCATTER if d <= 2 else ViewMode.SPLOM)
        self._dims = (0, 1) if d >= 2 else (0, 0)
        self._selection = None
        n_classes = int(labels.max()) + 1 if len(labels) else 1
        self._end_transition()
        self._palette = np.asarray(class_palette(n_classes) if palette is None else palette, np.float32)
        self.points.set_palette(self._palette)
        self.points.set_data(pts, image_index, np.maximum(labels, 0), self._layout())
        self.points.set_style(size=self._size, fade=self._fade, shape=self._shape)
        self.histograms.set_layer(pts, image_index, labels, self._layout(), self._palette)
        self._relayout(home=True)

    def set_ranges(self, ranges: np.ndarray) -> None:
        """New axis ranges (D, 2), e.g. fit to this snapshot: uniforms and histograms only, no upload."""
        ranges = np.asarray(ranges, dtype=np.float64)
        if ranges.shape != (self.n_dims, 2):
            raise ValueError(f"ranges must be ({self.n_dims}, 2), got {ranges.shape}")
        self._ranges = ranges
        self.densities.forget()
        self.histograms.set_ranges(self._layout())
        self._relayout()

    @property
    def ranges(self) -> np.ndarray:
        """Each dimension's (min, max) on its axis, float64 (D, 2)."""
        return self._ranges

    def axis_names(self) -> list[str]:
        """Every dimension's axis title (the layer's ``dim_names``, else ``dim k``)."""
        return self.dim_names or [f"dim {k}" for k in range(self.n_dims)]

    @property
    def n_dims(self) -> int:
        return int(self._points.shape[1])

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def dims(self) -> tuple[int, int]:
        return self._dims

    @property
    def uploads(self) -> dict[str, int]:
        """Upload counters of the point visuals (layer uploads, selection uploads, bytes)."""
        total = dict(self.points.uploads)
        for key, value in self.transition.uploads.items():
            total[key] += value
        return total

    def _layout(self) -> Layout:
        return Layout(self._ranges, self._mode, self._dims)

    def _relayout(self, home: bool = False) -> None:
        layout = self._layout()
        self.points.set_layout(layout)
        self.decorations.set_layout(layout, self.dim_names)
        if home:
            self.home()
        self._update_density_mode()
        self.canvas.update()

    def set_dims(self, i: int, j: int) -> None:
        """Show dims (i on x, j on y) as the scatter (switches to scatter mode); no upload."""
        d = self.n_dims
        if not (0 <= i < d and 0 <= j < d):
            raise ValueError(f"dims ({i}, {j}) out of range for a layer of {d} dimensions")
        self._dims = (int(i), int(j))
        self._mode = ViewMode.SCATTER
        self._relayout(home=True)

    def set_mode(self, mode: str) -> None:
        """``ViewMode.SCATTER`` (the current dims) or ``ViewMode.SPLOM`` (D x D matrix); no upload."""
        if mode not in (ViewMode.SCATTER, ViewMode.SPLOM):
            raise ValueError(f"mode must be 'scatter' or 'splom', not {mode!r}")
        self._mode = ViewMode(mode)
        self._relayout(home=True)

    # -- appearance ------------------------------------------------------------------------
    def set_selection(self, image_mask: np.ndarray | None) -> None:
        """Brush a set of images (bool over images) or clear it (None): uploads n_images bytes."""
        self._selection = None if image_mask is None else np.asarray(image_mask, dtype=bool)
        self.points.set_selection(self._selection)
        self.histograms.set_selection(self._selection)
        self._update_overlays()
        self.transition.follow_selection(self._selection is not None)  # it reads the same texture
        self.canvas.update()

    def _visuals(self) -> list:
        return [self.points] + self.transition.visuals

    def set_hover(self, image: int | None) -> None:
        for visual in self._visuals():
            visual.set_hover(image)
        self.canvas.update()

    def _restyle(self, size: float, fade: float, shape: str) -> None:
        """Size, fade and shape of every point visual (uniforms; validated before they are kept)."""
        for visual in self._visuals():
            visual.set_style(size=size, fade=fade, shape=shape)
        self._size, self._fade, self._shape = size, fade, shape
        self.canvas.update()

    def set_point_size(self, size: float) -> None:
        """Base point diameter in pixels (the paper's density vs resolution trade-off)."""
        self._restyle(float(size), self._fade, self._shape)

    def set_point_shape(self, shape: str) -> None:
        """``"auto"`` (discs from 5 px, squares below), ``"disc"`` or ``"square"``."""
        self._restyle(self._size, self._fade, shape)

    def set_fade(self, fade: float) -> None:
        """Alpha of unselected points while a selection exists (0 hides them, 1 no fade)."""
        self._restyle(self._size, float(fade), self._shape)

    def set_palette(self, palette: np.ndarray) -> None:
        self._palette = np.asarray(palette, dtype=np.float32)
        for visual in self._visuals():
            visual.set_palette(palette)
        self.histograms.set_palette(self._palette)
        self._update_overlays()
        self.canvas.update()

    # -- transitions (Deepling: points move from the previous layer's map to the new one) ----
    def set_transition(self, start: np.ndarray | None) -> None:
        """Start animating the scatter's points from ``start`` (n_points, 2) to their place (None ends it).

        ``start`` is in the data space of the dims shown (seein.render.transition)."""
        if start is None or self._mode != ViewMode.SCATTER:
            self._end_transition()
            return
        self.transition.start(start, self._palette, size=self._size, fade=self._fade, shape=self._shape)
        self.canvas.update()

    def set_transition_t(self, t: float) -> None:
        """Move the transition to ``t`` in [0, 1]; at 1 the points are in place and it ends."""
        if not self.in_transition:
            return
        self.transition.set_t(t)
        if t >= 1.0:
            self._end_transition()
        self.canvas.update()

    @property
    def in_transition(self) -> bool:
        tr = getattr(self, "transition", None)
        return tr is not None and tr.active

    def _end_transition(self) -> None:
        if self.transition.end():
            self._update_density_mode()
            self.canvas.update()

    # -- camera ----------------------------------------------------------------------------
    def home(self) -> None:
        """Show the whole scatter, or the top-left 4 x 4 panels of a larger matrix."""
        n = self._layout().grid
        k = min(n, 4)
        m = min(0.02 * k, 0.9 * PAD)  # a margin so the outer frame shows, no deeper than a cell's padding
        self.view_rect = (-m, float(n - k) - m, float(k) + 2 * m, float(k) + 2 * m)

    @property
    def view_rect(self) -> tuple[float, float, float, float]:
        """What the view shows, (x, y, w, h) in matrix coordinates (a cell is 1 x 1)."""
        r = self.view.camera.rect
        return float(r.left), float(r.bottom), float(r.width), float(r.height)

    @view_rect.setter
    def view_rect(self, rect: Sequence[float]) -> None:
        self.view.camera.rect = tuple(float(v) for v in rect)

    def _watch_transform(self, event: Any = None) -> None:
        """Follow the scene transform the camera installs (it replaces it once, then mutates it)."""
        tr = self.view.scene.transform
        if tr is not self._watched:
            if self._watched is not None:
                self._watched.changed.disconnect(self._on_camera)
            tr.changed.connect(self._on_camera)
            self._watched = tr
        self._on_camera()

    def _on_camera(self, event: Any = None) -> None:
        self._update_density_mode()
        self.view_changed.emit(self.view_rect)

    def _update_decorations(self) -> None:
        """Grid lines and diagonal names only while the cells are big enough on screen (seein.render.grid)."""
        cell_px = min(self._px_per_unit()) if self.canvas.size[0] > 0 else 0.0
        axes = self.show_axes and any(Axes.margins(self.canvas.size))
        self.decorations.update(cell_px, self._mode == ViewMode.SPLOM, axes)

    @property
    def showing_densities(self) -> bool:
        """True while the view is zoomed out over too many panels to draw their points."""
        return bool(self.densities.image.visible)

    def _update_density_mode(self) -> None:
        """Points for a few panels; the panels' cached density images when too many are visible.

        A matrix zoomed out over hundreds of panels would draw every point hundreds of
        times; its density images (computed once per layer and mode) cost one quad.
        """
        if not len(self._points):
            return
        self._update_decorations()
        layout = self._layout()
        visible = len(layout.visible_panels(self.shown_rect))
        dense = visible > self.max_panels or visible * len(self._points) > self.point_budget
        self.densities.image.visible = dense  # its image is computed when it is drawn (seein.render.density_layer)
        self.points.visible = not dense and not self.in_transition
        self._update_overlays()

    def _update_overlays(self) -> None:
        """The diagonal histograms and the axes of the panels in view (after a camera or layout change)."""
        if not len(self._points) or self.canvas.size[0] <= 0:
            return
        layout = self._layout()
        panels = layout.visible_panels(self.shown_rect)
        if len(panels) > 4 * self.max_panels:  # far out: only what the density overview can show
            panels = [p for p in panels if p.diagonal]
        self.histograms.update(layout, panels)
        if not (self.show_axes and any(Axes.margins(self.canvas.size))):
            self.axes.hide()
            return
        tr = self.view.scene.node_transform(self.canvas.scene)
        (ax, ay), (bx, by) = tr.map(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, :2]
        self.axes.update(layout, self.axis_names(), panels, (bx - ax, ax, by - ay, ay), self.plot_rect)

    def _density_input(self) -> tuple:
        """What the density images are made of (seein.render.density_layer): key, then the data."""
        key = (id(self._points), self._mode, self._dims if self._mode == ViewMode.SCATTER else None)
        pairs = self._dims if self._mode == ViewMode.SCATTER else None
        return key, (self._points, self._image_index, self._labels, self._ranges, self._palette, pairs,
                     self._layout().grid)

    def visible_panels(self) -> list[Panel]:
        """The panels the current view shows (what the next frame draws)."""
        return self._layout().visible_panels(self.shown_rect)

    @property
    def shown_rect(self) -> tuple[float, float, float, float]:
        """What the canvas really shows, (x, y, w, h) in matrix coordinates.

        :attr:`view_rect` is the camera's requested rect; with the aspect ratio locked
        to 1 a canvas that is not square shows more than that along its longer side
        (an 800 x 600 canvas asked for 2 x 2 panels shows 2.67 x 2, so 6 panels).
        """
        x, y, w, h = self.plot_rect
        (x0, y0), (x1, y1) = self.canvas_to_matrix(np.array([[x, y], [x + w, y + h]]))
        return float(min(x0, x1)), float(min(y0, y1)), float(abs(x1 - x0)), float(abs(y1 - y0))

    # -- canvas pixels <-> data ------------------------------------------------------------
    def canvas_to_matrix(self, xy_px: np.ndarray) -> np.ndarray:
        """Canvas pixel positions (logical px, origin top-left) to matrix coordinates."""
        tr = self.canvas.scene.node_transform(self.view.scene)
        return tr.map(np.asarray(xy_px, dtype=np.float64).reshape(-1, 2))[:, :2]

    def _px_per_unit(self) -> tuple[float, float]:
        tr = self.view.scene.node_transform(self.canvas.scene)
        (x0, y0), (x1, y1) = tr.map(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, :2]
        return abs(x1 - x0), abs(y1 - y0)

    def pick(self, x_px: float, y_px: float, radius_px: float | None = None) -> int | None:
        """The point under canvas pixel (x, y) (the one drawn on top), or None."""
        if not len(self._points):
            return None
        layout = self._layout()
        mx, my = self.canvas_to_matrix([x_px, y_px])[0]
        panel = layout.panel_at(mx, my)
        if panel is None or panel.diagonal:  # a histogram: no point to pick
            return None
        radius = self._size * 0.75 + 1.0 if radius_px is None else float(radius_px)
        return self.picker.pick(layout, panel, mx, my, self._px_per_unit(), radius, self._selection)

    def lasso(self, polygon_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(image_mask, point_mask) of the points inside a polygon drawn in canvas pixels, in the
        panel holding its centre (over a histogram: every point under its x extent)."""
        return self.picker.region(self._layout(), self.canvas_to_matrix(polygon_px), box=False)

    def box(self, corner0_px: Sequence[float], corner1_px: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(image_mask, point_mask) of the points inside a box dragged between two canvas pixels."""
        return self.picker.region(self._layout(), self.canvas_to_matrix(np.array([corner0_px, corner1_px],
                                                                                 dtype=np.float64)), box=True)

    # -- output ----------------------------------------------------------------------------
    def render(self) -> np.ndarray:
        """Draw a frame now and read it back: uint8 RGBA (H, W, 4)."""
        return np.asarray(self.canvas.render())

    def close(self) -> None:
        self.canvas.close()

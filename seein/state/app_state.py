"""The application state: the one owner of every value the views show (no Qt).

Views change values only through :class:`AppState` and redraw from the events it
emits on its :class:`~seein.state.bus.EventBus`; no view calls another (glue's Hub, napari's
model/view split). The selection is a boolean mask over images, so it links every
layer; its history gives undo and redo (``seein.state.selection``). Arithmetic a view needs (class masks, point
to image, averages for the feature-map view) lives here or in ``seein.compute``.
"""

from __future__ import annotations

import os
import threading
from typing import Optional, Sequence

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from ..store import STRUCTURED, LayerInfo, Store
from .bus import (
    CellEvent,
    DimsEvent,
    EventBus,
    HoverEvent,
    LayerEvent,
    ModeEvent,
    ProjectionEvent,
    SelectionEvent,
    ViewportEvent,
)
from .selection import SelectionHistory, SelectMode, combine
from .start import start_layer

MODES = ("scatter", "splom", "projection")
METHODS = ("pca", "tsne", "pivotmds", "umap")
HOME_POINTS_BUDGET = 4_500_000  # points drawn in a matrix's first view (see AppState.home_rect)
# the first view's frame around its panels, thinner than a cell's padding (seein.render.layout.PAD,
# 0.06), so the next cells' slivers hold no point and are not drawn
HOME_MARGIN = 0.05

# Colour-blind-safe qualitative colours (Okabe-Ito, then Tableau), RGBA in [0, 1].
_BASE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
                 "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD"]


def class_palette(n_classes: int) -> np.ndarray:
    """float32 (max(n_classes, 1), 4) RGBA colour per class; one grey when unlabelled."""
    n = max(int(n_classes), 1)
    rgb = []
    for k in range(n):
        if k < len(_BASE_COLOURS):
            h = _BASE_COLOURS[k].lstrip("#")
            rgb.append([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
        else:  # evenly spaced hues past the base set
            import colorsys
            rgb.append(list(colorsys.hsv_to_rgb((k * 0.618034) % 1.0, 0.65, 0.9)))
    out = np.ones((n, 4), dtype=np.float32)
    out[:, :3] = rgb
    return out


def default_mode(info: LayerInfo) -> str:
    """A 2-D layer is a scatter plot; anything wider a scatter-plot matrix."""
    return "scatter" if info.dims <= 2 else "splom"


def suggested_point_size(n_points: int) -> float:
    """A first point diameter for a layer: big dots for a few thousand points, one pixel
    for millions (the paper's density against resolution trade-off, before the user picks)."""
    for limit, size in ((5_000, 5.0), (50_000, 3.0), (500_000, 2.0)):
        if n_points <= limit:
            return size
    return 1.0


MOVING_POINTS_BUDGET = 1_000_000  # points per frame while the camera moves (see moving_sample)


def moving_sample(n_points: int, points_per_frame: int, budget: int = MOVING_POINTS_BUDGET) -> Optional[int]:
    """How many of a panel's ``n_points`` to draw while the user pans or zooms, or None for all.

    A software rasteriser draws about ten million points a second: a matrix of a
    million-point layer is one frame a second. While the camera moves, every k-th
    share of the points keeps the frames near ``budget`` points (k a whole number, so
    the sample stays the same over small changes of the view); the full picture
    follows once the camera rests.
    """
    if points_per_frame <= budget or n_points <= 0:
        return None
    k = -(-int(points_per_frame) // int(budget))  # ceil
    return max(int(n_points) // k, 1)


class AppState:
    """Every value the app shows, with setters that validate, store and emit on ``bus``.

    Setting a value to what it already is emits nothing, so two-way bound controls
    cannot loop. Views read values from here and never keep their own copies.
    """

    def __init__(self, bus: EventBus | None = None):
        self.bus = bus or EventBus()
        self.store: Optional[Store] = None
        self.layer: Optional[str] = None
        self.snapshot: int = 0
        self.mode: str = "scatter"
        self.method: str = "pca"
        self.dims: tuple[int, int] = (1, 0)  # (row i = y dim, column j = x dim)
        self.selection = np.zeros(0, dtype=bool)
        self.point_mask: Optional[np.ndarray] = None
        self.history = SelectionHistory(0)
        self.hover = HoverEvent(None)
        self.point_size: float = 3.0
        self.fade: float = 0.15
        self.viewport: Optional[tuple[float, float, float, float]] = None
        self.select_mode = SelectMode.REPLACE  # what a click or lasso does with no modifier held
        self._size_chosen = False
        self._projections: dict[tuple[str, str, int], np.ndarray] = {}
        self._points_cache: Optional[tuple[tuple, np.ndarray]] = None
        self._points_lock = threading.Lock()
        self._ranges: dict[tuple[str, str], np.ndarray] = {}
        self._ranges_lock = threading.Lock()
        self._last_projection: Optional[tuple[str, np.ndarray]] = None

    # -- store, layer, snapshot, mode -------------------------------------------------
    def open_store(self, path: str | os.PathLike) -> Store:
        """Open the store at ``path`` and make it current (a bad file: SeeinError, state kept)."""
        store = Store.open(path)
        self.set_store(store)
        return store

    def set_store(self, store: Store) -> None:
        """Make ``store`` current: its start layer (:func:`start_layer`), last snapshot, empty selection."""
        if self.store is not None and self.store is not store:
            self.store.close()
        self.store = store
        self.layer = None
        self.snapshot = len(store.snapshots) - 1
        self.selection = np.zeros(store.n_images, dtype=bool)
        self.point_mask = None
        self.history = SelectionHistory(store.n_images)
        self.hover = HoverEvent(None)
        self._projections.clear()
        self._last_projection = None
        self._points_cache = None
        self.bus.store_changed.emit(store)
        if store.layers:
            self.set_layer(start_layer(store), source="open")

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    @property
    def info(self) -> Optional[LayerInfo]:
        """The active layer's description."""
        return self.store.layer(self.layer) if self.store is not None and self.layer else None

    def require_store(self) -> Store:
        if self.store is None:
            raise SeeinError("no store is open")
        return self.store

    def set_layer(self, name: str, source: str = "") -> None:
        """Make ``name`` the active layer; its mode follows its width unless a projection is on."""
        store = self.require_store()
        info = store.layer(name)
        if name == self.layer:
            return
        previous, self.layer = self.layer, name
        self.point_mask = None
        i, j = self.dims
        if max(i, j) >= info.dims:  # row 1, column 0: dim 0 across, dim 1 up
            self.dims = (min(1, info.dims - 1), 0)
        if self.mode != "projection":
            self.mode = default_mode(info)
        if not self._size_chosen:
            self.set_point_size(suggested_point_size(info.n_points(store.n_images)), user=False)
        self.bus.layer_changed.emit(LayerEvent(name, previous, source))

    def step_layer(self, step: int) -> None:
        """Activate the next (+1) or previous (-1) layer, wrapping around."""
        store = self.require_store()
        names = [layer.name for layer in store.layers]
        k = names.index(self.layer) if self.layer in names else 0
        self.set_layer(names[(k + step) % len(names)], source="keyboard")

    def set_snapshot(self, k: int) -> None:
        """Show the network at snapshot ``k`` (0..n-1) in every view."""
        store = self.require_store()
        k = int(k) % len(store.snapshots) if k < 0 else int(k)
        store.snapshot(k)
        if k != self.snapshot:
            self.snapshot = k
            self.bus.snapshot_changed.emit(k)

    def step_snapshot(self, step: int = 1) -> int:
        """Advance the timeline by ``step``, wrapping at the end (play)."""
        n = len(self.require_store().snapshots)
        self.set_snapshot((self.snapshot + step) % n)
        return self.snapshot

    def set_mode(self, mode: str, method: str | None = None, source: str = "") -> None:
        """Draw the layer as "scatter" (two dims), "splom", or a "projection" by ``method``."""
        if mode not in MODES:
            raise SeeinError(f"unknown view mode {mode!r} (choose from {', '.join(MODES)})")
        if method is not None and method not in METHODS:
            raise SeeinError(f"unknown projection {method!r} (choose from {', '.join(METHODS)})")
        if mode == self.mode and (method is None or method == self.method):
            return
        self.mode = mode
        self.method = method or self.method
        self.bus.mode_changed.emit(ModeEvent(mode, self.method if mode == "projection" else None, source))

    def set_dims(self, i: int, j: int, source: str = "") -> None:
        """Focus the panel plotting dimension ``j`` (x) against ``i`` (y) of the active layer."""
        info = self.info
        if info is None or not (0 <= i < info.dims and 0 <= j < info.dims):
            raise SeeinError(f"no dimensions ({i}, {j}) in layer {self.layer!r}")
        self.dims = (int(i), int(j))
        self.bus.dims_changed.emit(DimsEvent(info.name, int(i), int(j), source))

    def focus_feature(self, layer: str, channel: int, y: int = 0, x: int = 0,
                      image: int | None = None) -> None:
        """Jump to ``channel``'s diagonal plot of ``layer`` and show the cell's receptive field."""
        self.set_layer(layer, source="feature-map")
        if self.mode == "projection":
            self.set_mode(default_mode(self.require_store().layer(layer)), source="feature-map")
        info = self.require_store().layer(layer)
        channel = int(channel) % info.dims
        self.set_dims(channel, channel, source="feature-map")
        self.bus.cell_focused.emit(CellEvent(layer, channel, int(y), int(x), image))

    def set_viewport(self, rect: Sequence[float], source: str = "") -> None:
        """Record the embedding view's visible rectangle (the overview draws it)."""
        self.viewport = tuple(float(v) for v in rect)
        self.bus.viewport_changed.emit(ViewportEvent(self.viewport, source))

    def home_rect(self, points_budget: int = HOME_POINTS_BUDGET,
                  canvas_size: Optional[tuple[int, int]] = None) -> Optional[tuple[float, float, float, float]]:
        """The first view of a large matrix: the top-left k x k panels, k so that ~``points_budget``
        points are drawn (at least 1, at most 4); None for a scatter (the scene's own home).

        A million-point layer's 4 x 4 corner is 16 M points a frame, seconds on a software
        rasteriser; its 2 x 2 corner keeps the window interactive, the overview shows the rest.
        Given the ``canvas_size`` (width, height) the rect has the canvas's shape. The room a
        non-square canvas has to spare shows more of the matrix (further columns to the right,
        rows below) when their points fit the budget too, so no empty band lies beside the
        matrix; only when they would not (a million-point layer) it lies left of or above the
        matrix, where nothing is drawn.
        """
        info = self.info
        if info is None or self.mode != "splom":
            return None
        n = max(self.require_store().n_points(info.name), 1)
        k = int(min(max(int((points_budget / n) ** 0.5), 1), 4, info.dims))
        m = min(0.02 * k, HOME_MARGIN)
        side = k + 2 * m
        aspect = canvas_size[0] / canvas_size[1] if canvas_size and min(canvas_size) > 0 else 1.0
        width, height = side * max(aspect, 1.0), side / min(aspect, 1.0)
        d = info.dims
        x = max(min(-m, d + m - width), k + m - width)  # left edge on the matrix's, unless past its right
        y = min(max(d + m - height, -m), d - k - m)  # top edge on the matrix's, unless past its bottom
        if width > d + 2 * m:  # the whole matrix and room to spare: centred, the room on both sides
            x = (d - width) / 2
        if height > d + 2 * m:
            y = (d - height) / 2
        cols = min(d, int(np.ceil(x + width - 1e-9))) - max(0, int(np.floor(x)))
        rows = min(d, int(np.ceil(y + height - 1e-9))) - max(0, int(np.floor(y + 1e-9)))
        if n * cols * rows > points_budget and (cols > k or rows > k):
            x, y = k + m - width, d - k - m  # the spare room off the matrix: no extra panel drawn
        return (x, y, width, height)

    def panel_rect(self, i: int, j: int, margin: float = 0.04) -> tuple[float, float, float, float]:
        """The viewport (x, y, w, h) showing panel (row ``i``, column ``j``) of the active layer's matrix.

        Matrix coordinates (seein.render.layout): the cell of row r, column c of a D x D
        matrix spans x in [c, c+1] and y in [D-1-r, D-r].
        """
        d = self.info.dims
        return (j - margin, d - 1 - i - margin, 1 + 2 * margin, 1 + 2 * margin)

    def set_point_size(self, size: float, user: bool = True) -> None:
        """Point diameter in pixels; once the user sets it, layer changes stop suggesting sizes."""
        self._size_chosen = self._size_chosen or user
        if float(size) != self.point_size:
            self.point_size = float(size)
            self.bus.style_changed.emit("point_size", self.point_size)

    def set_fade(self, fade: float) -> None:
        fade = min(max(float(fade), 0.0), 1.0)
        if fade != self.fade:
            self.fade = fade
            self.bus.style_changed.emit("fade", self.fade)

    # -- selection ----------------------------------------------------------------------
    def select(self, mask: np.ndarray, mode: SelectMode | str = SelectMode.REPLACE, source: str = "",
               point_mask: np.ndarray | None = None) -> np.ndarray:
        """Combine an image mask with the selection in ``mode``; record it for undo; emit."""
        store = self.require_store()
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (store.n_images,):
            raise SeeinError(f"a selection needs one flag per image ({store.n_images}), got {mask.shape}")
        new = combine(self.selection, mask, mode)
        keep_points = SelectMode(mode) is SelectMode.REPLACE and point_mask is not None
        self._apply(new, source, point_mask if keep_points else None, record=True)
        return new

    def _apply(self, mask: np.ndarray, source: str, point_mask: np.ndarray | None, record: bool) -> None:
        self.selection = mask
        self.point_mask = point_mask
        if record:
            self.history.push(mask, source)
        self.bus.selection_changed.emit(SelectionEvent(mask, source, self.layer, point_mask))

    def select_images(self, images: Sequence[int], mode: SelectMode | str = SelectMode.REPLACE,
                      source: str = "") -> np.ndarray:
        mask = np.zeros(self.require_store().n_images, dtype=bool)
        mask[np.asarray(images, dtype=np.int64)] = True
        return self.select(mask, mode, source)

    def select_class(self, cls: int, mode: SelectMode | str = SelectMode.REPLACE, source: str = "legend") -> np.ndarray:
        """Select every image labelled ``cls`` (the legend's click)."""
        return self.select(self.require_store().labels == int(cls), mode, source)

    def select_point(self, point: int | None, mode: SelectMode | str = SelectMode.REPLACE,
                     source: str = "click") -> np.ndarray:
        """Select the image that owns ``point`` of the active layer (None: a click on nothing)."""
        store = self.require_store()
        mask = np.zeros(store.n_images, dtype=bool)
        if point is not None:
            mask[int(self.point_images(np.array([point]))[0])] = True
        return self.select(mask, mode, source)

    def select_points(self, point_mask: np.ndarray, mode: SelectMode | str = SelectMode.REPLACE,
                      source: str = "lasso") -> np.ndarray:
        """Select the images owning any point in ``point_mask`` (a lasso over the active layer)."""
        point_mask = np.asarray(point_mask, dtype=bool)
        images = np.zeros(self.require_store().n_images, dtype=bool)
        images[self.point_images(np.flatnonzero(point_mask))] = True
        return self.select(images, mode, source, point_mask=point_mask)

    def clear_selection(self) -> None:
        if self.selection.any():
            self.select(np.zeros_like(self.selection), SelectMode.REPLACE, "clear")

    def invert_selection(self) -> None:
        self.select(~self.selection, SelectMode.REPLACE, "invert")

    def undo(self) -> bool:
        mask = self.history.undo()
        if mask is None:
            return False
        self._apply(mask, "undo", None, record=False)
        return True

    def redo(self) -> bool:
        mask = self.history.redo()
        if mask is None:
            return False
        self._apply(mask, "redo", None, record=False)
        return True

    # -- hover and details --------------------------------------------------------------
    def point_images(self, points: np.ndarray) -> np.ndarray:
        """Image index of points of the active layer."""
        return self.require_store().point_image(self.layer, points)

    def set_hover_point(self, point: int | None, source: str = "embedding") -> None:
        """The mouse is over ``point`` of the active layer (None: over nothing)."""
        if point is None:
            event = HoverEvent(None, self.layer, None, None, source)
        else:
            image, y, x = self.require_store().point_cell(self.layer, int(point))
            cell = (int(y), int(x)) if self.info.kind == STRUCTURED else None
            event = HoverEvent(int(image), self.layer, int(point), cell, source)
        if event != self.hover:
            self.hover = event
            self.bus.hover_changed.emit(event)

    def class_counts(self, mask: np.ndarray | None = None) -> np.ndarray:
        """int64 (n_classes,): how many images of each class the store holds, or ``mask`` selects."""
        store = self.require_store()
        labels = store.labels if mask is None else store.labels[np.asarray(mask, dtype=bool)]
        return np.bincount(labels[labels >= 0], minlength=store.n_classes)[:store.n_classes]

    @property
    def n_selected(self) -> int:
        """How many images are selected."""
        return int(np.count_nonzero(self.selection))

    def selected_image(self) -> Optional[int]:
        """The selected image when exactly one is selected, else None."""
        selected = np.flatnonzero(self.selection)
        return int(selected[0]) if selected.size == 1 else None

    def selection_image(self) -> Optional[np.ndarray]:
        """The input the feature-map view stands for: the selected image, or the selection's
        average (uint8 (H, W, C)); None with nothing selected."""
        store = self.require_store()
        selected = np.flatnonzero(self.selection)
        if selected.size == 0:
            return None
        if selected.size == 1:
            return store.image(int(selected[0]))
        from ..compute.stats import mean_image

        return np.clip(mean_image(store, self.selection) + 0.5, 0, 255).astype(np.uint8)

    def describe_image(self, image: int) -> dict:
        """What details-on-demand shows: label and prediction names, at the current snapshot."""
        store = self.require_store()
        label = int(store.labels[image])
        pred = int(store.predictions(self.snapshot)[image])
        name = (lambda k: store.class_names[k] if 0 <= k < store.n_classes else "-")
        return {"image": int(image), "image_id": int(store.image_ids[image]), "label": label,
                "label_name": name(label), "prediction": pred, "prediction_name": name(pred),
                "correct": label == pred}

    def receptive_box(self, layer: str, cell: tuple[int, int] | None) -> Optional[tuple[int, int, int, int]]:
        """The input box [y0, x0, y1, x1) of ``cell`` of a structured layer; None for flat layers."""
        store = self.require_store()
        if cell is None or store.layer(layer).kind != STRUCTURED:
            return None
        return store.receptive_field(layer, *cell)

    # -- data for the views -------------------------------------------------------------
    def layer_arrays(self) -> dict:
        """What the embedding view draws for the active layer at the current snapshot.

        ``points`` float32 (n_points, D) (the projection's 2 columns in projection mode,
        None while it is being computed), ``image_index`` int (n_points,), per-image
        ``labels``, ``n_images``, the class ``palette`` and the axis ``ranges`` (fixed over
        the snapshots; None for a projection, whose axes are its own).
        """
        store = self.require_store()
        info = self.info
        ranges = None
        if self.mode == "projection":
            points = self._projections.get((info.name, self.method, self.snapshot))
        else:
            points = self.read_points(info.name, self.snapshot)
            ranges = self.layer_ranges(info.name)
        image_index = np.repeat(np.arange(store.n_images, dtype=np.int32), info.points_per_image)
        return {"points": points, "image_index": image_index, "labels": store.labels,
                "n_images": store.n_images, "palette": class_palette(store.n_classes), "ranges": ranges}

    def layer_ranges(self, layer: str) -> np.ndarray:
        """float64 (D, 2): each dimension's (min, max) over every snapshot of ``layer``.

        Fixed axes for the timeline: stepping through training moves the points, not the
        axes under them. From ``feature_ranges`` (cached in the store); kept per layer.
        Safe to call from a worker thread.
        """
        store = self.require_store()
        key = (str(store.path), layer)
        with self._ranges_lock:
            if key not in self._ranges:
                from ..compute.stats import feature_ranges

                per = np.stack([feature_ranges(store, layer, k) for k in range(len(store.snapshots))])
                self._ranges[key] = np.stack([per[:, :, 0].min(0), per[:, :, 1].max(0)], axis=1).astype(np.float64)
            return self._ranges[key]

    def has_points(self, layer: str, snapshot: int) -> bool:
        """True when :meth:`read_points` would answer from memory."""
        with self._points_lock:
            key = (str(self.require_store().path), layer, int(snapshot))
            return self._points_cache is not None and self._points_cache[0] == key

    def read_points(self, layer: str, snapshot: int) -> np.ndarray:
        """A layer's points at a snapshot, float32 (n_points, D); the last one read is kept.

        The embedding view and the overview both need the active layer: one read serves
        both. Safe to call from a worker thread.
        """
        with self._points_lock:
            key = (str(self.require_store().path), layer, int(snapshot))
            if self._points_cache is None or self._points_cache[0] != key:
                self._points_cache = None  # free the old layer before reading the new one
                self._points_cache = (key, self.require_store().read_activations(layer, snapshot))
            return self._points_cache[1]

    def projection(self, layer: str | None = None) -> Optional[np.ndarray]:
        """The computed projection of ``layer`` (default active) by the current method, or None."""
        return self._projections.get((layer or self.layer, self.method, self.snapshot))

    def set_projection(self, layer: str, method: str, snapshot: int, embedding: np.ndarray) -> None:
        """A projection finished: keep it, and derive where its points start their transition."""
        store = self.require_store()
        embedding = np.asarray(embedding, dtype=np.float32)
        self._projections[(layer, method, snapshot)] = embedding
        start = None
        if self._last_projection is not None and self._last_projection[0] != layer:
            prev_layer, prev = self._last_projection
            start = transition_start(prev, store.layer(prev_layer).points_per_image,
                                     embedding, store.layer(layer).points_per_image)
        self._last_projection = (layer, embedding)
        self.bus.projection_changed.emit(ProjectionEvent(layer, method, snapshot, embedding, start))

    def feature_maps(self, mask: np.ndarray | None = None, snapshot: int | None = None,
                     progress: ProgressCallback | None = None) -> list[tuple[str, np.ndarray]]:
        """The feature-map view's content for an image mask: [("input", (C,H,W)), (layer, maps)].

        One selected image gives its own response, several their average (``mean_activation``),
        none gives []. Each array is scaled to [0, 1] over its whole layer so that brighter
        means stronger within the layer. ``mask`` and ``snapshot`` default to the current
        values; pass copies when calling from a worker thread. ``progress`` is told after
        each layer and may cancel (seein.core.progress).
        """
        store = self.require_store()
        mask = self.selection if mask is None else np.asarray(mask, dtype=bool)
        snapshot = self.snapshot if snapshot is None else int(snapshot)
        selected = np.flatnonzero(mask)
        if selected.size == 0:
            return []
        if selected.size == 1:
            image = store.image(int(selected[0])).astype(np.float32).transpose(2, 0, 1)
            maps = [store.feature_maps(layer.name, int(selected[0]), snapshot) for layer in store.layers]
        else:
            from ..compute.stats import mean_activation, mean_image
            image = mean_image(store, mask).transpose(2, 0, 1)
            maps = []
            for k, layer in enumerate(store.layers):
                report(progress, k, len(store.layers), f"averaging {layer.name}")
                maps.append(np.asarray(mean_activation(store, layer.name, mask, snapshot=snapshot)))
        out = [("input", _unit(image))]
        out += [(layer.name, _unit(m)) for layer, m in zip(store.layers, maps)]
        return out


def _unit(a: np.ndarray) -> np.ndarray:
    """Scale an array to [0, 1] by its own range (a constant array becomes zeros)."""
    a = np.asarray(a, dtype=np.float32)
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def transition_start(prev: np.ndarray, prev_per_image: int, new: np.ndarray, new_per_image: int) -> np.ndarray:
    """Start positions for animating from the previous layer's projection to ``new`` (Deepling).

    The previous layer's positions are Procrustes-aligned to the new ones (so the motion
    shows what changed, not an arbitrary rotation), matched per image when the two
    layers hold different numbers of points per image, and every point of an image
    starts at its image's aligned position.
    """
    from ..compute.procrustes import align, image_means

    if prev.shape == new.shape:
        return np.asarray(align(prev, new), dtype=np.float32)
    source = image_means(prev, prev_per_image)
    target = image_means(new, new_per_image)
    aligned = np.asarray(align(source, target), dtype=np.float32)
    return np.repeat(aligned, new_per_image, axis=0)

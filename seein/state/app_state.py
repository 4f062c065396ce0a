"""The application state: the one owner of every value the views show (no Qt).

Views change values only through :class:`AppState` and redraw from the events it
emits on its :class:`~seein.state.bus.EventBus`; no view calls another (glue's Hub, napari's
model/view split). The selection is a boolean mask over images, so it links every
layer; its history gives undo and redo (``seein.state.selection``). Arithmetic a view needs (class masks, point
to image, averages for the feature-map view) lives here or in ``seein.compute``.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np

from ..compute.methods import Method
from ..core.errors import SeeinError
from ..core.palette import class_palette
from ..core.progress import ProgressCallback
from ..store import STRUCTURED, LayerInfo, Store
from .axis_range import AxisRange
from .bus import (
    CellEvent,
    DimsEvent,
    EventBus,
    HoverEvent,
    LayerEvent,
    ModeEvent,
    ProjectionEvent,
    SelectionEvent,
    Source,
    Style,
    StyleEvent,
    ViewportEvent,
)
from .caches import PointsCache, RangesCache
from .layer_points import LayerPoints
from .modes import ViewMode, default_mode, suggested_point_size
from .projection_timeline import MapFrame, ProjectionMaps
from .selection import SelectionHistory, SelectMode, combine
from .start import start_layer

SourceLike = Source | str


class AppState(LayerPoints):
    """Every value the app shows, with setters that validate, store and emit on ``bus``.

    Setting a value to what it already is emits nothing, so two-way bound controls
    cannot loop. Views read values from here and never keep their own copies.
    """

    def __init__(self, bus: EventBus | None = None):
        self.bus = bus or EventBus()
        self.store: Optional[Store] = None
        self.layer: Optional[str] = None
        self.snapshot: int = 0
        self.mode: ViewMode = ViewMode.SCATTER
        self.method: Method = Method.PCA
        self.dims: tuple[int, int] = (0, 1)  # (x, y): dim 0 across, dim 1 up
        self.selection = np.zeros(0, dtype=bool)
        self.point_mask: Optional[np.ndarray] = None
        self.history = SelectionHistory(0)
        self.hover = HoverEvent(None)
        self.point_size: float = 3.0
        self.fade: float = 0.15
        self.viewport: Optional[tuple[float, float, float, float]] = None
        self.select_mode = SelectMode.REPLACE  # what a click or lasso does with no modifier held
        self.axis_range = AxisRange.ALL_SNAPSHOTS  # the axes' ranges over the timeline
        self._size_chosen = False
        self.maps = ProjectionMaps(self.bus)  # computed projections, the one on screen aligned to the last
        self._points = PointsCache()
        self._ranges = RangesCache()

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
        self.maps.clear()
        self._points.clear()
        self.bus.store_changed.emit(store)
        if store.layers:
            self.set_layer(start_layer(store), source=Source.OPEN)

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

    def set_layer(self, name: str, source: SourceLike = Source.NONE) -> None:
        """Make ``name`` the active layer; its mode follows its width unless a projection is on."""
        source = Source(source)
        store = self.require_store()
        info = store.layer(name)
        if name == self.layer:
            return
        previous, self.layer = self.layer, name
        self.point_mask = None
        if max(self.dims) >= info.dims:  # dim 0 across, dim 1 up
            self.dims = (0, min(1, info.dims - 1))
        if self.mode != ViewMode.PROJECTION:
            self.mode = default_mode(info)
        if not self._size_chosen:
            self.set_point_size(suggested_point_size(info.n_points(store.n_images)), user=False)
        self.bus.layer_changed.emit(LayerEvent(name, previous, source))

    def step_layer(self, step: int) -> None:
        """Activate the next (+1) or previous (-1) layer, wrapping around."""
        store = self.require_store()
        names = [layer.name for layer in store.layers]
        k = names.index(self.layer) if self.layer in names else 0
        self.set_layer(names[(k + step) % len(names)], source=Source.KEYBOARD)

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

    def set_mode(self, mode: ViewMode | str, method: Method | str | None = None,
                 source: SourceLike = Source.NONE) -> None:
        """Draw the layer as a scatter (two dims), a matrix, or a projection by ``method``."""
        source = Source(source)
        try:
            mode = ViewMode(mode)
        except ValueError:
            raise SeeinError(f"unknown view mode {mode!r} (choose from {', '.join(m.value for m in ViewMode)})")
        try:
            method = None if method is None else Method(method)
        except ValueError:
            raise SeeinError(f"unknown projection {method!r} (choose from {', '.join(m.value for m in Method)})")
        if mode == self.mode and (method is None or method == self.method):
            return
        self.mode = mode
        self.method = method or self.method
        self.bus.mode_changed.emit(ModeEvent(mode, self.method if mode == ViewMode.PROJECTION else None,
                                             source))

    def set_dims(self, x: int, y: int, source: SourceLike = Source.NONE) -> None:
        """Focus the panel plotting dimension ``x`` across against ``y`` up, of the active layer."""
        source = Source(source)
        info = self.info
        if info is None or not (0 <= x < info.dims and 0 <= y < info.dims):
            raise SeeinError(f"no dimensions (x={x}, y={y}) in layer {self.layer!r}")
        self.dims = (int(x), int(y))
        self.bus.dims_changed.emit(DimsEvent(info.name, int(x), int(y), source))

    def focus_feature(self, layer: str, channel: int, y: int = 0, x: int = 0,
                      image: int | None = None) -> None:
        """Jump to ``channel``'s diagonal plot of ``layer`` and show the cell's receptive field."""
        self.set_layer(layer, source=Source.FEATURE_MAP)
        if self.mode == ViewMode.PROJECTION:
            self.set_mode(default_mode(self.require_store().layer(layer)), source=Source.FEATURE_MAP)
        info = self.require_store().layer(layer)
        channel = int(channel) % info.dims
        self.set_dims(channel, channel, source=Source.FEATURE_MAP)
        self.bus.cell_focused.emit(CellEvent(layer, channel, int(y), int(x), image))

    def set_viewport(self, rect: Sequence[float], source: SourceLike = Source.NONE) -> None:
        """Record the embedding view's visible rectangle (the overview draws it)."""
        source = Source(source)
        self.viewport = tuple(float(v) for v in rect)
        self.bus.viewport_changed.emit(ViewportEvent(self.viewport, source))

    def set_point_size(self, size: float, user: bool = True) -> None:
        """Point diameter in pixels; once the user sets it, layer changes stop suggesting sizes."""
        self._size_chosen = self._size_chosen or user
        if float(size) != self.point_size:
            self.point_size = float(size)
            self.bus.style_changed.emit(StyleEvent(Style.POINT_SIZE, self.point_size))

    def set_fade(self, fade: float) -> None:
        """How opaque unselected points are while something is selected, in [0, 1]."""
        fade = min(max(float(fade), 0.0), 1.0)
        if fade != self.fade:
            self.fade = fade
            self.bus.style_changed.emit(StyleEvent(Style.FADE, self.fade))

    def set_axis_range(self, axis_range: AxisRange | str) -> None:
        """Range the axes over every snapshot (fixed on the timeline) or fit them to the snapshot shown."""
        axis_range = AxisRange(axis_range)
        if axis_range is not self.axis_range:
            self.axis_range = axis_range
            self.bus.axis_range_changed.emit(axis_range)

    # -- selection ----------------------------------------------------------------------
    def select(self, mask: np.ndarray, mode: SelectMode | str = SelectMode.REPLACE, source: SourceLike = Source.NONE,
               point_mask: np.ndarray | None = None) -> np.ndarray:
        """Combine an image mask with the selection in ``mode``; record it for undo; emit."""
        source = Source(source)
        store = self.require_store()
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (store.n_images,):
            raise SeeinError(f"a selection needs one flag per image ({store.n_images}), got {mask.shape}")
        new = combine(self.selection, mask, mode)
        keep_points = SelectMode(mode) is SelectMode.REPLACE and point_mask is not None
        self._apply(new, source, point_mask if keep_points else None, record=True)
        return new

    def _apply(self, mask: np.ndarray, source: SourceLike, point_mask: np.ndarray | None, record: bool) -> None:
        self.selection = mask
        self.point_mask = point_mask
        if record:
            self.history.push(mask, source)
        self.bus.selection_changed.emit(SelectionEvent(mask, Source(source), self.layer, point_mask))

    def select_images(self, images: Sequence[int], mode: SelectMode | str = SelectMode.REPLACE,
                      source: SourceLike = Source.NONE) -> np.ndarray:
        mask = np.zeros(self.require_store().n_images, dtype=bool)
        mask[np.asarray(images, dtype=np.int64)] = True
        return self.select(mask, mode, source)

    def select_class(self, cls: int, mode: SelectMode | str = SelectMode.REPLACE, source: SourceLike = Source.LEGEND) -> np.ndarray:
        """Select every image labelled ``cls`` (the legend's click)."""
        source = Source(source)
        return self.select(self.require_store().labels == int(cls), mode, source)

    def select_point(self, point: int | None, mode: SelectMode | str = SelectMode.REPLACE,
                     source: SourceLike = Source.CLICK) -> np.ndarray:
        """Select the image that owns ``point`` of the active layer (None: a click on nothing)."""
        source = Source(source)
        store = self.require_store()
        mask = np.zeros(store.n_images, dtype=bool)
        if point is not None:
            mask[int(self.point_images(np.array([point]))[0])] = True
        return self.select(mask, mode, source)

    def select_points(self, point_mask: np.ndarray, mode: SelectMode | str = SelectMode.REPLACE,
                      source: SourceLike = Source.LASSO) -> np.ndarray:
        """Select the images owning any point in ``point_mask`` (a lasso over the active layer)."""
        source = Source(source)
        point_mask = np.asarray(point_mask, dtype=bool)
        images = np.zeros(self.require_store().n_images, dtype=bool)
        images[self.point_images(np.flatnonzero(point_mask))] = True
        return self.select(images, mode, source, point_mask=point_mask)

    def clear_selection(self) -> None:
        if self.selection.any():
            self.select(np.zeros_like(self.selection), SelectMode.REPLACE, Source.CLEAR)

    def invert_selection(self) -> None:
        self.select(~self.selection, SelectMode.REPLACE, Source.INVERT)

    def undo(self) -> bool:
        mask = self.history.undo()
        if mask is None:
            return False
        self._apply(mask, Source.UNDO, None, record=False)
        return True

    def redo(self) -> bool:
        mask = self.history.redo()
        if mask is None:
            return False
        self._apply(mask, Source.REDO, None, record=False)
        return True

    # -- hover and details --------------------------------------------------------------
    def point_images(self, points: np.ndarray) -> np.ndarray:
        """Image index of points of the active layer."""
        return self.require_store().point_image(self.layer, points)

    def set_hover_point(self, point: int | None, source: SourceLike = Source.EMBEDDING) -> None:
        """The mouse is over ``point`` of the active layer (None: over nothing)."""
        source = Source(source)
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
        if self.mode == ViewMode.PROJECTION:
            frame = self.projection_frame()
            points, ranges = (None, None) if frame is None else (frame.positions, frame.ranges)
        else:
            points = self.read_points(info.name, self.snapshot)
            ranges = self.axis_ranges(info.name, self.snapshot)
        image_index = np.repeat(np.arange(store.n_images, dtype=np.int32), info.points_per_image)
        return {"points": points, "image_index": image_index, "labels": store.labels,
                "n_images": store.n_images, "palette": class_palette(store.n_classes), "ranges": ranges}

    def projection(self, layer: str | None = None) -> Optional[np.ndarray]:
        """The projection of ``layer`` (default active) by the current method, or None: the
        active layer's as the view shows it (aligned, ``projection_frame``), another's as computed."""
        if layer is None or layer == self.layer:
            frame = self.projection_frame()
            return None if frame is None else frame.positions
        return self.maps.raw((layer, self.method, self.snapshot))

    def projection_frame(self) -> Optional[MapFrame]:
        """The active layer's projection by the current method at the current snapshot, aligned
        onto the map shown before it (Deepling; ``seein.state.projection_timeline``), or None."""
        if self.store is None or self.layer is None:
            return None
        return self.maps.frame((self.layer, self.method, self.snapshot), self.info.cells)

    def set_projection(self, layer: str, method: str, snapshot: int, embedding: np.ndarray) -> None:
        """A projection finished (the active layer's or one computed ahead): keep it, tell the views."""
        embedding = np.asarray(embedding, dtype=np.float32)
        self.maps.put((layer, method, int(snapshot)), embedding)
        self.bus.projection_changed.emit(ProjectionEvent(layer, method, snapshot, embedding))

    def feature_maps(self, mask: np.ndarray | None = None, snapshot: int | None = None,
                     progress: ProgressCallback | None = None) -> list[tuple[str, np.ndarray]]:
        """The feature-map view's content for an image mask (default: the selection) at a snapshot
        (default: the current one): see :func:`seein.compute.feature_maps.feature_map_content`.
        Pass copies when calling from a worker thread."""
        from ..compute.feature_maps import feature_map_content

        mask = self.selection if mask is None else np.asarray(mask, dtype=bool)
        snapshot = self.snapshot if snapshot is None else int(snapshot)
        return feature_map_content(self.require_store(), mask, snapshot, progress)

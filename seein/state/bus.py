"""The event bus: one typed signal per kind of change, on psygnal (no Qt).

Like glue's Hub and messages, every view listens to the events it cares about and
no view calls another. :class:`~seein.state.AppState` owns the values and is the
only emitter; views change values through the state, and redraw from the events.
Each event is a small frozen dataclass, so a handler can tell what changed and
who changed it (``source``), and skip its own echoes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from psygnal import Signal

from ..core.enums import Choice


class Source(Choice):
    """Which control or program made a change; a handler skips its own echoes by it."""

    OPEN = "open"
    CLICK = "click"
    LASSO = "lasso"
    LEGEND = "legend"
    SEARCH = "search"
    KEYBOARD = "keyboard"
    LAYER_LIST = "layer-list"
    EMBEDDING = "embedding"
    OVERVIEW = "overview"
    FEATURE_MAP = "feature-map"
    UNDO = "undo"
    REDO = "redo"
    CLEAR = "clear"
    INVERT = "invert"
    LINKED = "linked"
    CONFUSION = "confusion"
    CLUSTERS = "clusters"
    PREDICTION = "prediction"
    PERPLEXITY = "perplexity"
    NETWORK = "network"
    INPUTMAP = "inputmap"
    IMPORT = "import"  # a selection file read in
    CLI = "cli"
    BENCH = "bench"
    TEST = "test"
    NONE = ""


class Style(Choice):
    """A drawing value every point view shares (:class:`StyleEvent`)."""

    POINT_SIZE = "point_size"
    FADE = "fade"


@dataclass(frozen=True)
class StyleEvent:
    """A shared drawing value changed: ``style`` is now ``value``."""

    style: Style
    value: float


@dataclass(frozen=True)
class SelectionEvent:
    """The selected images changed.

    ``mask`` is a boolean mask over images (the selection, linked across all layers);
    ``point_mask`` the exact points of ``layer`` a lasso caught, if any; ``source``
    names the control that made the change ("lasso", "legend", "undo", ...).
    """

    mask: np.ndarray
    source: Source = Source.NONE
    layer: Optional[str] = None
    point_mask: Optional[np.ndarray] = None

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.mask))


@dataclass(frozen=True)
class HoverEvent:
    """The point under the mouse: its image, and for structured layers its cell; None when off."""

    image: Optional[int]
    layer: Optional[str] = None
    point: Optional[int] = None
    cell: Optional[tuple[int, int]] = None
    source: Source = Source.NONE


@dataclass(frozen=True)
class LayerEvent:
    """The active layer changed (``previous`` is None on the first one)."""

    layer: str
    previous: Optional[str] = None
    source: Source = Source.NONE


@dataclass(frozen=True)
class DimsEvent:
    """The pair of dimensions in focus: dim ``x`` across, dim ``y`` up (x == y: a feature's diagonal panel)."""

    layer: str
    x: int
    y: int
    source: Source = Source.NONE


@dataclass(frozen=True)
class ModeEvent:
    """How the embedding view draws the layer: "scatter", "splom" or "projection" (+ method)."""

    mode: str  # a seein.state.ViewMode
    method: Optional[str] = None  # a seein.compute.methods.Method
    source: Source = Source.NONE


@dataclass(frozen=True)
class ViewportEvent:
    """The visible rectangle of the embedding view, (x, y, width, height) in matrix coordinates.

    Matrix coordinates are those of :mod:`seein.render.layout`: a D x D matrix spans
    [0, D] on both axes, a single scatter [0, 1].
    """

    rect: tuple[float, float, float, float]
    source: Source = Source.NONE


@dataclass(frozen=True)
class ProjectionEvent:
    """A projection of ``layer`` is ready (``embedding`` (n_points, 2), as computed) or was dropped (None).

    The view draws it aligned onto the map it showed before (``AppState.projection_frame``).
    """

    layer: str
    method: str
    snapshot: int
    embedding: Optional[np.ndarray]


class MapStatus(Choice):
    """How a projection map stands: the timeline waits for READY and says what it waits for."""

    MISSING = "missing"  # nobody asked for it yet
    QUEUED = "queued"  # to be computed ahead of the play head
    COMPUTING = "computing"
    READY = "ready"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class MapStatusEvent:
    """The map of ``layer`` by ``method`` at ``snapshot`` is now ``status`` (``message``: why it failed)."""

    layer: str
    method: str
    snapshot: int
    status: MapStatus
    message: str = ""


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of long work (``done`` of ``total``); ``finished`` when it ended or was cancelled."""

    task: str
    done: int
    total: int
    message: str = ""
    finished: bool = False


@dataclass(frozen=True)
class CellEvent:
    """A feature-map cell in focus: (layer, channel, y, x) of one image, for its receptive field."""

    layer: str
    channel: int
    y: int
    x: int
    image: Optional[int] = None


class EventBus:
    """Typed signals for every change the app makes; connect handlers, never call views.

    Handlers receive one event object. The bus does no work of its own; it is a
    switchboard, usable without Qt (in a notebook, a test or a script).
    """

    store_changed = Signal(object)  # the new Store (or None)
    snapshots_added = Signal(int)  # a live store grew: its new number of snapshots (seein.state.live)
    layer_changed = Signal(LayerEvent)
    snapshot_changed = Signal(int)
    mode_changed = Signal(ModeEvent)
    dims_changed = Signal(DimsEvent)
    selection_changed = Signal(SelectionEvent)
    hover_changed = Signal(HoverEvent)
    cell_focused = Signal(CellEvent)
    viewport_changed = Signal(ViewportEvent)
    projection_changed = Signal(ProjectionEvent)
    map_status = Signal(MapStatusEvent)  # a projection map queued, computing, ready, cancelled or failed
    progress = Signal(ProgressEvent)
    style_changed = Signal(StyleEvent)
    axis_range_changed = Signal(object)  # the new seein.state.axis_range.AxisRange
    status = Signal(str)  # a one-line message for the status bar

    def disconnect_all(self) -> None:
        """Disconnect every handler from every signal (when the window closes)."""
        for name in _SIGNALS:
            getattr(self, name).disconnect()


_SIGNALS = tuple(name for name, value in vars(EventBus).items() if isinstance(value, Signal))


class Subscriptions:
    """The connections one view made, so it can drop them all when it closes.

    A view calls ``self._subs.connect(bus.selection_changed, self._on_selection)``
    and ``self._subs.disconnect()`` in its close handler: no handler outlives its view.
    """

    def __init__(self) -> None:
        self._pairs: list[tuple[Any, Any]] = []

    def connect(self, signal: Any, handler: Any) -> None:
        signal.connect(handler)
        self._pairs.append((signal, handler))

    def disconnect(self) -> None:
        for signal, handler in self._pairs:
            signal.disconnect(handler, missing_ok=True)
        self._pairs.clear()

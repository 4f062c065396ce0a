"""A dock that shows one DeepEyes chart (seein.render.deepeyes) and links it to the app.

:class:`ChartSpec` says what a chart needs: ``compute(store_path, request)`` (heavy: run in
a worker thread, on its own Store handle), ``draw(data, request, size)`` (matplotlib,
fast; both run off the GUI thread) and what a click (``on_pick``) or a lasso (``on_brush``) does to the AppState.
:class:`ChartDock` redraws on the bus events the spec follows, keeps the old frame until
the new one is ready, and exports the figure (context menu: PNG, SVG, PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets

from ...state import AppState
from ...state.bus import Subscriptions
from ..worker import Task


@dataclass(frozen=True)
class Request:
    """What a chart shows: the store, snapshot, layer, selected images, focused filter."""

    store: str
    snapshot: int
    layer: Optional[str]
    selection: Optional[np.ndarray] = field(default=None, compare=False)
    selection_key: int = 0  # changes with the selection (arrays do not compare)
    focused: Optional[int] = None


@dataclass
class ChartSpec:
    """One chart: its name, how to compute and draw it, and what picking in it does."""

    name: str
    title: str
    compute: Callable[[str, Request], Any]
    draw: Callable[[Any, Request, tuple[int, int]], Any]
    follows: tuple[str, ...] = ("snapshot",)  # of: snapshot, layer, selection, focus
    on_pick: Optional[Callable[[AppState, Any], None]] = None
    on_brush: Optional[Callable[[AppState, Any], None]] = None
    recompute_on: tuple[str, ...] = ("snapshot", "layer", "selection")  # what invalidates compute
    on_hover: Optional[Callable[[AppState, Any, Request, Any], Any]] = None  # (state, data, request, pick) -> Tip


def current_request(state: AppState) -> Request:
    mask = state.selection if state.selection is not None and state.selection.any() else None
    focused = state.dims[0] if state.dims[0] == state.dims[1] else None
    return Request(str(state.store.path), int(state.snapshot), state.layer, mask,
                   hash(mask.tobytes()) if mask is not None else 0, focused)


class ChartDock(QtWidgets.QLabel):
    """Draws ``spec`` for the current state; clicks and lassos go back to the state."""

    drawn_ready = QtCore.Signal()

    def __init__(self, state: AppState, spec: ChartSpec, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state, self.spec = state, spec
        self.setObjectName(f"deepeyes_{spec.name}")
        self.setMinimumSize(200, 160)
        self.setAlignment(QtCore.Qt.AlignLeft | QtCore.Qt.AlignTop)
        self.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Ignored)
        self.drawn = None  # the last Drawn (pixels, figure, pick, brush)
        self.failed: Optional[str] = None  # why the last compute failed (e.g. a store without weights)
        self._data: Any = None
        self._data_key: Any = None
        self._task: Optional[Task] = None
        self._pending = False
        self._press: Optional[QtCore.QPoint] = None
        self._path: list[tuple[float, float]] = []
        self._subs = Subscriptions()
        bus = state.bus
        signals = {"snapshot": bus.snapshot_changed, "layer": bus.layer_changed,
                   "selection": bus.selection_changed, "focus": bus.dims_changed}
        for name in set(spec.follows) | {"snapshot"}:
            self._subs.connect(signals[name], self._on_change)
        self._subs.connect(bus.store_changed, self._on_change)
        self._subs.connect(bus.snapshots_added, self._on_change)
        self.setContextMenuPolicy(QtCore.Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self._timer = QtCore.QTimer(self, singleShot=True, interval=60)  # coalesce bursts of events
        self._timer.timeout.connect(self.refresh)
        self._hover_hit: Any = None
        self.popup = None  # a HoverPopup once the spec has hover content
        if spec.on_hover is not None:
            from ..hover_popup import HoverPopup

            self.popup = HoverPopup(self)
            self.setMouseTracking(True)

    @property
    def busy(self) -> bool:
        return self._task is not None or self._timer.isActive()

    def _on_change(self, *_: Any) -> None:
        if self.state.store is not None and self.isVisible():  # hidden docks compute nothing
            self._timer.start()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._on_change()

    def _key(self, req: Request) -> tuple:
        parts = {"snapshot": req.snapshot, "layer": req.layer, "selection": req.selection_key}
        n = len(self.state.store.snapshots) if self.state.store is not None else 0
        return (req.store, n) + tuple(parts[k] for k in self.spec.recompute_on)

    def refresh(self) -> None:
        """Redraw for the current state: compute (if the data is stale) and draw in a worker;
        the GUI thread only shows the finished pixels (the old ones stay until then)."""
        if self.state.store is None:
            return
        if self._task is not None:  # let it finish (its frame is shown), then draw again
            self._pending = True
            return
        req = current_request(self.state)
        key = self._key(req)
        spec, data = self.spec, (self._data if key == self._data_key else None)
        size = (max(self.width(), self.minimumWidth()), max(self.height(), self.minimumHeight()))

        def work(progress):
            fresh = spec.compute(req.store, req) if data is None else data
            return key, fresh, spec.draw(fresh, req, size)

        task = Task(work, tag=spec.name, parent=self)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        self._task = task
        task.start()

    def _on_done(self, tag: Any, result: Any) -> None:
        self._task = None
        key, data, drawn = result
        self._data, self._data_key = data, key
        self.failed = None
        self._show(drawn)
        if self._pending:
            self._pending = False
            self.refresh()

    def _on_failed(self, tag: Any, message: str) -> None:
        self._task = None
        self._pending = False
        self.failed = message  # said in the dock; not "still drawing"
        self.state.bus.status.emit(f"{self.spec.title}: {message}")
        self.setText(f"{self.spec.title}: {message}")

    def _on_cancelled(self, tag: Any) -> None:
        self._task = None
        self._pending = False
        self.refresh()

    def _show(self, drawn: Any) -> None:
        self.drawn = drawn
        if self.popup is not None and self.popup.isVisible():  # what it showed may be stale now
            self._hover_hit = None
            self.popup.hide()
        rgba = np.ascontiguousarray(drawn.rgba)
        image = QtGui.QImage(rgba.data, rgba.shape[1], rgba.shape[0], 4 * rgba.shape[1],
                             QtGui.QImage.Format_RGBA8888).copy()
        self.setPixmap(QtGui.QPixmap.fromImage(image))
        self.drawn_ready.emit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._data is not None:
            self._timer.start()

    # -- mouse: a click picks, a drag lassos --------------------------------------------
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == QtCore.Qt.LeftButton:
            self._press = event.pos()
            self._path = [(event.pos().x(), event.pos().y())]

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press is not None:
            self._path.append((event.pos().x(), event.pos().y()))
        elif self.popup is not None:
            self.hover_at(event.pos())

    def hover_at(self, pos: QtCore.QPoint) -> None:
        """Show what the chart has under ``pos`` (widget pixels) in the popup, or hide it."""
        hit = self.drawn.pick(pos.x(), pos.y()) if self.drawn is not None else None
        if hit is None:
            self._hover_hit = None
            self.popup.hide()
            return
        if _same(hit, self._hover_hit) and self.popup.isVisible():
            return
        self._hover_hit = hit
        tip = self.spec.on_hover(self.state, self._data, current_request(self.state), hit)
        if tip is None:
            self.popup.hide()
        else:
            self.popup.show_tip(tip, self.mapToGlobal(pos))

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        super().leaveEvent(event)
        if self.popup is not None:
            self._hover_hit = None
            self.popup.hide()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press is None or self.drawn is None:
            return
        moved = (event.pos() - self._press).manhattanLength()
        self._press = None
        if moved > 6 and self.spec.on_brush is not None and self.drawn.brush is not None:
            self.spec.on_brush(self.state, self.drawn.brush(self._path))
            return
        hit = self.drawn.pick(event.pos().x(), event.pos().y())
        if hit is not None and self.spec.on_pick is not None:
            self.spec.on_pick(self.state, hit)

    def _menu(self, pos: QtCore.QPoint) -> None:
        menu = QtWidgets.QMenu(self)
        for fmt in ("png", "svg", "pdf"):
            menu.addAction(f"Export {fmt.upper()}...", lambda f=fmt: self.export_dialog(f))
        menu.exec_(self.mapToGlobal(pos))

    def export_dialog(self, fmt: str) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, f"Export {self.spec.title}",
                                                        f"{self.spec.name}.{fmt}")
        if path:
            self.export(path)

    def export(self, path: str) -> Path:
        """Save the figure (PNG, SVG or PDF by the file's extension)."""
        if self.drawn is None:
            raise RuntimeError("nothing drawn yet")
        self.drawn.figure.savefig(path)
        return Path(path)

    def shutdown(self) -> None:
        self._timer.stop()
        if self.popup is not None:
            self.popup.hide()
        self._subs.disconnect()
        if self._task is not None:
            self._task.cancel()
            self._task.wait()  # a running QThread must not be destroyed with its widget


def _same(a: Any, b: Any) -> bool:
    """Two picks are the same (picks may hold arrays, which do not compare with ==)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b

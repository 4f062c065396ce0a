"""Interaction benchmark: how long each user action keeps the main window's GUI thread busy.

Drives a real MainWindow on a store's largest layer with synthetic input (the clicks,
drags and slider moves a user makes) and, for each action, records the longest gap
between ticks of a 5 ms heartbeat timer (the time the window could not react) and
the frames the embedding view drew meanwhile. An action's stall in frames is its
longest gap over the longest frame it drew (the view's median frame if it drew none):
1 means it cost one redraw and nothing else. A pan is timed with the view's thinned frames and with every point.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable, Optional

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets

from ..state.bus import Source

HEARTBEAT_MS = 5
MIN_FRAME_MS = 1000 / 60


class _Probe:
    """A heartbeat timer (longest gap between ticks) and the embedding view's frame times.

    Turns on the view's frame clock's ``finish`` switch: each frame is timed to a ``glFinish``
    at the end of its draw, the GL work of that draw exactly (the app's own frames go without).
    """

    def __init__(self, view) -> None:
        self.gaps: list[float] = []
        self.frames: list[float] = []
        self._t = time.perf_counter()
        self.timer = QtCore.QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.clock = view.clock
        self.clock.finish = True
        self.clock.frame.connect(self._frame)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._t)
        self._t = now

    @property
    def last_tick(self) -> float:
        return self._t

    def _frame(self, seconds: float) -> None:
        self.frames.append(seconds)

    def reset(self) -> None:
        self.gaps, self.frames = [], []
        self._t = time.perf_counter()

    def stop(self) -> None:
        self.timer.stop()
        self.clock.frame.disconnect(self._frame)
        self.clock.finish = False


def _pump(seconds: float = 0.0, until: Optional[Callable[[], bool]] = None, timeout: float = 60.0) -> None:
    """Process events for ``seconds``, or until ``until()`` holds (at most ``timeout``)."""
    t0 = time.perf_counter()
    while True:
        QtWidgets.QApplication.processEvents()
        elapsed = time.perf_counter() - t0
        if (until is None and elapsed >= seconds) or (until is not None and until()) or elapsed > timeout:
            return
        time.sleep(0.002)


def _mouse(widget, kind: str, pos, modifiers=QtCore.Qt.NoModifier, button=QtCore.Qt.LeftButton) -> None:
    """One synthetic mouse event delivered to ``widget`` (press, move with the button held, release)."""
    types = {"press": QtCore.QEvent.MouseButtonPress, "move": QtCore.QEvent.MouseMove,
             "release": QtCore.QEvent.MouseButtonRelease, "hover": QtCore.QEvent.MouseMove}
    held = QtCore.Qt.NoButton if kind in ("release", "hover") else button
    local = QtCore.QPointF(float(pos[0]), float(pos[1]))
    event = QtGui.QMouseEvent(types[kind], local, QtCore.QPointF(widget.mapToGlobal(local.toPoint())),
                              QtCore.Qt.NoButton if kind in ("move", "hover") else button, held, modifiers)
    QtWidgets.QApplication.sendEvent(widget, event)


def _drag(widget, points) -> None:
    _mouse(widget, "press", points[0])
    for p in points[1:]:
        _pump(0.012)  # VisPy drops moves less than 10 ms apart
        _mouse(widget, "move", p)
    _mouse(widget, "release", points[-1])


def _point_px(window, point: int) -> tuple[float, float]:
    """Canvas pixel of ``point`` of the active layer in the first visible panel that draws points
    (a matrix's diagonal panels are histograms)."""
    scene = window.embedding.scene
    layout = scene._layout()
    panels = scene.visible_panels()
    panel = next((p for p in panels if not p.diagonal), panels[0])
    mx, my = layout.to_matrix(panel, *[v[point:point + 1] for v in scene.picker.panel_values(panel)])
    tr = scene.view.scene.node_transform(scene.canvas.scene)
    x, y = tr.map(np.array([[mx[0], my[0]]], dtype=np.float64))[0, :2]
    return float(x), float(y)


def largest_layer(store) -> str:
    """The layer with the most values (points x dims): the hardest one to show."""
    return max(store.layers, key=lambda info: store.n_points(info.name) * info.dims).name


def analysis_docks(window) -> dict:
    """The window's chart docks (deepViz, DeepEyes) by view name."""
    docks = {}
    for key, dock in window.docks.items():
        if key.startswith(("deepviz_", "deepeyes_")) and key != "deepeyes_inputmap":
            docks[key.split("_", 1)[1]] = dock
    return docks


def bench_view(window, layer: str | None = None) -> dict:
    """Run the actions on ``window`` (a shown MainWindow with a store open); return the figures."""
    state, view = window.state, window.embedding
    store = state.store
    layer = layer or largest_layer(store)
    probe = _Probe(view)
    native = view.canvas.native
    rows = []

    def act(name: str, fn: Callable[[], None], done: Optional[Callable[[], bool]] = None) -> None:
        _pump(0.3)
        probe.reset()
        t0 = time.perf_counter()
        fn()
        _pump(until=done or (lambda: not window.busy))
        _pump(0.4)  # the full frame after a thinned one comes 250 ms after it
        # a frame that ended since the last tick is a gap too, though no tick has told it yet
        longest = max(max(probe.gaps, default=0.0), time.perf_counter() - probe.last_tick)
        rows.append({"action": name, "mode": state.mode, "seconds": time.perf_counter() - t0 - 0.4,
                     "longest_gap_ms": 1000 * longest,
                     "frames_ms": [round(1000 * f, 1) for f in probe.frames]})

    def lasso() -> None:
        window.actions_.lasso.setChecked(True)
        x, y = native.width() / 2, native.height() / 2
        _drag(native, [(x - 60, y - 60), (x + 60, y - 60), (x + 60, y + 60), (x - 60, y + 60)])

    def hover() -> None:
        state.set_hover_point(None)  # the mouse left the points; now it comes back over one
        window.details.shown_image = None
        first = int(store.layer(layer).points_per_image) * int(np.flatnonzero(store.labels == store.labels[0])[1])
        _mouse(native, "hover", _point_px(window, first))

    label = int(store.labels[0])
    first_layer = min(store.layers, key=lambda info: store.n_points(info.name)).name
    state.set_layer(first_layer, source=Source.BENCH)
    _pump(until=lambda: not window.busy)
    act(f"layer switch to {layer}", lambda: state.set_layer(layer, source=Source.BENCH))
    panels = len(view.scene.visible_panels())
    for mode in ("splom", "scatter"):
        if mode == "scatter":
            act("matrix -> scatter", lambda: (state.set_dims(0, min(1, store.layer(layer).dims - 1)),
                                               state.set_mode("scatter")))
        act("class click (legend)", lambda: state.select_class(label, source=Source.LEGEND))
        act("lasso", lasso)
        act("hover", hover, done=lambda: window.details.shown_image is not None)
        act("timeline step", lambda: window.timeline.slider.setValue((state.snapshot - 1) % len(store.snapshots)))
        act("invert selection", state.invert_selection)
        act("undo", state.undo)
    act("scatter -> matrix", lambda: state.set_mode("splom"))
    size_slider = view.controls.style.size_slider
    act("point-size slider", lambda: size_slider.setValue(size_slider.value() + 1))
    act("feature-pixel click (diagonal panel)", lambda: state.focus_feature(layer, 1, 0, 0))
    act("overview drag", lambda: _drag(window.overview.canvas.native, [(40, 40), (50, 50)]))
    act("timeline step (no analysis view)",
        lambda: window.timeline.slider.setValue((state.snapshot - 1) % len(store.snapshots)))
    for name, dock in analysis_docks(window).items():  # each analysis view, alone, on a timeline step
        dock.show()
        _pump(until=lambda: not window.busy, timeout=120.0)
        act(f"timeline step, {name} shown",
            lambda: window.timeline.slider.setValue((state.snapshot - 1) % len(store.snapshots)))
        rows[-1]["view"] = name
        dock.hide()
    state.focus_feature(layer, 0, 0, 0)
    window.reset_view()
    _pump(until=lambda: not window.busy)

    def pan() -> dict:
        x, y = native.width() / 2, native.height() / 2
        probe.reset()
        _mouse(native, "press", (x, y))
        _pump(0.3)
        probe.reset()
        t0 = time.perf_counter()
        for k in range(1, 9):
            _pump(0.02)
            _mouse(native, "move", (x + 5 * k, y + 3 * k))
        seconds = time.perf_counter() - t0
        moving = list(probe.frames)
        _mouse(native, "release", (x + 40, y + 24))
        _pump(1.0)
        return {"seconds": seconds, "frames_ms": [round(1000 * f, 1) for f in moving]}

    sampled = pan()
    budget, view.adapter.moving_budget = view.adapter.moving_budget, 10 ** 15
    full = pan()
    view.adapter.moving_budget = budget
    probe.stop()
    frame_ms = statistics.median([f for r in rows for f in r["frames_ms"] if r["mode"] == "splom"] or [float("nan")])
    scatter_ms = statistics.median([f for r in rows for f in r["frames_ms"] if r["mode"] == "scatter"]
                                   or [float("nan")])
    for r in rows:  # in frames of the view as it was then (a selection doubles a frame); at least 60 Hz ones
        frame = max(r["frames_ms"]) if r["frames_ms"] else (frame_ms if r["mode"] == "splom" else scatter_ms)
        r["stall_frames"] = r["longest_gap_ms"] / max(frame, MIN_FRAME_MS)
    return {"layer": layer, "points": store.n_points(layer), "dims": store.layer(layer).dims,
            "matrix_panels": panels, "matrix_frame_ms": frame_ms, "scatter_frame_ms": scatter_ms,
            "actions": rows, "pan": {"sampled": sampled, "every_point": full,
                                     "speedup": (statistics.median(full["frames_ms"] or [float("nan")])
                                                 / statistics.median(sampled["frames_ms"] or [float("nan")]))}}


def format_table(result: dict) -> str:
    """The printed report: per action its longest GUI-thread gap, in ms and in frames."""
    lines = [f"layer {result['layer']}: {result['points']:,} points of {result['dims']} dims; matrix view "
             f"{result['matrix_panels']} panels, median frame {result['matrix_frame_ms']:.0f} ms; scatter "
             f"median frame {result['scatter_frame_ms']:.0f} ms",
             f"{'action':40s}{'view':>8s}{'took':>9s}{'longest gap':>13s}{'= frames':>10s}  frames drawn (ms)"]
    for r in result["actions"]:
        frames = ", ".join(f"{f:.0f}" for f in r["frames_ms"][:6])
        lines.append(f"{r['action']:40s}{r['mode']:>8s}{1000 * r['seconds']:7.0f} ms{r['longest_gap_ms']:10.0f} ms"
                     f"{r['stall_frames']:10.1f}  {frames}")
    p = result["pan"]
    lines.append(f"pan of 8 moves: thinned {p['sampled']['seconds']:.2f} s (frames {p['sampled']['frames_ms']} ms), "
                 f"every point {p['every_point']['seconds']:.2f} s (frames {p['every_point']['frames_ms']} ms)")
    worst = max(r["stall_frames"] for r in result["actions"] if "view" not in r)
    lines.append(f"ratio longest_stall_in_frames {worst:8.2f}  (goal <= 3: {'met' if worst <= 3 else 'NOT met'})")
    base = [r for r in result["actions"] if r["action"] == "timeline step (no analysis view)"]
    views = [r for r in result["actions"] if "view" in r]
    if base and views:
        extra = max(r["stall_frames"] - base[0]["stall_frames"] for r in views)
        lines.append(f"ratio analysis_view_extra_stall_in_frames {extra:8.2f}  (a shown view's extra stall on a "
                     f"timeline step; goal <= 1: {'met' if extra <= 1 else 'NOT met'})")
    lines.append(f"ratio pan_frame_every_point_vs_thinned {p['speedup']:8.2f}")
    return "\n".join(lines)

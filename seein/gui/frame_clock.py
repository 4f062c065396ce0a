"""Frame times of a VisPy canvas in a Qt window: the status bar's fps, and the benchmark's frames.

A frame runs from its draw event until Qt has put it on screen: ``QOpenGLWidget.frameSwapped``,
emitted once the window's composition (which reads the canvas's finished image) returned.
That counts the rasterisation too, with no ``glFinish`` of ours stalling every frame. Where
the widget has no such signal (a QGLWidget) the frame ends at the next turn of the event
loop, after the paint's buffer swap. ``finish=True`` (``seein bench view``) ends each frame
with ``glFinish`` at its draw's end instead: exactly the GL work of that draw, at the price
of a pipeline stall, so only the benchmark turns it on.
"""

from __future__ import annotations

import time

from qtpy import QtCore

FPS_EVERY = 5  # frames per fps figure


class FrameClock(QtCore.QObject):
    """Times each frame ``canvas`` draws; ``frame(seconds)`` per frame, ``frame_rate(fps)`` every few."""

    frame = QtCore.Signal(float)
    frame_rate = QtCore.Signal(float)

    def __init__(self, canvas, parent: QtCore.QObject | None = None, *, finish: bool = False):
        super().__init__(parent)
        self.canvas = canvas
        self.finish = finish
        self._t0: float | None = None
        self._drawn = False
        self._batch: list[float] = []
        self.last_seconds = float("nan")
        canvas.events.draw.connect(self._on_draw_start, position="first")
        canvas.events.draw.connect(self._on_draw_end, position="last")
        swapped = getattr(canvas.native, "frameSwapped", None)
        self._swapped = swapped
        if swapped is not None:
            swapped.connect(self._on_swapped)

    def _on_draw_start(self, event) -> None:
        self._t0 = time.perf_counter()
        self._drawn = False

    def _on_draw_end(self, event) -> None:
        if self._t0 is None:
            return
        if self.finish:
            from vispy.gloo import gl

            gl.glFinish()
            self._end()
        elif self._swapped is not None:
            self._drawn = True  # ends when the window shows it
        else:
            self._drawn = True
            QtCore.QTimer.singleShot(0, self._on_swapped)

    def _on_swapped(self) -> None:
        if self._drawn:  # a composition of the window after this canvas drew (not after another widget's paint)
            self._end()

    def _end(self) -> None:
        seconds = time.perf_counter() - self._t0
        self._t0, self._drawn = None, False
        self.last_seconds = seconds
        self.frame.emit(seconds)
        self._batch.append(seconds)
        if len(self._batch) >= FPS_EVERY:
            self.frame_rate.emit(len(self._batch) / max(sum(self._batch), 1e-6))
            self._batch.clear()

    def close(self) -> None:
        self.canvas.events.draw.disconnect(self._on_draw_start)
        self.canvas.events.draw.disconnect(self._on_draw_end)
        if self._swapped is not None:
            try:
                self._swapped.disconnect(self._on_swapped)
            except (TypeError, RuntimeError):  # the native widget is already gone
                pass

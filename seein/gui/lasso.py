"""The lasso tool: a polygon drawn with the mouse over a VisPy canvas, in canvas pixels.

It only records the path and shows it as a line on top of the canvas; the scene turns
the finished polygon into a selection (``EmbeddingScene.lasso``).
"""

from __future__ import annotations

import numpy as np
from vispy import scene as vscene


class LassoTool:
    """Collects the dragged polygon and draws it over ``canvas`` while dragging."""

    MIN_STEP = 2.0  # pixels between recorded vertices

    def __init__(self, canvas):
        self.canvas = canvas
        self.active = False
        self.dragging = False
        self._points: list[tuple[float, float]] = []
        self._line = vscene.visuals.Line(pos=np.zeros((2, 2), np.float32), color=(1, 0.2, 0.2, 1),
                                         width=2, parent=canvas.scene, method="gl")
        self._line.order = 1000  # over everything
        self._line.visible = False

    def set_active(self, on: bool) -> None:
        self.active = bool(on)
        if not on:
            self.cancel()

    def start(self, pos) -> None:
        self.dragging = True
        self._points = [(float(pos[0]), float(pos[1]))]

    def extend(self, pos) -> None:
        x, y = float(pos[0]), float(pos[1])
        lx, ly = self._points[-1]
        if (x - lx) ** 2 + (y - ly) ** 2 >= self.MIN_STEP ** 2:
            self._points.append((x, y))
            closed = np.array(self._points + [self._points[0]], np.float32)
            self._line.set_data(pos=closed)
            self._line.visible = True
            self.canvas.update()

    def finish(self) -> np.ndarray:
        """End the drag; the polygon (n, 2) in canvas pixels (x right, y down)."""
        polygon = np.array(self._points, np.float32).reshape(-1, 2)
        if len(polygon) > 3 and np.abs(polygon[-1] - polygon[0]).max() < self.MIN_STEP:
            polygon = polygon[:-1]  # the polygon closes itself; a repeated first vertex adds nothing
        self.cancel()
        return polygon

    def cancel(self) -> None:
        self.dragging = False
        self._points = []
        self._line.visible = False
        self.canvas.update()

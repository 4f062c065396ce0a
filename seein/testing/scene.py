"""Where the embedding scene draws things, in canvas pixels: for tests that click or look at a point."""

from __future__ import annotations

import numpy as np


def canvas_px(scene, mx: float, my: float) -> np.ndarray:
    """Canvas pixel (x, y), origin top-left, of matrix point (mx, my) of ``scene``'s plot."""
    tr = scene.view.scene.node_transform(scene.canvas.scene)
    return tr.map(np.array([[mx, my]], dtype=np.float64))[0, :2]


def point_px(scene, point: int) -> np.ndarray:
    """Canvas pixel where ``point`` of the uploaded layer is drawn in the scene's first panel."""
    layout = scene._layout()
    panel = layout.panel(0, 0)
    mx, my = layout.to_matrix(panel, *[v[point:point + 1] for v in scene.picker.panel_values(panel)])
    return canvas_px(scene, mx[0], my[0])

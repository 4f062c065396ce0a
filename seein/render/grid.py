"""The matrix's cell grid and, where no axes name them, the diagonal's dimension names.

Zoomed out over hundreds of panels, a line per cell edge would paint the view grey and
the names would overlap in one smear along the diagonal: both show only while the cells
are big enough on screen.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from vispy import scene

from ..state.modes import ViewMode
from .layout import Layout

GRID_COLOR = (0.62, 0.62, 0.62, 1.0)
MIN_GRID_PX = 5.0  # cells smaller than this on screen: no grid lines (they would be all there is to see)
MIN_LABEL_PX = 28.0  # cells smaller than this: no dimension names on the diagonal


class MatrixGrid:
    """Cell edges (``lines``) and diagonal names (``names``) of a layout, in matrix coordinates."""

    def __init__(self, parent: Any):
        self.lines = scene.visuals.Line(pos=np.zeros((2, 2), np.float32), connect="segments",
                                        color=GRID_COLOR, parent=parent, method="gl")
        self.lines.set_gl_state(depth_test=False, blend=True)
        self.lines.order = 1
        self.names = scene.visuals.Text("", color=(0.25, 0.25, 0.25, 1.0), font_size=7, anchor_x="left",
                                        anchor_y="bottom", parent=parent)
        self.names.order = 2
        self.names.visible = False

    def set_layout(self, layout: Layout, dim_names: Sequence[str] | None) -> None:
        n = layout.grid
        ticks = np.arange(n + 1, dtype=np.float32)
        vertical = np.stack([np.repeat(ticks, 2), np.tile([0.0, n], n + 1)], axis=1)
        self.lines.set_data(pos=np.concatenate([vertical, vertical[:, ::-1]]).astype(np.float32))
        if layout.mode == ViewMode.SPLOM:  # name each diagonal cell: row k and column k show that dim
            names = dim_names or [f"d{k}" for k in range(n)]
            self.names.text = [str(names[k]) for k in range(n)]
            self.names.pos = np.array([[k + 0.03, n - k - 0.03] for k in range(n)], np.float32)

    def update(self, cell_px: float, matrix: bool, axes_shown: bool) -> None:
        """Show what reads at ``cell_px`` pixels per cell; with axes the margins name rows and columns."""
        self.lines.visible = not matrix or cell_px >= MIN_GRID_PX
        self.names.visible = matrix and cell_px >= MIN_LABEL_PX and not axes_shown

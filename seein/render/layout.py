"""Where panels sit: the matrix coordinates shared by the point visual, the scene and the overview.

A view of D dimensions is a D x D grid of unit cells in "matrix coordinates": the cell
of row ``r`` and column ``c`` spans ``x in [c, c+1]`` and ``y in [D-1-r, D-r]`` (row 0 on
top, y up as in a PanZoom camera). It plots dimension ``c`` on x and dimension ``r`` on y,
so every row shares a y axis and every column an x axis (Seein' In §3.1); the diagonal
cells are 1-D dot plots. A single scatter is one cell at ``[0, 1]^2``. Inside a cell, data
spans the inner square ``[PAD, 1-PAD]`` of the cell, mapped from each dimension's range.
No GL here: plain arithmetic used by drawing, picking, lassoing and the overview.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PAD = 0.06  # margin inside a cell, in cell units


@dataclass(frozen=True)
class Panel:
    """One drawn cell: data dims (``dx`` on x, ``dy`` on y), its grid position and lower-left corner."""

    dx: int
    dy: int
    row: int
    col: int
    x0: float
    y0: float

    @property
    def diagonal(self) -> bool:
        return self.dx == self.dy


class Layout:
    """Panel geometry of a scatter (one cell showing ``dims``) or of a D x D matrix.

    Parameters
    ----------
    ranges : (D, 2) array
        (min, max) of every dimension; a dimension with no spread gets a unit range.
    mode : "scatter" or "splom"
    dims : (i, j)
        The scatter's x and y dimensions (ignored by the matrix).
    """

    def __init__(self, ranges: np.ndarray, mode: str = "scatter", dims: tuple[int, int] = (0, 1)):
        ranges = np.asarray(ranges, dtype=np.float64).reshape(-1, 2).copy()
        flat = ~(ranges[:, 1] > ranges[:, 0])
        ranges[flat, 1] = ranges[flat, 0] + 1.0
        self.ranges = ranges
        self.n_dims = len(ranges)
        if mode not in ("scatter", "splom"):
            raise ValueError(f"mode must be 'scatter' or 'splom', not {mode!r}")
        self.mode = mode
        i, j = (int(d) for d in dims)
        if not (0 <= i < self.n_dims and 0 <= j < self.n_dims):
            raise ValueError(f"dims {dims} out of range for {self.n_dims} dimensions")
        self.dims = (i, j)

    @property
    def grid(self) -> int:
        """Cells per side: 1 for a scatter, D for a matrix."""
        return 1 if self.mode == "scatter" else self.n_dims

    def panel(self, row: int, col: int) -> Panel:
        n = self.grid
        if self.mode == "scatter":
            return Panel(self.dims[0], self.dims[1], 0, 0, 0.0, 0.0)
        return Panel(col, row, row, col, float(col), float(n - 1 - row))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell holding matrix point (x, y), or None outside the grid."""
        n = self.grid
        if not (0 <= x < n and 0 <= y < n):
            return None
        return n - 1 - int(math.floor(y)), int(math.floor(x))

    def panel_at(self, x: float, y: float) -> Panel | None:
        cell = self.cell_at(x, y)
        return None if cell is None else self.panel(*cell)

    def visible_panels(self, rect: tuple[float, float, float, float]) -> list[Panel]:
        """Panels whose cell meets the rectangle (x, y, w, h) in matrix coordinates."""
        x, y, w, h = rect
        # A sliver of a cell no deeper than its padding shows no point: leave it out (and a
        # view edge on a cell boundary, up to rounding, shows nothing of the next cell).
        eps = PAD * 0.99 if self.grid > 1 else 0.0
        x, y, w, h = x + eps, y + eps, max(w - 2 * eps, 0.0), max(h - 2 * eps, 0.0)
        n = self.grid
        c0, c1 = max(0, int(math.floor(x))), min(n - 1, int(math.ceil(x + w)) - 1)
        rb0, rb1 = max(0, int(math.floor(y))), min(n - 1, int(math.ceil(y + h)) - 1)
        return [self.panel(n - 1 - yb, c) for yb in range(rb1, rb0 - 1, -1) for c in range(c0, c1 + 1)]

    # -- data <-> matrix coordinates -------------------------------------------------
    def axis_map(self, dim: int, origin: float) -> tuple[float, float]:
        """(scale, offset) with matrix = value * scale + offset for dimension ``dim`` in a cell at ``origin``."""
        lo, hi = self.ranges[dim]
        scale = (1.0 - 2 * PAD) / (hi - lo)
        return scale, origin + PAD - lo * scale

    def jitter_map(self, origin: float) -> tuple[float, float]:
        """(scale, offset) placing a diagonal panel's jitter in [0, 1) inside its cell."""
        return 1.0 - 2 * PAD, origin + PAD

    def to_matrix(self, panel: Panel, values_x: np.ndarray, values_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Matrix coordinates of data values shown in ``panel`` (values_y: jitter on the diagonal)."""
        sx, ox = self.axis_map(panel.dx, panel.x0)
        sy, oy = self.jitter_map(panel.y0) if panel.diagonal else self.axis_map(panel.dy, panel.y0)
        return values_x * sx + ox, values_y * sy + oy

    def to_data(self, panel: Panel, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`to_matrix`."""
        sx, ox = self.axis_map(panel.dx, panel.x0)
        sy, oy = self.jitter_map(panel.y0) if panel.diagonal else self.axis_map(panel.dy, panel.y0)
        return (np.asarray(x) - ox) / sx, (np.asarray(y) - oy) / sy


def jitter(image_index: np.ndarray) -> np.ndarray:
    """The y of a point in a 1-D dot plot, as the vertex shader computes it (per image, in [0, 1))."""
    img = np.asarray(image_index, dtype=np.float32)
    return np.modf(np.mod(img, np.float32(1024.0)) * np.float32(0.618034))[0].astype(np.float32)

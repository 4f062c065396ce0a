"""What the embedding view draws first and while it moves: render policy, from the state's values.

Pure functions of a layer's size and the canvas, so the window, ``seein screenshot`` and
the benchmarks choose the same first view and the same thinning.
"""

from __future__ import annotations

import math
from typing import Optional

HOME_POINTS_BUDGET = 4_500_000  # points drawn in a matrix's first view (see home_rect)
# the first view's frame around its panels, thinner than a cell's padding (seein.render.layout.PAD,
# 0.06), so the next cells' slivers hold no point and are not drawn
HOME_MARGIN = 0.05
MOVING_POINTS_BUDGET = 1_000_000  # points per frame while the camera moves (see moving_sample)

Rect = tuple[float, float, float, float]


def home_rect(n_dims: int, n_points: int, points_budget: int = HOME_POINTS_BUDGET,
              canvas_size: Optional[tuple[int, int]] = None) -> Rect:
    """The first view (x, y, w, h) of a D x D matrix: its top-left k x k panels, k so that
    ~``points_budget`` points are drawn (at least 1, at most 4).

    A million-point layer's 4 x 4 corner is 16 M points a frame, seconds on a software
    rasteriser; its 2 x 2 corner keeps the window interactive, the overview shows the rest.
    Given the ``canvas_size`` (width, height) the rect has the canvas's shape. The room a
    non-square canvas has to spare shows more of the matrix (further columns to the right,
    rows below; the whole matrix centred) when their points fit the budget too, so no
    empty band lies beside the matrix; only when they would not (a million-point layer)
    it lies left of or above the matrix, where nothing is drawn.
    """
    n = max(int(n_points), 1)
    d = int(n_dims)
    k = int(min(max(int((points_budget / n) ** 0.5), 1), 4, d))
    m = min(0.02 * k, HOME_MARGIN)
    side = k + 2 * m
    aspect = canvas_size[0] / canvas_size[1] if canvas_size and min(canvas_size) > 0 else 1.0
    width, height = side * max(aspect, 1.0), side / min(aspect, 1.0)
    x = max(min(-m, d + m - width), k + m - width)  # left edge on the matrix's, unless past its right
    y = min(max(d + m - height, -m), d - k - m)  # top edge on the matrix's, unless past its bottom
    if width > d + 2 * m:  # the whole matrix and room to spare: centred, the room on both sides
        x = (d - width) / 2
    if height > d + 2 * m:
        y = (d - height) / 2
    cols = min(d, math.ceil(x + width - 1e-9)) - max(0, math.floor(x))
    rows = min(d, math.ceil(y + height - 1e-9)) - max(0, math.floor(y + 1e-9))
    if n * cols * rows > points_budget and (cols > k or rows > k):
        x, y = k + m - width, d - k - m  # the spare room off the matrix: no extra panel drawn
    return (x, y, width, height)


def block_rect(n_dims: int, a: int, b: int, plot_size: tuple[float, float], margin: float) -> Rect:
    """The view (x, y, w, h) of the matrix block of dims a..b-1 (rows and columns) with a thin frame,
    shaped like the plot (``plot_size`` in pixels; the axes' margins make it not square).

    The room a non-square plot has to spare goes where no panel is: right of and below the
    whole matrix, left of and above a block in the top-left corner, so no sliver of a next
    row or column shows and the axes stay along the block's edges.
    """
    k = b - a
    side = k + 2 * margin
    pw, ph = plot_size
    aspect = pw / ph if ph > 0 else 1.0
    width, height = side * max(aspect, 1.0), side / min(aspect, 1.0)
    before = a == 0 and b < n_dims  # the matrix goes on right of and below the block
    x0 = a - margin - (width - side if before else 0.0)
    y0 = n_dims - b - margin if before else n_dims - a + margin - height
    return (x0, y0, width, height)


def panel_rect(n_dims: int, x: int, y: int, margin: float = 0.04) -> Rect:
    """The view (x, y, w, h) showing the panel of dim ``x`` across and dim ``y`` up of a D x D matrix.

    Matrix coordinates (seein.render.layout): that panel (row ``y``, column ``x``) spans
    [x, x+1] across and [D-1-y, D-y] up.
    """
    return (x - margin, n_dims - 1 - y - margin, 1 + 2 * margin, 1 + 2 * margin)


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

"""A matplotlib figure drawn off-screen to RGBA, and what a click on it means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

DPI = 100
BAD = "#d62728"  # red: decrease, dead filters
GOOD = "#2ca02c"  # green: increase, stable layers
MARK = "#1f77b4"
ALWAYS = "#ff7f0e"  # orange: always-active filters, the current snapshot


def new_figure(size: tuple[int, int]):
    """An Agg figure of ``size`` = (width, height) pixels (no pyplot, so no GUI backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def to_rgba(fig) -> np.ndarray:
    """Draw ``fig`` and return its pixels, uint8 (H, W, 4)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def axes_at(fig, x: float, y: float):
    """The axes under pixel (x, y) (origin top left, as on screen) and the data coordinates there."""
    height = fig.bbox.height
    for ax in fig.axes:
        if ax.bbox.contains(x, height - y):
            data = ax.transData.inverted().transform((x, height - y))
            return ax, float(data[0]), float(data[1])
    return None, 0.0, 0.0


@dataclass
class Drawn:
    """A drawn figure: ``rgba`` pixels, the ``figure`` (for PNG/SVG/PDF export), and
    ``pick(x, y)``: what a click at that pixel means (None for nothing); ``brush(polygon)``:
    what a lasso through those pixels catches, for views that have one."""

    rgba: np.ndarray
    figure: Any
    pick: Callable[[float, float], Optional[Any]]
    brush: Optional[Callable[[Any], Any]] = None

"""Activation heatmap (DeepEyes §4.3, Fig. 7a): filters (rows) x classes (columns).

Cells show the maximum activation per class (green-to-yellow) or the frequency of
activation above beta * max (yellow-to-blue); a cell's size shows reliability (full
size: the filter reached theta of its maximum at the current snapshot; smaller the
longer ago). Dead filters are flagged red, always-active ones orange, left of their
row (on the right); the focused filter's row is framed. A click on a row picks that filter.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from ...compute.deepeyes import activation_heatmap
from ...compute.deepeyes_views import FilterOrder, filter_flags, filter_order
from ...store import Store
from .figure import ALWAYS, BAD, Drawn, axes_at, new_figure, to_rgba


class HeatValue(str, Enum):
    """What the cells show."""

    MAX = "max"
    FREQUENCY = "frequency"


def heatmap_data(store: Store, layer: str, snapshot: int = -1) -> dict:
    heat = activation_heatmap(store, layer, snapshot)
    return {"heat": heat, "flags": filter_flags(heat), "class_names": list(store.class_names),
            "layer": layer}


def draw_heatmap(data: dict, size: tuple[int, int] = (420, 700), value: HeatValue | str = HeatValue.MAX,
                 order: FilterOrder | str = FilterOrder.INDEX, focused: int | None = None) -> Drawn:
    """The heatmap of one layer; rows sorted by ``order``."""
    from matplotlib import colormaps

    heat, flags, classes = data["heat"], data["flags"], data["class_names"]
    value = HeatValue(value)
    rows = filter_order(heat, order)
    if value is HeatValue.MAX:
        grid = np.nan_to_num(heat["max_by_class"], neginf=0.0).clip(min=0)
        grid = grid / max(float(grid.max()), 1e-12)
        cmap = colormaps["summer"]  # green to yellow
    else:
        grid = np.nan_to_num(heat["frequency_by_class"])
        cmap = colormaps["YlGnBu"]  # yellow to blue
    stale = np.asarray(heat["staleness"], dtype=np.float64)
    scale = 1.0 / (1.0 + stale)  # 1 when reached now, 1/2 a snapshot ago, ...
    n_f, n_c = grid.shape
    fig = new_figure(size)
    ax = fig.add_axes([0.14, 0.08, 0.76, 0.86])
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells, colours = [], []
    for r, f in enumerate(rows):
        side = 0.3 + 0.7 * scale[f]
        for c in range(n_c):
            cells.append(Rectangle((c + (1 - side) / 2, r + (1 - side) / 2), side, side))
            colours.append(cmap(float(grid[f, c])))
    ax.add_collection(PatchCollection(cells, facecolors=colours, edgecolors="none"))
    for r, f in enumerate(rows):
        if flags["dead"][f]:
            ax.add_patch(Rectangle((n_c + 0.15, r), 0.6, 1, color=BAD, clip_on=False))
        elif flags["always_active"][f]:
            ax.add_patch(Rectangle((n_c + 0.15, r), 0.6, 1, color=ALWAYS, clip_on=False))
        if focused is not None and f == focused:
            ax.add_patch(Rectangle((0, r), n_c, 1, fill=False, ec="black", lw=2))
    ax.set_xlim(0, n_c)
    ax.set_ylim(n_f, 0)
    ax.set_xticks(np.arange(n_c) + 0.5, [str(c)[:6] for c in classes], fontsize=7)
    step = max(1, n_f // 25)
    ax.set_yticks(np.arange(0, n_f, step) + 0.5, [str(f) for f in rows[::step]], fontsize=6)
    ax.set_title(f"{data['layer']}: {'max activation' if value is HeatValue.MAX else 'frequency'} "
                 f"({int(flags['dead'].sum())} dead, {int(flags['always_active'].sum())} always active)",
                 fontsize=8)
    rgba = to_rgba(fig)

    def pick(x: float, y: float):
        hit, cx, cy = axes_at(fig, x, y)
        if hit is not ax or not (0 <= cy < n_f):
            return None
        return int(rows[int(cy)])

    return Drawn(rgba, fig, pick)

"""Filter Map (DeepEyes §4.5, Fig. 7e): a layer's filters as points, t-SNE of 1 - weighted Jaccard.

Colour: the class with the largest cumulative activation; size: 1 / perplexity of that
association (large = tied to one class). Brushed filters are ringed in black, the focused
one in orange. ``pick(x, y)`` gives the nearest filter within a few pixels; ``brush(path)``
the filters inside a lasso drawn in pixels.
"""

from __future__ import annotations

import numpy as np

from ...compute.filtermap import filter_map
from ...core.palette import class_palette
from ...store import Store
from .figure import ALWAYS, Drawn, new_figure, to_rgba

PICK_RADIUS = 8.0  # pixels


def filtermap_data(store: Store, layer: str, snapshot: int = -1, **kwargs) -> dict:
    data = filter_map(store, layer, snapshot, **kwargs)
    return {**data, "class_names": list(store.class_names), "layer": layer}


def draw_filtermap(data: dict, size: tuple[int, int] = (500, 500), brushed: np.ndarray | None = None,
                   focused: int | None = None) -> Drawn:
    emb = np.asarray(data["embedding"], dtype=np.float64)
    palette = class_palette(len(data["class_names"]))
    colours = palette[np.asarray(data["color_class"]) % len(palette)]
    sizes = 20 + 380 * np.asarray(data["size"], dtype=np.float64)  # area in points^2: 1/K .. 1
    fig = new_figure(size)
    ax = fig.add_axes([0.04, 0.04, 0.92, 0.88])
    ax.scatter(emb[:, 0], emb[:, 1], s=sizes, c=colours, alpha=0.8, linewidths=0)
    if brushed is not None and np.any(brushed):
        b = np.asarray(brushed, dtype=bool)
        ax.scatter(emb[b, 0], emb[b, 1], s=sizes[b], facecolors="none", edgecolors="black", linewidths=1.5)
    if focused is not None:
        ax.scatter(emb[[focused], 0], emb[[focused], 1], s=sizes[[focused]] + 60, facecolors="none",
                   edgecolors=ALWAYS, linewidths=2.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{data['layer']}: {len(emb)} filters ({str(data['method'])})", fontsize=9)
    ax.margins(0.08)
    rgba = to_rgba(fig)
    height = fig.bbox.height
    screen = ax.transData.transform(emb)
    screen[:, 1] = height - screen[:, 1]  # top-left origin, as on screen

    def pick(x: float, y: float):
        d = np.hypot(screen[:, 0] - x, screen[:, 1] - y)
        k = int(np.argmin(d)) if len(d) else -1
        return k if k >= 0 and d[k] <= PICK_RADIUS + np.sqrt(sizes[k]) / 2 else None

    return Drawn(rgba, fig, pick, lambda polygon: inside(screen, polygon))


def inside(screen_points: np.ndarray, polygon) -> np.ndarray:
    """bool (n,): which screen points lie inside the pixel polygon (a lasso)."""
    from matplotlib.path import Path

    poly = np.asarray(polygon, dtype=np.float64)
    if len(poly) < 3:
        return np.zeros(len(screen_points), dtype=bool)
    return Path(poly).contains_points(screen_points)

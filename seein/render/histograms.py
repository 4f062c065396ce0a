"""The diagonal panels of a scatter-plot matrix: each dimension's distribution, per class.

As in seaborn's ``pairplot`` (``hue``, ``diag_kind="hist"``, ``element="step"``), a
diagonal cell shows one step line per class in the class colours, on the x axis its
column shares with the panels above and below, all classes on one count scale; the
selected images' histogram is its own dark outline, scaled to its own peak so that a
small selection still reads. The counts come from :class:`seein.compute.histograms.HistogramCache`
(binned once per layer and dimension, only for the diagonals in view); here they become
line vertices in matrix coordinates: a few thousand, redrawn with no upload of points.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from vispy import scene

from ..compute.histograms import HistogramCache
from .layout import PAD, Layout, Panel

SELECTION_COLOR = (0.08, 0.08, 0.08, 1.0)
BACKGROUND = (1.0, 1.0, 1.0, 1.0)
FADED_ALPHA = 0.45  # class lines while a selection is shown
TOP = 0.92  # the highest bin reaches this fraction of the panel's inner height


def step_segments(counts: np.ndarray, x0: float, x1: float, y0: float, height: float) -> np.ndarray:
    """float32 (4 * bins, 2): line segments of a step histogram over [x0, x1] from baseline y0.

    ``counts`` scaled already (1.0 is ``height``). Each bin gives its top edge and the riser
    to the next bin (the first and last bins rise from the baseline).
    """
    h = np.asarray(counts, dtype=np.float64)
    bins = len(h)
    edges = np.linspace(x0, x1, bins + 1)
    top = y0 + h * height
    tops = np.stack([np.stack([edges[:-1], top], 1), np.stack([edges[1:], top], 1)], 1)
    before = np.concatenate([[y0], top])
    after = np.concatenate([top, [y0]])
    risers = np.stack([np.stack([edges, before], 1), np.stack([edges, after], 1)], 1)
    return np.concatenate([tops.reshape(-1, 2), risers.reshape(-1, 2)]).astype(np.float32)


class DiagonalHistograms:
    """Step-line histograms over the diagonal cells in view, drawn in the view's matrix coordinates.

    ``parent`` is the view's scene node. A white quad under each diagonal cell hides what
    the density overview paints there; class lines go on top, the selection's outline
    above them.
    """

    def __init__(self, parent: Any, order: int = 3):
        self.cache = HistogramCache()
        self.background = scene.visuals.Mesh(vertices=np.zeros((3, 3), np.float32), faces=np.array([[0, 1, 2]]),
                                             color=BACKGROUND, parent=parent)
        self.background.order = order - 2  # under the diagonal names (order 2)
        self.background.set_gl_state(depth_test=False, blend=False)
        self.classes = scene.visuals.Line(pos=np.zeros((2, 2), np.float32), connect="segments",
                                          method="gl", width=1.5, parent=parent)
        self.selected = scene.visuals.Line(pos=np.zeros((2, 2), np.float32), connect="segments",
                                           method="gl", width=2.0, color=SELECTION_COLOR, parent=parent)
        for k, line in enumerate((self.classes, self.selected)):
            line.set_gl_state(depth_test=False, blend=True)
            line.order = order + k
        self.palette = np.ones((1, 4), np.float32)
        self.drawn: list[int] = []  # the dims whose histograms the last update drew
        self._key: tuple | None = None
        self.hide()

    def set_layer(self, points: np.ndarray, image_index: np.ndarray, labels_per_image: np.ndarray,
                  layout: Layout, palette: np.ndarray) -> None:
        self.cache.reset(points, image_index, labels_per_image, layout.ranges)
        self.palette = np.asarray(palette, dtype=np.float32)
        self._key = None

    def set_ranges(self, layout: Layout) -> None:
        self.cache.set_ranges(layout.ranges)
        self._key = None

    def set_selection(self, image_mask: np.ndarray | None) -> None:
        self.cache.set_selection(image_mask)
        self._key = None

    def set_palette(self, palette: np.ndarray) -> None:
        self.palette = np.asarray(palette, dtype=np.float32)
        self._key = None

    def hide(self) -> None:
        for visual in (self.background, self.classes, self.selected):
            visual.visible = False
        self.drawn = []
        self._key = None

    def update(self, layout: Layout, panels: Sequence[Panel]) -> None:
        """Draw the histograms of the diagonal panels among ``panels`` (the ones in view)."""
        diagonal = [p for p in panels if p.diagonal]
        key = (layout.ranges.tobytes(), tuple((p.dx, p.x0, p.y0) for p in diagonal))
        if key == self._key:
            return
        self._key = key
        if not diagonal or not len(self.cache.points):
            self.hide()
            self._key = key
            return
        cls_pos, cls_col, sel_pos, quads = [], [], [], []
        faded = self.cache.has_selection
        for p in diagonal:
            counts = self.cache.classes(p.dx)
            x0, x1 = p.x0 + PAD, p.x0 + 1 - PAD
            y0, height = p.y0 + PAD, (1 - 2 * PAD) * TOP
            quads.append((p.x0 + PAD * 0.5, p.y0 + PAD * 0.5, p.x0 + 1 - PAD * 0.5, p.y0 + 1 - PAD * 0.5))
            peak = max(int(counts.max()), 1)
            for k in range(counts.shape[0]):
                if not counts[k].any():
                    continue
                seg = step_segments(counts[k] / peak, x0, x1, y0, height)
                colour = self.palette[k % len(self.palette)].copy()
                if faded:
                    colour[3] *= FADED_ALPHA
                cls_pos.append(seg)
                cls_col.append(np.tile(colour, (len(seg), 1)))
            sel = self.cache.selected(p.dx)
            if sel is not None and sel.any():
                sel_pos.append(step_segments(sel / sel.max(), x0, x1, y0, height))
        self._set_quads(quads)
        if cls_pos:
            self.classes.set_data(pos=np.concatenate(cls_pos), color=np.concatenate(cls_col).astype(np.float32))
        self.classes.visible = bool(cls_pos)
        if sel_pos:
            self.selected.set_data(pos=np.concatenate(sel_pos))
        self.selected.visible = bool(sel_pos)
        self.drawn = [p.dx for p in diagonal]

    def _set_quads(self, quads: list[tuple[float, float, float, float]]) -> None:
        q = np.asarray(quads, dtype=np.float32)
        verts = np.stack([q[:, [0, 1]], q[:, [2, 1]], q[:, [2, 3]], q[:, [0, 3]]], axis=1).reshape(-1, 2)
        verts = np.concatenate([verts, np.zeros((len(verts), 1), np.float32)], axis=1)
        base = np.arange(len(q))[:, None] * 4
        faces = np.concatenate([base + [0, 1, 2], base + [0, 2, 3]]).astype(np.uint32)
        self.background.set_data(vertices=verts, faces=faces, color=BACKGROUND)
        self.background.visible = True


__all__ = ["DiagonalHistograms", "step_segments"]

"""Which points of a layer lie under the pointer, a lasso or a box, panel by panel.

Hover asks "which point is under this pixel" on every mouse move; over a million points
a brute-force distance pass costs ~0.1 s. :class:`Picker` builds a k-d tree (scipy's
``cKDTree``) of a panel's points once, the first time that panel is hovered after an
upload, and answers later hovers from it about ten times faster (a million points: 23 ms
brute force, 2 ms from the tree). The tree is built in a background thread (a second for a
million points), so the hover that asks first answers by brute force and never waits.
Lassos and boxes test every point of the panel once (:mod:`seein.compute.hittest`), so
they need no index.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional

import numpy as np
from scipy.spatial import cKDTree

from ..compute.hittest import box_hits, images_hit, lasso_hits
from .layout import Layout, Panel, jitter

MAX_TREES = 8  # panels whose index is kept (an index of a million points is ~40 MB)


class Picker:
    """Hit-testing over one uploaded layer: points (n, D), the image of each point."""

    def __init__(self, background: bool = True) -> None:
        self.background = background  # build trees in a thread (False: at once, on the first hover)
        self.set_layer(np.zeros((0, 2), np.float32), np.zeros(0, np.int64), 0)

    def set_layer(self, points: np.ndarray, image_index: np.ndarray, n_images: int) -> None:
        """A new layer was uploaded: drop every index."""
        self.points, self.image_index, self.n_images = points, image_index, int(n_images)
        self._trees: OrderedDict[tuple, Optional[cKDTree]] = OrderedDict()  # None: being built
        self._lock = threading.Lock()

    def panel_values(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """The data values a panel plots: its x dim, and its y dim (the jitter on a diagonal)."""
        x = self.points[:, panel.dx]
        y = jitter(self.image_index) if panel.diagonal else self.points[:, panel.dy]
        return x, y

    def panel_points(self, layout: Layout, panel: Panel) -> np.ndarray:
        """(n, 2) matrix coordinates of every point as ``panel`` draws it."""
        return np.stack(layout.to_matrix(panel, *self.panel_values(panel)), axis=1)

    def _tree(self, layout: Layout, panel: Panel) -> Optional[cKDTree]:
        """The panel's k-d tree over its points in cell units from the cell's corner; None while it is built."""
        ry = None if panel.diagonal else tuple(layout.ranges[panel.dy])
        key = (panel.dx, panel.dy, panel.diagonal, tuple(layout.ranges[panel.dx]), ry)
        with self._lock:
            if key in self._trees:
                self._trees.move_to_end(key)
                return self._trees[key]
            self._trees[key] = None
            while len(self._trees) > MAX_TREES:
                self._trees.popitem(last=False)
        trees = self._trees

        def build() -> None:
            mx, my = layout.to_matrix(panel, *self.panel_values(panel))
            tree = cKDTree(np.stack([mx - panel.x0, my - panel.y0], axis=1), balanced_tree=False)
            with self._lock:
                if key in trees and trees is self._trees:  # not dropped meanwhile
                    trees[key] = tree

        if not self.background:
            build()
            return self._trees.get(key)
        threading.Thread(target=build, name="seein-pick-index", daemon=True).start()
        return None

    def _near(self, layout: Layout, panel: Panel, mx: float, my: float, reach: float) -> np.ndarray:
        """Indices of the panel's points within ``reach`` (matrix units, per axis) of (mx, my)."""
        tree = self._tree(layout, panel)
        if tree is not None:
            return np.asarray(tree.query_ball_point([mx - panel.x0, my - panel.y0], reach), dtype=np.int64)
        px, py = layout.to_matrix(panel, *self.panel_values(panel))  # brute force until the tree is up
        return np.flatnonzero((np.abs(px - mx) <= reach) & (np.abs(py - my) <= reach))

    def pick(self, layout: Layout, panel: Panel, mx: float, my: float, px_per_unit: tuple[float, float],
             radius_px: float, selection: Optional[np.ndarray] = None) -> Optional[int]:
        """The point of ``panel`` nearest matrix point (mx, my) within ``radius_px`` pixels, or None.

        Selected points are drawn on top, so a selected one within reach wins.
        """
        if not len(self.points):
            return None
        sx, sy = px_per_unit
        reach = radius_px / max(min(sx, sy), 1e-12)  # matrix units: a superset, refined in pixels
        near = self._near(layout, panel, mx, my, reach)
        if not len(near):
            return None
        px, py = layout.to_matrix(panel, *(v[near] for v in self.panel_values(panel)))
        d2 = ((px - mx) * sx) ** 2 + ((py - my) * sy) ** 2
        inside = d2 <= radius_px * radius_px
        near, d2 = near[inside], d2[inside]
        if not len(near):
            return None
        if selection is not None:  # selected points are drawn on top: prefer them
            on_top = selection[self.image_index[near]]
            if on_top.any():
                near, d2 = near[on_top], d2[on_top]
        return int(near[np.argmin(d2)])

    def lasso(self, layout: Layout, panel: Optional[Panel], polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(image_mask, point_mask) of the points of ``panel`` inside a polygon in matrix coordinates."""
        if panel is None:
            return self._nothing()
        point_mask = lasso_hits(self.panel_points(layout, panel), polygon)
        return images_hit(point_mask, self.image_index, self.n_images), point_mask

    def box(self, layout: Layout, panel: Optional[Panel], corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(image_mask, point_mask) of the points of ``panel`` inside the box between two matrix corners."""
        if panel is None:
            return self._nothing()
        point_mask = box_hits(self.panel_points(layout, panel), (*corners[0], *corners[1]))
        return images_hit(point_mask, self.image_index, self.n_images), point_mask

    def region(self, layout: Layout, verts: np.ndarray, box: bool) -> tuple[np.ndarray, np.ndarray]:
        """(image_mask, point_mask) of a lasso polygon (``box`` False) or a box's two corners, in
        matrix coordinates, over the panel holding its centre (or its first vertex). Over a
        diagonal's histogram a region catches every point of the cell under its x extent."""
        panel = layout.panel_at(*verts.mean(axis=0)) or layout.panel_at(*verts[0])
        if panel is not None and panel.diagonal:
            under = np.array([[verts[:, 0].min(), panel.y0], [verts[:, 0].max(), panel.y0 + 1.0]])
            return self.box(layout, panel, under)
        return self.box(layout, panel, verts) if box else self.lasso(layout, panel, verts)

    def _nothing(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.n_images, bool), np.zeros(len(self.points), bool)


"""The overview (focus + context, Seein' In §3.4): the whole matrix as cached density images.

:class:`OverviewScene` draws every panel of the active layer's matrix (or its one
scatter) from per-panel 2-D histograms (:mod:`seein.compute.density`, computed once),
as one image in matrix coordinates, so even a 500 x 500 matrix of a million points
costs one textured quad per frame. A rectangle marks the embedding view's viewport;
once that box would be smaller than a few pixels it becomes a crosshair through the
viewport centre. Clicks, drags and wheel steps map back to a camera rect for the main
view (:meth:`navigate`, :meth:`zoom`).
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np
from vispy import scene
from vispy.visuals.transforms import STTransform

from ..compute.density import ClassDensities, panel_class_densities, panel_densities
from .layout import PAD

MAX_TEXTURE = 4096
INK = np.array([0.10, 0.25, 0.55], dtype=np.float32)  # densest colour (densities with no classes)
MIXED = np.array([0.45, 0.45, 0.45], dtype=np.float32)  # a bin all classes share alike: greyed to this
HUE_FLOOR = 0.45  # share of the leading class's colour kept even in a bin of evenly mixed classes
VIEWPORT_COLOR = (0.85, 0.05, 0.05, 1.0)


Densities = Union[np.ndarray, ClassDensities]


def density_image(dens: Densities, max_size: int = MAX_TEXTURE,
                  palette: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """RGBA uint8 grid image of (D, D, B, B) densities and its pixels per cell.

    Each panel's counts are log-scaled to its own maximum and drawn from white to INK,
    inside the cell's inner square (the layout's padding left white), row 0 on top.
    :class:`ClassDensities` with a ``palette`` (K, 3+) are drawn from white to the colour
    of each bin's dominant class, greyed by how mixed the bin is, so the zoomed-out
    matrix keeps the class colours its points have.
    Float32 and one channel at a time: a 500-D matrix is a 4000 x 4000 image.
    """
    colours = None
    if isinstance(dens, ClassDensities):
        if palette is not None:
            colours = bin_colours(dens, palette)
        dens = dens.counts
    d, _, b, _ = dens.shape
    cell = int(max(4, min(round(b / (1 - 2 * PAD)), max_size // d)))
    u = (np.arange(cell) + 0.5) / cell
    inside = (u >= PAD) & (u < 1 - PAD)
    bin_of = np.clip(((u - PAD) / (1 - 2 * PAD) * b).astype(np.int64), 0, b - 1)
    logd = np.log1p(np.asarray(dens, dtype=np.float32))
    peak = logd.reshape(d, d, -1).max(axis=2)[:, :, None, None]
    t = logd / np.where(peak > 0, peak, np.float32(1))
    t = t[:, :, bin_of][:, :, :, bin_of]  # (D, D, cell, cell)
    t *= (inside[:, None] & inside[None, :])
    grid = t[::-1].transpose(0, 2, 1, 3).reshape(d * cell, d * cell)  # image row 0 = bottom
    img = np.empty(grid.shape + (4,), np.uint8)
    for ch in range(3):
        if colours is None:
            ink = np.float32(255.0 * (1.0 - INK[ch]))
        else:  # each bin's own ink, laid out as the grid is
            ink = 255.0 * (1.0 - colours(ch))[:, :, bin_of][:, :, :, bin_of]
            ink = ink[::-1].transpose(0, 2, 1, 3).reshape(d * cell, d * cell)
        img[..., ch] = (255.0 - grid * ink + 0.5).astype(np.uint8)
    img[..., 3] = 255
    return img, cell


def bin_colours(dens: ClassDensities, palette: np.ndarray):
    """Per channel, the float32 (D, D, B, B) colour of each bin: its dominant class's, greyed when mixed.

    Returns a function of the channel (0, 1, 2), so a 500-D matrix never holds all three
    channels at once. A bin whose points are all of one class takes that class's colour;
    one that all K classes share alike keeps HUE_FLOOR of its leading class's colour over
    grey (MIXED); in between, the colour moves linearly with the dominant share from 1/K to 1.
    """
    pal = np.asarray(palette, np.float32)[:, :3]
    k = len(pal)
    dom = np.asarray(dens.dominant)
    which = np.clip(dom, 0, k - 1)
    if k > 1:
        w = (np.asarray(dens.purity, np.float32) - np.float32(1.0 / k)) / np.float32(1.0 - 1.0 / k)
    else:  # one class: every bin is all of it
        w = np.ones(dom.shape, np.float32)
    w = (HUE_FLOOR + (1.0 - HUE_FLOOR) * np.clip(w, 0.0, 1.0)) * (dom >= 0)

    def channel(ch: int) -> np.ndarray:
        return pal[which, ch] * w + MIXED[ch] * (1.0 - w)

    return channel


def class_densities(points: np.ndarray, image_index: np.ndarray, labels_per_image: np.ndarray,
                    bins: int, ranges: np.ndarray | None = None, *,
                    pairs: tuple[int, int] | None = None, progress: Any = None) -> ClassDensities:
    """Class densities of a layer's points, each point's class taken from its image's label."""
    labels = np.asarray(labels_per_image, np.int64)
    n_classes = int(labels.max()) + 1 if len(labels) else 1
    return panel_class_densities(points, labels[np.asarray(image_index, np.int64)], n_classes, bins, ranges,
                                 pairs=pairs, progress=progress)


class OverviewScene:
    """The matrix overview with the viewport box (or crosshair) of an :class:`EmbeddingScene`.

    Parameters
    ----------
    app, size, show, parent, bgcolor
        As for :class:`~seein.render.scene.EmbeddingScene`.
    min_box_px : float
        Below this size in pixels (either side) the viewport box becomes a crosshair.
    """

    def __init__(self, app: Any = None, size: tuple[int, int] = (240, 240), *, show: bool = False,
                 parent: Any = None, bgcolor: Any = "white", min_box_px: float = 6.0):
        self.canvas = scene.SceneCanvas(app=app, size=size, show=show, parent=parent, bgcolor=bgcolor)
        self.view = self.canvas.central_widget.add_view()
        self.view.camera = scene.PanZoomCamera(aspect=1.0)
        self.view.camera.interactive = False
        self.image = scene.visuals.Image(np.full((1, 1, 4), 255, np.uint8), parent=self.view.scene,
                                         interpolation="nearest")
        self.marker = scene.visuals.Line(pos=np.zeros((2, 2), np.float32), connect="segments",
                                         color=VIEWPORT_COLOR, width=2, parent=self.view.scene, method="gl")
        self.marker.order = 1
        self.marker.set_gl_state(depth_test=False, blend=True)
        self.min_box_px = float(min_box_px)
        self.grid = 1
        self.viewport = (0.0, 0.0, 1.0, 1.0)
        self.crosshair = False

    # -- content ---------------------------------------------------------------------------
    def set_densities(self, densities: Densities, palette: np.ndarray | None = None) -> None:
        """Show (D, D, B, B) panel densities (a scatter: (1, 1, B, B)); one image upload.

        :class:`ClassDensities` with a ``palette`` are drawn in class colours."""
        dens = densities if isinstance(densities, ClassDensities) else np.asarray(densities, dtype=np.float32)
        shape = (dens.counts if isinstance(dens, ClassDensities) else dens).shape
        if len(shape) != 4 or shape[0] != shape[1]:
            raise ValueError(f"densities must be (D, D, B, B), got {shape}")
        img, cell = density_image(dens, palette=palette)
        self.grid = shape[0]
        self.image.set_data(img)
        self.image.transform = STTransform(scale=(1.0 / cell, 1.0 / cell))
        m = 0.02 * self.grid
        self.view.camera.rect = (-m, -m, self.grid + 2 * m, self.grid + 2 * m)
        self.set_viewport(self.viewport)

    def set_points(self, points: np.ndarray, ranges: np.ndarray | None = None, *, mode: str = "splom",
                   dims: tuple[int, int] = (0, 1), bins: int = 64) -> None:
        """Compute (once, here) and show the densities of a layer's points for ``mode``."""
        pairs = tuple(dims) if mode == "scatter" else None
        self.set_densities(panel_densities(points, bins, ranges, pairs=pairs))

    # -- viewport --------------------------------------------------------------------------
    def _px_per_unit(self) -> float:
        tr = self.view.scene.node_transform(self.canvas.scene)
        (x0, _), (x1, _) = tr.map(np.array([[0.0, 0.0], [1.0, 0.0]]))[:, :2]
        return abs(x1 - x0)

    def set_viewport(self, rect: Sequence[float]) -> None:
        """Mark the main view's rect (x, y, w, h) in matrix coordinates: a box, or a crosshair."""
        x, y, w, h = (float(v) for v in rect)
        self.viewport = (x, y, w, h)
        ppu = self._px_per_unit()
        self.crosshair = min(w, h) * ppu < self.min_box_px
        if self.crosshair:
            cx, cy = x + w / 2, y + h / 2
            n = float(self.grid)
            pos = [[cx, 0.0], [cx, n], [0.0, cy], [n, cy]]
        else:
            corners = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
            pos = [p for k in range(4) for p in (corners[k], corners[(k + 1) % 4])]
        self.marker.set_data(pos=np.asarray(pos, dtype=np.float32))
        self.canvas.update()

    def canvas_to_matrix(self, x_px: float, y_px: float) -> tuple[float, float]:
        tr = self.canvas.scene.node_transform(self.view.scene)
        x, y = tr.map(np.array([[x_px, y_px]], dtype=np.float64))[0, :2]
        return float(x), float(y)

    def navigate(self, x_px: float, y_px: float) -> tuple[float, float, float, float]:
        """Main-view rect for a click or drag at overview pixel (x, y): same size, centred there."""
        cx, cy = self.canvas_to_matrix(x_px, y_px)
        n = float(self.grid)
        cx, cy = min(max(cx, 0.0), n), min(max(cy, 0.0), n)
        _, _, w, h = self.viewport
        return cx - w / 2, cy - h / 2, w, h

    def zoom(self, x_px: float, y_px: float, factor: float) -> tuple[float, float, float, float]:
        """Main-view rect after a wheel step at overview pixel (x, y): scaled by ``factor`` about there."""
        cx, cy = self.canvas_to_matrix(x_px, y_px)
        x, y, w, h = self.viewport
        f = float(factor)
        return cx - (cx - x) * f, cy - (cy - y) * f, w * f, h * f

    def render(self) -> np.ndarray:
        """Draw and read back a frame: uint8 RGBA (H, W, 4)."""
        return np.asarray(self.canvas.render())

    def close(self) -> None:
        self.canvas.close()

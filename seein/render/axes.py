"""Axes of the embedding view: ticks with values and axis titles in margins beside the plot.

A scatter-plot matrix shares one x axis per column and one y axis per row (Seein' In
§3.1, seaborn's ``pairplot``), so like a spreadsheet's headers the bottom margin labels
the columns in view and the left margin the rows in view, whatever the zoom: a column
wide enough on screen gets ticks with values and its title (``conv2 · dim 7``), a
narrower one its title or just its dimension's number. Zoomed into one panel, the
margins name its two dimensions and read its values; a scatter or a projection is
the one-panel case (``t-SNE 1``, ``t-SNE 2``). The ticks follow the camera: they are
recomputed from the visible data range on each pan or zoom (a few dozen labels, a
line visual and four text visuals in canvas pixels, no point data involved).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from vispy import scene

from ..compute.methods import Method
from .layout import PAD, Layout, Panel

MIN_CANVAS_PX = 240  # canvases smaller than this (either side) have no axes: no room for them
LEFT_PX = 60  # the left margin: y titles, tick labels, ticks
BOTTOM_PX = 40  # the bottom margin: ticks, tick labels, x titles
TICK_PX = 4  # tick length
TICKS_FROM_PX = 110  # a cell at least this big on screen gets ticks with values
TITLE_FROM_PX = 12  # smaller cells get no name at all
TICK_SPACING_PX = 70  # aim for a tick about every this many pixels
TICK_FONT = 7.0  # points
TITLE_FONT = 8.0
INK = (0.2, 0.2, 0.2, 1.0)
COUNT_TITLE = "count per class"  # the y title of a histogram alone in view
TITLE_INK = (0.05, 0.05, 0.05, 1.0)


def axis_titles(layer: str, n_dims: int, method: Method | str | None = None,
                class_names: Sequence[str] | None = None) -> list[str]:
    """Axis titles of a layer's dims (``conv2 · dim 7``), of the class-output layer's when its
    ``class_names`` are given (``fc2 · class 7``), or of a projection's (``t-SNE 1``)."""
    if method is not None:
        label = Method(method).label
        return [f"{label} {k + 1}" for k in range(n_dims)]
    if class_names is not None and len(class_names) == n_dims:
        return [f"{layer} · class {name}" for name in class_names]
    return [f"{layer} · dim {k}" for k in range(n_dims)]


def nice_ticks(lo: float, hi: float, target: int) -> tuple[np.ndarray, float]:
    """Round tick values in [lo, hi], about ``target`` of them (steps of 1, 2, 2.5 or 5 x 10^k), and the step."""
    if not (hi > lo) or not math.isfinite(lo) or not math.isfinite(hi):
        return np.array([lo]), 1.0
    raw = (hi - lo) / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-6, step)
    return ticks[(ticks >= lo - step * 1e-6) & (ticks <= hi + step * 1e-6)], step


def format_ticks(values: np.ndarray, step: float) -> list[str]:
    """Tick labels with as many decimals as the step needs (``-0`` shown as ``0``)."""
    big = max(abs(float(np.max(np.abs(values)))) if len(values) else 0.0, abs(step))
    if big >= 1e5 or (0 < big < 1e-3):
        return [f"{v:.2g}" for v in values]
    decimals = max(0, -int(math.floor(math.log10(step) + 1e-9))) if step > 0 else 0
    if step > 0 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1  # a step of 2.5, 0.25, ...
    out = []
    for v in values:
        s = f"{v:.{decimals}f}"
        out.append("0" if s.strip("-0.") == "" else s)
    return out


@dataclass
class AxisLabels:
    """What one update draws: tick marks (segments, canvas px) and texts with positions (tests read them)."""

    ticks: np.ndarray
    tick_x: list[tuple[str, float, float]]
    tick_y: list[tuple[str, float, float]]
    title_x: list[tuple[str, float, float]]
    title_y: list[tuple[str, float, float]]


class Axes:
    """Ticks, tick labels and titles for the columns and rows in view, drawn in canvas pixels.

    ``parent`` is the canvas's scene (logical pixels, origin top-left). Call :meth:`update`
    after every camera, layout or size change.
    """

    def __init__(self, parent: scene.Node, dpi: float = 96.0):
        self.px_per_pt = float(dpi) / 72.0
        self.lines = scene.visuals.Line(pos=np.zeros((2, 2), np.float32), connect="segments", color=INK,
                                        method="gl", parent=parent)
        # canvas pixels run y down while VisPy's text anchors think y up: "bottom" hangs below pos
        self.tick_x = scene.visuals.Text("", color=INK, font_size=TICK_FONT, anchor_x="center",
                                         anchor_y="bottom", parent=parent)
        self.tick_y = scene.visuals.Text("", color=INK, font_size=TICK_FONT, anchor_x="right",
                                         anchor_y="center", parent=parent)
        self.title_x = scene.visuals.Text("", color=TITLE_INK, font_size=TITLE_FONT, anchor_x="center",
                                          anchor_y="bottom", parent=parent)
        self.title_y = scene.visuals.Text("", color=TITLE_INK, font_size=TITLE_FONT, anchor_x="center",
                                          anchor_y="bottom", rotation=-90.0, parent=parent)
        for k, visual in enumerate(self.visuals):
            visual.order = 10 + k
            visual.set_gl_state(depth_test=False, blend=True)
        self.drawn = AxisLabels(np.zeros((0, 2), np.float32), [], [], [], [])
        self._key: tuple | None = None
        self.hide()

    @property
    def visuals(self) -> list:
        return [self.lines, self.tick_x, self.tick_y, self.title_x, self.title_y]

    @staticmethod
    def margins(canvas_size: Sequence[int], enabled: bool = True) -> tuple[int, int]:
        """(left, bottom) margins in logical px for a canvas of ``canvas_size``: none when too small."""
        w, h = (int(v) for v in canvas_size)
        if not enabled or w < MIN_CANVAS_PX or h < MIN_CANVAS_PX:
            return 0, 0
        return LEFT_PX, BOTTOM_PX

    def hide(self) -> None:
        for visual in self.visuals:
            visual.visible = False
        self.drawn = AxisLabels(np.zeros((0, 2), np.float32), [], [], [], [])
        self._key = None

    def _text_px(self, text: str, font: float) -> float:
        """Rough width of ``text`` in px (OpenSans averages about 0.55 em per character)."""
        return len(text) * font * self.px_per_pt * 0.58

    def update(self, layout: Layout, names: Sequence[str], panels: Sequence[Panel],
               to_px: tuple[float, float, float, float], plot_px: tuple[float, float, float, float]) -> None:
        """Label the ``panels`` in view.

        ``to_px`` is (sx, tx, sy, ty) with canvas px = matrix * s + t per axis; ``plot_px``
        the plot area (x, y, w, h) in canvas px; the margins lie left of and below it.
        """
        key = (layout.ranges.tobytes(), tuple(names), tuple(panels), tuple(round(v, 3) for v in to_px), plot_px)
        if key == self._key:
            return
        sx, tx, sy, ty = to_px
        px0, py0, pw, ph = plot_px
        px1, py1 = px0 + pw, py0 + ph
        # the axes hug the grid: below its bottom edge and left of its left edge when those are in
        # view (a matrix not filling the plot), else along the plot's edges beside the margins
        grid_left, grid_bottom = tx, ty  # matrix x = 0 and y = 0 in canvas px (y runs down)
        lane_x = min(py1, max(py0, grid_bottom)) if grid_bottom < py1 - 1 else py1
        lane_y = max(px0, min(px1, grid_left)) if grid_left > px0 + 1 else px0
        segs: list[tuple[float, float]] = []
        tick_x, tick_y, title_x, title_y = [], [], [], []
        columns = {(p.col, p.dx, p.x0): p for p in panels}
        rows: dict[tuple[int, int, float], list[Panel]] = {}
        for p in panels:
            rows.setdefault((p.row, p.dy, p.y0), []).append(p)
        one = layout.grid == 1
        tick_h = TICK_FONT * self.px_per_pt
        # -- columns: x axes along the bottom margin --------------------------------------------
        last_right = -math.inf
        titles = []
        for (_, dim, x0), _p in sorted(columns.items(), key=lambda kv: kv[0][2]):
            a, b = sorted((x0 * sx + tx, (x0 + 1) * sx + tx))
            cell = b - a
            lo, hi = max(a, px0), min(b, px1)
            if hi - lo < 1 or cell < TITLE_FROM_PX:
                continue
            if cell >= TICKS_FROM_PX:
                for label, x in self._ticks(layout, dim, x0, sx, tx, lo, hi):
                    segs += [(x, lane_x), (x, lane_x + TICK_PX)]
                    tick_x.append((label, x, lane_x + TICK_PX + 2))
            title = self._fit(names[dim], dim, hi - lo, one)
            centre = (lo + hi) / 2
            if title and centre - self._text_px(title, TITLE_FONT) / 2 > last_right + 4:
                titles.append((title, centre))
                last_right = centre + self._text_px(title, TITLE_FONT) / 2
        below = lane_x + TICK_PX + (tick_h + 8 if tick_x else 3)  # under the tick labels, if any
        title_x = [(title, centre, below) for title, centre in titles]
        # -- rows: y axes along the left margin ---------------------------------------------------
        last_top = math.inf
        for (_, dim, y0), row in sorted(rows.items(), key=lambda kv: kv[0][2]):
            a, b = sorted((y0 * sy + ty, (y0 + 1) * sy + ty))  # canvas px, y down
            cell = b - a
            lo, hi = max(a, py0), min(b, py1)
            if hi - lo < 1 or cell < TITLE_FROM_PX:
                continue
            # only a diagonal in view (a scatter of a dim against itself, a zoom on a diagonal
            # panel): its y is a count, not the row's dim
            histogram_only = all(p.diagonal for p in row)
            if cell >= TICKS_FROM_PX and not histogram_only:
                for label, y in self._ticks(layout, dim, y0, sy, ty, lo, hi):
                    segs += [(lane_y - TICK_PX, y), (lane_y, y)]
                    tick_y.append((label, lane_y - TICK_PX - 2, y))
            name = COUNT_TITLE if histogram_only else names[dim]
            title = self._fit(name, dim, hi - lo, one or histogram_only)
            centre = (lo + hi) / 2
            if title and centre + self._text_px(title, TITLE_FONT) / 2 < last_top - 4:
                title_y.append((title, lane_y - px0 + 4.0, centre))
                last_top = centre - self._text_px(title, TITLE_FONT) / 2
        self._show(segs, tick_x, tick_y, title_x, title_y)
        self._key = key

    def _ticks(self, layout: Layout, dim: int, origin: float, s: float, t: float,
               lo_px: float, hi_px: float) -> list[tuple[str, float]]:
        """(label, canvas px) of round values of ``dim`` inside its cell and the pixels [lo_px, hi_px]."""
        scale, offset = layout.axis_map(dim, origin)
        inner = sorted(((origin + PAD) * s + t, (origin + 1 - PAD) * s + t))
        a, b = max(lo_px, inner[0]), min(hi_px, inner[1])
        if b - a < 8:
            return []
        to_value = (lambda px: ((px - t) / s - offset) / scale)
        v0, v1 = sorted((to_value(a), to_value(b)))
        values, step = nice_ticks(v0, v1, max(2, min(8, int((b - a) / TICK_SPACING_PX) + 1)))
        return [(label, float((v * scale + offset) * s + t)) for v, label in zip(values, format_ticks(values, step))]

    def _fit(self, name: str, dim: int, room: float, one: bool) -> str:
        """The longest of the title, ``dim k`` and ``k`` that fits ``room`` px ('' if none)."""
        options = [name] if one else [name, f"dim {dim}", str(dim)]
        for option in options:
            if self._text_px(option, TITLE_FONT) <= room - 4:
                return option
        return options[-1] if one else ""

    def _show(self, segs, tick_x, tick_y, title_x, title_y) -> None:
        self.drawn = AxisLabels(np.asarray(segs, np.float32).reshape(-1, 2), tick_x, tick_y, title_x, title_y)
        self.lines.visible = bool(segs)
        if segs:
            self.lines.set_data(pos=self.drawn.ticks)
        for visual, items in ((self.tick_x, tick_x), (self.tick_y, tick_y),
                              (self.title_x, title_x), (self.title_y, title_y)):
            visual.visible = bool(items)
            if items:
                visual.text = [s for s, _, _ in items]
                visual.pos = np.array([[x, y] for _, x, y in items], np.float32)
                if visual is self.title_y:
                    visual.rotation = np.full(len(items), -90.0)


__all__ = ["Axes", "AxisLabels", "axis_titles", "format_ticks", "nice_ticks"]

"""The point visual: millions of points uploaded once, selection as one byte per image.

Buffers are split by how often they change: one float32 buffer per data
dimension and one of image indices, uploaded by :meth:`PointsVisual.set_data`; one byte
per image (class | selected << 7) in a texture, uploaded by :meth:`set_selection`.
Which two dimensions a panel shows, its place and the camera are one affine map per
panel, a uniform: switching dims, panning or changing mode uploads nothing. Every
upload is counted in :attr:`PointsVisual.uploads` so tests can check that.

GL2 has no half-float vertex attributes, so data are float32 on the GPU (a 2-D scatter
costs 12 bytes per point: x, y and the image index).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from vispy import gloo
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual
from vispy.visuals.filters import Alpha, Clipper, PickingFilter

from ..core.palette import class_palette
from .layout import Layout, Panel
from .shaders import load_shader

# Per-fragment filters VisPy's scene attaches to every visual node: the view box's clip
# test, node opacity and GPU picking. Each adds a branch to every fragment (a point of
# 4 px is 16 fragments), which cost about a quarter of a frame on a software rasteriser.
# The embedding view's opacity is always 1 and it picks on the CPU, so the point visual
# does without them; the view box's clip rectangle becomes a GL scissor box instead
# (fixed-function, free per fragment), intersected with each matrix panel's cell.
_SCENE_FILTERS = (Alpha, Clipper, PickingFilter)

DISC_MIN_SIZE = 5.0  # base diameters (px) from which points are discs; smaller ones are squares

PALETTE_SIZE = 128  # classes beyond this wrap around (the state byte keeps 7 bits of class)
_TEX_WIDTH = 2048  # state texture width once more than one row is needed (a power of two)

def state_texture_shape(n_images: int) -> tuple[int, int]:
    """(height, width) of the per-image state texture."""
    n = max(int(n_images), 1)
    if n <= _TEX_WIDTH:
        return 1, n
    return -(-n // _TEX_WIDTH), _TEX_WIDTH


class PointsVisual(Visual):
    """Scatter or scatter-plot-matrix panels of one layer's points, drawn as GL points.

    Draws every panel of its :class:`~seein.render.layout.Layout` that meets the
    current view (in matrix coordinates), binding the panel's two dimension buffers.
    Selected points grow and are drawn in front (depth), unselected ones fade and
    shrink, the hovered image's points double in size in front of everything.

    Nothing is drawn outside the view box it lives in, and in a matrix nothing of a
    panel outside that panel's cell (a point beyond the panel's range, or a grown one
    at its edge, would land in a neighbour): a scissor box per panel.
    """

    def __init__(self, vertex: str = "points.vert") -> None:
        Visual.__init__(self, vcode=load_shader(vertex), fcode=load_shader("points.frag"))
        self._fragment = "points.frag"
        self._animated = "a_x0" in load_shader(vertex)
        self._start_buffers: list[gloo.VertexBuffer] = []
        self._draw_mode = "points"
        self.set_gl_state(depth_test=True, depth_func="lequal", blend=True,
                          blend_func=("src_alpha", "one_minus_src_alpha", "one", "one_minus_src_alpha"), cull_face=False)
        self.uploads = {"points": 0, "point_bytes": 0, "state": 0, "state_bytes": 0}
        self.layout: Layout | None = None
        self.drawn_panels: list[Panel] = []  # panels drawn in the last frame
        self._dim_buffers: list[gloo.VertexBuffer] = []
        self._image_buffer: gloo.VertexBuffer | None = None
        self._classes = np.zeros(1, np.uint8)
        self._state = gloo.Texture2D(np.zeros((1, 1), np.uint8), format="luminance",
                                     interpolation="nearest", wrapping="clamp_to_edge")
        self._n_points = 0
        self._n_images = 0
        self._sample: gloo.IndexBuffer | None = None  # a random subset drawn instead of all (set_sample)
        self._sample_cache: tuple[int, gloo.IndexBuffer] | None = None
        self.sample_size: int | None = None
        self._max_panels = 1024
        self.skip_diagonal = False  # True: diagonal panels draw no points (the scene draws histograms there)
        self._has_selection = False
        self._hovering = False
        self._clipper: Clipper | None = None  # the view box's clip rectangle, used as a scissor box
        self.scissors: list[tuple[int, int, int, int]] = []  # per drawn panel, framebuffer px
        prog = self.shared_program
        prog["u_state"] = self._state
        prog["u_state_size"] = (1.0, 1.0)
        prog["u_has_selection"] = 0.0
        prog["u_hover"] = -1.0
        prog["u_diag"] = 0.0
        prog["u_xform"] = (1.0, 0.0, 1.0, 0.0)
        if self._animated:
            prog["u_t"] = 1.0
        self.set_palette(class_palette(1))
        self.set_style()
        self.freeze()

    def attach(self, filt, view=None) -> None:
        """Attach a filter, except the scene's per-fragment ones (see ``_SCENE_FILTERS``).

        A clipper is kept, not attached: :meth:`draw` turns its rectangle into a scissor box.
        """
        if isinstance(filt, Clipper):
            self._clipper = filt
        elif not isinstance(filt, _SCENE_FILTERS):
            Visual.attach(self, filt, view)

    def detach(self, filt, view=None) -> None:
        if isinstance(filt, Clipper):
            if filt is self._clipper:
                self._clipper = None
        elif not isinstance(filt, _SCENE_FILTERS):
            Visual.detach(self, filt, view)

    # -- data ---------------------------------------------------------------------------
    def set_data(self, points: np.ndarray, image_index: np.ndarray, image_class: np.ndarray,
                 layout: Layout) -> None:
        """Upload a layer: points (n, D), each point's image, each image's class (0..127 shown)."""
        points = np.asarray(points)
        if points.ndim != 2 or len(points) != len(image_index):
            raise ValueError(f"points must be (n, D) with one image index each, got {points.shape} "
                             f"and {np.shape(image_index)}")
        self._dim_buffers = [gloo.VertexBuffer(np.ascontiguousarray(points[:, d], dtype=np.float32))
                             for d in range(points.shape[1])]
        self._image_buffer = gloo.VertexBuffer(np.asarray(image_index, dtype=np.float32))
        self._n_points = len(points)
        self._sample, self.sample_size, self._sample_cache = None, None, None
        self.uploads["points"] += 1
        self.uploads["point_bytes"] += self._n_points * 4 * (points.shape[1] + 1)
        self._n_images = int(len(image_class))
        self._classes = (np.asarray(image_class, dtype=np.int64) % PALETTE_SIZE).astype(np.uint8)
        height, width = state_texture_shape(self._n_images)
        self._state = gloo.Texture2D(np.zeros((height, width), np.uint8), format="luminance",
                                     interpolation="nearest", wrapping="clamp_to_edge")
        self.shared_program["u_state"] = self._state
        self.shared_program["u_state_size"] = (float(width), float(height))
        self.shared_program["a_image"] = self._image_buffer
        self.layout = layout
        self.set_selection(None)

    def share_data(self, other: "PointsVisual", start: np.ndarray | None = None) -> None:
        """Draw ``other``'s uploaded layer (same buffers and selection texture: no upload).

        For the animated variant (``vertex="points_transition.vert"``), ``start`` (n, 2)
        are the start positions of the scatter's two dims: 8 bytes per point, uploaded here.
        """
        self._dim_buffers, self._image_buffer = other._dim_buffers, other._image_buffer
        self._state, self._classes = other._state, other._classes
        self._n_points, self._n_images = other._n_points, other._n_images
        self._has_selection = other._has_selection
        self.shared_program["u_has_selection"] = float(self._has_selection)
        self.layout = other.layout
        self.shared_program["u_state"] = self._state
        self.shared_program["u_state_size"] = (float(self._state.shape[1]), float(self._state.shape[0]))
        self.shared_program["a_image"] = self._image_buffer
        if start is not None:
            start = np.asarray(start, dtype=np.float32)
            if start.shape != (self._n_points, 2):
                raise ValueError(f"start positions must be ({self._n_points}, 2), got {start.shape}")
            self._start_buffers = [gloo.VertexBuffer(np.ascontiguousarray(start[:, k])) for k in range(2)]
            self.uploads["points"] += 1
            self.uploads["point_bytes"] += start.nbytes
        self.update()

    def follow_selection(self, has_selection: bool) -> None:
        """The shared selection texture changed (a visual drawing another's data): fade or not."""
        self._has_selection = bool(has_selection)
        self.shared_program["u_has_selection"] = float(self._has_selection)
        self.update()

    def drop_start(self) -> None:
        """Free the animated variant's start positions (its transition ended)."""
        self._start_buffers = []

    def set_t(self, t: float) -> None:
        """Progress of the animated variant's transition, 0 (start) to 1 (in place)."""
        self.shared_program["u_t"] = float(min(max(t, 0.0), 1.0))
        self.update()

    @property
    def n_points(self) -> int:
        return self._n_points

    @property
    def bytes_per_point(self) -> float:
        """GPU bytes per point of what a panel draws from: two dimension buffers and the image index."""
        if not self._n_points:
            return 0.0
        return float(self._dim_buffers[0].nbytes * 2 + self._image_buffer.nbytes) / self._n_points

    @property
    def gpu_bytes(self) -> int:
        """Bytes of every buffer and texture this visual holds on the GPU."""
        return self._n_points * 4 * (len(self._dim_buffers) + 1) + int(np.prod(self._state.shape[:2]))

    def set_layout(self, layout: Layout) -> None:
        """Change mode, dims or ranges: uniforms only, nothing is uploaded."""
        self.layout = layout
        self.update()

    # -- per-image state ----------------------------------------------------------------
    def set_selection(self, image_mask: np.ndarray | None) -> None:
        """Select images (bool mask over images) or clear the selection (None): n_images bytes."""
        height, width = self._state.shape[:2]
        state = np.zeros(height * width, np.uint8)
        state[: self._n_images] = self._classes
        if image_mask is not None:
            mask = np.asarray(image_mask, dtype=bool)
            if mask.shape != (self._n_images,):
                raise ValueError(f"selection mask has shape {mask.shape}, expected ({self._n_images},)")
            state[: self._n_images] |= mask.view(np.uint8) << 7
        self._state.set_data(state.reshape(height, width))
        self.uploads["state"] += 1
        self.uploads["state_bytes"] += state.nbytes
        self._has_selection = image_mask is not None
        self.shared_program["u_has_selection"] = float(self._has_selection)
        self.update()

    def set_hover(self, image: int | None) -> None:
        """Emphasise one image's points (None: none); a uniform."""
        self._hovering = image is not None
        self.shared_program["u_hover"] = -1.0 if image is None else float(image)
        self.update()

    def set_palette(self, palette: np.ndarray | Sequence) -> None:
        """Class colours, RGB or RGBA floats in [0, 1] (K, 3|4); cycled to 128 entries."""
        pal = np.asarray(palette, dtype=np.float32).reshape(-1, np.shape(palette)[-1])
        if pal.shape[1] == 3:
            pal = np.concatenate([pal, np.ones((len(pal), 1), np.float32)], axis=1)
        pal = pal[np.arange(PALETTE_SIZE) % len(pal)]
        for k, colour in enumerate(pal):
            self.shared_program[f"u_palette[{k}]"] = tuple(float(v) for v in colour)
        self.update()

    def set_style(self, size: float = 4.0, fade: float = 0.15, shrink: float = 0.7,
                  grow: float = 1.5, shape: str = "auto") -> None:
        """Point diameter (px), alpha of unselected points, size factors of unselected/selected.

        ``shape`` "auto" draws discs from ``DISC_MIN_SIZE`` px and squares below it (the
        fragment shader is swapped when the size crosses that line, a one-off compile);
        "disc" or "square" force one.
        """
        if shape not in ("auto", "disc", "square"):
            raise ValueError(f"shape must be 'auto', 'disc' or 'square', not {shape!r}")
        disc = shape == "disc" or (shape == "auto" and size >= DISC_MIN_SIZE)
        fragment = "points.frag" if disc else "points_square.frag"
        if fragment != self._fragment:
            self.shared_program.frag = load_shader(fragment)
            self._fragment = fragment
        self.shared_program["u_size"] = float(size)
        self.shared_program["u_fade"] = float(fade)
        self.shared_program["u_sel_scale"] = (float(shrink), float(grow))
        self.update()

    def set_max_panels(self, n: int) -> None:
        """Draw at most ``n`` panels per frame (those nearest the top-left of the view)."""
        self._max_panels = max(1, int(n))

    def set_sample(self, n: int | None) -> None:
        """Draw only a fixed random ``n`` of the points in each panel (None or n >= all: every point).

        For frames while the camera moves over millions of points on a slow rasteriser:
        the same points every time (seeded), in their original order, so the picture keeps
        its shape and only thins out. Uploads 4 bytes per sampled point, once per size.
        """
        if n is None or int(n) >= self._n_points:
            if self._sample is not None:
                self._sample, self.sample_size = None, None
                self.update()
            return
        n = max(int(n), 1)
        if self._sample_cache is None or self._sample_cache[0] != n:
            pick = np.random.default_rng(0).choice(self._n_points, size=n, replace=False)
            self._sample_cache = (n, gloo.IndexBuffer(np.sort(pick).astype(np.uint32)))
        self._sample, self.sample_size = self._sample_cache[1], n
        self.update()

    # -- drawing ------------------------------------------------------------------------
    def _prepare_transforms(self, view) -> None:
        """Nothing to hook: the transform is folded into u_xform per panel in :meth:`draw`."""

    def _prepare_draw(self, view) -> bool:
        return self._n_points > 0 and self.layout is not None

    def view_rect(self) -> tuple[float, float, float, float]:
        """The part of matrix coordinates this visual's viewport shows, (x, y, w, h)."""
        tr = self.get_transform("visual", "render")
        corners = tr.imap(np.array([[-1.0, -1.0], [1.0, 1.0]]))[:, :2]
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        return float(x0), float(y0), float(x1 - x0), float(y1 - y0)

    def draw(self) -> None:
        """Draw each visible panel with its own dims and affine map; nothing is uploaded."""
        self.drawn_panels = []
        if not self.visible or not self._prepare_draw(self):
            return
        tr = self.get_transform("visual", "render")
        (ax, ay), (bx, by) = (tr.map(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, :2])
        sx, sy, tx, ty = bx - ax, by - ay, ax, ay  # matrix -> clip, per axis (a PanZoom is affine)
        self._configure_gl_state()
        if not self._has_selection and not self._hovering:
            # Every point is opaque and at one depth: blending and the depth test would
            # change no pixel, and cost a fifth of the frame on a software rasteriser.
            gloo.set_state(depth_test=False, blend=False)
        prog = self.shared_program
        layout = self.layout
        view_box = self._clip_box()
        to_fb = self.get_transform("visual", "framebuffer")
        self.scissors = []
        clipping = view_box is not None or layout.grid > 1
        if clipping:
            gloo.set_state(scissor_test=True)
        panels = layout.visible_panels(self.view_rect())
        if self.skip_diagonal:
            panels = [p for p in panels if not p.diagonal]
        for panel in panels[: self._max_panels]:
            box = view_box
            if layout.grid > 1:  # a matrix panel stays in its cell
                cell = _pixel_box(to_fb.map(np.array([[panel.x0, panel.y0], [panel.x0 + 1, panel.y0 + 1]])))
                box = cell if box is None else _intersect(box, cell)
            if box is not None:
                if box[2] <= 0 or box[3] <= 0:
                    continue
                gloo.set_scissor(*box)
                self.scissors.append(box)
            mx, ox = layout.axis_map(panel.dx, panel.x0)
            my, oy = layout.jitter_map(panel.y0) if panel.diagonal else layout.axis_map(panel.dy, panel.y0)
            prog["a_x"] = self._dim_buffers[panel.dx]
            prog["a_y"] = self._dim_buffers[panel.dy]
            prog["u_diag"] = 1.0 if panel.diagonal else 0.0
            prog["u_xform"] = (mx * sx, ox * sx + tx, my * sy, oy * sy + ty)
            if self._animated:
                start = self._start_buffers or [self._dim_buffers[panel.dx], self._dim_buffers[panel.dy]]
                prog["a_x0"], prog["a_y0"] = start
            self._program.draw(self._draw_mode, self._sample)
            self.drawn_panels.append(panel)
        if clipping:
            gloo.set_state(scissor_test=False)  # the scissor box is global GL state: leave none behind

    def _clip_box(self) -> tuple[int, int, int, int] | None:
        """The view box's clip rectangle in framebuffer pixels (x, y, w, h), or None outside one."""
        if self._clipper is None:
            return None
        b = self._clipper.bounds
        corners = np.array([[b.left, b.bottom], [b.right, b.top]], dtype=np.float64)
        return _pixel_box(self._clipper.transform.imap(corners))

    def _compute_bounds(self, axis: int, view) -> tuple[float, float] | None:
        if self.layout is None or axis > 1:
            return None
        return 0.0, float(self.layout.grid)


def _pixel_box(corners: np.ndarray) -> tuple[int, int, int, int]:
    """Scissor box (x, y, w, h) of the pixels whose centres lie in a rectangle given by two
    corners in framebuffer coordinates: the pixels VisPy's fragment clipper would keep."""
    pts = np.asarray(corners, dtype=np.float64)[:, :2]
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    ix0, iy0 = math.ceil(x0 - 0.5), math.ceil(y0 - 0.5)
    ix1, iy1 = math.floor(x1 - 0.5) + 1, math.floor(y1 - 0.5) + 1
    return ix0, iy0, max(ix1 - ix0, 0), max(iy1 - iy0, 0)


def _intersect(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


PointsNode = create_visual_node(PointsVisual)

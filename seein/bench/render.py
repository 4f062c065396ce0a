"""The render benchmark behind ``seein bench render``: our point visual against VisPy's Markers
and a bare GL_POINTS program, in one process, one canvas size, contenders interleaved.

Every frame is drawn into a persistent offscreen framebuffer of the canvas size and
timed until done: VisPy's queued GL commands flushed, then ``glFinish`` (no read-back).
Figures are medians of ``repeats`` samples, with min and max kept as the spread. The
contenders take turns within each repeat, in reverse order every other repeat (ABC CBA),
so a load trend on a shared machine favours none of them. Forced discs are a scene of
their own: swapping the fragment shader back and forth would time shader compiles.
"""

from __future__ import annotations

import time
from statistics import median
from typing import Any, Callable

import numpy as np
from vispy import gloo, scene
from vispy.gloo import gl

from ..render.offscreen import egl_app
from ..render.overview import OverviewScene
from ..render.scene import EmbeddingScene
from ..render.shaders import load_shader


def _finish(canvas) -> None:
    canvas.context.flush_commands()
    gl.glFinish()


class _Target:
    """A canvas drawing into its own persistent framebuffer; ``frame()`` draws one frame and waits."""

    def __init__(self, canvas, draw: Callable[[], None] | None = None):
        self.canvas = canvas
        w, h = canvas.physical_size
        canvas.set_current()
        self.fbo = gloo.FrameBuffer(color=gloo.RenderBuffer((h, w)), depth=gloo.RenderBuffer((h, w)))
        self._draw = draw

    def frame(self) -> None:
        c = self.canvas
        c.set_current()
        if self._draw is None:  # a SceneCanvas
            c.push_fbo(self.fbo, (0, 0), c.size)
            try:
                c._draw_scene()
            finally:
                c.pop_fbo()
        else:
            with self.fbo:
                self._draw()
        _finish(c)


def _stats(samples: list[float]) -> dict[str, Any]:
    ms = [s * 1e3 for s in samples]
    return {"median_ms": median(ms), "min_ms": min(ms), "max_ms": max(ms), "samples_ms": ms}


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _data(n: int, dims: int, n_classes: int = 10, points_per_image: int = 100, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_images = max(1, n // points_per_image)
    image_class = np.arange(n_images) % n_classes
    image_index = np.minimum(np.arange(n) // points_per_image, n_images - 1)
    centres = rng.normal(scale=3.0, size=(n_classes, dims)).astype(np.float32)
    pts = centres[image_class[image_index]] + rng.normal(size=(n, dims)).astype(np.float32)
    return pts, image_index, image_class, n_images


def bench_points(n: int, size: tuple[int, int], repeats: int, point_size: float,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """All figures for ``n`` points (see the module docstring); returns a JSON-able dict."""
    app = egl_app()
    pts, image_index, image_class, n_images = _data(n, 2)
    # (a) our visual
    ours = EmbeddingScene(app=app, size=size)
    ours.set_layer(pts, image_index, image_class, n_images)
    ours.set_point_size(point_size)
    a = _Target(ours.canvas)
    discs = EmbeddingScene(app=app, size=size)  # (a) with discs whatever the size
    discs.set_layer(pts, image_index, image_class, n_images)
    discs.set_point_size(point_size)
    discs.set_point_shape("disc")
    d = _Target(discs.canvas)
    # (b) VisPy Markers, same points, colours, sizes, camera
    from ..core.palette import class_palette

    pal = class_palette(int(image_class.max()) + 1)
    canvas_b = scene.SceneCanvas(app=app, size=size, bgcolor="white")
    view_b = canvas_b.central_widget.add_view(camera=scene.PanZoomCamera(aspect=1.0))
    layout = ours._layout()
    panel = layout.panel(0, 0)
    mx, my = layout.to_matrix(panel, pts[:, 0], pts[:, 1])
    pos = np.stack([mx, my], axis=1).astype(np.float32)
    colours = pal[image_class[image_index]]
    markers = scene.visuals.Markers(parent=view_b.scene)
    markers.set_data(pos, face_color=colours, size=point_size, edge_width=0)
    view_b.camera.rect = ours.view_rect
    b = _Target(canvas_b)
    # (c) bare gloo GL_POINTS program, points already in clip space
    canvas_c = scene.SceneCanvas(app=app, size=size, bgcolor="white")
    canvas_c.set_current()
    prog = gloo.Program(load_shader("bare_points.vert"), load_shader("bare_points.frag"))
    x, y, w, h = ours.view_rect
    clip = np.stack([(pos[:, 0] - x) / w * 2 - 1, (pos[:, 1] - y) / h * 2 - 1], axis=1).astype(np.float32)
    prog["a_position"] = gloo.VertexBuffer(clip)
    prog["u_size"] = float(point_size)
    prog["u_color"] = (0.2, 0.4, 0.7, 1.0)

    def bare() -> None:
        gloo.set_viewport(0, 0, *canvas_c.physical_size)
        gloo.set_state(depth_test=False, blend=False)
        gloo.clear(color="white", depth=True)
        prog.draw("points")

    c = _Target(canvas_c, bare)
    for t in (a, b, c, d, a, b, c, d):  # warm up: shader compiles and first uploads
        t.frame()

    rng = np.random.default_rng(1)
    masks = [image_class == k % 10 for k in range(repeats)]
    masks = [m | (rng.random(n_images) < 0.05) for m in masks]
    frames = {"ours": [], "markers": [], "gl_points": [], "ours_selected": [], "ours_discs": []}
    sel = {"ours_update": [], "markers_update": [], "ours_frame": [], "markers_frame": []}

    def ours_select(mask):
        ours.canvas.set_current()
        ours.set_selection(mask)
        _finish(ours.canvas)

    def markers_select(mask):
        canvas_b.set_current()
        on = mask[image_index]
        col = colours.copy()
        col[~on, 3] = 0.15
        sizes = np.where(on, point_size * 1.5, point_size * 0.7).astype(np.float32)
        markers.set_data(pos, face_color=col, size=sizes, edge_width=0)
        _finish(canvas_b)

    # a lasso as a user draws one: a 200-vertex loop round the middle of the view (canvas px)
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    w_px, h_px = size
    lasso_px = np.c_[w_px / 2 + 0.3 * w_px * np.cos(t), h_px / 2 + 0.3 * h_px * np.sin(t) * (1 + 0.2 * np.sin(5 * t))]
    hits = {"lasso": [], "box": []}
    contenders = [("ours", a), ("markers", b), ("gl_points", c), ("ours_discs", d)]
    for r in range(repeats):
        forward = r % 2 == 0
        ours.set_selection(None)
        for name, target in contenders if forward else contenders[::-1]:
            frames[name].append(_timed(target.frame))
        m1, m2 = masks[r], masks[(r + 1) % repeats]
        updates = [("ours_update", lambda: ours_select(m1)), ("markers_update", lambda: markers_select(m1))]
        for name, fn in updates if forward else updates[::-1]:
            sel[name].append(_timed(fn))
        frames["ours_selected"].append(_timed(a.frame))
        markers.set_data(pos, face_color=colours, size=point_size, edge_width=0)  # back to no selection
        b.frame()
        to_frame = [("ours_frame", lambda: (ours_select(m2), a.frame())),
                    ("markers_frame", lambda: (markers_select(m2), b.frame()))]
        for name, fn in to_frame if forward else to_frame[::-1]:
            sel[name].append(_timed(fn))
        markers.set_data(pos, face_color=colours, size=point_size, edge_width=0)
        b.frame()
        hits["lasso"].append(_timed(lambda: ours.lasso(lasso_px)))
        hits["box"].append(_timed(lambda: ours.box((0.2 * w_px, 0.2 * h_px), (0.7 * w_px, 0.6 * h_px))))
        log(f"  {n:,} points: repeat {r + 1}/{repeats}")

    out: dict[str, Any] = {"points": n, "images": n_images}
    out["frame"] = {k: _stats(v) for k, v in frames.items()}
    out["selection"] = {k: _stats(v) for k, v in sel.items()}
    image_mask, point_mask = ours.lasso(lasso_px)
    out["hit_test"] = {"lasso": {**_stats(hits["lasso"]), "vertices": len(lasso_px),
                                 "points_hit": int(point_mask.sum()), "images_hit": int(image_mask.sum())},
                       "box": _stats(hits["box"])}
    out["bytes_per_point"] = {"ours": ours.points.bytes_per_point,
                              "ours_per_image": 1.0,
                              "markers": markers._vbo.nbytes / n}
    out["splom"], out["overview"] = _bench_splom(n, size, repeats, point_size, app, log)
    for obj in (ours.canvas, discs.canvas, canvas_b, canvas_c):
        obj.close()
    med = lambda group, key: out[group][key]["median_ms"]  # noqa: E731
    out["ratios"] = {
        "vs_markers": med("frame", "markers") / med("frame", "ours"),
        "vs_gl_points": med("frame", "gl_points") / med("frame", "ours"),
        "selection_vs_markers": med("selection", "markers_update") / med("selection", "ours_update"),
        "selection_frame_vs_markers": med("selection", "markers_frame") / med("selection", "ours_frame"),
    }
    return out


def _bench_splom(n: int, size: tuple[int, int], repeats: int, point_size: float, app,
                 log: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A 20 x 20 matrix of ``n`` points showing 4 panels, and its overview (densities timed once)."""
    pts, image_index, image_class, n_images = _data(n, 20, seed=2)
    view = EmbeddingScene(app=app, size=size)
    view.set_layer(pts, image_index, image_class, n_images, mode="splom")
    view.set_point_size(point_size)
    w, h = size  # 2 x 2 panels, the canvas's extra width (or height) beyond the matrix's edge
    view.view_rect = (2.0 - 2.0 * w / h, 18.0, 2.0 * w / h, 2.0) if w >= h else (0.0, 18.0, 2.0, 2.0 * h / w)
    target = _Target(view.canvas)
    ov = OverviewScene(app=app, size=size)
    t0 = time.perf_counter()
    ov.set_points(pts, view._ranges, mode="splom", bins=32)
    density_s = time.perf_counter() - t0
    ov.set_viewport(view.view_rect)
    ov_target = _Target(ov.canvas)
    for t in (target, ov_target):
        t.frame()
    panels = len(view.visible_panels())
    fs, os_ = [], []
    for _ in range(repeats):
        fs.append(_timed(target.frame))
        os_.append(_timed(ov_target.frame))
    log(f"  {n:,} points: 20x20 matrix and overview done")
    splom = {"dims": 20, "visible_panels": panels, "drawn_panels": len(view.points.drawn_panels),
             "upload_bytes": view.uploads["point_bytes"], **_stats(fs)}
    overview = {"density_seconds": density_s, "panels": 400, **_stats(os_)}
    view.close()
    ov.close()
    return splom, overview


def gl_renderer() -> str:
    """The GL renderer and version strings of the EGL context."""
    app = egl_app()
    c = scene.SceneCanvas(app=app, size=(16, 16))
    c.set_current()
    text = f"{gl.glGetParameter(gl.GL_RENDERER)} | {gl.glGetParameter(gl.GL_VERSION)}"
    c.close()
    return text

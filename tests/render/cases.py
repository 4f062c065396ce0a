"""Render cases for the tests: each builds a real EGL scene and returns what the tests check.

They run in a fresh subprocess (``seein.render.offscreen.run_isolated``), because EGL and
the Qt tests' GL cannot share the one pytest process. Only plain data crosses back.
"""

from __future__ import annotations

import numpy as np

SIZE = (120, 120)
WHITE = np.array([255, 255, 255, 255], np.uint8)


def _scene(size=SIZE):
    from seein.render.offscreen import egl_app
    from seein.render.scene import EmbeddingScene

    return EmbeddingScene(app=egl_app(), size=size)


def clusters(point_size: float = 6.0) -> dict:
    """Three single-class clusters at known data positions in a fixed [0, 1] range."""
    scene = _scene()
    centres = np.array([[0.2, 0.2], [0.8, 0.3], [0.5, 0.8]], np.float32)
    pts = np.repeat(centres, 20, axis=0) + np.random.default_rng(0).normal(scale=0.01, size=(60, 2)).astype(np.float32)
    image_index = np.arange(60) // 5  # 12 images of 5 points
    labels = np.repeat([0, 1, 2], 4)
    scene.set_layer(pts, image_index, labels, 12, ranges=np.array([[0.0, 1.0], [0.0, 1.0]]))
    scene.set_point_size(point_size)
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    frame = scene.render()
    sel = labels == 1
    scene.set_selection(sel)
    selected = scene.render()
    uploads = scene.uploads
    lasso_poly = np.array([[70, 70], [119, 70], [119, 110], [70, 110]], float)  # around cluster 1 (px)
    image_mask, point_mask = scene.lasso(lasso_poly)
    box_images, _ = scene.box((0, 80), (50, 119))
    pick = scene.pick(*_to_px(scene, *_data_to_matrix(centres[2])))
    miss = scene.pick(5.0, 5.0)
    scene.set_hover(0)
    hovered = scene.render()
    from seein.core.palette import class_palette

    return {"frame": frame, "selected": selected, "hovered": hovered, "uploads": uploads,
            "centres_px": [_to_px(scene, *_data_to_matrix(c)) for c in centres],
            "palette": (class_palette(3) * 255).round().astype(np.uint8), "labels": labels,
            "image_index": image_index, "lasso_images": image_mask, "lasso_points": point_mask,
            "box_images": box_images, "pick": pick, "miss": miss}


def _data_to_matrix(value):
    from seein.render.layout import PAD

    return tuple(PAD + np.asarray(value, float) * (1 - 2 * PAD))


def _to_px(scene, x, y):
    tr = scene.view.scene.node_transform(scene.canvas.scene)
    px = tr.map(np.array([[x, y]], float))[0, :2]
    return float(px[0]), float(px[1])


def overlap(selected_first: bool) -> dict:
    """Two images at the very same points, one of each class; select class 1's image."""
    scene = _scene()
    rng = np.random.default_rng(1)
    xy = rng.uniform(0.1, 0.9, size=(40, 2)).astype(np.float32)
    pts = np.concatenate([xy, xy])
    image_index = np.repeat([1, 0], 40) if selected_first else np.repeat([0, 1], 40)
    scene.set_layer(pts, image_index, np.array([0, 1]), 2, ranges=np.array([[0.0, 1.0], [0.0, 1.0]]))
    scene.set_point_size(5.0)
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    plain = scene.render()
    scene.set_selection(np.array([False, True]))
    selected = scene.render()
    scene.set_hover(0)  # the unselected image: hovered, it comes above the selected one
    return {"plain": plain, "selected": selected, "hovered": scene.render()}


def dims_switch() -> dict:
    """One upload; dims (0, 1) then (2, 3) of the same points; point positions in data."""
    scene = _scene()
    gl_log = _log_gl_commands(scene.canvas)
    pts = np.array([[0.2, 0.2, 0.8, 0.7], [0.2, 0.2, 0.8, 0.7]], np.float32)
    pts = np.concatenate([pts, [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]]).astype(np.float32)
    scene.set_layer(pts, np.arange(4), np.zeros(4, int), 4, mode="scatter")
    scene.set_point_size(8.0)
    scene.set_fade(0.0)  # only images 0 and 1 show; 2 and 3 just set the ranges
    scene.set_selection(np.array([True, True, False, False]))
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    first = scene.render()
    before, n_before = scene.uploads, len(gl_log)
    scene.set_dims(2, 3)
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    second = scene.render()
    n_dims = len(gl_log)
    after = scene.uploads
    scene.set_selection(np.array([True, False, True, False]))
    scene.render()
    n_sel = len(gl_log)
    scene.set_palette(np.array([[0.9, 0.1, 0.1]]))  # the sliders and the legend: uniforms only
    scene.set_point_size(12.0)
    scene.set_fade(0.5)
    styled = scene.render()
    windows = {"until_first_frame": gl_log[:n_before], "dims_switch": gl_log[n_before:n_dims],
               "selection": gl_log[n_dims:n_sel], "style": gl_log[n_sel:]}
    return {"first": first, "second": second, "before": before, "after": after,
            "gl_data": {k: _data_commands(v, scene.points) for k, v in windows.items()},
            "buffer_bytes": [b.nbytes for b in scene.points._dim_buffers], "styled": styled,
            "expect_styled": _to_px(scene, *_data_to_matrix([0.8, 0.7])),
            "expect_first": _to_px(scene, *_data_to_matrix([0.2, 0.2])),
            "expect_second": _to_px(scene, *_data_to_matrix([0.8, 0.7]))}


def _log_gl_commands(canvas) -> list:
    """Record every GLIR command the canvas's GL interpreter runs from now on."""
    parser = canvas.context.shared.parser
    log, parse = [], parser.parse

    def logged(commands):
        log.extend(commands)
        return parse(commands)

    parser.parse = logged
    return log


def _data_commands(log: list, points) -> dict:
    """GL data uploads in ``log``: bytes per point buffer (dim 0..D-1, then the image index),
    to the selection texture, and to anything else (grid lines, text)."""
    buffers = [b.id for b in points._dim_buffers] + [points._image_buffer.id]
    out = {"buffers": [[] for _ in buffers], "state": 0, "state_uploads": 0, "other": 0}
    for cmd in log:
        if cmd[0] != "DATA":
            continue
        nbytes = int(np.asarray(cmd[3]).nbytes)
        if cmd[1] in buffers:
            out["buffers"][buffers.index(cmd[1])].append(nbytes)
        elif cmd[1] == points._state.id:
            out["state"] += nbytes
            out["state_uploads"] += 1
        else:
            out["other"] += nbytes
    return out


def splom() -> dict:
    """A 3-D layer as a 3 x 3 matrix: one image's point per class, known values."""
    scene = _scene((150, 150))
    values = np.array([[0.2, 0.5, 0.8]], np.float32)
    pts = np.concatenate([values, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]).astype(np.float32)
    scene.set_layer(pts, np.array([0, 1, 1]), np.array([0, 1]), 2)
    scene.set_point_size(7.0)
    scene.set_selection(np.array([True, False]))
    scene.set_fade(0.0)  # the range-setting points vanish
    scene.view_rect = (0.0, 0.0, 3.0, 3.0)
    frame = scene.render()
    from seein.render.layout import PAD

    expect = {}
    for r in range(3):
        for c in range(3):
            mx = c + PAD + values[0, c] * (1 - 2 * PAD)
            # off the diagonal dim r on y; on it the histogram's baseline
            my = (2 - r) + PAD + (values[0, r] if r != c else 0.0) * (1 - 2 * PAD)
            expect[(r, c)] = _to_px(scene, mx, my)
    return {"frame": frame, "expect": expect, "panels": [(p.row, p.col) for p in scene.visible_panels()],
            "drawn": [(p.row, p.col) for p in scene.points.drawn_panels], "mode": scene.mode,
            "histograms": list(scene.histograms.drawn)}


def splom_zoomed() -> dict:
    """A 6 x 6 matrix zoomed on 2 x 2 panels draws only those."""
    scene = _scene()
    pts = np.random.default_rng(2).normal(size=(200, 6)).astype(np.float32)
    scene.set_layer(pts, np.arange(200), np.zeros(200, int), 200)
    emitted = []
    scene.view_changed.connect(emitted.append)
    scene.view_rect = (1.0, 3.0, 2.0, 2.0)
    scene.render()
    drawn = sorted((p.row, p.col) for p in scene.points.drawn_panels)
    scene.view.camera.pan((1.0, 0.0))  # as a mouse drag does
    wide = _scene((160, 120))  # not square: the aspect-locked camera shows more than asked for
    wide.set_layer(pts, np.arange(200), np.zeros(200, int), 200)
    wide.view_rect = (1.0, 3.0, 2.0, 2.0)
    wide.render()
    return {"drawn": drawn, "emitted": emitted, "rect": scene.view_rect,
            "wide_visible": sorted((p.row, p.col) for p in wide.visible_panels()),
            "wide_drawn": sorted((p.row, p.col) for p in wide.points.drawn_panels), "wide_shown": wide.shown_rect}


def overview() -> dict:
    """Densities of a 4-D layer, with a box viewport and then a tiny (crosshair) one."""
    from seein.render.offscreen import egl_app
    from seein.render.overview import OverviewScene

    ov = OverviewScene(app=egl_app(), size=(160, 160))
    pts = np.random.default_rng(3).normal(size=(3000, 4)).astype(np.float32)
    ov.set_points(pts, bins=16)
    ov.set_viewport((1.0, 1.0, 2.0, 2.0))
    box = ov.render()
    box_px = [_ov_px(ov, 1.0, 1.0), _ov_px(ov, 3.0, 3.0)]
    crosshair_before = ov.crosshair
    ov.set_viewport((2.0, 2.0, 0.01, 0.01))
    cross = ov.render()
    return {"box": box, "cross": cross, "box_px": box_px, "centre_px": _ov_px(ov, 2.005, 2.005),
            "crosshair": (crosshair_before, ov.crosshair), "navigate": ov.navigate(*_ov_px(ov, 3.0, 1.0)),
            "empty_cell_px": _ov_px(ov, 0.02, 3.98)}


def _ov_px(ov, x, y):
    tr = ov.view.scene.node_transform(ov.canvas.scene)
    px = tr.map(np.array([[x, y]], float))[0, :2]
    return float(px[0]), float(px[1])


def _far_and_near(n_points: int, dims: int, seed: int, observe) -> dict:
    """A D x D matrix of one image per point, rendered zoomed out over all of it and zoomed
    in on its top-left 2 x 2 panels, with ``observe(scene)`` taken at each."""
    scene = _scene()
    pts = np.random.default_rng(seed).normal(size=(n_points, dims)).astype(np.float32)
    scene.set_layer(pts, np.arange(n_points), np.zeros(n_points, int), n_points)
    out = {}
    for name, rect in (("far", (0.0, 0.0, float(dims), float(dims))), ("near", (0.0, dims - 2.0, 2.0, 2.0))):
        scene.view_rect = rect
        out[name] = scene.render()
        out[f"{name}_state"] = observe(scene)
    return out


def dense_splom() -> dict:
    """A 12 x 12 matrix zoomed out shows densities, zoomed in points again."""
    return _far_and_near(400, 12, 4, lambda scene: (scene.showing_densities, len(scene.points.drawn_panels)))


def transition() -> dict:
    """A scatter animated from start positions: at t=0 the points sit at the start, at 1 in place."""
    scene = _scene()
    end = np.array([[0.8, 0.8]] * 5 + [[0.0, 0.0], [1.0, 1.0]], np.float32)
    start = end.copy()
    start[:5] = 0.2
    scene.set_layer(end, np.arange(7), np.zeros(7, int), 7)
    scene.set_point_size(8.0)
    scene.set_fade(0.0)
    scene.set_selection(np.arange(7) < 5)  # hide the two range-setting points
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    uploads = scene.uploads
    scene.set_transition(start)
    at_start = scene.render()
    scene.set_transition_t(0.5)
    half = scene.render()
    scene.set_transition_t(1.0)
    done = scene.render()
    return {"start": at_start, "half": half, "done": done, "in_transition": scene.in_transition,
            "uploads": (uploads, scene.uploads),
            "px": [_to_px(scene, *_data_to_matrix(v)) for v in ([0.2, 0.2], [0.5, 0.5], [0.8, 0.8])]}


def shapes() -> dict:
    """One isolated point at 8 px as a disc and as a square, and a small (4 px) default one;
    plus the fragment shader the scene compiled (no per-fragment scene filters)."""
    scene = _scene()
    pts = np.array([[0.5, 0.5], [0.0, 0.0], [1.0, 1.0]], np.float32)
    scene.set_layer(pts, np.arange(3), np.zeros(3, int), 3, ranges=np.array([[0.0, 1.0], [0.0, 1.0]]))
    scene.view_rect = (0.0, 0.0, 1.0, 1.0)
    out = {"centre": _to_px(scene, *_data_to_matrix([0.5, 0.5]))}
    for name, size, shape in (("disc", 8.0, "auto"), ("square", 8.0, "square"), ("small", 4.0, "auto")):
        scene.set_point_size(size)
        scene.set_point_shape(shape)
        out[name] = scene.render()
    out["frag"] = scene.points._program.frag.compile()
    return out


def splom_clipped() -> dict:
    """A 3 x 3 matrix whose fixed ranges are smaller than the data: image 1 lies far beyond
    dim 0's range. Its points in the panels showing dim 0 must not spill into other cells;
    the points of every panel are expected where the layout puts them, if inside the cell."""
    from seein.render.layout import Layout

    scene = _scene((150, 150))
    pts = np.array([[0.5, 0.5, 0.5], [0.95, 0.45, 0.55], [0.05, 0.55, 0.45]], np.float32)
    ranges = np.array([[0.4, 0.6]] * 3)
    scene.set_layer(pts, np.arange(3), np.array([0, 1, 2]), 3, ranges=ranges, mode="splom")
    scene.set_point_size(6.0)
    scene.set_hover(0)  # a hovered point (12 px) at a panel's centre stays inside its cell too
    scene.view_rect = (0.0, 0.0, 3.0, 3.0)
    frame = scene.render()
    layout, kept = Layout(ranges, "splom"), []
    for panel in layout.visible_panels(scene.view_rect):
        if panel.diagonal:  # a histogram: no points there
            continue
        for k in range(3):
            y = pts[k, panel.dy]
            mx, my = layout.to_matrix(panel, pts[k, panel.dx], y)
            if panel.x0 <= mx <= panel.x0 + 1 and panel.y0 <= my <= panel.y0 + 1:
                kept.append((k, _to_px(scene, float(mx), float(my)), (panel.row, panel.col)))
    return {"frame": frame, "kept": kept, "scissors": list(scene.points.scissors),
            "cells_px": [_to_px(scene, float(v), float(v)) for v in range(4)]}


def viewbox_clipped() -> dict:
    """The point visual in the left view box of a two-view canvas, zoomed in so its points
    reach far beyond that box: nothing may be drawn in the right one."""
    from vispy import scene as vscene

    from seein.render.layout import Layout
    from seein.render.offscreen import egl_app
    from seein.render.points import PointsNode

    canvas = vscene.SceneCanvas(app=egl_app(), size=(200, 100), bgcolor="white")
    grid = canvas.central_widget.add_grid()
    left, right = grid.add_view(row=0, col=0), grid.add_view(row=0, col=1)
    left.camera = vscene.PanZoomCamera(aspect=None)
    xy = np.random.default_rng(5).uniform(0, 1, size=(4000, 2)).astype(np.float32)
    node = PointsNode(parent=left.scene)
    node.set_data(xy, np.arange(4000), np.zeros(4000, np.int64), Layout(np.array([[0.0, 1.0]] * 2)))
    node.set_style(size=6.0)
    left.camera.rect = (0.3, 0.3, 0.4, 0.4)  # most points lie outside the left box
    frame = np.asarray(canvas.render())
    out = {"frame": frame, "left_px": (float(left.pos[0]), float(left.size[0])),
           "right_px": (float(right.pos[0]), float(right.size[0]))}
    canvas.close()
    return out


def decorations() -> dict:
    """A 60 x 60 matrix zoomed out (2 px cells): no grid lines or names; zoomed in: both."""
    return _far_and_near(100, 60, 6, lambda scene: (scene.decorations.lines.visible,
                                                    scene.decorations.names.visible, scene.showing_densities))


def screenshots() -> dict:
    """``render_screenshot`` of a synthetic store: the whole matrix, a block, densities, notes."""
    import tempfile
    from pathlib import Path

    import seein.render.screenshot as shot
    from seein.core.errors import SeeinError
    from seein.testing import make_store

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "s.h5")
        out["whole"] = shot.render_screenshot(store, "fc", size=(120, 120), isolate=False)
        out["block"] = shot.render_screenshot(store, "fc", panels="1:3", size=(120, 120), isolate=False)
        out["conv_block"] = shot.render_screenshot(store, "conv", panels=(0, 2), select="class=1",
                                                   size=(120, 120), isolate=False)
        budget = shot.SCREENSHOT_POINT_BUDGET
        shot.SCREENSHOT_POINT_BUDGET = 1000  # so that the 4 x 4 conv matrix (16 x 1500 points) is over it
        try:
            out["dense"] = shot.render_screenshot(store, "conv", size=(120, 120), isolate=False)
        finally:
            shot.SCREENSHOT_POINT_BUDGET = budget
        errors = {}
        for name, kwargs in (("missing_file", {"select": f"images={tmp}/nope.csv"}),
                             ("panels_range", {"panels": "4:9"}), ("panels_text", {"panels": "x"}),
                             ("panels_dims", {"panels": "0:2", "dims": (0, 1)}),
                             ("dims_projection", {"dims": (0, 1), "projection": "pca"})):
            try:
                shot.render_screenshot(store, "fc", size=(64, 64), isolate=False, **kwargs)
                errors[name] = None
            except SeeinError as exc:
                errors[name] = str(exc)
        out["errors"] = errors
    from seein.state import class_palette

    out["palette"] = (class_palette(3) * 255).round().astype(np.uint8)
    return out


def axes() -> dict:
    """A 300 x 260 scatter with known ranges and names: ticks, values and titles in its margins;
    a 4-D matrix zoomed into one off-diagonal panel; a small canvas with no room for axes."""
    scene = _scene((300, 260))
    rng = np.random.default_rng(7)
    pts = rng.uniform(0, 1, size=(400, 2)).astype(np.float32) * np.array([10.0, 1.0], np.float32)
    scene.set_layer(pts, np.arange(400), np.zeros(400, int), 400, ranges=np.array([[0.0, 10.0], [0.0, 1.0]]),
                    dim_names=["fc · dim 0", "fc · dim 1"])
    scene.set_point_size(3.0)
    scene.home()
    frame = scene.render()
    drawn = scene.axes.drawn
    from seein.render.layout import PAD

    expect_x = {label: _to_px(scene, PAD + float(label) / 10.0 * (1 - 2 * PAD), 0.5)[0] for label, _, _ in drawn.tick_x}
    expect_y = {label: _to_px(scene, 0.5, PAD + float(label) * (1 - 2 * PAD))[1] for label, _, _ in drawn.tick_y}
    out = {"frame": frame, "plot": scene.plot_rect, "tick_x": drawn.tick_x, "tick_y": drawn.tick_y,
           "title_x": drawn.title_x, "title_y": drawn.title_y, "expect_x": expect_x, "expect_y": expect_y}
    quad = _scene((300, 300))
    q = rng.normal(size=(300, 4)).astype(np.float32)
    quad.set_layer(q, np.arange(300), np.zeros(300, int), 300, dim_names=[f"conv2 · dim {k}" for k in range(4)])
    quad.view_rect = (2.0, 0.0, 1.0, 1.0)  # row 3, column 2: dim 2 across, dim 3 up
    quad.render()
    zoomed = quad.axes.drawn
    quad.view_rect = (0.0, 0.0, 4.0, 4.0)
    whole = quad.render()
    out.update({"zoom_title_x": zoomed.title_x, "zoom_title_y": zoomed.title_y, "zoom_ticks": len(zoomed.tick_x),
                "whole_title_x": quad.axes.drawn.title_x, "whole_title_y": quad.axes.drawn.title_y,
                "whole": whole, "whole_plot": quad.plot_rect})
    small = _scene()
    small.set_layer(pts, np.arange(400), np.zeros(400, int), 400)
    small.render()
    out["small"] = (small.plot_rect, len(small.axes.drawn.tick_x) + len(small.axes.drawn.title_x))
    return out


def diagonal_histograms() -> dict:
    """A 3-D matrix of three classes apart in dim 0: the diagonal panel of dim 0 holds one step
    line per class in its colour, ordered as the classes' values; a selection adds its outline."""
    scene = _scene((240, 240))
    rng = np.random.default_rng(8)
    labels = np.repeat([0, 1, 2], 200)
    pts = rng.normal(scale=0.05, size=(600, 3)).astype(np.float32)
    pts[:, 0] += np.array([0.2, 0.5, 0.8], np.float32)[labels]
    scene.set_layer(pts, np.arange(600), labels, 600, ranges=np.array([[0.0, 1.0]] * 3))
    scene.view_rect = (0.0, 0.0, 3.0, 3.0)
    frame = scene.render()
    computed = scene.histograms.cache.computed
    scene.set_selection(labels == 2)
    selected = scene.render()
    scene.view_rect = (0.0, 2.0, 1.0, 1.0)  # the top-left diagonal alone
    zoomed = scene.render()
    from seein.core.palette import class_palette

    return {"frame": frame, "selected": selected, "zoomed": zoomed, "computed": computed,
            "palette": (class_palette(3) * 255).round().astype(np.uint8), "plot": scene.plot_rect,
            "drawn": list(scene.histograms.drawn)}


def every_case() -> dict:
    """All cases above in one process (one EGL start-up for the whole module), each result
    or the traceback of its failure, so one broken case fails only its own tests."""
    import traceback

    runs = {"clusters": (clusters, ()), "overlap_selected_first": (overlap, (True,)),
            "overlap_selected_last": (overlap, (False,)), "dims_switch": (dims_switch, ()),
            "splom": (splom, ()), "splom_zoomed": (splom_zoomed, ()), "overview": (overview, ()),
            "dense_splom": (dense_splom, ()), "transition": (transition, ()),
            "shapes": (shapes, ()), "splom_clipped": (splom_clipped, ()),
            "viewbox_clipped": (viewbox_clipped, ()), "decorations": (decorations, ()),
            "screenshots": (screenshots, ()), "axes": (axes, ()),
            "diagonal_histograms": (diagonal_histograms, ())}
    out = {}
    for name, (fn, args) in runs.items():
        try:
            out[name] = fn(*args)
        except Exception:
            out[name] = {"__error__": traceback.format_exc()}
    return out

"""Headless screenshots of the embedding view: a store layer drawn offscreen (EGL) to RGBA.

:func:`screenshot` is what ``seein screenshot`` and scripts call. It renders in this
process through VisPy's EGL backend, or in a fresh subprocess when Qt is loaded here
(EGL and Qt's GL cannot share a process; see :mod:`seein.render`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core.errors import SeeinError

_INDEX_LIST = re.compile(r"[-+\d\s,]+")  # images=0,5,9 (and -1: an index, out of range) (indices); anything else is a file name
SCREENSHOT_POINT_BUDGET = 20_000_000  # points per frame (panels x points) before densities are drawn


def selection_mask(spec: Any, store) -> np.ndarray | None:
    """An image mask from None, a bool mask / index list, or a spec: ``class=K``,
    ``images=FILE`` (a selection file: .csv/.txt of image ids, or .npy), ``images=i,j,...``, ``all``."""
    if spec is None:
        return None
    from ..state import load_selection, parse_select

    if isinstance(spec, str):
        key, _, value = spec.partition("=")
        if key.strip().lower() == "images" and value.strip() and not _INDEX_LIST.fullmatch(value):
            return load_selection(value.strip(), store.image_ids)  # a file (missing: says so)
        return parse_select(spec, store)
    arr = np.asarray(spec)
    if arr.dtype == bool:
        if arr.shape != (store.n_images,):
            raise SeeinError(f"selection mask has {arr.size} entries; the store has {store.n_images} images",
                             store.path)
        return arr
    mask = np.zeros(store.n_images, dtype=bool)
    idx = arr.astype(np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= store.n_images):
        raise SeeinError(f"selection: image index out of range 0..{store.n_images - 1}", store.path)
    mask[idx] = True
    return mask


def parse_panels(spec: Any) -> tuple[int, int] | None:
    """``"A:B"`` or (A, B) -> (A, B): the block of dims A..B-1 of a matrix; None for the whole."""
    if spec is None:
        return None
    if isinstance(spec, str):
        a, sep, b = spec.partition(":")
        try:
            block = (int(a), int(b)) if sep else None
        except ValueError:
            block = None
        if block is None:
            raise SeeinError(f"--panels {spec!r}: expected A:B (dims A..B-1 of the matrix, e.g. 0:4)")
    else:
        block = (int(spec[0]), int(spec[1]))
    return block


def _render(store_path: str, layer: str, dims: tuple[int, int] | None, splom: bool,
            projection: str | None, select: Any, snapshot: int, size: tuple[int, int],
            point_size: float, fade: float, panels: tuple[int, int] | None,
            progress: Any = None) -> tuple[np.ndarray, str]:
    """Render in this process (EGL): the body of :func:`screenshot`; (RGBA, what it shows)."""
    from ..core.palette import class_palette
    from ..state.projection_timeline import display_ranges
    from ..state.start import unit_classes
    from ..store import Store
    from .axes import axis_titles
    from .layout import PAD
    from .offscreen import egl_app
    from .policy import block_rect
    from .scene import EmbeddingScene

    with Store.open(store_path) as store:
        info = store.layer(layer)
        snap = store.snapshot(snapshot)  # a clear error for a bad snapshot before any work
        d = info.dims
        if dims is not None and not all(0 <= k < d for k in dims):
            raise SeeinError(f"--dims {dims[0]},{dims[1]}: layer {layer!r} has {d} dims (0..{d - 1})", store_path)
        if panels is not None and not (0 <= panels[0] < panels[1] <= d):
            raise SeeinError(f"--panels {panels[0]}:{panels[1]}: layer {layer!r} has {d} dims; give "
                             f"A:B with 0 <= A < B <= {d}", store_path)
        mask = selection_mask(select, store)
        if projection:
            from ..compute.projection import project

            points = project(store, layer, method=projection, dims=2, snapshot=snapshot,
                             progress=progress).embedding
        else:
            points = store.read_activations(layer, snapshot)
        image_index = np.repeat(np.arange(store.n_images, dtype=np.int64), info.points_per_image)
        labels, n_images, n_classes = store.labels, store.n_images, store.n_classes
        snap_name = f"snapshot {snap.index} (step {snap.step})"
    d = points.shape[1]
    mode = "scatter" if projection or dims is not None or (d <= 2 and not splom) else "splom"
    view = EmbeddingScene(app=egl_app(), size=size)
    try:
        view.max_panels = d * d  # offline: only the point budget sends a matrix to densities
        view.point_budget = SCREENSHOT_POINT_BUDGET
        # a projection is drawn as the window draws its first map: one unit as long across as up
        ranges = display_ranges(points) if projection else None
        view.set_layer(points, image_index, labels, n_images, class_palette(n_classes), mode=mode, ranges=ranges,
                       dim_names=axis_titles(layer, d, projection or None, unit_classes(store, layer)))
        if dims is not None and not projection:
            view.set_dims(*dims)
        if mode == "splom":  # the whole matrix, or the block asked for, with a thin frame round it
            a, b = panels if panels is not None else (0, d)
            _, _, pw, ph = view.plot_rect
            view.view_rect = block_rect(d, a, b, (pw, ph), margin=min(0.02 * (b - a), 0.9 * PAD))
        view.set_point_size(point_size)
        view.set_fade(fade)
        view.set_selection(mask)
        rgba = view.render()
        what = (f"{projection} projection" if projection else
                f"dims {view.dims[0]} (x), {view.dims[1]} (y)" if mode == "scatter" else
                f"{d} x {d} matrix" if panels is None else
                f"panels of dims {panels[0]}..{panels[1] - 1} of the {d} x {d} matrix")
        note = f"layer {layer}, {snap_name}: {what}"
        if view.showing_densities:
            n_panels = len(view.visible_panels())
            note += (f", drawn as densities ({n_panels:,} panels x {len(points):,} points is over "
                     f"{SCREENSHOT_POINT_BUDGET // 1_000_000} M points a frame; --panels A:B draws a block's points)")
        return rgba, note
    finally:
        view.close()


def render_screenshot(store_path: str | os.PathLike, layer: str, *, dims: Sequence[int] | None = None,
                      splom: bool = False, projection: str | None = None, select: Any = None,
                      snapshot: int = -1, size: Sequence[int] = (800, 800), point_size: float = 4.0,
                      fade: float = 0.15, panels: Any = None, isolate: bool | None = None,
                      progress: Any = None) -> tuple[np.ndarray, str]:
    """:func:`screenshot` and a one-line description of what it shows (the CLI prints it).

    ``progress`` (a :mod:`seein.core.progress` callback) follows a projection computed on the
    way; it cannot cross to a subprocess, so an isolated render goes without.
    """
    from .offscreen import call, needs_isolation

    w, h = (int(v) for v in size)
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise SeeinError(f"size {w}x{h}: width and height must be 16..8192 pixels")
    if projection and dims is not None:
        raise SeeinError("dims and projection exclude each other: a projection has its own two axes")
    block = parse_panels(panels)
    if block is not None and (projection or dims is not None):
        raise SeeinError("panels choose a block of the matrix: not with dims or a projection")
    dims_t = None if dims is None else (int(dims[0]), int(dims[1]))
    if isinstance(select, np.ndarray):
        select = select.copy()
    if isolate is None:
        isolate = needs_isolation()
    rgba, note = call("seein.render.screenshot:_render", os.fspath(store_path), layer, dims_t,
                      bool(splom) or block is not None, projection, select, int(snapshot), (w, h),
                      float(point_size), float(fade), block, None if isolate else progress, isolate=isolate)
    return rgba, note


def screenshot(store_path: str | os.PathLike, layer: str, *, dims: Sequence[int] | None = None,
               splom: bool = False, projection: str | None = None, select: Any = None,
               snapshot: int = -1, size: Sequence[int] = (800, 800), point_size: float = 4.0,
               fade: float = 0.15, panels: Any = None, isolate: bool | None = None) -> np.ndarray:
    """Render one layer of a store as the embedding view would and return uint8 RGBA (H, W, 4).

    Parameters
    ----------
    dims : (i, j), optional
        Scatter of dim i (x) against dim j (y). Default: the scatter of a 2-D layer,
        else the scatter-plot matrix.
    splom : bool
        Force the matrix view (also for a 1-D or 2-D layer).
    panels : "A:B" or (A, B), optional
        Show only the block of the matrix for dims A..B-1 (rows and columns). Default:
        the whole matrix. A matrix whose visible panels hold more than 20 M points in
        all is drawn from its density images, as the app does when zoomed out.
    projection : {"pca", "tsne", "pivotmds", "umap"}, optional
        Draw the layer's 2-D projection (computed or read from the store's cache).
    select : None, bool mask, image indices or spec str (``class=3``, ``images=FILE``)
        Images to brush: selected points grow and come to the front, the rest fade.
    isolate : bool, optional
        Render in a subprocess; default: only when Qt is loaded in this process.
    """
    return render_screenshot(store_path, layer, dims=dims, splom=splom, projection=projection,
                             select=select, snapshot=snapshot, size=size, point_size=point_size,
                             fade=fade, panels=panels, isolate=isolate)[0]


def save_png(rgba: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an RGBA frame as PNG, atomically (a temporary name, then renamed)."""
    from PIL import Image

    from ..core.outputs import atomic_output

    path = Path(path)
    with atomic_output(path, ".png") as tmp:
        Image.fromarray(np.asarray(rgba, dtype=np.uint8), "RGBA").save(tmp, format="PNG")
    return path

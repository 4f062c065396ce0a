"""Headless screenshots of the embedding view: a store layer drawn offscreen (EGL) to RGBA.

:func:`screenshot` is what ``seein screenshot`` and scripts call. It renders in this
process through VisPy's EGL backend, or in a fresh subprocess when Qt is loaded here
(EGL and Qt's GL cannot share a process; see :mod:`seein.render`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import SeeinError


def selection_mask(spec: Any, store) -> np.ndarray | None:
    """An image mask from None, a bool mask / index list, or a spec: ``class=K``,
    ``images=FILE`` (a selection file: .csv/.txt of image ids, or .npy), ``images=i,j,...``, ``all``."""
    if spec is None:
        return None
    from ..state import load_selection, parse_select

    if isinstance(spec, str):
        key, _, value = spec.partition("=")
        if key.strip().lower() == "images" and value and Path(value).exists():
            return load_selection(value, store.image_ids)
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


def _render(store_path: str, layer: str, dims: tuple[int, int] | None, splom: bool,
            projection: str | None, select: Any, snapshot: int, size: tuple[int, int],
            point_size: float, fade: float) -> np.ndarray:
    """Render in this process (EGL): the body of :func:`screenshot`."""
    from ..state import class_palette
    from ..store import Store
    from .offscreen import egl_app
    from .scene import EmbeddingScene

    with Store.open(store_path) as store:
        info = store.layer(layer)
        store.snapshot(snapshot)  # a clear error for a bad snapshot before any work
        mask = selection_mask(select, store)
        if projection:
            from ..compute.projection import project

            points = project(store, layer, method=projection, dims=2, snapshot=snapshot).embedding
        else:
            points = store.read_activations(layer, snapshot)
        image_index = np.repeat(np.arange(store.n_images, dtype=np.int64), info.points_per_image)
        labels, n_images, n_classes = store.labels, store.n_images, store.n_classes
    d = points.shape[1]
    if dims is not None and not all(0 <= k < d for k in dims):
        raise SeeinError(f"--dims {dims[0]},{dims[1]}: layer {layer!r} has {d} dims (0..{d - 1})", store_path)
    view = EmbeddingScene(app=egl_app(), size=size)
    try:
        mode = "splom" if splom and not projection else None
        view.set_layer(points, image_index, labels, n_images, class_palette(n_classes),
                       mode=mode or ("scatter" if projection or dims or d <= 2 else "splom"))
        if dims is not None and not projection:
            view.set_dims(*dims)
        view.set_point_size(point_size)
        view.set_fade(fade)
        view.set_selection(mask)
        return view.render()
    finally:
        view.close()


def screenshot(store_path: str | os.PathLike, layer: str, *, dims: Sequence[int] | None = None,
               splom: bool = False, projection: str | None = None, select: Any = None,
               snapshot: int = -1, size: Sequence[int] = (800, 800), point_size: float = 4.0,
               fade: float = 0.15, isolate: bool | None = None) -> np.ndarray:
    """Render one layer of a store as the embedding view would and return uint8 RGBA (H, W, 4).

    Parameters
    ----------
    dims : (i, j), optional
        Scatter of dim i (x) against dim j (y). Default: the scatter of a 2-D layer,
        else the scatter-plot matrix (its top-left 4 x 4 panels).
    splom : bool
        Force the matrix view.
    projection : {"pca", "tsne", "pivotmds"}, optional
        Draw the layer's 2-D projection (computed or read from the store's cache).
    select : None, bool mask, image indices or spec str (``class=3``, ``images=FILE``)
        Images to brush: selected points grow and come to the front, the rest fade.
    isolate : bool, optional
        Render in a subprocess; default: only when Qt is loaded in this process.
    """
    from .offscreen import call

    w, h = (int(v) for v in size)
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise SeeinError(f"size {w}x{h}: width and height must be 16..8192 pixels")
    dims_t = None if dims is None else (int(dims[0]), int(dims[1]))
    if isinstance(select, np.ndarray):
        select = select.copy()
    return call("seein.render.screenshot:_render", os.fspath(store_path), layer, dims_t, bool(splom),
                projection, select, int(snapshot), (w, h), float(point_size), float(fade), isolate=isolate)


def save_png(rgba: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an RGBA frame as PNG, atomically (a temporary name, then renamed)."""
    from PIL import Image

    path = Path(path)
    if not path.parent.is_dir():
        raise SeeinError("the output folder does not exist", path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    try:
        Image.fromarray(np.asarray(rgba, dtype=np.uint8), "RGBA").save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

"""Neuronal receptive fields (DeepEyes §2): what feeds a neuron, read from the previous layer.

A cell (y, x) of a structured layer sees a box of the input. Its *neuronal receptive
field* is the set of neurons of the previous layer whose own boxes lie inside that box
(for LeNet's conv2, a 5 x 5 window of pool1 cells over all 20 channels; for conv1, the
5 x 5 pixel patch itself). A fully-connected layer's neuronal receptive field is the
whole previous layer. DeepEyes' Input Map places instances by these vectors, so two
instances are close when they are similar *input* for the layer.

"Previous layer" is the previous layer stored (by forward order), or the input image
for the first one. Windows cut by the image border are zero-padded on the cut side,
so every vector of a layer has the same length and position meaning.
"""

from __future__ import annotations

import numpy as np

from ..store import FLAT, Store
from .streaming import IMAGES_PER_CHUNK, chunks


def _extent(lo: np.ndarray, hi: np.ndarray, box_lo: int, box_hi: int) -> tuple[int, int]:
    """(first, count) of the consecutive prev rows whose [lo, hi) lies inside [box_lo, box_hi)."""
    inside = np.flatnonzero((lo >= box_lo) & (hi <= box_hi))
    if inside.size:
        return int(inside[0]), int(inside[-1] - inside[0] + 1)
    centre = (box_lo + box_hi) / 2  # a box smaller than the previous cells: the nearest one
    return int(np.argmin(np.abs((lo + hi) / 2 - centre))), 1


def _windows(store: Store, layer: str, prev_rows: tuple[np.ndarray, np.ndarray],
             prev_cols: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, int, int]:
    """Per cell of ``layer``: (row0, n_rows, pad_top, col0, n_cols, pad_left), and the padded size."""
    rf = store.receptive_fields(layer)
    h, w = rf.shape[:2]
    spans = np.zeros((h, w, 6), dtype=np.int64)
    for y in range(h):
        for x in range(w):
            y0, x0, y1, x1 = (int(v) for v in rf[y, x])
            spans[y, x, 0:2] = _extent(*prev_rows, y0, y1)
            spans[y, x, 3:5] = _extent(*prev_cols, x0, x1)
    h_max, w_max = int(spans[..., 1].max()), int(spans[..., 4].max())
    # a window cut at the top / left border is padded there, elsewhere at the far side
    spans[..., 2] = np.where(spans[..., 0] == 0, h_max - spans[..., 1], 0)
    spans[..., 5] = np.where(spans[..., 3] == 0, w_max - spans[..., 4], 0)
    return spans, h_max, w_max


def _previous(store: Store, layer: str):
    names = [info.name for info in store.layers]
    i = names.index(layer)
    return store.layers[i - 1] if i > 0 else None


def _prev_maps(store: Store, prev, snapshot: int):
    """Stream (first_image, maps (m, C, H, W)) of the previous layer, or of the input images."""
    if prev is None:
        images = store.images
        for start in range(0, store.n_images, IMAGES_PER_CHUNK):
            block = np.asarray(images[start:start + IMAGES_PER_CHUNK], dtype=np.float32) / 255.0
            yield start, block.transpose(0, 3, 1, 2)
        return
    for start, pts in chunks(store, prev.name, snapshot):
        if prev.kind == FLAT:
            yield start, pts[:, :, None, None]
        else:
            hh, ww = prev.cells
            yield start, pts.reshape(-1, hh, ww, prev.dims).transpose(0, 3, 1, 2)


def neuronal_features(store: Store, layer: str, snapshot: int, points: np.ndarray) -> np.ndarray:
    """float32 (n, D): the neuronal receptive field of each point of ``layer`` (see module doc)."""
    info = store.layer(layer)
    prev = _previous(store, layer)
    points = np.asarray(points, dtype=np.int64)
    images, ys, xs = store.point_cell(layer, points)
    if prev is None:
        _, in_h, in_w, in_c = store.images.shape
        grid = (in_c, in_h, in_w)
        rows = (np.arange(in_h), np.arange(in_h) + 1)
        cols = (np.arange(in_w), np.arange(in_w) + 1)
    elif prev.kind == FLAT:
        grid = (prev.dims, 1, 1)
    else:
        grid = (prev.dims,) + prev.cells
        rf = store.receptive_fields(prev.name)
        rows = (rf[:, 0, 0], rf[:, 0, 2])
        cols = (rf[0, :, 1], rf[0, :, 3])
    whole = info.kind == FLAT or (prev is not None and prev.kind == FLAT)
    if whole:
        out = np.zeros((len(points), int(np.prod(grid))), dtype=np.float32)
    else:
        spans, h_max, w_max = _windows(store, layer, rows, cols)
        out = np.zeros((len(points), grid[0], h_max, w_max), dtype=np.float32)
    order = np.argsort(images, kind="stable")
    for start, maps in _prev_maps(store, prev, snapshot):
        lo, hi = np.searchsorted(images[order], [start, start + len(maps)])
        for k in order[lo:hi]:
            m = maps[images[k] - start]
            if whole:
                out[k] = m.ravel()
                continue
            r0, nr, pt, c0, nc, pl = spans[ys[k], xs[k]]
            out[k, :, pt:pt + nr, pl:pl + nc] = m[:, r0:r0 + nr, c0:c0 + nc]
    return out.reshape(len(points), -1)

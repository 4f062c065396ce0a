"""Per-panel density images of a scatter-plot matrix, computed once (Seein' In §3.4 overview).

Every panel (row r, column c) of a D x D matrix plots dim c against dim r; its density
is the 2-D histogram of those two dims over the layer's points, binned over each dim's
(min, max) range (the same ranges the render layout uses, so a density cell lines up
with its points). A diagonal panel holds the 1-D histogram of its dim, repeated along y.
Computed with one ``bincount`` per matrix row (torch on any device, or NumPy), cached
in the store. :func:`panel_class_densities` also keeps, per bin, which class has the most
points there and what share of the bin's points it has, so a zoomed-out matrix keeps its
class colours (Seein' In colours points by class; a mono-colour density would drop that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.progress import ProgressCallback
from ..store import Store

DENSITY_VERSION = 1
CHUNK_BINS = 1 << 16  # bins x classes counted per bincount in panel_class_densities (cache-sized)
MAX_SIDE_BINS = 4096  # bins along a whole matrix side: an overview texture has at most 4096 px a side


def data_ranges(points: np.ndarray) -> np.ndarray:
    """float64 (D, 2) (min, max) of every dimension, NaNs ignored; a flat dim gets max = min + 1."""
    pts = np.asarray(points)
    if len(pts) == 0:
        return np.tile([0.0, 1.0], (pts.shape[1], 1))
    ranges = np.stack([np.nanmin(pts, axis=0), np.nanmax(pts, axis=0)], axis=1).astype(np.float64)
    flat = ~(ranges[:, 1] > ranges[:, 0])
    ranges[flat, 1] = ranges[flat, 0] + 1.0
    return ranges


def compute_device(device: Any = "auto") -> Any:
    """The device densities are binned on: ``"auto"`` is the compute backend's GPU when it
    has one (``SEEIN_DEVICE`` and torch decide, as :func:`seein.core.backend.decide`), else None
    (NumPy on the CPU); anything else is passed through."""
    if not (isinstance(device, str) and device == "auto"):
        return device
    import os

    from ..core.backend import DEVICE_ENV, decide

    name, _ = decide(os.environ.get(DEVICE_ENV), torch.cuda.is_available())
    return torch.device(name) if name != "cpu" else None


def histogram_bars(column_counts: np.ndarray) -> np.ndarray:
    """A diagonal panel's (bins_y, bins_x[, classes]) image of its 1-D histogram as bars: bin x
    is filled from the bottom (y bin 0) up to its count's share of the tallest, with the
    column's counts spread over its height, as the matrix's own histogram diagonals read."""
    col = np.asarray(column_counts, np.float32)
    b = col.shape[0]
    total = col.reshape(b, -1).sum(axis=1)
    height = np.ceil(b * total / max(float(total.max()), 1e-12)).astype(np.int64)
    filled = np.arange(b)[:, None] < height[None, :]  # (y, x)
    per_row = col / np.maximum(height, 1).reshape((b,) + (1,) * (col.ndim - 1))
    mask = filled.reshape(filled.shape + (1,) * (col.ndim - 1))
    return np.where(mask, per_row[None], 0.0).astype(np.float32)


def _placed(points: Any, device: Any) -> tuple[Any, np.ndarray | None]:
    """The points where they are binned: a torch tensor on ``device`` (or on its own device),
    else the NumPy array itself (also returned as the host copy, None for a tensor)."""
    if isinstance(points, torch.Tensor) or device is not None:
        t = points if isinstance(points, torch.Tensor) else torch.as_tensor(np.asarray(points))
        return (t if device is None else t.to(device)), None
    host = np.asarray(points)
    return host, host


def _prepared(points: Any, device: Any, ranges: Any, pairs: Any) -> tuple[Any, bool, np.ndarray]:
    """(points to bin, whether they are a torch tensor, each dim's range), the two dims of
    ``pairs`` only when given (column 0 = dim i on x, column 1 = dim j on y)."""
    t, host = _placed(points, device)
    if t.ndim != 2:
        raise ValueError(f"points must be (n, D), got {tuple(t.shape)}")
    if ranges is None:
        ranges = data_ranges(host if host is not None else t.cpu().numpy())
    ranges = np.asarray(ranges, np.float64)
    if pairs is not None:
        i, j = pairs
        t, ranges = t[:, [i, j]], ranges[[i, j]]
    return t, host is None, ranges


def panel_densities(points: Any, bins: int = 64, ranges: np.ndarray | None = None, *,
                    pairs: tuple[int, int] | None = None, max_points: int | None = 250_000,
                    device: Any = "auto", progress: ProgressCallback | None = None) -> np.ndarray:
    """Point counts per panel and bin, float32 (D, D, bins, bins) indexed [row, col, y_bin, x_bin].

    ``pairs=(i, j)`` computes only the scatter of dim i (x) against dim j (y), as a
    (1, 1, bins, bins) array. Points are (n, D): binned on ``device`` ("auto": the
    compute backend's GPU when present, see :func:`compute_device`), else a torch tensor
    on its own device and NumPy on the CPU with NumPy (faster than torch's CPU kernels here).
    Beyond ``max_points`` points an evenly strided sample is binned and the counts scaled
    up: an overview image cannot show the difference, and it keeps D x D panels of
    millions of points to seconds. ``bins`` is capped at ``MAX_SIDE_BINS // D`` (at least
    2): a matrix image has at most 4096 pixels a side, so finer bins could not be shown,
    and 48 bins over a 500-D layer's matrix would be 576 M counts (4.6 GB).
    """
    device = compute_device(device)
    t, use_torch, ranges = _prepared(points, device, ranges, pairs)
    n_all = t.shape[0]
    scale = 1.0
    if max_points and n_all > max_points:
        step = -(-n_all // int(max_points))
        t = t[::step]
        scale = n_all / t.shape[0]
    xp = torch if use_torch else np
    n, d = t.shape
    b = max(1, min(int(bins), max(2, MAX_SIDE_BINS // d)))
    if use_torch:
        lo = torch.as_tensor(ranges[:, 0], dtype=torch.float32, device=t.device)
        width = torch.as_tensor(ranges[:, 1] - ranges[:, 0], dtype=torch.float32, device=t.device)
        idx = ((t.to(torch.float32) - lo) / width * b).floor().clamp_(0, b - 1).to(torch.int64)
        base = idx + torch.arange(d, device=t.device) * (b * b)
    else:
        lo, width = ranges[:, 0].astype(np.float32), (ranges[:, 1] - ranges[:, 0]).astype(np.float32)
        idx = np.clip(np.floor((t.astype(np.float32) - lo) / width * b), 0, b - 1).astype(np.int64)
        base = idx + np.arange(d, dtype=np.int64) * (b * b)
    counts = np.zeros((d, d * b * b), dtype=np.float64)
    for r in range(d):
        flat = (base + idx[:, r:r + 1] * b).reshape(-1)
        hist = xp.bincount(flat, minlength=d * b * b)
        counts[r] = hist.cpu().numpy() if use_torch else hist
        if progress is not None and progress(r + 1, d, "densities"):
            from ..core.errors import Cancelled
            raise Cancelled()
    dens = (counts.reshape(d, d, b, b) * scale).astype(np.float32)
    for k in range(d):  # diagonal: the 1-D histogram of dim k along x, drawn as bars
        dens[k, k] = histogram_bars(dens[k, k].sum(axis=0))
    if pairs is not None:
        return dens[1:2, 0:1] if pairs[0] != pairs[1] else dens[0:1, 0:1]
    return dens


def layer_densities(store: Store, layer: str, snapshot: int = -1, bins: int = 64,
                    progress: ProgressCallback | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(densities (D, D, bins, bins), ranges (D, 2)) of a layer's matrix; cached in the store."""
    params = {"bins": int(bins), "version": DENSITY_VERSION}
    cached = store.load_result("density", layer, snapshot, params)
    if cached is not None:
        return cached["densities"], cached["ranges"]
    points = store.read_activations(layer, snapshot)
    ranges = data_ranges(points)
    dens = panel_densities(points, bins, ranges, progress=progress)
    store.save_result("density", layer, snapshot, params, {"densities": dens, "ranges": ranges})
    return dens, ranges


@dataclass(frozen=True)
class ClassDensities:
    """Per-panel densities with their classes: every array is (D, D, bins, bins), [row, col, y, x].

    ``counts`` are the points per bin (as :func:`panel_densities`), ``dominant`` the class
    with the most points in the bin (-1 where it is empty) and ``purity`` that class's
    share of the bin's points (1: one class only; 1/K: all K classes alike).
    """

    counts: np.ndarray
    dominant: np.ndarray
    purity: np.ndarray


def panel_class_densities(points: Any, classes: Any, n_classes: int, bins: int = 64,
                          ranges: np.ndarray | None = None, *, pairs: tuple[int, int] | None = None,
                          max_points: int | None = 250_000, device: Any = "auto",
                          progress: ProgressCallback | None = None) -> ClassDensities:
    """:func:`panel_densities` with the class of each point (``classes``, ints in [0, n_classes)).

    Binned as that function does (same ``bins`` cap, sampling and devices), one
    ``bincount`` per matrix row over bins x classes, reduced at once to each bin's count,
    dominant class and purity, so memory stays D x D x bins x bins whatever the classes.
    Points of a negative class (unlabelled) count in ``counts`` only.
    """
    device = compute_device(device)
    k = max(int(n_classes), 1)
    cls = np.asarray(classes.cpu() if isinstance(classes, torch.Tensor) else classes).astype(np.int64)
    t, use_torch, ranges = _prepared(points, device, ranges, pairs)
    if len(cls) != t.shape[0]:
        raise ValueError(f"points must be (n, D) with a class each, got {tuple(t.shape)} and {cls.shape}")
    n_all = t.shape[0]
    scale = 1.0
    if max_points and n_all > max_points:
        step = -(-n_all // int(max_points))
        t, cls = t[::step], cls[::step]
        scale = n_all / t.shape[0]
    n, d = t.shape
    b = max(1, min(int(bins), max(2, MAX_SIDE_BINS // d)))
    labelled = cls >= 0
    cls = np.where(labelled, np.minimum(cls, k - 1), k)  # unlabelled points: an extra class slot
    slots = k + 1
    panel = b * b * slots
    chunk = max(1, CHUNK_BINS // panel)  # panels per bincount: its counts stay in the CPU's cache
    if use_torch:
        lo = torch.as_tensor(ranges[:, 0], dtype=torch.float32, device=t.device)
        width = torch.as_tensor(ranges[:, 1] - ranges[:, 0], dtype=torch.float32, device=t.device)
        idx = ((t.to(torch.float32) - lo) / width * b).floor().clamp_(0, b - 1).to(torch.int64)
        local = torch.arange(d, device=t.device) % chunk
        base = ((idx + local * (b * b)) * slots + torch.as_tensor(cls, device=t.device)[:, None]).T.contiguous()
        idx = idx.T.contiguous()
    else:
        lo, width = ranges[:, 0].astype(np.float32), (ranges[:, 1] - ranges[:, 0]).astype(np.float32)
        idx = np.clip(np.floor((t.astype(np.float32) - lo) / width * b), 0, b - 1).astype(np.int64)
        base = np.ascontiguousarray(((idx + (np.arange(d, dtype=np.int64) % chunk) * (b * b)) * slots
                                     + cls[:, None]).T)  # (d, n): a chunk of columns is one block
        idx = np.ascontiguousarray(idx.T)
    xp = torch if use_torch else np
    counts = np.zeros((d, d, b, b), np.float32)
    dominant = np.full((d, d, b, b), -1, np.int16)
    purity = np.zeros((d, d, b, b), np.float32)
    for r in range(d):
        row = idx[r] * (b * slots)
        for c0 in range(0, d, chunk):
            c1 = min(c0 + chunk, d)
            hist = xp.bincount((base[c0:c1] + row).reshape(-1), minlength=(c1 - c0) * panel)
            h = (hist.cpu().numpy() if use_torch else hist).reshape(c1 - c0, b, b, slots)
            if c0 <= r < c1:  # the diagonal panel: the 1-D histogram of dim r along x, drawn as bars
                h = h.astype(np.float32)
                h[r - c0] = histogram_bars(h[r - c0].sum(axis=0))
            total = h.sum(axis=3)
            best = h[..., :k].max(axis=3)
            counts[r, c0:c1] = total * scale
            dominant[r, c0:c1] = np.where(best > 0, h[..., :k].argmax(axis=3), -1)
            purity[r, c0:c1] = best / np.maximum(total, 1e-12)
        if progress is not None and progress(r + 1, d, "densities"):
            from ..core.errors import Cancelled
            raise Cancelled()
    if pairs is not None:
        sl = (slice(1, 2), slice(0, 1)) if pairs[0] != pairs[1] else (slice(0, 1), slice(0, 1))
        return ClassDensities(counts[sl], dominant[sl], purity[sl])
    return ClassDensities(counts, dominant, purity)

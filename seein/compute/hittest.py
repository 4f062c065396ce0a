"""Lasso (polygon) and box hit-testing for millions of points, vectorised in torch.

Device-agnostic: points given as a torch tensor are tested on the tensor's device
(a CUDA tensor on the GPU); NumPy input is tested on the CPU with NumPy (several times
faster than torch's CPU kernels here) unless a ``device`` is given. Results come back
as NumPy boolean masks, because callers (selection state, render) hold masks on the CPU.

The polygon test is the even-odd (crossing number) rule, the one ``matplotlib.path``
uses; only points inside the polygon's bounding box are tested edge by edge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def _device(device: Any) -> torch.device:
    return torch.device("cpu" if device is None else device)


def _as_tensor(points: Any, device: Any) -> torch.Tensor:
    if isinstance(points, torch.Tensor):
        t = points if device is None else points.to(_device(device))
    else:
        t = torch.as_tensor(np.asarray(points), device=_device(device))
    if t.ndim != 2 or t.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), got {tuple(t.shape)}")
    return t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float32)


def _to_numpy(mask: torch.Tensor) -> np.ndarray:
    return mask.detach().to("cpu").numpy().astype(bool, copy=False)


def box_hits(points: Any, box: tuple[float, float, float, float], *, device: Any = None) -> np.ndarray:
    """Mask of points inside the box (x0, y0, x1, y1), edges included, corners in any order."""
    p = np.asarray(points) if not isinstance(points, torch.Tensor) and device is None else _as_tensor(points, device)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), got {tuple(p.shape)}")
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    x, y = p[:, 0], p[:, 1]
    hits = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return hits if isinstance(hits, np.ndarray) else _to_numpy(hits)


def lasso_hits(points: Any, polygon: Any, *, device: Any = None) -> np.ndarray:
    """Mask of points inside a closed polygon ((m, 2) vertices, m >= 3; even-odd rule).

    The points in the polygon's bounding box are sorted by y once; an edge can only be
    crossed by the horizontal ray of a point whose y lies in the edge's y-span, a
    contiguous run of the sorted points found by binary search. So the work is the sum
    of the edges' spans, not points x edges: a lasso of hundreds of edges over millions
    of points stays interactive.
    """
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    if not isinstance(points, torch.Tensor) and _device(device).type == "cpu":
        # On the CPU NumPy is several times faster than torch's kernels for this.
        p = np.asarray(points)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"points must be (n, 2), got {p.shape}")
        if p.dtype not in (np.float32, np.float64):
            p = p.astype(np.float32)
        if len(poly) < 3 or len(p) == 0:
            return np.zeros(len(p), dtype=bool)
        return _lasso_sorted(np, p, poly)
    t = _as_tensor(points, device)
    if len(poly) < 3 or t.shape[0] == 0:
        return np.zeros(t.shape[0], dtype=bool)
    return _to_numpy(_lasso_sorted(torch, t, poly))


def _lasso_sorted(xp: Any, pts: Any, poly: np.ndarray) -> Any:
    """Even-odd test over the y-sorted points of the bounding box, for xp = numpy or torch."""
    is_torch = xp is torch
    px, py = pts[:, 0], pts[:, 1]
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    in_box = (px >= lo[0]) & (px <= hi[0]) & (py >= lo[1]) & (py <= hi[1])
    idx = torch.nonzero(in_box).squeeze(1) if is_torch else np.flatnonzero(in_box)
    out = xp.zeros(pts.shape[0], dtype=xp.bool if is_torch else bool)
    if len(idx) == 0:
        return out
    by = py[idx]
    order = xp.argsort(by)
    ys, xs = by[order], px[idx][order]
    inside = xp.zeros(len(ys), dtype=xp.bool if is_torch else bool)
    x1, y1 = poly[:, 0], poly[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    ymin, ymax = np.minimum(y1, y2), np.maximum(y1, y2)
    dtype_np = np.float64 if ys.dtype in (np.float64, torch.float64) else np.float32
    bounds = np.stack([ymin, ymax]).astype(dtype_np)
    if is_torch:
        cut = torch.searchsorted(ys, torch.as_tensor(bounds, device=ys.device), side="left").cpu().numpy()
    else:
        cut = np.searchsorted(ys, bounds, side="left")
    for k in np.flatnonzero(cut[1] > cut[0]):  # edges some point's ray can cross
        a, b = int(cut[0, k]), int(cut[1, k])
        slope = (x2[k] - x1[k]) / (y2[k] - y1[k])
        inside[a:b] ^= xs[a:b] < x1[k] + (ys[a:b] - y1[k]) * slope
    hits = idx[order[inside]]
    out[hits] = True
    return out


def images_hit(point_mask: np.ndarray, image_index: np.ndarray, n_images: int) -> np.ndarray:
    """Image mask: the images that own at least one hit point."""
    mask = np.zeros(int(n_images), dtype=bool)
    mask[np.asarray(image_index)[np.asarray(point_mask, dtype=bool)]] = True
    return mask

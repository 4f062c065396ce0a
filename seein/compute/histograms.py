"""Per-class histograms of one dimension: what a scatter-plot matrix's diagonal panel draws.

Pandas' ``scatter_matrix``, seaborn's ``pairplot`` and Vega's SPLOMs draw each diagonal
cell as the distribution of its dimension, on the x axis its column shares. Here a
dimension's values are binned over that axis's range once per class (one ``bincount``
over ``class * bins + bin``), and over the selected images' points when the selection
changes. Arrays are NumPy or CuPy (``xp``), no GL and no Qt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_BINS = 40


def _bin_index(values: Any, lo: float, hi: float, bins: int, xp: Any) -> Any:
    """Bin of each value over [lo, hi] (the maximum in the last bin); -1 outside the range or NaN.

    Values off the axis are drawn off the panel, so they count in no bin (as numpy's
    ``histogram(range=...)``) rather than piling up at its edges.
    """
    span = hi - lo if hi > lo else 1.0
    v = xp.asarray(values, dtype=xp.float64)
    idx = xp.floor((v - lo) * (bins / span))
    idx = xp.where(v == hi, bins - 1, idx)
    inside = (idx >= 0) & (idx < bins)  # False for NaN too
    return xp.where(inside, idx, -1).astype(xp.int64)


def class_histograms(values: Any, point_class: Any, n_classes: int, value_range: tuple[float, float],
                     bins: int = DEFAULT_BINS, xp: Any = np) -> np.ndarray:
    """int64 (n_classes, bins): how many points of each class fall in each bin of ``value_range``.

    ``values`` (n_points,) one dimension of a layer; ``point_class`` (n_points,) each
    point's class (negative: unlabelled, left out).
    """
    lo, hi = (float(v) for v in value_range)
    cls = xp.asarray(point_class, dtype=xp.int64)
    idx = _bin_index(values, lo, hi, bins, xp)
    keep = (cls >= 0) & (idx >= 0)
    counts = xp.bincount(cls[keep] * bins + idx[keep], minlength=n_classes * bins)[: n_classes * bins]
    return np.asarray(_to_numpy(counts)).reshape(n_classes, bins)


def mask_histogram(values: Any, point_mask: Any, value_range: tuple[float, float],
                   bins: int = DEFAULT_BINS, xp: Any = np) -> np.ndarray:
    """int64 (bins,): how many of the points in ``point_mask`` fall in each bin of ``value_range``."""
    lo, hi = (float(v) for v in value_range)
    mask = xp.asarray(point_mask, dtype=bool)
    idx = _bin_index(xp.asarray(values)[mask], lo, hi, bins, xp)
    return np.asarray(_to_numpy(xp.bincount(idx[idx >= 0], minlength=bins)[:bins]))


def _to_numpy(a: Any) -> np.ndarray:
    return a.get() if hasattr(a, "get") else np.asarray(a)


class HistogramCache:
    """A layer's per-class histograms, one dimension at a time as panels come into view.

    Kept for one upload of a layer (a layer at a snapshot, or a projection): :meth:`reset`
    with new points forgets them. The selection's histograms are kept per selection
    (:meth:`set_selection` forgets them), so a pan over the matrix bins nothing twice.
    """

    def __init__(self, bins: int = DEFAULT_BINS):
        self.bins = int(bins)
        self.reset(np.zeros((0, 1), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.array([[0.0, 1.0]]))

    def reset(self, points: np.ndarray, image_index: np.ndarray, labels_per_image: np.ndarray,
              ranges: np.ndarray) -> None:
        """A new layer: points (n, D), each point's image, each image's class, each dim's (min, max)."""
        self.points = points
        self.image_index = np.asarray(image_index, dtype=np.int64)
        labels = np.asarray(labels_per_image, dtype=np.int64)
        self.n_classes = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 1
        self.point_class = labels[self.image_index] if len(labels) else np.zeros(0, np.int64)
        self.ranges = np.asarray(ranges, dtype=np.float64)
        self._classes: dict[int, np.ndarray] = {}
        self._selected: dict[int, np.ndarray] = {}
        self._point_mask: np.ndarray | None = None
        self.computed = 0  # dimensions binned since the last reset (tests and benchmarks read it)

    def set_ranges(self, ranges: np.ndarray) -> None:
        """New axis ranges (e.g. fit to this snapshot): the bins move, so every histogram is redone."""
        self.ranges = np.asarray(ranges, dtype=np.float64)
        self._classes.clear()
        self._selected.clear()

    def set_selection(self, image_mask: np.ndarray | None) -> None:
        """The selected images (None: no selection); the selection's histograms are redone lazily."""
        self._point_mask = None if image_mask is None else np.asarray(image_mask, bool)[self.image_index]
        self._selected.clear()

    @property
    def has_selection(self) -> bool:
        return self._point_mask is not None

    def classes(self, dim: int) -> np.ndarray:
        """int64 (n_classes, bins) of dimension ``dim``."""
        if dim not in self._classes:
            self._classes[dim] = class_histograms(self.points[:, dim], self.point_class, self.n_classes,
                                                  tuple(self.ranges[dim]), self.bins)
            self.computed += 1
        return self._classes[dim]

    def selected(self, dim: int) -> np.ndarray | None:
        """int64 (bins,) of the selected images' points in ``dim``, or None with no selection."""
        if self._point_mask is None:
            return None
        if dim not in self._selected:
            self._selected[dim] = mask_histogram(self.points[:, dim], self._point_mask,
                                                 tuple(self.ranges[dim]), self.bins)
        return self._selected[dim]


__all__ = ["DEFAULT_BINS", "HistogramCache", "class_histograms", "mask_histogram"]

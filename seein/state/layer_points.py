"""A layer's points and axis ranges as the views read them, kept in memory (a part of AppState).

The embedding view and the overview both draw the active layer: one read serves both,
from a worker thread as well as the GUI thread. The axis ranges are fixed over the
snapshots by default (the timeline moves the points, not the axes under them), or fit to
one snapshot (:class:`~seein.state.axis_range.AxisRange`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..store import Store
from .axis_range import AxisRange, over_snapshots
from .caches import PointsCache, RangesCache


class LayerPoints:
    """Reads of layer points and ranges through the state's caches (mixed into AppState)."""

    axis_range: AxisRange
    _points: PointsCache
    _ranges: RangesCache

    require_store: Callable[[], Store]  # AppState's: the open store, or a SeeinError

    def layer_ranges(self, layer: str) -> np.ndarray:
        """float64 (D, 2): each dimension's (min, max) over every snapshot of ``layer``.

        Fixed axes for the timeline: stepping through training moves the points, not the
        axes under them. From ``feature_ranges`` (cached in the store); kept per layer.
        Safe to call from a worker thread.
        """
        store = self.require_store()

        def compute() -> np.ndarray:
            from ..compute.stats import feature_ranges

            per = np.stack([feature_ranges(store, layer, k) for k in range(len(store.snapshots))])
            return over_snapshots(per)

        return self._ranges.get((str(store.path), layer), compute)

    def axis_ranges(self, layer: str, snapshot: int) -> np.ndarray:
        """float64 (D, 2): the axes of ``layer`` at ``snapshot`` as :attr:`axis_range` says."""
        if self.axis_range is AxisRange.SNAPSHOT:
            from ..compute.stats import feature_ranges

            return np.asarray(feature_ranges(self.require_store(), layer, snapshot), dtype=np.float64)
        return self.layer_ranges(layer)

    def has_points(self, layer: str, snapshot: int) -> bool:
        """True when :meth:`read_points` would answer from memory."""
        return self._points.has((str(self.require_store().path), layer, int(snapshot)))

    def read_points(self, layer: str, snapshot: int) -> np.ndarray:
        """A layer's points at a snapshot, float32 (n_points, D); the last one read is kept.

        The embedding view and the overview both need the active layer: one read serves
        both. Safe to call from a worker thread.
        """
        store = self.require_store()
        return self._points.get((str(store.path), layer, int(snapshot)),
                                lambda: store.read_activations(layer, snapshot))

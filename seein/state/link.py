"""One selection across two stores: two AppStates whose selections follow each other by image id.

Used by the two-networks window. The stores must hold the same images
(:func:`seein.compute.linked.check_same_data`); a selection made in one state is mirrored
into the other through the image ids, recorded in its own undo history as ``linked``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compute.linked import check_same_data
from .selection import SelectMode


class SelectionLink:
    """Mirror every selection change of ``a`` into ``b`` and back (no echo)."""

    def __init__(self, a: Any, b: Any):
        check_same_data(a.require_store(), b.require_store())
        self.a, self.b = a, b
        self._busy = False
        self._to_b = self._index_map(a.store.image_ids, b.store.image_ids)
        self._to_a = self._index_map(b.store.image_ids, a.store.image_ids)
        a.bus.selection_changed.connect(self._from_a)
        b.bus.selection_changed.connect(self._from_b)

    @staticmethod
    def _index_map(src_ids: np.ndarray, dst_ids: np.ndarray) -> np.ndarray:
        """For each row of the destination, the source row holding the same image id."""
        order = np.argsort(src_ids)
        return order[np.searchsorted(src_ids, dst_ids, sorter=order)]

    def _mirror(self, event: Any, dst: Any, index: np.ndarray) -> None:
        if self._busy:
            return
        mask = np.asarray(event.mask, dtype=bool)[index]
        if np.array_equal(mask, dst.selection):
            return
        self._busy = True
        try:
            dst.select(mask, SelectMode.REPLACE, "linked")
        finally:
            self._busy = False

    def _from_a(self, event: Any) -> None:
        self._mirror(event, self.b, self._to_b)

    def _from_b(self, event: Any) -> None:
        self._mirror(event, self.a, self._to_a)

    def disconnect(self) -> None:
        self.a.bus.selection_changed.disconnect(self._from_a)
        self.b.bus.selection_changed.disconnect(self._from_b)


__all__ = ["SelectionLink"]

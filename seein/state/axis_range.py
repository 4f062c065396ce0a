"""How the embedding view's axes are ranged over the timeline (an enum, no Qt).

"Same over all snapshots" (the default) keeps each dimension's axis fixed while the
timeline steps, so the points move and the axes under them do not. "Fit to this
snapshot" ranges each axis to the snapshot shown, so a layer whose values are tiny
early in training (fc2 on the untrained snapshot) fills its panels instead of
collapsing to a dot.
"""

from __future__ import annotations

import numpy as np

from ..core.enums import Choice


class AxisRange(Choice):
    """Which values a dimension's axis spans."""

    ALL_SNAPSHOTS = "all"  # min and max over every snapshot of the layer
    SNAPSHOT = "snapshot"  # min and max at the snapshot shown

    @property
    def label(self) -> str:
        return {"all": "same over all snapshots", "snapshot": "fit to this snapshot"}[self.value]


def over_snapshots(per_snapshot: np.ndarray) -> np.ndarray:
    """float64 (D, 2): the (min, max) over snapshots of per-snapshot ranges (S, D, 2)."""
    per = np.asarray(per_snapshot, dtype=np.float64)
    return np.stack([per[:, :, 0].min(0), per[:, :, 1].max(0)], axis=1)


__all__ = ["AxisRange", "over_snapshots"]

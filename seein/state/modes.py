"""How the embedding view draws a layer (:class:`ViewMode`), and the defaults a new layer starts with."""

from __future__ import annotations

from ..core.enums import Choice
from ..store import LayerInfo


class ViewMode(Choice):
    """A scatter plot of two dims, the D x D scatter-plot matrix, or a 2-D projection."""

    SCATTER = "scatter"
    SPLOM = "splom"
    PROJECTION = "projection"


MODES = tuple(m.value for m in ViewMode)


def default_mode(info: LayerInfo) -> ViewMode:
    """A 2-D layer is a scatter plot; anything wider a scatter-plot matrix."""
    return ViewMode.SCATTER if info.dims <= 2 else ViewMode.SPLOM


def suggested_point_size(n_points: int) -> float:
    """A first point diameter for a layer: big dots for a few thousand points, one pixel
    for millions (the paper's density against resolution trade-off, before the user picks)."""
    for limit, size in ((5_000, 5.0), (50_000, 3.0), (500_000, 2.0)):
        if n_points <= limit:
            return size
    return 1.0

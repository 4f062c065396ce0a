"""Deepling's transition: a layer's points move from the previous map (aligned) to their place.

Drawn by an animated copy of the point visual that shares the uploaded layer (8 bytes per
point for the start positions), so the everyday shader stays lean; made on first use.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .points import PointsNode


class Transition:
    """The animated point visual over ``points``' data, from ``start`` positions at t=0 to theirs at t=1."""

    def __init__(self, parent: Any, points: Any):
        self._parent, self._points = parent, points
        self._visual: Optional[Any] = None

    @property
    def visuals(self) -> list:
        """The animated visual once made (it follows hover, style and palette like the points)."""
        return [] if self._visual is None else [self._visual]

    @property
    def active(self) -> bool:
        return self._visual is not None and bool(self._visual.visible)

    @property
    def uploads(self) -> dict[str, int]:
        return {} if self._visual is None else dict(self._visual.uploads)

    def follow_selection(self, has_selection: bool) -> None:
        if self._visual is not None:
            self._visual.follow_selection(has_selection)

    def start(self, start: np.ndarray, palette: np.ndarray, **style: Any) -> None:
        """Show the animated copy at t=0 in place of the points (``style``: size, fade, shape)."""
        if self._visual is None:
            self._visual = PointsNode(vertex="points_transition.vert", parent=self._parent)
        tr = self._visual
        tr.share_data(self._points, start)
        tr.set_palette(palette)
        tr.set_style(**style)
        tr.set_hover(None)
        tr.set_t(0.0)
        tr.visible, self._points.visible = True, False

    def set_t(self, t: float) -> None:
        if self._visual is not None:
            self._visual.set_t(t)

    def end(self) -> bool:
        """Hide the animated copy and free its start positions; True when one was running."""
        if not self.active:
            return False
        self._visual.visible = False
        self._visual.drop_start()
        return True

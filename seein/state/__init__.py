"""The app's model, no Qt: :class:`AppState` owns every value the views show; selections.

``from seein.state import AppState, SelectMode`` is the public face; the parts live in
``app_state`` (values, events, data for views) and ``selection`` (masks, modes,
history, files).
"""

from .app_state import (
    HOME_POINTS_BUDGET,
    METHODS,
    MODES,
    MOVING_POINTS_BUDGET,
    AppState,
    class_palette,
    default_mode,
    moving_sample,
    suggested_point_size,
)
from .projection_timeline import MapFrame, ProjectionMaps, prefetch_order
from .selection import (
    HISTORY_LIMIT,
    SelectionHistory,
    SelectMode,
    combine,
    load_selection,
    parse_select,
    save_selection,
)

__all__ = ["AppState", "SelectMode", "SelectionHistory", "combine", "parse_select", "save_selection",
           "load_selection", "class_palette", "default_mode", "suggested_point_size",
           "MapFrame", "ProjectionMaps", "prefetch_order",
           "moving_sample", "MOVING_POINTS_BUDGET",
           "MODES", "METHODS", "HISTORY_LIMIT", "HOME_POINTS_BUDGET"]

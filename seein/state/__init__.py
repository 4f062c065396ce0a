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
    transition_start,
)
from .selection import (
    HISTORY_LIMIT,
    SelectionHistory,
    SelectMode,
    combine,
    load_selection,
    parse_select,
    save_selection,
)
from .start import class_output_layer, start_layer

__all__ = ["AppState", "SelectMode", "SelectionHistory", "combine", "parse_select", "save_selection",
           "load_selection", "class_palette", "default_mode", "suggested_point_size", "transition_start",
           "moving_sample", "MOVING_POINTS_BUDGET",
           "class_output_layer", "start_layer", "MODES", "METHODS", "HISTORY_LIMIT", "HOME_POINTS_BUDGET"]

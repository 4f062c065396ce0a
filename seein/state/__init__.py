"""The app's model, no Qt: :class:`AppState` owns every value the views show; selections.

``from seein.state import AppState, SelectMode, ViewMode`` is the public face; the parts live in
``app_state`` (values, events, data for views), ``modes`` (view modes and a layer's
defaults), ``caches`` (what is kept in memory), ``bus`` (events) and ``selection`` (masks,
modes, history, files).
"""

from ..compute.methods import METHODS, Method
from ..compute.procrustes import transition_start
from ..core.palette import class_palette
from .app_state import AppState
from .bus import Source, Style, StyleEvent
from .modes import MODES, ViewMode, default_mode, suggested_point_size
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
           "load_selection", "class_palette", "default_mode", "suggested_point_size", "transition_start",
           "ViewMode", "Method", "Source", "Style", "StyleEvent",
           "MODES", "METHODS", "HISTORY_LIMIT"]

"""The app's model, no Qt: :class:`AppState` owns every value the views show; selections.

``from seein.state import AppState, SelectMode, ViewMode`` is the public face; the parts live in
``app_state`` (values, events, data for views), ``modes`` (view modes and a layer's
defaults), ``caches`` (what is kept in memory), ``bus`` (events) and ``selection`` (masks,
modes, history, files).
"""

from ..compute.methods import METHODS, Method
from ..core.palette import class_palette
from .app_state import AppState
from .axis_range import AxisRange
from .bus import Source, Style, StyleEvent
from .modes import MODES, ViewMode, default_mode, suggested_point_size
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
from .start import class_output_layer, start_layer

__all__ = ["AppState", "AxisRange", "SelectMode", "SelectionHistory", "combine", "parse_select", "save_selection",
           "load_selection", "class_palette", "default_mode", "suggested_point_size",
           "MapFrame", "ProjectionMaps", "prefetch_order",
           "ViewMode", "Method", "Source", "Style", "StyleEvent",
           "class_output_layer", "start_layer", "MODES", "METHODS", "HISTORY_LIMIT"]

"""Keyboard modifiers to selection modes: Shift adds, Alt subtracts, Shift+Alt intersects.

Ctrl counts as Shift (legend Ctrl-click adds), and the toolbar's sticky mode applies
when no modifier is held.
"""

from __future__ import annotations

from qtpy import QtCore

from ..state import SelectMode


def mode_from_modifiers(modifiers, default: SelectMode = SelectMode.REPLACE) -> SelectMode:
    """The selection mode a click or lasso with these Qt keyboard modifiers means."""
    mods = modifiers
    add = bool(mods & (QtCore.Qt.ShiftModifier | QtCore.Qt.ControlModifier))
    sub = bool(mods & QtCore.Qt.AltModifier)
    if add and sub:
        return SelectMode.INTERSECT
    if add:
        return SelectMode.ADD
    if sub:
        return SelectMode.SUBTRACT
    return default


def mode_from_vispy(modifiers, default: SelectMode = SelectMode.REPLACE) -> SelectMode:
    """The same rule for a VisPy mouse event's ``modifiers`` (a tuple of VisPy keys)."""
    names = {str(getattr(m, "name", m)).lower() for m in (modifiers or ())}
    add = bool(names & {"shift", "control", "meta"})
    sub = "alt" in names
    if add and sub:
        return SelectMode.INTERSECT
    if add:
        return SelectMode.ADD
    if sub:
        return SelectMode.SUBTRACT
    return default

"""The window's actions: menus, toolbar and keyboard shortcuts, each a QAction wired to the state.

One table of actions feeds the menus, the toolbar and the help dialog, so a shortcut
is listed wherever it works.
"""

from __future__ import annotations

from typing import Callable

from qtpy import QtGui, QtWidgets

from ..state import AppState, SelectMode


def _action(parent: QtWidgets.QWidget, text: str, slot: Callable, shortcuts=(), tip: str = "",
            checkable: bool = False) -> QtWidgets.QAction:
    action = QtWidgets.QAction(text, parent)
    action.setShortcuts([QtGui.QKeySequence(s) for s in shortcuts])
    action.setToolTip(tip or text.replace("&", ""))
    action.setCheckable(checkable)
    if checkable:
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda checked=False: slot())
    parent.addAction(action)  # shortcuts work wherever the window has focus
    return action


class Actions:
    """Every QAction of the main window; ``window`` supplies the file dialogs and view tools."""

    def __init__(self, window, state: AppState):
        w = window
        self.open = _action(w, "&Open store...", w.open_dialog, [QtGui.QKeySequence.Open])
        self.export_selection = _action(w, "&Export selection...", w.export_selection_dialog, ["Ctrl+E"],
                                        "Save the selected images' ids as CSV or .npy")
        self.import_selection = _action(w, "&Import selection...", w.import_selection_dialog, ["Ctrl+I"])
        self.screenshot = _action(w, "Save &screenshot...", w.screenshot_dialog, ["Ctrl+Shift+S"])
        self.quit = _action(w, "&Quit", w.close, [QtGui.QKeySequence.Quit])
        self.undo = _action(w, "&Undo selection", state.undo, ["Ctrl+Z"])
        self.redo = _action(w, "&Redo selection", state.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.clear = _action(w, "&Clear selection", state.clear_selection, ["Esc"])
        self.invert = _action(w, "&Invert selection", state.invert_selection, ["Ctrl+Shift+I"])
        self.lasso = _action(w, "&Lasso", w.set_lasso, ["L"], "Draw a polygon to select (L)", checkable=True)
        self.modes = QtWidgets.QActionGroup(w)
        self.mode_actions = {}
        for mode, key in ((SelectMode.REPLACE, "1"), (SelectMode.ADD, "2"),
                          (SelectMode.SUBTRACT, "3"), (SelectMode.INTERSECT, "4")):
            a = _action(w, f"Selection mode: {mode.value}", lambda on, m=mode: on and w.set_select_mode(m),
                        [key], checkable=True)
            a.setText(mode.value.capitalize())
            self.modes.addAction(a)
            self.mode_actions[mode] = a
        self.mode_actions[SelectMode.REPLACE].setChecked(True)
        self.next_layer = _action(w, "&Next layer", lambda: state.step_layer(1), ["PgDown", "]"])
        self.previous_layer = _action(w, "&Previous layer", lambda: state.step_layer(-1), ["PgUp", "["])
        self.reset_view = _action(w, "&Reset view", w.reset_view, ["Home"])
        self.play = _action(w, "&Play/pause timeline", w.toggle_play, ["Space"])
        self.help = _action(w, "&Keyboard shortcuts", w.show_help, [QtGui.QKeySequence.HelpContents, "?"])

    def all(self) -> list[QtWidgets.QAction]:
        return [a for a in vars(self).values() if isinstance(a, QtWidgets.QAction)] + \
            list(self.mode_actions.values())

    def build_menus(self, bar: QtWidgets.QMenuBar) -> None:
        file = bar.addMenu("&File")
        for a in (self.open, self.export_selection, self.import_selection, self.screenshot):
            file.addAction(a)
        file.addSeparator()
        file.addAction(self.quit)
        select = bar.addMenu("&Selection")
        for a in (self.undo, self.redo, self.clear, self.invert, self.lasso):
            select.addAction(a)
        select.addSeparator()
        for a in self.mode_actions.values():
            select.addAction(a)
        view = bar.addMenu("&View")
        for a in (self.next_layer, self.previous_layer, self.reset_view, self.play):
            view.addAction(a)
        self.view_menu = view
        bar.addMenu("&Help").addAction(self.help)

    def build_toolbar(self, bar: QtWidgets.QToolBar) -> None:
        for a in (self.open, self.undo, self.redo, self.clear, self.invert):
            bar.addAction(a)
        bar.addSeparator()
        bar.addAction(self.lasso)
        for a in self.mode_actions.values():
            bar.addAction(a)

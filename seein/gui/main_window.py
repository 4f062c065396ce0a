"""The main window: the embedding view in the centre, docks around it, menus, shortcuts, settings.

Layout follows Seein' In's Figure 1: layer list and overview on the left, embedding view
in the centre, feature maps, details and legend on the right, the timeline at the bottom.
The window only composes: it builds the views on one AppState, wires menu actions to
state calls and file dialogs, and remembers its layout and last store in QSettings.
"""

from __future__ import annotations

import os
from pathlib import Path

from qtpy import QtCore, QtGui, QtWidgets

from ..core.errors import SeeinError
from ..state import AppState, SelectMode, load_selection, save_selection
from ..state.bus import Source
from .actions import Actions
from .details import DetailsView
from .embedding_view import EmbeddingView
from .feature_maps import FeatureMapView
from .grab import grab_window
from .help_dialog import HelpDialog
from .layer_list import LayerList
from .legend import Legend
from .live_follow import LiveFollow
from .overview import OverviewView
from .status import StatusBar
from .timeline import Timeline
from .views.deepeyes import make_docks
from .views.deepviz import make_compact_prediction
from .views.deepviz import make_docks as make_deepviz_docks
from .views.inputmap import InputMapView

SETTINGS_ORG, SETTINGS_APP = "seein", "seein"


def settings() -> QtCore.QSettings:
    """The app's settings (layout, last store), per user."""
    return QtCore.QSettings(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, SETTINGS_ORG, SETTINGS_APP)


class MainWindow(QtWidgets.QMainWindow):
    """Seein' In's window on one :class:`AppState`; ``open_store`` loads a store into it."""

    def __init__(self, state: AppState | None = None, *, restore: bool = True):
        super().__init__()
        self.setObjectName("seein_main_window")
        self.setWindowTitle("Seein' In")
        self.state = state or AppState()
        s = self.state
        self.embedding = EmbeddingView(s, self)
        self.setCentralWidget(self.embedding)
        self.layer_list = LayerList(s)
        self.overview = OverviewView(s)
        self.feature_maps = FeatureMapView(s)
        self.details = DetailsView(s)
        self.compact_prediction = make_compact_prediction(s)  # always visible, under the hovered image
        self.details.layout().insertWidget(1, self.compact_prediction)  # between the image and its caption
        self.legend = Legend(s)
        self.timeline = Timeline(s)
        self.live_follow = LiveFollow(s, self.timeline, self)
        self.status = StatusBar(s, self)
        self.setStatusBar(self.status)
        self.docks = {}
        left, right, bottom = (QtCore.Qt.LeftDockWidgetArea, QtCore.Qt.RightDockWidgetArea,
                               QtCore.Qt.BottomDockWidgetArea)
        for name, title, widget, area in (("layers", "Layers", self.layer_list, left),
                                          ("overview", "Overview", self.overview, left),
                                          ("feature_maps", "Feature maps", self.feature_maps, right),
                                          ("details", "Details", self.details, right),
                                          ("legend", "Classes", self.legend, right),
                                          ("timeline", "Timeline", self.timeline, bottom)):
            dock = QtWidgets.QDockWidget(title, self)
            dock.setObjectName(f"dock_{name}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.deepeyes = make_docks(s)  # DeepEyes' charts, hidden until chosen in the View menu
        for name, widget in self.deepeyes.items():
            dock = QtWidgets.QDockWidget(widget.spec.title, self)
            dock.setObjectName(f"dock_deepeyes_{name}")
            dock.setWidget(widget)
            self.addDockWidget(bottom, dock)
            dock.hide()
            self.docks[f"deepeyes_{name}"] = dock
        self.deepviz = make_deepviz_docks(s)  # deepViz's charts, hidden until chosen in the View menu
        for name, widget in self.deepviz.items():
            dock = QtWidgets.QDockWidget(widget.spec.title, self)
            dock.setObjectName(f"dock_deepviz_{name}")
            dock.setWidget(widget)
            self.addDockWidget(right if name == "prediction" else bottom, dock)
            dock.hide()
            self.docks[f"deepviz_{name}"] = dock
        self.input_map = InputMapView(s)
        dock = QtWidgets.QDockWidget("Input Map", self)
        dock.setObjectName("dock_deepeyes_inputmap")
        dock.setWidget(self.input_map)
        self.addDockWidget(bottom, dock)
        dock.hide()
        self.docks["deepeyes_inputmap"] = dock
        self.actions_ = Actions(self, s)
        self.actions_.build_menus(self.menuBar())
        self._add_second_store_action()
        self._add_whatif_docks()
        for dock in self.docks.values():
            self.actions_.view_menu.addAction(dock.toggleViewAction())
        toolbar = self.addToolBar("Tools")
        toolbar.setObjectName("toolbar_tools")
        self.actions_.build_toolbar(toolbar)
        from .search_box import SearchBox

        toolbar.addSeparator()
        self.search_box = SearchBox(s)
        toolbar.addWidget(self.search_box)
        self.embedding.frame_rate.connect(self.status.set_fps)
        self.embedding.lasso_finished.connect(lambda: self.actions_.lasso.setChecked(False))
        self.status.cancel_button.clicked.connect(self.embedding.cancel_projection)
        self.resize(1400, 900)
        self.resizeDocks([self.docks["layers"], self.docks["feature_maps"]], [230, 400], QtCore.Qt.Horizontal)
        self.resizeDocks([self.docks["layers"], self.docks["overview"]], [300, 300], QtCore.Qt.Vertical)
        self.resizeDocks([self.docks["feature_maps"], self.docks["details"], self.docks["legend"]],
                         [500, 260, 160], QtCore.Qt.Vertical)
        if restore:
            self._restore_layout()

    # -- store --------------------------------------------------------------------------
    def open_store(self, path: str | os.PathLike) -> None:
        """Load the store at ``path`` into every view and remember it as the last store."""
        self.state.open_store(path)
        self.setWindowTitle(f"Seein' In: {Path(path).name}")
        settings().setValue("last_store", str(Path(path).resolve()))

    def _ask(self, fn, *args) -> None:
        """Run a state call for the user; a SeeinError becomes a message box, not a crash."""
        try:
            fn(*args)
        except SeeinError as exc:
            QtWidgets.QMessageBox.warning(self, "Seein' In", str(exc))

    def open_dialog(self) -> None:
        start = str(settings().value("last_store", "") or "")
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open activation store", start,
                                                        "Activation stores (*.h5 *.hdf5);;All files (*)")
        if path:
            self._ask(self.open_store, path)

    def _add_whatif_docks(self) -> None:
        """The adversarial and maximisation docks (hidden until shown from the View menu)."""
        from ..render.whatif_views import WhatIfView
        from .views.whatif import WhatIfPanel

        self.whatif = {}
        for view, title in ((WhatIfView.ADVERSARIAL, "Adversarial strip"),
                            (WhatIfView.MAXIMIZE, "Activation maximisation")):
            panel = WhatIfPanel(self.state, view)
            dock = QtWidgets.QDockWidget(title, self)
            dock.setObjectName(f"dock_{view.value}")
            dock.setWidget(panel)
            self.addDockWidget(QtCore.Qt.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.docks["feature_maps"], dock)  # a tab beside the feature maps
            dock.hide()
            dock.visibilityChanged.connect(lambda on, d=dock: on and d.raise_())
            self.actions_.view_menu.addAction(dock.toggleViewAction())
            self.docks[view.value] = dock
            self.whatif[view.value] = panel

    def _add_second_store_action(self) -> None:
        """File → Open second store...: this store and another of the same images, linked."""
        file_menu = self.menuBar().actions()[0].menu()
        action = QtWidgets.QAction("Open &second store (linked)...", self)
        action.triggered.connect(self.open_second_store_dialog)
        file_menu.insertAction(file_menu.actions()[1] if len(file_menu.actions()) > 1 else None, action)
        self.second_store_action = action

    def open_second_store_dialog(self) -> None:
        if self.state.store is None:
            QtWidgets.QMessageBox.information(self, "Seein' In", "Open a store first, then a second one to link.")
            return
        start = str(Path(self.state.store.path).parent)
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a second activation store (same images)",
                                                        start, "Activation stores (*.h5 *.hdf5);;All files (*)")
        if path:
            self._ask(self.open_linked, path)

    def open_linked(self, path: str | os.PathLike):
        """A new window with this store and ``path`` side by side, the selection linked by image id."""
        from .linked_window import LinkedWindow

        halves = []
        try:
            for store in (self.state.store.path, path):
                half = MainWindow(restore=False)
                halves.append(half)
                half.open_store(store)
            halves[0].state.set_layer(self.state.layer, source=Source.LINKED)
            halves[0].state.select(self.state.selection.copy(), source=Source.LINKED)
            window = LinkedWindow(*halves)
        except BaseException:
            for half in halves:
                half.close()
                half.deleteLater()
            raise
        halves[1].state.select(self.state.selection.copy(), source=Source.LINKED)
        window.show()
        self.linked_window = window
        return window

    def export_selection_dialog(self) -> None:
        if self.state.store is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export selection", "selection.csv",
                                                        "CSV (*.csv);;NumPy (*.npy)")
        if path:
            self._ask(lambda: save_selection(path, self.state.selection, self.state.store.image_ids))

    def import_selection_dialog(self) -> None:
        if self.state.store is None:
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Import selection", "",
                                                        "Selections (*.csv *.npy);;All files (*)")
        if path:
            self._ask(lambda: self.state.select(load_selection(path, self.state.store.image_ids),
                                                self.state.select_mode, Source.IMPORT))

    def screenshot_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save screenshot", "seein.png", "PNG (*.png)")
        if path:
            self.save_screenshot(path)

    def save_screenshot(self, path: str | os.PathLike) -> Path:
        """Write the whole window, GL views included, to a PNG."""
        from ..core.outputs import atomic_output

        image = grab_window(self)
        with atomic_output(path, ".png") as tmp:
            if not image.save(str(tmp), "PNG"):
                raise SeeinError("could not write the screenshot", path)
        return Path(path)

    @property
    def busy(self) -> bool:
        """True while a view still has drawing work pending (feature-map averages, a projection,
        an analysis dock that is shown and not drawn yet)."""
        docks = [*self.deepviz.values(), *self.deepeyes.values(), self.input_map, self.compact_prediction]
        shown = [d for d in docks if d.isVisible()]
        return (self.feature_maps.busy or self.embedding.busy or self.overview.busy
                or any(d.busy or (getattr(d, "drawn", True) is None and not getattr(d, "failed", None))
                       for d in shown)
                or any(p.busy for p in getattr(self, "whatif", {}).values()))

    def view_names(self) -> list[str]:
        """The analysis views a user can bring to the front (``seein view --show NAME``)."""
        return [name.split("_", 1)[1] for name in self.docks if name.startswith(("deepviz_", "deepeyes_"))] \
            + list(getattr(self, "whatif", {}))

    def show_views(self, names: list[str]) -> None:
        """Show and raise the docks of the analysis views ``names`` (a one-line error for unknown ones)."""
        by_name = {name.split("_", 1)[1]: dock for name, dock in self.docks.items()
                   if name.startswith(("deepviz_", "deepeyes_"))}
        by_name.update({name: self.docks[name] for name in getattr(self, "whatif", {})})
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise SeeinError(f"no view {', '.join(unknown)} (views: {', '.join(by_name)})")
        docks = [by_name[name] for name in names]
        for dock in docks:
            dock.show()
            dock.raise_()
        # big enough to read: the bottom area gets ~45 % of the height, the views share its width
        bottom = [d for d in docks if self.dockWidgetArea(d) == QtCore.Qt.BottomDockWidgetArea]
        if bottom:
            self.resizeDocks(bottom, [int(self.height() * 0.45)] * len(bottom), QtCore.Qt.Vertical)
            self.resizeDocks(bottom, [int(self.width() * 0.8 / len(bottom))] * len(bottom), QtCore.Qt.Horizontal)

    # -- tools --------------------------------------------------------------------------
    def set_lasso(self, on: bool) -> None:
        self.embedding.set_lasso(on)

    def set_select_mode(self, mode: SelectMode) -> None:
        self.state.select_mode = SelectMode(mode)

    def reset_view(self) -> None:
        self.embedding.reset_view()

    def toggle_play(self) -> None:
        self.timeline.toggle_play()

    def show_help(self) -> HelpDialog:
        dialog = HelpDialog(self.actions_.all(), self)
        dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- layout memory ------------------------------------------------------------------
    def _restore_layout(self) -> None:
        s = settings()
        geometry, layout = s.value("geometry"), s.value("window_state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if layout is not None:
            self.restoreState(layout)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("window_state", self.saveState())
        for view in (self.embedding, self.overview, self.layer_list, self.feature_maps, self.details,
                     self.legend, self.timeline, self.status, self.live_follow, *self.deepeyes.values(),
                     *self.deepviz.values(), self.compact_prediction,
                     self.input_map, *getattr(self, "whatif", {}).values()):
            view.shutdown()
        from .worker import Task

        Task.stop_all()  # cancel what is still computing: no thread outlives the window
        super().closeEvent(event)

"""The search box in the toolbar: type class names or image ids, Enter selects those images
in every view (through the AppState, so Ctrl+Z undoes it). See seein.state.search."""

from __future__ import annotations

from qtpy import QtWidgets

from ..state import AppState
from ..state.bus import Source
from ..state.search import search_images


class SearchBox(QtWidgets.QLineEdit):
    """Enter selects the images the query names; the status bar says what matched and what did not."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("search_box")
        self.setPlaceholderText("search: class names, #image ids")
        self.setToolTip("Select images by class name (\"plane\", \"planes\"), image id (#12) or id range "
                        "(#10-20); several, separated by spaces or commas. Enter selects.")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(60)  # the toolbar folds before the window grows
        self.setMaximumWidth(260)
        self.returnPressed.connect(self.run_query)

    def run_query(self) -> None:
        store = self.state.store
        if store is None or not self.text().strip():
            return
        result = search_images(self.text(), list(store.class_names), store.labels, store.image_ids)
        missed = f"; no match for {', '.join(result.unmatched)}" if result.unmatched else ""
        if result.mask.any():
            self.state.select(result.mask, source=Source.SEARCH)
            self.state.bus.status.emit(f"search: {int(result.mask.sum())} images ({', '.join(result.matched)}){missed}")
        else:
            self.state.bus.status.emit(f"search: nothing matches {self.text().strip()!r}")

"""The embedding view's toolbar: what it shows (mode, projection method, the scatter's dims, the axes'
range over the timeline) and how (point size, fade), bound two ways to the state with signals
blocked against loops.
"""

from __future__ import annotations

from qtpy import QtGui, QtWidgets

from ..state import AppState, AxisRange, Method, ViewMode
from ..state.bus import Source, Subscriptions
from .style_controls import StyleControls

_ActionGroup = getattr(QtGui, "QActionGroup", None) or QtWidgets.QActionGroup  # QtGui in Qt 6

MODE_LABELS = {ViewMode.SCATTER.value: "Scatter", ViewMode.SPLOM.value: "Matrix",
               ViewMode.PROJECTION.value: "Projection"}
METHOD_LABELS = {m.value: m.label for m in Method}


class EmbeddingControls(QtWidgets.QWidget):
    """"Show [mode] [method] [x] [y]" and the size and fade sliders; changes go to the state only."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.mode_box = QtWidgets.QComboBox(self)
        for mode, label in MODE_LABELS.items():
            self.mode_box.addItem(label, mode)
        self.method_box = QtWidgets.QComboBox(self)
        for method, label in METHOD_LABELS.items():
            self.method_box.addItem(label, method)
        self.x_box = QtWidgets.QSpinBox(self)
        self.y_box = QtWidgets.QSpinBox(self)
        self.x_box.setPrefix("x ")
        self.y_box.setPrefix("y ")
        self.x_box.setToolTip("Dimension on the x axis of the scatter")
        self.y_box.setToolTip("Dimension on the y axis of the scatter")
        # the axes' range over the timeline: a compact button (the toolbar sets the window's minimum
        # width) whose menu names both choices in full
        self.range_button = QtWidgets.QToolButton(self)
        self.range_button.setText("Axes")
        self.range_button.setPopupMode(QtWidgets.QToolButton.InstantPopup)
        self.range_button.setToolTip("Axis ranges: the same over all snapshots (the points move, the axes "
                                     "stay) or fitted to the snapshot shown (an untrained layer's tiny "
                                     "values fill the plot)")
        menu = QtWidgets.QMenu(self.range_button)
        group = _ActionGroup(menu)
        self.range_actions = {}
        for axis_range in AxisRange:
            action = menu.addAction(axis_range.label[0].upper() + axis_range.label[1:])
            action.setCheckable(True)
            action.setData(axis_range.value)
            group.addAction(action)
            action.triggered.connect(lambda _checked=False, r=axis_range: self._on_range(r))
            self.range_actions[axis_range] = action
        group.setExclusive(True)
        self.range_button.setMenu(menu)
        self.style = StyleControls(state, self)
        self.mode_box.setToolTip("Show the layer as a scatter of two dims, a scatter-plot matrix, or a projection")
        bar = QtWidgets.QHBoxLayout(self)
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(4)
        for w in (self.mode_box, self.method_box, self.x_box, self.y_box, self.range_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.style)
        self.mode_box.currentIndexChanged.connect(self._on_mode_box)
        self.method_box.currentIndexChanged.connect(self._on_mode_box)
        self.x_box.valueChanged.connect(self._on_dims_box)
        self.y_box.valueChanged.connect(self._on_dims_box)
        b = state.bus
        self._subs = Subscriptions()
        for signal in (b.layer_changed, b.mode_changed, b.dims_changed, b.axis_range_changed):
            self._subs.connect(signal, self.sync)

    def sync(self, *_event) -> None:
        """Show the state's mode, method and dims (no signal goes back to the state)."""
        s, info = self.state, self.state.info
        if info is None:
            return
        for action_range, action in self.range_actions.items():
            action.setChecked(action_range is s.axis_range)
        for box, value in ((self.mode_box, s.mode), (self.method_box, s.method)):
            blocked = box.blockSignals(True)
            box.setCurrentIndex(box.findData(str(value)))
            box.blockSignals(blocked)
        # enabled or not, never shown or hidden: a toolbar that changes height resizes the
        # canvas, and a resized canvas redraws at once (a second frame of a million points)
        self.method_box.setEnabled(s.mode == ViewMode.PROJECTION)
        self.range_button.setEnabled(s.mode != ViewMode.PROJECTION)  # a projection's axes are fitted to its map
        for box, value in ((self.x_box, s.dims[0]), (self.y_box, s.dims[1])):
            blocked = box.blockSignals(True)
            box.setRange(0, max(info.dims - 1, 0))
            box.setValue(value)
            box.blockSignals(blocked)
            box.setEnabled(s.mode == ViewMode.SCATTER and info.dims > 2)

    def _on_mode_box(self) -> None:
        mode, method = self.mode_box.currentData(), self.method_box.currentData()
        if mode == ViewMode.SCATTER and self.state.info is not None and self.state.info.dims > 2 \
                and self.state.mode != ViewMode.SCATTER:
            self.state.set_mode(mode, source=Source.EMBEDDING)
        else:
            self.state.set_mode(mode, method if mode == ViewMode.PROJECTION else None, source=Source.EMBEDDING)

    def _on_range(self, axis_range: AxisRange) -> None:
        self.state.set_axis_range(axis_range)

    def _on_dims_box(self) -> None:
        self.state.set_dims(self.x_box.value(), self.y_box.value(), source=Source.EMBEDDING)

    def shutdown(self) -> None:
        self._subs.disconnect()
        self.style.shutdown()

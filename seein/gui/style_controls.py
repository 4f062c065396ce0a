"""Point-size and unselected-opacity sliders, bound two ways to the state (signals blocked against loops).

The second slider is named for what it does: up makes unselected points more opaque
(``AppState.fade`` is that opacity, 0 hides them, 1 leaves them as they are).
"""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

from ..state import AppState
from ..state.bus import Style, StyleEvent, Subscriptions


class StyleControls(QtWidgets.QWidget):
    """"Size" slider (1..20 px) and "Unselected opacity" slider (0 % hides unselected points, 100 % keeps them)."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.size_slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, self)
        self.size_slider.setRange(1, 20)
        self.size_slider.setToolTip("Point size: density (small) against point resolution (large)")
        self.fade_slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, self)
        self.fade_slider.setRange(0, 100)
        self.fade_slider.setToolTip("Opacity of unselected points while there is a selection "
                                    "(left: hidden, right: as opaque as the selected ones)")
        for s in (self.size_slider, self.fade_slider):  # 90 px when there is room, down to 40 in a narrow window
            s.setMinimumWidth(40)
            s.setMaximumWidth(90)
            s.setSizePolicy(QtWidgets.QSizePolicy.Preferred, QtWidgets.QSizePolicy.Fixed)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QtWidgets.QLabel("Size", self))
        layout.addWidget(self.size_slider)
        self.fade_label = QtWidgets.QLabel("Unselected opacity", self)
        layout.addWidget(self.fade_label)
        layout.addWidget(self.fade_slider)
        self._set(StyleEvent(Style.POINT_SIZE, state.point_size))
        self._set(StyleEvent(Style.FADE, state.fade))
        self.size_slider.valueChanged.connect(lambda v: state.set_point_size(float(v)))
        self.fade_slider.valueChanged.connect(lambda v: state.set_fade(v / 100.0))
        self._subs = Subscriptions()
        self._subs.connect(state.bus.style_changed, self._set)

    def _set(self, event: StyleEvent) -> None:
        slider, v = ((self.size_slider, round(event.value)) if event.style is Style.POINT_SIZE
                     else (self.fade_slider, round(event.value * 100)))
        blocked = slider.blockSignals(True)
        slider.setValue(int(v))
        slider.blockSignals(blocked)

    def shutdown(self) -> None:
        self._subs.disconnect()

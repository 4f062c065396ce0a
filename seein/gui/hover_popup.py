"""A small popup beside the pointer that shows a chart's hover :class:`~seein.render.deepviz.hover.Tip`
(a line of text and, e.g. for a confusion cell, its images as small multiples)."""

from __future__ import annotations

import numpy as np
from qtpy import QtCore, QtGui, QtWidgets

from ..render.deepviz.hover import Tip


class HoverPopup(QtWidgets.QFrame):
    """A frameless tool-tip window: ``show_tip(tip, global_pos)``, ``hide()``."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent, QtCore.Qt.ToolTip)
        self.setFrameShape(QtWidgets.QFrame.Box)
        self.setAttribute(QtCore.Qt.WA_ShowWithoutActivating)
        self.setObjectName("hover_popup")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.text = QtWidgets.QLabel(self)
        self.text.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont))
        self.picture = QtWidgets.QLabel(self)
        layout.addWidget(self.text)
        layout.addWidget(self.picture)
        self.tip: Tip | None = None

    def show_tip(self, tip: Tip, global_pos: QtCore.QPoint) -> None:
        self.tip = tip
        self.text.setText(tip.text)
        if tip.image is not None:
            rgba = np.ascontiguousarray(tip.image)
            image = QtGui.QImage(rgba.data, rgba.shape[1], rgba.shape[0], 4 * rgba.shape[1],
                                 QtGui.QImage.Format_RGBA8888).copy()
            self.picture.setPixmap(QtGui.QPixmap.fromImage(image))
            self.picture.show()
        else:
            self.picture.clear()
            self.picture.hide()
        self.adjustSize()
        self.move(global_pos + QtCore.QPoint(16, 16))
        self.show()

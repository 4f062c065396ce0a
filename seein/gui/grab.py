"""Grabbing the window as an image, GL canvases included.

``QWidget.grab`` does not read back OpenGL surfaces reliably (they come out black on
some platforms), so each VisPy canvas is rendered to an array and painted over the
grabbed window at its place.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from .qimage import to_qimage


def grab_window(window: QtWidgets.QWidget) -> QtGui.QImage:
    """The window's pixels as a QImage (RGB), with every visible VisPy canvas drawn in."""
    QtWidgets.QApplication.processEvents()
    image = window.grab().toImage().convertToFormat(QtGui.QImage.Format_RGB32)
    painter = QtGui.QPainter(image)
    ratio = image.devicePixelRatio() or 1.0
    for canvas in _canvases(window):
        native = canvas.native
        if not native.isVisible():
            continue
        pixels = canvas.render(alpha=False)
        top_left = native.mapTo(window, QtCore.QPoint(0, 0))
        target = QtCore.QRectF(top_left.x(), top_left.y(), native.width(), native.height())
        painter.drawImage(QtCore.QRectF(target.x() / ratio * ratio, target.y(), target.width(),
                                        target.height()), to_qimage(pixels))
    painter.end()
    return image


def _canvases(window: QtWidgets.QWidget) -> list:
    """The VisPy canvases of the window's views (each view exposes ``canvases()``)."""
    found = []
    for widget in window.findChildren(QtWidgets.QWidget):
        get = getattr(widget, "canvases", None)
        if callable(get):
            found.extend(get())
    return found

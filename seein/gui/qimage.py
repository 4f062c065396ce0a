"""numpy arrays to Qt images and colours (format conversion only; scaling happens in the state)."""

from __future__ import annotations

import numpy as np
from qtpy import QtCore, QtGui


def to_qimage(array: np.ndarray) -> QtGui.QImage:
    """A QImage of a uint8 (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array, or of [0, 1] floats."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255).astype(np.uint8)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    if a.ndim == 2:
        fmt, line = QtGui.QImage.Format_Grayscale8, w
    elif a.shape[2] == 3:
        fmt, line = QtGui.QImage.Format_RGB888, 3 * w
    else:
        fmt, line = QtGui.QImage.Format_RGBA8888, 4 * w
    return QtGui.QImage(a.data, w, h, line, fmt).copy()  # copy: own the pixels


def to_qcolor(rgba) -> QtGui.QColor:
    """A QColor of an RGBA (or RGB) tuple in [0, 1]."""
    c = [float(v) for v in rgba]
    return QtGui.QColor.fromRgbF(c[0], c[1], c[2], c[3] if len(c) > 3 else 1.0)


def event_point(event) -> "QtCore.QPoint":
    """A Qt mouse event's position in its widget (Qt 6 ``position()``, Qt 5 ``pos()``)."""
    if hasattr(event, "position"):
        return event.position().toPoint()
    return event.pos()

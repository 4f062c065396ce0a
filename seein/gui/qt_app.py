"""The one QApplication, and VisPy's application on the same Qt binding (a leaf: imports no view)."""

from __future__ import annotations

import sys

_APP = None


def qt_application():
    """The QApplication (created once), with VisPy set to the same Qt binding as qtpy."""
    from qtpy import QtWidgets

    global _APP
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = _APP = QtWidgets.QApplication(sys.argv[:1])  # kept: Qt needs it alive
        app.setApplicationName("Seein' In")
        app.setOrganizationName("seein")
    vispy_app()
    return app


def vispy_app():
    """VisPy's application on qtpy's Qt binding (its default one when nothing else was chosen)."""
    import qtpy
    from vispy import app as vapp

    name = qtpy.API_NAME.lower()
    try:
        return vapp.use_app(name)
    except RuntimeError:  # VisPy already runs another backend (e.g. EGL in this process)
        return vapp.Application(name)

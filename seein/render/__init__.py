"""Rendering: VisPy visuals and scenes for the embedding view, the overview and screenshots.

Knows VisPy, never Qt widgets (checked by import-linter). Shaders are files in the
top-level ``glsl/`` folder, loaded by :func:`seein.render.shaders.load_shader`.

For the GUI, measured here: an EGL canvas and a Qt (GLX) canvas do NOT
live in one process. Once a Qt canvas has made its GLX context current,
``eglMakeCurrent`` fails ("Could not make the context current"), and after an EGL
canvas rendered, Qt's ``makeCurrent()`` fails. VisPy's gl backend is global and
GLVND allows one current context per thread across GLX and EGL. So: inside the Qt
app, render with the Qt canvas itself (``EmbeddingScene(app="pyqt5").render()``);
offscreen EGL rendering (``seein.render.screenshot.screenshot``, the render tests)
runs in a subprocess (:mod:`seein.render.offscreen`) whenever Qt is loaded in the
calling process, so it never fights the Qt tests in the one pytest process.
"""

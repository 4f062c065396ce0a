"""Starting the app: the Qt application, the main window on a store, or a scripted screenshot.

``run_app`` is the entry of ``seein view`` and ``seein demo``. With ``screenshot`` it
builds the full window at the requested size, waits until every view has drawn (the
feature-map averages and any projection finished), writes the PNG and returns.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

from ..core.errors import SeeinError
from ..state.bus import Source
from .qt_app import qt_application, vispy_app  # noqa: F401  (re-exported: seein.gui.app.qt_application)


def parse_size(text: str | None) -> Optional[tuple[int, int]]:
    """``"1600x1000"`` -> (1600, 1000); None stays None; anything else is a SeeinError."""
    if text is None:
        return None
    if isinstance(text, (tuple, list)):
        w, h = text
    else:
        try:
            w, h = (int(v) for v in str(text).lower().split("x"))
        except ValueError:
            raise SeeinError(f"--size {text}: expected WIDTHxHEIGHT, e.g. 1600x1000") from None
    if not (200 <= int(w) <= 8192 and 200 <= int(h) <= 8192):
        raise SeeinError(f"--size {text}: each side must be 200..8192 pixels")
    return int(w), int(h)


HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc")


def check_platform(screenshot: bool) -> None:
    """VisPy's canvases need a real Qt platform: a headless one is overridden or refused.

    With ``--screenshot`` seein brings its own virtual display, so a headless
    ``QT_QPA_PLATFORM`` is replaced by xcb; a window to look at is refused in one line.
    """
    wanted = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if wanted not in HEADLESS_PLATFORMS:
        return
    from qtpy import QtWidgets

    if screenshot and QtWidgets.QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "xcb"  # the virtual display below is an X server
        return
    raise SeeinError(f"QT_QPA_PLATFORM={wanted} cannot draw the OpenGL views; unset it "
                     "(seein view --screenshot brings its own virtual display)")


def wait_until_drawn(window, timeout: float = 120.0) -> None:
    """Process events until no view has work pending (or ``timeout`` seconds pass)."""
    from qtpy import QtWidgets

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QtWidgets.QApplication.processEvents()
        if not window.busy:
            break
        time.sleep(0.02)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def build_window(store_path: str | os.PathLike | None, *, layer: str | None = None, select: str | None = None,
                 size=None, restore: bool = True):
    """A shown MainWindow on ``store_path`` with the layer and selection applied."""
    from ..state import parse_select
    from .main_window import MainWindow, settings

    qt_application()
    window = MainWindow(restore=restore)
    wh = parse_size(size)
    if wh is not None:
        window.resize(*wh)
    if store_path is None:
        last = settings().value("last_store", "")
        store_path = last if last and Path(str(last)).exists() else None
    try:
        if store_path is not None:
            window.open_store(store_path)
            if layer is not None:
                window.state.set_layer(layer, source=Source.CLI)
            if select is not None:
                window.state.select(parse_select(select, window.state.store), source=Source.CLI)
    except BaseException:
        window.close()
        window.deleteLater()
        raise
    window.show()
    return window


def build_linked_window(first: str | os.PathLike, second: str | os.PathLike, *, layer: str | None = None,
                        select: str | None = None, size=None):
    """A shown LinkedWindow on two stores of the same images; ``layer`` is ``L`` or ``LA,LB``."""
    from .linked_window import LinkedWindow
    from .main_window import MainWindow

    qt_application()
    layers = (layer.split(",") + [None])[:2] if layer else [None, None]
    if layer and "," not in layer:
        layers = [layer, layer]
    halves = []
    try:
        for path, name in zip((first, second), layers):
            half = MainWindow(restore=False)
            halves.append(half)
            half.open_store(path)
            if name:
                half.state.set_layer(name, source=Source.CLI)
        window = LinkedWindow(*halves)
        if select is not None:
            from ..state import parse_select

            halves[0].state.select(parse_select(select, halves[0].state.store), source=Source.CLI)
    except BaseException:
        for half in halves:
            half.close()
            half.deleteLater()
        raise
    wh = parse_size(size)
    window.resize(*(wh or (2000, 900)))
    window.show()
    return window


def run_app(store_path: str | os.PathLike | None, *, screenshot: str | os.PathLike | None = None,
            layer: str | None = None, select: str | None = None, size=None,
            second_path: str | os.PathLike | None = None, show: list[str] | None = None) -> int:
    """Open the window on a store (None: the last one), or render it to ``screenshot`` and exit.

    Returns the process exit code. Problems with the store or arguments are SeeinErrors.
    """
    from .xvfb import has_display, virtual_display

    check_platform(screenshot is not None)
    if screenshot is None:
        if not has_display():
            raise SeeinError("no display to open a window on (set DISPLAY, or use --screenshot)")
        app = qt_application()
        window = (build_linked_window(store_path, second_path, layer=layer, select=select, size=size)
                  if second_path is not None else build_window(store_path, layer=layer, select=select, size=size))
        if show:
            window.show_views(show)
        code = app.exec()
        window.deleteLater()
        return int(code)
    from ..core.outputs import check_output_folder, refuse_if_input

    refuse_if_input(screenshot, [store_path], "the screenshot")
    check_output_folder(screenshot)
    wh = parse_size(size) or (1600, 1000)
    with virtual_display(wh[0] + 100, wh[1] + 100):
        window = (build_linked_window(store_path, second_path, layer=layer, select=select, size=wh)
                  if second_path is not None else
                  build_window(store_path, layer=layer, select=select, size=wh, restore=False))
        try:
            if window.state.store is None:
                raise SeeinError("no store to show (give a STORE path)")
            if show:
                window.show_views(show)
            wait_until_drawn(window)
            out = window.save_screenshot(screenshot)
        finally:
            window.close()
            window.deleteLater()
            from qtpy import QtWidgets
            QtWidgets.QApplication.processEvents()
    print(f"wrote {out}")
    return 0

"""A private X server (Xvfb) for screenshots on machines with no display; no Qt here.

``seein view --screenshot`` must work on a headless box: when ``$DISPLAY`` is unset it
starts Xvfb on a free display number, points ``$DISPLAY`` at it for the life of the
context and stops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

from ..core.errors import SeeinError


def has_display() -> bool:
    """True when an X or Wayland display is available to open windows on."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _free_display() -> int:
    for n in range(90, 190):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise SeeinError("no free X display number for Xvfb (90..189 all taken)")


@contextlib.contextmanager
def virtual_display(width: int = 1920, height: int = 1200) -> Iterator[str | None]:
    """Yield the display in use: the existing one, or a fresh Xvfb started (and stopped) here."""
    if has_display():
        yield os.environ.get("DISPLAY")
        return
    exe = shutil.which("Xvfb")
    if exe is None:
        raise SeeinError("no display and no Xvfb to render the window offscreen "
                         "(install xvfb, or run under xvfb-run)")
    n = _free_display()
    # -terminate: the server exits by itself once its last client (this process) disconnects,
    # so Qt can close its connection at interpreter exit before the server goes away.
    proc = subprocess.Popen([exe, f":{n}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
                             "-terminate"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{n}")
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SeeinError(f"Xvfb did not start on display :{n}")
            time.sleep(0.05)
        os.environ["DISPLAY"] = f":{n}"
        yield f":{n}"
    finally:
        os.environ.pop("DISPLAY", None)
        if not _has_client():
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # else: Qt still holds a connection; the server ends when it closes (-terminate)


def _has_client() -> bool:
    """True when a QApplication (a client of the X server) still exists in this process."""
    import sys

    widgets = sys.modules.get("qtpy.QtWidgets")
    return bool(widgets is not None and widgets.QApplication.instance() is not None)

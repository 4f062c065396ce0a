"""A private X server (Xvfb) for screenshots on machines with no display; no Qt here.

``seein view --screenshot`` must work on a headless box: when ``$DISPLAY`` is unset it
starts Xvfb, points ``$DISPLAY`` at it for the life of the context and stops it afterwards.
Xvfb chooses a free display number itself and reports it through ``-displayfd`` once it
accepts connections, so two processes starting at once never race for the same number.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import time
from typing import Iterator

from ..core.errors import SeeinError

START_TIMEOUT = 10.0  # seconds for Xvfb to report its display


def has_display() -> bool:
    """True when an X or Wayland display is available to open windows on."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _read_display(proc: subprocess.Popen, fd: int, timeout: float = START_TIMEOUT) -> int:
    """The display number Xvfb writes to ``fd`` (a line of digits) once it is ready for clients."""
    text, deadline = b"", time.monotonic() + timeout
    while not text.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise SeeinError(f"Xvfb reported no display within {timeout:g} s")
        if select.select([fd], [], [], min(left, 0.1))[0]:
            chunk = os.read(fd, 64)
            if not chunk:  # the pipe closed: Xvfb exited without naming a display
                proc.wait(timeout=5)
                raise SeeinError(f"Xvfb exited (code {proc.returncode}) before it was ready")
            text += chunk
        elif proc.poll() is not None:
            raise SeeinError(f"Xvfb exited (code {proc.returncode}) before it was ready")
    return int(text.strip())


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
    qt_before = _has_client()  # a QApplication made before this server exists is a client of another
    read_fd, write_fd = os.pipe()
    try:
        # -terminate: the server exits by itself once its last client (this process) disconnects,
        # so Qt can close its connection at interpreter exit before the server goes away.
        proc = subprocess.Popen([exe, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                                 "-nolisten", "tcp", "-terminate"], pass_fds=(write_fd,),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        os.close(read_fd)
        raise SeeinError(f"cannot start Xvfb ({exc.strerror or exc})", exe) from None
    finally:
        os.close(write_fd)
    try:
        try:
            display = f":{_read_display(proc, read_fd)}"
        finally:
            os.close(read_fd)
        os.environ["DISPLAY"] = display
        yield display
    finally:
        os.environ.pop("DISPLAY", None)
        if proc.poll() is None and (qt_before or not _has_client()):
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

"""Long work off the GUI thread: a function run in a QThread, with progress and cancel.

The function receives a progress callback (seein.progress shape: ``(done, total, msg)
-> True to stop``); results and errors come back to the GUI thread as Qt signals, so
the window stays responsive and a stale result can be dropped.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from qtpy import QtCore

from ..errors import Cancelled, SeeinError


class Task(QtCore.QThread):
    """Runs ``fn(progress)`` in its own thread; emits ``done(result)``, ``failed(msg)`` or ``cancelled``."""

    done = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()
    progressed = QtCore.Signal(int, int, str)

    def __init__(self, fn: Callable[[Callable[[int, int, str], bool]], Any], name: str = "",
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self.name = name
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, message: str = "") -> bool:
        self.progressed.emit(int(done), int(total), str(message))
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self.fn(self._progress)
        except Cancelled:
            self.cancelled.emit()
            return
        except SeeinError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # an internal error: reported in the window, not lost
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        if self._cancel.is_set():
            self.cancelled.emit()
        else:
            self.done.emit(result)

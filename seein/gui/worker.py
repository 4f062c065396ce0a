"""Long work off the GUI thread: a function run in a QThread, with progress and cancel.

The function receives a progress callback (seein.core.progress shape: ``(done, total, msg)
-> True to stop``); results and errors come back to the GUI thread as Qt signals, so
the window stays responsive and a stale result can be dropped. Every signal carries
the task's ``tag`` (what it was computing), so receivers connect bound methods of
GUI-thread objects, never lambdas: every Qt binding then queues the call to the GUI
thread (PySide runs a plain callable in the emitting thread).
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from qtpy import QtCore

from ..core.errors import Cancelled, SeeinError


class Task(QtCore.QThread):
    """Runs ``fn(progress)`` in its own thread; emits ``done(tag, result)``, ``failed(tag, msg)``
    or ``cancelled(tag)``, and ``progressed(tag, done, total, msg)`` on the way. Deletes itself
    once finished (it lives as a child of ``parent`` until then)."""

    done = QtCore.Signal(object, object)
    failed = QtCore.Signal(object, str)
    cancelled = QtCore.Signal(object)
    progressed = QtCore.Signal(object, int, int, str)

    def __init__(self, fn: Callable[[Callable[[int, int, str], bool]], Any], tag: Any = None,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self.tag = tag
        self._cancel = threading.Event()
        self.finished.connect(self._dispose)

    def _dispose(self) -> None:
        """Free the finished thread object (in the GUI thread, once run() has really returned)."""
        self.wait()
        self.deleteLater()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, message: str = "") -> bool:
        self.progressed.emit(self.tag, int(done), int(total), str(message))
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self.fn(self._progress)
        except Cancelled:
            self.cancelled.emit(self.tag)
            return
        except SeeinError as exc:
            self.failed.emit(self.tag, str(exc))
            return
        except Exception as exc:  # an internal error: reported in the window, not lost
            traceback.print_exc()
            self.failed.emit(self.tag, f"{type(exc).__name__}: {exc}")
            return
        if self._cancel.is_set():
            self.cancelled.emit(self.tag)
        else:
            self.done.emit(self.tag, result)

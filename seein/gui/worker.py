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
import time
import traceback
from typing import Any, Callable, ClassVar

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
    running: ClassVar[set["Task"]] = set()  # started and not yet disposed of (see stop_all)

    def __init__(self, fn: Callable[[Callable[[int, int, str], bool]], Any], tag: Any = None,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self.tag = tag
        self._cancel = threading.Event()
        self.finished.connect(self._dispose)

    def start(self, *args: Any) -> None:
        Task.running.add(self)
        super().start(*args)

    def _dispose(self) -> None:
        """Free the finished thread object (in the GUI thread, once run() has really returned)."""
        self.wait()
        Task.running.discard(self)
        self.deleteLater()

    @classmethod
    def stop_all(cls, timeout_s: float = 2.0) -> int:
        """Cancel every running task and wait up to ``timeout_s`` in all for them to end (a window
        closes: no thread may outlive the objects it reports to). Returns how many still run."""
        tasks = []
        for task in list(cls.running):
            try:
                if task.isRunning():
                    tasks.append(task)
            except RuntimeError:  # its Qt object went with its parent: nothing left to stop
                cls.running.discard(task)
        for task in tasks:
            task.cancel()
        deadline = time.monotonic() + timeout_s
        for task in tasks:
            task.wait(max(0, int((deadline - time.monotonic()) * 1000)))
        still = [t for t in tasks if t.isRunning()]
        for task in still:  # work that never reports progress: keep its object alive until it ends
            task.setParent(None)
        return len(still)

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

"""The embedding view's long work, off the GUI thread: reading a big layer, computing a projection;
and the animated transition between two layers' maps (Deepling).

Progress and failures go to the bus (the status bar shows them, its Cancel stops a
projection); results go to the state (the projection) or out as :attr:`EmbeddingTasks.loaded`,
so the adapter (``seein.gui.embedding_adapter``) redraws from them like from any event.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np
from qtpy import QtCore

from ..state import AppState
from ..state.bus import ProgressEvent
from .embedding_controls import METHOD_LABELS
from .worker import Task

TRANSITION_MS = 900
FRAME_MS = 16  # the transition's step


def _task_label(key: tuple) -> str:
    """"PCA of fc1" for a projection task's (layer, method, snapshot) key."""
    layer, method, _ = key
    return f"{METHOD_LABELS[method]} of {layer}"


class EmbeddingTasks(QtCore.QObject):
    """One layer reader, one projection and one transition at a time, for one scene."""

    loaded = QtCore.Signal(object)  # (layer, snapshot) whose points the state now holds
    ended = QtCore.Signal(object, str)  # (layer, method, snapshot), "cancelled" or "failed: ..."

    def __init__(self, state: AppState, scene, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.scene = scene
        self._task: Optional[Task] = None
        self._task_key = None
        self._loader: Optional[Task] = None
        self._anim = QtCore.QTimer(self)
        self._anim.setInterval(FRAME_MS)
        self._anim.timeout.connect(self._animate)
        self._anim_start = 0.0

    @property
    def busy(self) -> bool:
        """A projection or a read is running, or the transition is playing."""
        return (self._task is not None and self._task.isRunning()) or self._anim.isActive() \
            or (self._loader is not None and self._loader.isRunning())

    # -- reading a layer --------------------------------------------------------------------
    def load(self, layer: str, snapshot: int) -> None:
        """Read a layer's points (and its axis ranges) in a worker; :attr:`loaded` says when."""
        key = (layer, snapshot)
        if self._loader is not None and self._loader.isRunning() and self._loader.tag == key:
            return
        s = self.state
        self._loader = Task(lambda progress: (s.layer_ranges(layer), s.read_points(layer, snapshot)), key, self)
        self._loader.done.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._loader.finished.connect(self._on_loader_finished)
        s.bus.status.emit(f"reading {layer} at snapshot {snapshot + 1}...")
        self._loader.start()

    def _on_loaded(self, key, _points) -> None:
        self.state.bus.status.emit("")  # clears the "reading ..." message
        self.loaded.emit(key)

    def _on_load_failed(self, key, message: str) -> None:
        self.state.bus.status.emit(f"could not read {key[0]}: {message}")
        self.ended.emit(key, f"failed: {message}")

    def _on_loader_finished(self) -> None:
        if self._loader is not None and self._loader.isFinished():
            self._loader = None

    # -- projections ------------------------------------------------------------------------
    def project(self, layer: str, method: str, snapshot: int) -> None:
        """Compute (or read from the cache) a projection; the state gets it when it is done."""
        from ..compute.projection import project

        key = (layer, method, snapshot)
        if self._task is not None and self._task.isRunning():
            if self._task_key == key:
                return
            self._task.cancel()
        store = self.state.store
        task = Task(lambda progress: project(store, layer, method, snapshot=snapshot, progress=progress), key, self)
        task.progressed.connect(self._on_task_progress)
        task.done.connect(self._on_projected)
        task.failed.connect(self._on_task_failed)
        task.cancelled.connect(self._on_task_cancelled)
        task.finished.connect(self._on_task_finished)
        self._task, self._task_key = task, key
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "starting"))
        task.start()

    def cancel_projection(self) -> None:
        if self._task is not None and self._task.isRunning():
            self._task.cancel()

    def _on_task_progress(self, key, done: int, total: int, message: str) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), done, total, message))

    def _on_task_failed(self, key, message: str) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, f"failed: {message}", True))
        self.ended.emit(key, f"failed: {message}")

    def _on_task_cancelled(self, key) -> None:
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "cancelled", True))
        self.ended.emit(key, "cancelled")

    def _on_task_finished(self) -> None:
        if self._task is not None and self._task.isFinished():
            self._task = None

    def _on_projected(self, key, result) -> None:
        layer, method, snapshot = key
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 1, 1, "cached" if result.cached else "done", True))
        self.state.set_projection(layer, method, snapshot, result.embedding[:, :2])

    # -- the transition ---------------------------------------------------------------------
    def animate(self, start: np.ndarray) -> None:
        """Move the scene's points from ``start`` (n_points, 2) to their place over TRANSITION_MS."""
        self.scene.set_transition(start)  # the scene interpolates in its vertex shader
        self._anim_start = time.perf_counter()
        self._anim.start()

    def _animate(self) -> None:
        t = min((time.perf_counter() - self._anim_start) * 1000 / TRANSITION_MS, 1.0)
        self.scene.set_transition_t(t)
        self.scene.canvas.update()
        if t >= 1.0:
            self._anim.stop()

    def shutdown(self) -> None:
        self._anim.stop()
        for task in (self._task, self._loader):
            if task is not None:
                task.cancel()
                task.wait()

"""The embedding view's long work, off the GUI thread: reading a big layer, computing projections;
and the animated transition between two maps (Deepling).

One projection runs at a time: the map the view waits for first, then the timeline's maps
queued ahead of the play head (:meth:`EmbeddingTasks.prefetch`, deepViz); how each stands
(queued, computing, cancelled, failed) goes to ``state.maps`` and from there to the bus.
Progress and failures go to the bus (the status bar shows them, its Cancel stops the
projection and empties the queue); results go to the state (the projection) or out as
:attr:`EmbeddingTasks.loaded`, so the adapter (``seein.gui.embedding_adapter``) redraws
from them like from any event.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np
from qtpy import QtCore

from ..state import AppState, ViewMode
from ..state.bus import MapStatus, ProgressEvent
from .embedding_controls import METHOD_LABELS
from .worker import Task

TRANSITION_MS = 900
STEP_TRANSITION_MS = 450  # between two snapshots' maps: within the timeline's step (700 ms)
FRAME_MS = 16  # the transition's step


def _task_label(key: tuple) -> str:
    """"PCA of fc1 at snapshot 3" for a projection task's (layer, method, snapshot, ...) key."""
    layer, method, snapshot = key[:3]
    return f"{METHOD_LABELS[method]} of {layer} at snapshot {snapshot + 1}"


class EmbeddingTasks(QtCore.QObject):
    """One layer reader, one projection and one transition at a time, for one scene."""

    loaded = QtCore.Signal(object)  # (layer, snapshot) whose points the state now holds
    ended = QtCore.Signal(object, str)  # (layer, method, snapshot), "cancelled" or "failed: ..."

    def __init__(self, state: AppState, scene, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.scene = scene
        self._task: Optional[Task] = None  # the projection running for us (others may still wind down)
        self._task_tag: Optional[tuple] = None  # (layer, method, snapshot, serial) of that task
        self._serial = 0
        self._queue: list[tuple] = []  # maps to compute next, most urgent first (prefetch)
        self._superseded: set[tuple] = set()  # tags of tasks stopped for a more urgent one
        self._live: list[Task] = []  # every projection thread not finished yet (shutdown waits)
        self._loader: Optional[Task] = None
        self._anim = QtCore.QTimer(self)
        self._anim.setInterval(FRAME_MS)
        self._anim.timeout.connect(self._animate)
        self._anim_start = 0.0
        self._anim_ms = float(TRANSITION_MS)

    @property
    def busy(self) -> bool:
        """The map the state names is being computed, a read is running, or the transition plays
        (maps computed ahead for the timeline do not count: :attr:`prefetching`)."""
        s = self.state
        wanted = self.projecting is not None and self.projecting == (s.layer, s.method, s.snapshot) \
            and s.mode == ViewMode.PROJECTION
        return wanted or self._anim.isActive() or (self._loader is not None and self._loader.isRunning())

    @property
    def prefetching(self) -> bool:
        """Maps are being computed (or wait to be) ahead of the play head."""
        return self._task_tag is not None or bool(self._queue)

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
    @property
    def projecting(self):
        """(layer, method, snapshot) of the map being computed, or None."""
        return None if self._task_tag is None else self._task_tag[:3]

    def project(self, layer: str, method: str, snapshot: int) -> None:
        """Compute (or read from the cache) the map the view waits for, before any computed ahead;
        the state gets it when it is done."""
        key = (layer, method, int(snapshot))
        if self.projecting == key:
            return
        self._queue = [k for k in self._queue if k != key]
        self._start(key)

    def prefetch(self, layer: str, method: str, snapshots: list[int]) -> None:
        """Compute these snapshots' maps next, in this order, once nothing more urgent runs (the
        timeline's maps, ahead of the play head); maps queued before and not named are dropped."""
        maps = self.state.maps
        keys = [(layer, method, int(k)) for k in snapshots]
        keys = [k for k in keys if not maps.ready(k) and k != self.projecting]
        for key in self._queue:
            if key not in keys:
                maps.set_status(key, MapStatus.MISSING)
        self._queue = keys
        for key in keys:
            maps.set_status(key, MapStatus.QUEUED)
        if self._task_tag is None:
            self._next()

    def _next(self) -> None:
        """Start the first queued map not computed yet."""
        while self._queue and self._task_tag is None:
            key = self._queue.pop(0)
            if self.state.store is not None and not self.state.maps.ready(key):
                self._start(key)

    def _start(self, key: tuple) -> None:
        from ..compute.projection import project

        if self._task_tag is not None:  # something less urgent runs: it stops, queued again if still wanted
            old = self._task_tag[:3]
            self._superseded.add(self._task_tag)
            self._task.cancel()
            self.state.maps.set_status(old, MapStatus.QUEUED if old in self._queue else MapStatus.MISSING)
        self._serial += 1
        tag = (*key, self._serial)  # one per task: a stopped task's late signals name only itself
        store, (layer, method, snapshot) = self.state.store, key
        task = Task(lambda progress: project(store, layer, method, snapshot=snapshot, progress=progress), tag, self)
        task.progressed.connect(self._on_task_progress)
        task.done.connect(self._on_projected)
        task.failed.connect(self._on_task_failed)
        task.cancelled.connect(self._on_task_cancelled)
        task.finished.connect(self._on_task_finished)
        self._task, self._task_tag = task, tag
        self._live.append(task)
        self.state.maps.set_status(key, MapStatus.COMPUTING)
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "starting"))
        task.start()

    def cancel_projection(self) -> None:
        """The user's Cancel: stop the map being computed and drop every one queued."""
        for key in self._queue:
            self.state.maps.set_status(key, MapStatus.MISSING)
        self._queue = []
        if self._task is not None and self._task_tag is not None:
            self._task.cancel()

    def _release(self, tag) -> bool:
        """The task of ``tag`` ended: True when it was the current one (then nothing runs now)."""
        if tag != self._task_tag:
            return False
        self._task, self._task_tag = None, None
        return True

    def _on_task_progress(self, tag, done: int, total: int, message: str) -> None:
        if tag == self._task_tag:
            self.state.bus.progress.emit(ProgressEvent(_task_label(tag), done, total, message))

    def _on_task_failed(self, tag, message: str) -> None:
        if tag in self._superseded:
            self._superseded.discard(tag)
            return
        key = tag[:3]
        self._release(tag)
        self.state.maps.set_status(key, MapStatus.FAILED, message)
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, f"failed: {message}", True))
        self.ended.emit(key, f"failed: {message}")
        self._next()

    def _on_task_cancelled(self, tag) -> None:
        if tag in self._superseded:  # stopped for something more urgent, not by the user
            self._superseded.discard(tag)
            return
        key = tag[:3]
        self._release(tag)
        self.state.maps.set_status(key, MapStatus.CANCELLED)
        self.state.bus.progress.emit(ProgressEvent(_task_label(key), 0, 0, "cancelled", True))
        self.ended.emit(key, "cancelled")
        self._next()

    def _on_task_finished(self) -> None:
        alive = []
        for task in self._live:
            try:
                if not task.isFinished():
                    alive.append(task)
            except RuntimeError:  # already deleted
                pass
        self._live = alive

    def _on_projected(self, tag, result) -> None:
        key = tag[:3]
        self._superseded.discard(tag)  # stopped too late: its map is good all the same
        if self._release(tag):
            self.state.bus.progress.emit(ProgressEvent(_task_label(key), 1, 1,
                                                       "cached" if result.cached else "done", True))
        self.state.set_projection(*key, result.embedding[:, :2])
        self._next()

    # -- the transition ---------------------------------------------------------------------
    def animate(self, start: np.ndarray, ms: float = TRANSITION_MS) -> None:
        """Move the scene's points from ``start`` (n_points, 2) to their place over ``ms``."""
        self.scene.set_transition(start)  # the scene interpolates in its vertex shader
        self._anim_ms = float(ms)
        self._anim_start = time.perf_counter()
        self._anim.start()

    @property
    def transition_t(self) -> Optional[float]:
        """How far the transition playing is (0..1), or None when none plays."""
        if not self._anim.isActive():
            return None
        return min((time.perf_counter() - self._anim_start) * 1000 / self._anim_ms, 1.0)

    def _animate(self) -> None:
        t = min((time.perf_counter() - self._anim_start) * 1000 / self._anim_ms, 1.0)
        self.scene.set_transition_t(t)
        self.scene.canvas.update()
        if t >= 1.0:
            self._anim.stop()

    def shutdown(self) -> None:
        self._anim.stop()
        self._queue = []
        self._on_task_finished()
        for task in self._live + ([self._loader] if self._loader is not None else []):
            task.cancel()
            task.wait()

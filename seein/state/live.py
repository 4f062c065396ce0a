"""Following a live store (``seein train --live``): new snapshots join the open store, no reload.

:class:`StoreFollower` polls the index (one ``stat``; :class:`seein.store.live.IndexWatch`);
when it was replaced, it opens the new index and hands it to :func:`extend_store`,
which swaps it in for the current store only if it is the same store grown (same
images and layers, more snapshots): selection, layer and snapshot are kept, and
``bus.snapshots_added`` tells the views. With ``follow_latest`` on, the current
snapshot moves to the newest one. The replaced Store objects stay open (a worker may
still read from one) until the follower stops.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import SeeinError
from ..store import Store
from ..store.live import IndexWatch, is_live
from .app_state import AppState

_KEEP_RETIRED = 4  # replaced stores kept open for workers still reading them


def same_store_grown(old: Store, new: Store) -> bool:
    """True if ``new`` holds ``old``'s images and layers and at least its snapshots."""
    return (Path(new.path).resolve() == Path(old.path).resolve() and new.n_images == old.n_images and [la.name for la in new.layers] == [la.name for la in old.layers]
            and len(new.snapshots) >= len(old.snapshots)
            and [s.step for s in new.snapshots[:len(old.snapshots)]] == [s.step for s in old.snapshots])


class StoreFollower:
    """Keeps ``state.store`` up to date with a live store being written; call :meth:`poll` often."""

    def __init__(self, state: AppState, follow_latest: bool = True):
        self.state = state
        self.follow_latest = follow_latest
        self._watch: IndexWatch | None = None
        self._retired: list[Store] = []
        self.path: Path | None = None

    def watch(self, store: Store | None) -> bool:
        """Start following ``store`` if it is live (else stop); True if following."""
        self._watch = None
        self.path = None
        if store is not None and is_live(store.path):
            self.path = store.path
            self._watch = IndexWatch(store.path)
        return self._watch is not None

    @property
    def following(self) -> bool:
        return self._watch is not None

    def poll(self) -> int:
        """Take in new snapshots if the index changed; return how many were added (0 if none)."""
        if self._watch is None or not self._watch.changed():
            return 0
        try:
            new = Store.open(self.path)
        except SeeinError:
            return 0  # replaced between stat and open, say: the next poll sees it
        added = self.extend(new)
        if not is_live(self.path):
            self._watch = None  # training finished: nothing more will come
        return added

    def extend(self, new: Store) -> int:
        """Swap ``new`` (the same store, grown) in for the current one; return snapshots added."""
        state, old = self.state, self.state.store
        if old is None or not same_store_grown(old, new):
            new.close()
            return 0
        added = len(new.snapshots) - len(old.snapshots)
        state.store = new
        self._retired.append(old)
        while len(self._retired) > _KEEP_RETIRED:
            self._retired.pop(0).close()
        if added:
            state.bus.snapshots_added.emit(len(new.snapshots))
            if self.follow_latest:
                state.set_snapshot(len(new.snapshots) - 1)
        return added

    def stop(self) -> None:
        self._watch = None
        for store in self._retired:
            store.close()
        self._retired.clear()

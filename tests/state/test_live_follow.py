"""StoreFollower: an open live store takes in new snapshots, keeping selection and layer."""

from __future__ import annotations

import numpy as np

from seein.state import AppState
from seein.state.live import StoreFollower
from seein.store import Store
from seein.testing.live import add_snapshot as _add
from seein.testing.live import live_writer as _writer


def test_new_snapshots_join_the_open_store(tmp_path):
    path = tmp_path / "live.h5"
    writer = _writer(path)
    _add(writer, 0)
    state = AppState()
    state.set_store(Store.open(path))
    state.select(np.array([True, False, True, False, False]), source="test")
    follower = StoreFollower(state)
    assert follower.watch(state.store)
    added = []
    state.bus.snapshots_added.connect(added.append)
    assert follower.poll() == 0  # nothing new yet
    _add(writer, 1)
    _add(writer, 2)
    assert follower.poll() == 2 and added == [3]
    assert len(state.store.snapshots) == 3 and state.snapshot == 2  # follows the latest
    assert state.selection.tolist() == [True, False, True, False, False]
    follower.follow_latest = False
    state.set_snapshot(0)
    _add(writer, 3, live=False)
    assert follower.poll() == 1 and state.snapshot == 0 and not follower.following
    follower.stop()
    state.close()


def test_a_different_store_is_not_taken_for_a_grown_one(tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    wa, wb = _writer(a), _writer(b)
    _add(wa, 0)
    _add(wb, 0)
    _add(wb, 1)
    state = AppState()
    state.set_store(Store.open(a))
    follower = StoreFollower(state)
    assert follower.extend(Store.open(b)) == 0  # same shapes, but another file
    assert len(state.store.snapshots) == 1 and state.store.path == a
    state.close()

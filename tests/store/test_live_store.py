"""The live store: snapshot files joined by an index, read by an ordinary Store while it grows."""

from __future__ import annotations

import h5py
import pytest

from seein.core.errors import SeeinError
from seein.store import Store
from seein.store.live import IndexWatch, LiveStoreWriter, is_live, live_folder, snapshot_file
from seein.testing.live import N_IMAGES, add_snapshot, live_writer

N = N_IMAGES
_writer, _add = live_writer, add_snapshot


def test_a_reader_sees_each_snapshot_once_its_index_is_replaced(tmp_path):
    path = tmp_path / "live.h5"
    writer = _writer(path)
    _add(writer, 0)
    watch = IndexWatch(path)
    held = Store.open(path)
    assert [s.step for s in held.snapshots] == [0] and is_live(path)
    _add(writer, 1)
    assert watch.changed() and not watch.changed()
    # the reader that holds the old index keeps reading it, unharmed by the rename
    assert len(held.snapshots) == 1 and held.read_activations("conv", 0).max() == 0
    with Store.open(path) as store:
        assert [s.step for s in store.snapshots] == [0, 10]
        assert store.snapshot(1).metrics["test_acc"] == pytest.approx(0.1)
        assert store.read_activations("conv", 1).shape == (N * 4, 3)
        assert store.read_activations("fc", 1).max() == 1
        assert store.receptive_field("conv", 1, 1) == (0, 0, 3, 3)
        assert store.curves["train_loss"].shape == (2, 2)
        assert store.labels.tolist() == [0, 1, 0, 1, 0]
    with h5py.File(path, "r") as f:
        assert f["snapshots/0001/weights/w"][0, 0] == 1
    held.close()
    _add(writer, 2, live=False)
    assert not is_live(path)


def test_an_orphan_snapshot_file_is_not_listed_and_is_overwritten_on_reopen(tmp_path):
    path = tmp_path / "live.h5"
    writer = _writer(path)
    _add(writer, 0)
    # a kill after the snapshot file but before the index: the file is there, the index does not list it
    snapshot_file(path, 1).write_bytes(b"half written")
    (live_folder(path) / ".s0001.h5.123.tmp").write_bytes(b"x")
    with Store.open(path) as store:
        assert len(store.snapshots) == 1
    again = LiveStoreWriter.reopen(path)
    assert [s.index for s in again.snapshots] == [0]
    assert not list(live_folder(path).glob(".*.tmp"))
    _add(again, 1)
    with Store.open(path) as store:
        assert store.read_activations("fc", 1).max() == 1


def test_reopen_of_something_else_is_a_one_line_error(tmp_path):
    with pytest.raises(SeeinError, match="not a live store"):
        LiveStoreWriter.reopen(tmp_path / "nothing.h5")

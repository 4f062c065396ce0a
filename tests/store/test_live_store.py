"""The live store: snapshot files joined by an index, read by an ordinary Store while it grows."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.store import LayerInfo, SnapshotInfo, Store
from seein.store.live import IndexWatch, LiveStoreWriter, is_live, live_folder, snapshot_file

LAYERS = [LayerInfo("conv", "structured", (3, 2, 2), "Conv2d", 0), LayerInfo("fc", "flat", (4,), "Linear", 1)]
N = 5


def _writer(path):
    rf = np.zeros((2, 2, 4), np.int32) + [0, 0, 3, 3]
    return LiveStoreWriter.create(path, images=np.zeros((N, 4, 4, 1), np.uint8), labels=np.arange(N) % 2,
                                  image_ids=np.arange(N), class_names=["a", "b"], layers=LAYERS,
                                  input_shape=(1, 4, 4), receptive_fields={"conv": rf}, model_spec="m")


def _add(writer, k, live=True, **kw):
    outputs = {"conv": np.full((N * 4, 3), k, np.float16), "fc": np.full((N, 4), k, np.float16)}
    return writer.add_snapshot(SnapshotInfo(k, step=10 * k, epoch=k / 2, metrics={"test_acc": 0.1 * k}),
                               outputs=outputs, logits=np.zeros((N, 2)), predictions=np.zeros(N, np.int64),
                               weights={"w": np.full((2, 2), k, np.float32)},
                               curves={"train_loss": np.array([[1, 2.0], [2, 1.0]])}, live=live, **kw)


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

"""The store is the contract: its schema, point arithmetic, errors and cache."""

import h5py
import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.store import SCHEMA_VERSION, Store, StoreWriter
from seein.testing import make_store


def test_points_map_to_images_and_cells(synthetic_store):
    with Store.open(synthetic_store) as store:
        conv = store.layer("conv")
        assert conv.kind == "structured" and conv.dims == 4 and conv.cells == (5, 5)
        assert store.n_points("conv") == 60 * 25
        image, y, x = store.point_cell("conv", np.array([0, 26, 25 * 7 + 5 * 3 + 2]))
        assert image.tolist() == [0, 1, 7] and y.tolist() == [0, 0, 3] and x.tolist() == [0, 1, 2]
        points = store.image_points("conv", [2])
        assert points.tolist() == list(range(50, 75))
        fmap = store.feature_maps("conv", 7)
        pts = store.read_activations("conv", images=slice(7, 8))
        assert fmap.shape == (4, 5, 5)
        np.testing.assert_allclose(fmap[:, 3, 2], pts[3 * 5 + 2])
        assert store.receptive_field("conv", 2, 3) == (2, 3, 5, 6)
        assert store.image_mask_to_point_mask("fc", np.arange(60) < 3).sum() == 3


def test_version_mismatch_is_a_clear_error(tmp_path):
    path = make_store(tmp_path / "s.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(SeeinError, match=r"s\.h5: store schema version"):
        Store.open(path)


def test_truncated_file_is_a_clear_error(tmp_path):
    path = make_store(tmp_path / "s.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(SeeinError, match="truncated or corrupt"):
        Store.open(path)


@pytest.mark.parametrize("damage, message", [
    (lambda f: f.__delitem__("snapshots/0001/layers/conv"),
     "snapshot 0001 lacks layer 'conv' as 1500 x 4 points"),
    (lambda f: (f.__delitem__("snapshots/0000/layers/fc"),
                f.create_dataset("snapshots/0000/layers/fc", data=np.zeros((59, 6), np.float16))),
     "snapshot 0000 lacks layer 'fc' as 60 x 6 points"),
    (lambda f: f.__delitem__("snapshots/0000/logits"), "snapshot 0000 lacks its logits"),
    (lambda f: f.__delitem__("images"), "/images does not hold 60 rows"),
])
def test_a_store_damaged_inside_is_refused_at_open(tmp_path, damage, message):
    path = make_store(tmp_path / "s.h5")
    with h5py.File(path, "r+") as f:
        damage(f)
    with pytest.raises(SeeinError) as info:
        Store.open(path)
    assert str(info.value) == f"{path}: damaged store: {message}"


def test_unfinished_store_is_refused(tmp_path):
    path = tmp_path / "s.h5"
    make_store(path)
    with h5py.File(path, "r+") as f:
        f.attrs["complete"] = False
    with pytest.raises(SeeinError, match="--resume"):
        Store.open(path)
    assert Store.open(path, allow_incomplete=True).n_images == 60


def test_unknown_layer_lists_the_known_ones(synthetic_store):
    with Store.open(synthetic_store) as store, pytest.raises(SeeinError, match="conv, fc, out"):
        store.layer("nope")


def test_cache_round_trip_is_keyed_by_parameters(synthetic_store):
    with Store.open(synthetic_store) as store:
        emb = np.arange(12.0).reshape(6, 2)
        store.save_result("pca", "fc", -1, {"dims": 2}, {"embedding": emb})
        np.testing.assert_array_equal(store.load_result("pca", "fc", 1, {"dims": 2})["embedding"], emb)
        assert store.load_result("pca", "fc", 1, {"dims": 3}) is None
        assert store.load_result("pca", "fc", 0, {"dims": 2}) is None
        [entry] = store.results()
        assert entry["kind"] == "pca" and entry["snapshot"] == 1 and entry["params"] == {"dims": 2}
        assert not list(store.cache_dir.rglob("*.tmp.npz"))


def test_writer_resume_continues_after_last_chunk(tmp_path):
    path = tmp_path / "r.h5"
    from seein.store import LayerInfo, SnapshotInfo

    layers = [LayerInfo("fc", "flat", (3,))]
    args = dict(images=np.zeros((4, 2, 2), np.uint8), labels=np.arange(4), image_ids=np.arange(4),
                class_names=list("abcd"), layers=layers, snapshots=[SnapshotInfo(0)], n_outputs=4,
                input_shape=(1, 2, 2))
    writer = StoreWriter.create(path, **args)
    writer.write_chunk(0, 0, {"fc": np.ones((2, 3))}, np.eye(4)[:2])
    writer.close()
    assert not path.exists()
    writer = StoreWriter.resume(path)
    assert writer.images_done(0) == 2
    writer.write_chunk(0, 2, {"fc": 2 * np.ones((2, 3))}, np.eye(4)[2:])
    writer.finish(path)
    with Store.open(path) as store:
        np.testing.assert_array_equal(store.read_activations("fc")[:, 0], [1, 1, 2, 2])
        assert store.predictions().tolist() == [0, 1, 2, 3]


def test_activations_are_chunked_by_whole_images_and_written_in_place(tmp_path, monkeypatch):
    """Chunks hold whole images; rows written straight into the chunks (at any batch
    boundaries, across chunk edges) read back through HDF5 exactly."""
    import seein.store.rows as store_module
    from seein.store import LayerInfo, SnapshotInfo, chunk_images

    assert chunk_images(1) == 256 and chunk_images(100 << 20) == 1
    assert chunk_images((16 << 20) // 10) == 5  # 1.6 MB an image: 5 to 8 MB
    assert chunk_images(1, 1797) == 225 and chunk_images(1, 100) == 100  # 8 chunks of 225, not 8 of 256
    monkeypatch.setattr(store_module, "MAX_CHUNK_IMAGES", 7)  # 20 images: 3 chunks of 7
    rng = np.random.default_rng(3)
    n = 20
    infos = [LayerInfo("conv", "structured", (3, 2, 2), "Conv2d", 0), LayerInfo("fc", "flat", (5,), "Linear", 1)]
    acts = {"conv": rng.normal(size=(n, 3, 2, 2)).astype(np.float32),
            "fc": rng.normal(size=(n, 5)).astype(np.float32)}
    logits = rng.normal(size=(n, 4)).astype(np.float32)
    writer = StoreWriter.create(tmp_path / "s.h5", images=np.zeros((n, 4, 4, 1), np.uint8),
                                labels=np.arange(n) % 4, image_ids=np.arange(n), class_names=list("abcd"),
                                layers=infos, snapshots=[SnapshotInfo(0)], n_outputs=4, input_shape=(1, 4, 4))
    for first, stop in ((0, 3), (3, 11), (11, 20)):  # batches that straddle the 7-image chunks
        writer.write_chunk(0, first, {k: v[first:stop] for k, v in acts.items()}, logits[first:stop])
    extents = writer._snapshot_datasets(0)[1]
    assert len(extents["conv"][1][1]) == 3 and len(extents["fc"][1][1]) == 3  # pwrite, chunk by chunk
    path = writer.finish(tmp_path / "s.h5")
    with h5py.File(path, "r") as f:
        conv = f["snapshots/0000/layers/conv"]
        assert conv.chunks == (7 * 4, 3) and f["snapshots/0000/layers/fc"].chunks == (7, 5)
    with Store.open(path) as store:
        expected = acts["conv"].transpose(0, 2, 3, 1).reshape(-1, 3).astype(np.float16)
        np.testing.assert_array_equal(store.read_activations("conv", 0).astype(np.float16), expected)
        np.testing.assert_array_equal(store.read_activations("fc", 0).astype(np.float16),
                                      acts["fc"].astype(np.float16))
        np.testing.assert_array_equal(store.logits(0), logits)

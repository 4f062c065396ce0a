"""npz archives in all three layouts, dtypes, optional class names, and every bad input."""

from __future__ import annotations

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples

RNG = np.random.default_rng(0)
PIXELS = RNG.integers(0, 256, size=(6, 3, 10, 12), dtype=np.uint8)     # (N, C, H, W) reference
LABELS = np.array([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_colour_layouts(tmp_path, layout):
    images = PIXELS if layout == "NCHW" else PIXELS.transpose(0, 2, 3, 1)
    path = samples.write_npz(tmp_path / "d.npz", images, LABELS, ["x", "y", "z"])
    ds = load_dataset(f"npz:{path}")
    assert ds.images.shape == (6, 3, 10, 12)
    np.testing.assert_allclose(ds.images * 255, PIXELS, atol=1e-3)
    assert ds.class_names == ["x", "y", "z"]
    np.testing.assert_array_equal(ds.labels, LABELS)


@pytest.mark.parametrize("shape", [(6, 10, 12), (6, 10, 12, 1), (6, 1, 10, 12)])
def test_grey_layouts(tmp_path, shape):
    grey = PIXELS[:, 0]
    path = samples.write_npz(tmp_path / "d.npz", grey.reshape(shape), LABELS)
    ds = load_dataset(f"npz:{path}")
    assert ds.images.shape == (6, 1, 10, 12)
    np.testing.assert_allclose(ds.images[:, 0] * 255, grey, atol=1e-3)
    assert ds.class_names == ["0", "1", "2"]


def test_float_pixels_and_limit(tmp_path):
    floats = (PIXELS / 255.0).astype(np.float64)
    path = samples.write_npz(tmp_path / "d.npz", floats, LABELS.astype(np.int32))
    ds = load_dataset(f"npz:{path}", limit=4)
    assert len(ds) == 4 and ds.images.dtype == np.float32 and ds.labels.dtype == np.int64
    np.testing.assert_allclose(ds.images, floats[:4], atol=1e-6)
    np.testing.assert_array_equal(ds.image_ids, np.arange(4))


def test_every_split_is_the_whole_file(tmp_path):
    path = samples.write_npz(tmp_path / "d.npz", PIXELS, LABELS)
    sizes = [len(load_dataset(f"npz:{path}", split)) for split in ("train", "test", "all")]
    assert sizes == [6, 6, 6]


def test_bytes_class_names_and_small_integer_pixels(tmp_path):
    np.savez(tmp_path / "d.npz", images=PIXELS.astype(np.int64), labels=LABELS,
             class_names=np.array([b"a", b"b", b"c"]))
    ds = load_dataset(f"npz:{tmp_path / 'd.npz'}")
    assert ds.class_names == ["a", "b", "c"]
    np.testing.assert_allclose(ds.images * 255, PIXELS, atol=1e-3)


def _bad(tmp_path, **arrays):
    np.savez(tmp_path / "bad.npz", **arrays)
    return f"npz:{tmp_path / 'bad.npz'}"


@pytest.mark.parametrize("arrays,message", [
    ({"labels": LABELS}, "missing 'images'"),
    ({"images": PIXELS}, "missing 'labels'"),
    ({"images": PIXELS, "labels": LABELS[:5]}, "6 images but 5 labels"),
    ({"images": PIXELS[:, :2], "labels": LABELS}, "channel axis"),
    ({"images": PIXELS[:, 0, 0], "labels": LABELS}, "N x H x W"),
    ({"images": PIXELS / 255.0 * 2, "labels": LABELS}, r"\[0, 1\]"),
    ({"images": np.where(PIXELS > 250, np.nan, PIXELS / 255.0), "labels": LABELS}, "NaN/Inf"),
    ({"images": np.where(PIXELS > 250, np.inf, PIXELS / 255.0), "labels": LABELS}, "NaN/Inf"),
    ({"images": PIXELS.astype(np.int32) * 2, "labels": LABELS}, r"0\.\.255"),
    ({"images": PIXELS.astype(np.complex64), "labels": LABELS}, "dtype"),
    ({"images": PIXELS, "labels": LABELS - 1}, ">= 0"),
    ({"images": PIXELS, "labels": LABELS + 0.5}, "whole numbers"),
    ({"images": PIXELS, "labels": np.array([0, 1, np.nan, 0, 1, 2])}, "NaN/Inf"),
    ({"images": PIXELS, "labels": LABELS.astype(str)}, "expected integers"),
    ({"images": PIXELS, "labels": LABELS, "class_names": np.array(["a", "b"])}, "out of range"),
    ({"images": PIXELS, "labels": LABELS, "class_names": np.arange(3)}, "strings"),
    ({"images": PIXELS[:0], "labels": LABELS[:0]}, "empty"),
])
def test_bad_archives(tmp_path, arrays, message):
    spec = _bad(tmp_path, **arrays)
    with pytest.raises(SeeinError, match=message) as info:
        load_dataset(spec)
    assert "bad.npz" in str(info.value)


def test_pickled_object_arrays_are_never_loaded(tmp_path):
    objects = np.empty(6, dtype=object)
    objects[:] = [{"x": i} for i in range(6)]
    np.savez(tmp_path / "bad.npz", images=PIXELS, labels=objects)
    with pytest.raises(SeeinError, match="not a readable .npz archive"):
        load_dataset(f"npz:{tmp_path / 'bad.npz'}")


def test_not_an_archive(tmp_path):
    np.save(tmp_path / "single.npy", PIXELS)
    with pytest.raises(SeeinError, match="single .npy array"):
        load_dataset(f"npz:{tmp_path / 'single.npy'}")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(SeeinError, match="not a readable"):
        load_dataset(f"npz:{tmp_path / 'text.npz'}")
    with pytest.raises(SeeinError, match="expected an .npz file"):
        load_dataset(f"npz:{tmp_path}")


def test_truncated_archive(tmp_path):
    path = samples.write_npz(tmp_path / "d.npz", PIXELS, LABELS)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(SeeinError, match="not a readable"):
        load_dataset(f"npz:{path}")

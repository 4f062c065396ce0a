"""The IDX reader and MNIST-format folders, on real IDX files written here, plain and gzipped."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples
from seein.data.idx import parse_idx, read_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, dtype, compress):
    array = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    path = samples.write_idx(tmp_path / "a.idx", array, compress)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_idx_header_is_big_endian_as_published():
    # The first bytes of the real train-labels file: magic 0x00000801, then 60000.
    raw = bytes.fromhex("00000801") + (3).to_bytes(4, "big") + bytes([7, 2, 1])
    np.testing.assert_array_equal(parse_idx(raw, "x"), [7, 2, 1])


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_folder_splits(tmp_path, compress):
    folder = samples.write_mnist_dir(tmp_path / "m", n_train=30, n_test=20, compress=compress)
    train = load_dataset(f"mnist:{folder}", "train")
    test = load_dataset(f"mnist:{folder}", "test")
    both = load_dataset(f"mnist:{folder}", "all")
    assert (len(train), len(test), len(both)) == (30, 20, 50)
    assert train.images.shape == (30, 1, 28, 28) and train.images.dtype == np.float32
    assert train.class_names == [str(d) for d in range(10)]
    np.testing.assert_array_equal(train.labels, np.arange(30) % 10)
    np.testing.assert_array_equal(test.labels, (np.arange(20) + 1) % 10)
    np.testing.assert_array_equal(both.images[30:], test.images)
    np.testing.assert_array_equal(both.image_ids, np.arange(50))
    raw = read_idx(next(folder.glob("train-images*")))
    np.testing.assert_allclose(train.images[:, 0] * 255, raw, atol=1e-3)


def test_mnist_limit_and_dotted_names(tmp_path):
    folder = samples.write_mnist_dir(tmp_path / "m", n_train=12, n_test=8, compress=False)
    for path in folder.iterdir():                      # the "train-images.idx3-ubyte" spelling
        path.rename(path.with_name(path.name.replace("-idx", ".idx")))
    ds = load_dataset(f"mnist:{folder}", "train", limit=5)
    assert len(ds) == 5 and list(ds.labels) == [0, 1, 2, 3, 4]


def test_test_split_needs_only_the_test_files(tmp_path):
    folder = samples.write_mnist_dir(tmp_path / "m", n_train=5, n_test=4)
    for path in folder.glob("train-*"):
        path.unlink()
    assert len(load_dataset(f"mnist:{folder}", "test")) == 4
    with pytest.raises(SeeinError, match="missing MNIST file train-images-idx3-ubyte"):
        load_dataset(f"mnist:{folder}", "train")


def _write_pair(folder, images, labels, compress=False):
    folder.mkdir(exist_ok=True)
    samples.write_idx(folder / "t10k-images-idx3-ubyte", images, compress)
    samples.write_idx(folder / "t10k-labels-idx1-ubyte", labels, compress)
    return folder


def test_count_mismatch_names_both_counts(tmp_path):
    folder = _write_pair(tmp_path / "m", np.zeros((5, 4, 4), np.uint8), np.zeros(4, np.uint8))
    with pytest.raises(SeeinError, match="5 images .* but 4 labels") as info:
        load_dataset(f"mnist:{folder}")
    assert "t10k-labels-idx1-ubyte" in str(info.value)


def test_wrong_magic(tmp_path):
    folder = _write_pair(tmp_path / "m", np.zeros((5, 4, 4), np.uint8), np.zeros(5, np.uint8))
    path = folder / "t10k-images-idx3-ubyte"
    path.write_bytes(b"\x89PNG" + path.read_bytes()[4:])
    with pytest.raises(SeeinError, match="not an IDX file") as info:
        load_dataset(f"mnist:{folder}")
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_file(tmp_path, compress):
    folder = _write_pair(tmp_path / "m", np.ones((5, 4, 4), np.uint8), np.zeros(5, np.uint8))
    path = folder / "t10k-images-idx3-ubyte"
    data = path.read_bytes()[:-7]
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(SeeinError, match="truncated") as info:
        load_dataset(f"mnist:{folder}")
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    folder = _write_pair(tmp_path / "m", np.ones((50, 8, 8), np.uint8), np.zeros(50, np.uint8), True)
    path = folder / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(SeeinError, match="gzip"):
        load_dataset(f"mnist:{folder}")


@pytest.mark.parametrize("raw,message", [
    (b"", "too short"),
    (b"\x00\x00\x08", "too short"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "dtype code"),
    (b"\x00\x00\x08\x00", "zero dimensions"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x01", "truncated IDX header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02\x03", "trailing bytes"),
    (b"\x00\x00\x08\x02\xff\xff\xff\xff\xff\xff\xff\xff\x00", "truncated"),
])
def test_malformed_headers(raw, message):
    with pytest.raises(SeeinError, match=message):
        parse_idx(raw, "bad.idx")


@pytest.mark.parametrize("images,labels,message", [
    (np.zeros((5, 4), np.uint8), np.zeros(5, np.uint8), "shape"),
    (np.zeros((5, 4, 4), np.float32), np.zeros(5, np.uint8), "uint8"),
    (np.zeros((5, 4, 4), np.uint8), np.zeros((5, 1), np.uint8), "labels of shape"),
    (np.zeros((0, 4, 4), np.uint8), np.zeros(0, np.uint8), "empty"),
    (np.zeros((2, 4, 4), np.uint8), np.array([1, -1], np.int8), ">= 0"),
])
def test_wrong_contents(tmp_path, images, labels, message):
    folder = _write_pair(tmp_path / "m", images, labels)
    with pytest.raises(SeeinError, match=message):
        load_dataset(f"mnist:{folder}")


def test_a_file_where_the_folder_should_be(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(SeeinError, match="expected a folder"):
        load_dataset(f"mnist:{path}")


def test_more_than_ten_classes_get_names(tmp_path):
    folder = _write_pair(tmp_path / "m", np.zeros((3, 4, 4), np.uint8), np.array([0, 25, 3], np.uint8))
    assert load_dataset(f"mnist:{folder}").class_names == [str(i) for i in range(26)]

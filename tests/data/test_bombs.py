"""Size bombs and label bombs (issue 11, items 6, 7, 8, 18): refused before anything big is
allocated, with one line naming the file that is wrong."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples
from seein.data.idx import read_idx


def _peak_mb(call) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


def _refusal(call) -> str:
    with pytest.raises(SeeinError) as info:
        call()
    return str(info.value)


# -- 6: huge label values -----------------------------------------------------------------
def test_item6_a_huge_npz_label_is_refused_before_any_class_list(tmp_path):
    np.savez(tmp_path / "d.npz", images=np.zeros((3, 8, 8), np.uint8), labels=np.array([2**40, 0, 1]))
    message, peak = _peak_mb(lambda: _refusal(lambda: load_dataset(f"npz:{tmp_path / 'd.npz'}")))
    assert "d.npz: label 1099511627776 is too large" in message
    assert peak < 50


def test_item6_a_huge_idx_label_names_the_labels_file(tmp_path):
    folder = samples.write_mnist_dir(tmp_path / "m", n_train=4, n_test=4)
    samples.write_idx(folder / "t10k-labels-idx1-ubyte", np.array([0, 1, 2**31 - 1, 3], np.int32))
    with pytest.raises(SeeinError, match=r"t10k-labels-idx1-ubyte: label 2147483647 is too large"):
        load_dataset(f"mnist:{folder}")


def test_item18_uint64_labels_over_2_63_are_too_large_not_no_classes(tmp_path):
    np.savez(tmp_path / "u.npz", images=np.zeros((2, 8, 8), np.uint8),
             labels=np.array([2**63 + 5, 0], np.uint64))
    with pytest.raises(SeeinError, match=r"u\.npz: label 9223372036854775813 is too large"):
        load_dataset(f"npz:{tmp_path / 'u.npz'}")


def test_item18_a_bad_idx_label_is_reported_against_the_labels_file(tmp_path):
    folder = samples.write_mnist_dir(tmp_path / "m", n_train=4, n_test=4)
    samples.write_idx(folder / "t10k-labels-idx1-ubyte", np.array([0, -1, 2, 3], np.int8))
    with pytest.raises(SeeinError, match=r"t10k-labels-idx1-ubyte: labels must be >= 0"):
        load_dataset(f"mnist:{folder}")


# -- 7: compression bombs -----------------------------------------------------------------
def test_item7_a_gzip_idx_takes_only_what_limit_asks(tmp_path):
    path = samples.write_idx(tmp_path / "big.idx.gz", np.zeros((20_000, 28, 28), np.uint8), compress=True)
    data, peak = _peak_mb(lambda: read_idx(path, limit=10))
    assert data.shape == (10, 28, 28)
    assert peak < 8, f"{peak:.1f} MB for 10 images of a 15.7 MB file"
    assert read_idx(path).shape == (20_000, 28, 28)


def test_item7_a_declared_size_the_file_cannot_hold_is_refused(tmp_path):
    header = bytes([0, 0, 0x08, 3]) + np.array([2**31, 4096, 4096], ">u4").tobytes()
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(header + bytes(1000)))
    message, peak = _peak_mb(lambda: _refusal(lambda: read_idx(tmp_path / "bomb.gz")))
    assert "bomb.gz: the header declares" in message
    assert peak < 20


def test_item7_a_compressed_npz_takes_only_what_limit_asks(tmp_path):
    np.savez_compressed(tmp_path / "big.npz", images=np.zeros((20_000, 28, 28), np.uint8),
                        labels=np.zeros(20_000, np.int64))
    ds, peak = _peak_mb(lambda: load_dataset(f"npz:{tmp_path / 'big.npz'}", limit=10))
    assert len(ds) == 10
    assert peak < 8, f"{peak:.1f} MB for 10 images of a 15.7 MB array"


def test_item7_an_npz_member_declaring_more_than_it_holds_is_refused(tmp_path):
    import zipfile

    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1), np.uint8))
    header["shape"] = (2**30, 64, 64)
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", buffer.getvalue() + bytes(1000))
        zf.writestr("labels.npy", b"")
    with pytest.raises(SeeinError, match=r"bomb\.npz: 'images' declares shape"):
        load_dataset(f"npz:{tmp_path / 'bomb.npz'}")


# -- 8: decompression-bomb images -----------------------------------------------------------
def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [20_000, 12_000])  # over twice Pillow's limit, and between 1x and 2x
def test_item8_a_decompression_bomb_image_is_named_with_the_reason(tmp_path, side):
    folder = samples.write_image_folder(tmp_path / "photos", per_class=1)
    (folder / "cat" / "huge.png").write_bytes(_png_header_only(side, side))
    with pytest.raises(SeeinError, match=rf"huge\.png: refused: the image has {side * side // 10**6} Mpx, "
                                         r"over the 89-Mpx limit"):
        load_dataset(f"folder:{folder}")

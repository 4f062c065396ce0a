"""Hypothesis fuzzing of the IDX and npz readers: any bytes give a data set or a SeeinError,
never another exception and never a hang (each example has a deadline)."""

from __future__ import annotations

import gzip
import io
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples
from seein.data.idx import parse_idx, read_idx

FUZZ = settings(max_examples=80, deadline=5000, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)
_counter = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _valid_idx() -> bytes:
    return samples.idx_bytes(np.arange(2 * 5 * 4, dtype=np.uint8).reshape(2, 5, 4))


def _valid_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, images=np.arange(2 * 5 * 4, dtype=np.uint8).reshape(2, 5, 4),
             labels=np.array([0, 1]), class_names=np.array(["a", "b"]))
    return buffer.getvalue()


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    """``data`` truncated to ``cut`` bytes with some bytes overwritten."""
    out = bytearray(data[:cut])
    for pos, value in flips:
        if out:
            out[pos % len(out)] = value
    return bytes(out)


def _accepts_or_refuses(call):
    """Run ``call``: a result or a SeeinError are both fine; any other exception fails the test."""
    try:
        return call()
    except SeeinError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None


@FUZZ
@given(st.binary(max_size=200))
def test_idx_random_bytes(raw):
    result = _accepts_or_refuses(lambda: parse_idx(raw, "fuzz.idx"))
    if result is not None:
        assert result.dtype.isnative


@FUZZ
@given(st.integers(0, 200), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
       st.booleans())
def test_idx_mutated_files(scratch, cut, flips, compress):
    raw = _mutate(_valid_idx(), cut, flips)
    path = scratch / f"m{next(_counter)}.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    _accepts_or_refuses(lambda: read_idx(path))


@FUZZ
@given(st.binary(max_size=300).map(lambda b: b"\x1f\x8b" + b))
def test_idx_garbage_behind_gzip_magic(scratch, raw):
    path = scratch / f"g{next(_counter)}.idx"
    path.write_bytes(raw)
    _accepts_or_refuses(lambda: read_idx(path))


@FUZZ
@given(st.integers(0, 120), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3))
def test_mnist_folder_with_mutated_labels(scratch, cut, flips):
    folder = scratch / f"mnist{next(_counter)}"
    folder.mkdir()
    samples.write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((2, 5, 4), np.uint8))
    labels = samples.idx_bytes(np.array([0, 1], np.uint8))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_mutate(labels, cut, flips))
    ds = _accepts_or_refuses(lambda: load_dataset(f"mnist:{folder}"))
    if ds is not None:
        assert len(ds) == 2 and ds.images.shape == (2, 1, 5, 4)


@FUZZ
@given(st.binary(max_size=400))
def test_npz_random_bytes(scratch, raw):
    path = scratch / f"r{next(_counter)}.npz"
    path.write_bytes(raw)
    _accepts_or_refuses(lambda: load_dataset(f"npz:{path}"))


@FUZZ
@given(st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b))
def test_npz_garbage_behind_zip_magic(scratch, raw):
    path = scratch / f"z{next(_counter)}.npz"
    path.write_bytes(raw)
    _accepts_or_refuses(lambda: load_dataset(f"npz:{path}"))


@FUZZ
@given(st.integers(0, 2000), st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=4))
def test_npz_mutated_archives(scratch, cut, flips):
    valid = _valid_npz()
    path = scratch / f"n{next(_counter)}.npz"
    path.write_bytes(_mutate(valid, min(cut, len(valid)), flips))
    ds = _accepts_or_refuses(lambda: load_dataset(f"npz:{path}"))
    if ds is not None:
        assert ds.images.dtype == np.float32 and ds.images.min() >= 0 and ds.images.max() <= 1
        assert np.isfinite(ds.images).all()


@FUZZ
@given(st.sampled_from(["images", "labels", "class_names"]),
       st.sampled_from([np.uint8, np.int16, np.float32, np.float64, np.bool_, np.str_]),
       st.lists(st.integers(0, 4), min_size=0, max_size=5), st.integers(-3, 300))
def test_npz_arrays_of_any_shape_and_dtype(scratch, key, dtype, shape, fill):
    arrays = {"images": np.zeros((2, 5, 4), np.uint8), "labels": np.array([0, 1])}
    arrays[key] = np.full(shape, fill).astype(dtype)
    path = scratch / f"s{next(_counter)}.npz"
    np.savez(path, **arrays)
    _accepts_or_refuses(lambda: load_dataset(f"npz:{path}"))

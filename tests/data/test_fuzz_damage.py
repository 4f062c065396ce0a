"""Hypothesis fuzzing with the damage of issue 11: huge labels, declared sizes the file cannot
hold, --limit on damaged files, and damaged CIFAR batches. Any input gives a data set or a
one-line SeeinError, never another exception, and never a large allocation."""

from __future__ import annotations

import gzip
import io
import itertools
import pickle
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples
from seein.data.idx import read_idx

FUZZ = settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture],
                derandomize=True)
_counter = itertools.count()
HUGE = st.one_of(st.integers(0, 12), st.integers(2**20, 2**32 - 1))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-damage")


def _bounded(call, max_mb: float = 64.0):
    """Run ``call``: a result or a one-line SeeinError, allocating at most ``max_mb`` MB."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except SeeinError as exc:
            assert str(exc) and "\n" not in str(exc)
            result = None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / 1e6 < max_mb, f"{peak / 1e6:.0f} MB"
    return result


@FUZZ
@given(st.lists(HUGE, min_size=1, max_size=3), st.booleans(), st.integers(0, 64),
       st.one_of(st.none(), st.integers(0, 5)))
def test_idx_declared_sizes(scratch, dims, compress, body, limit):
    header = bytes([0, 0, 0x08, len(dims)]) + np.asarray(dims, ">u4").tobytes()
    raw = header + bytes(body)
    path = scratch / f"d{next(_counter)}.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    result = _bounded(lambda: read_idx(path, limit))
    if result is not None:
        assert list(result.shape[1:]) == dims[1:]


@FUZZ
@given(st.lists(st.integers(0, 2**63 - 1) | st.integers(-5, 20), min_size=1, max_size=6),
       st.sampled_from(["int64", "uint64", "float64", "int32"]), st.booleans())
def test_npz_label_values(scratch, values, dtype, named):
    labels = np.array(values).astype(dtype) if dtype != "uint64" else np.array(
        [abs(v) for v in values], np.uint64) * np.uint64(2)
    path = scratch / f"l{next(_counter)}.npz"
    arrays = {"images": np.zeros((len(values), 6, 6), np.uint8), "labels": labels}
    if named:
        arrays["class_names"] = np.array(["a", "b", "c"])
    np.savez(path, **arrays)
    ds = _bounded(lambda: load_dataset(f"npz:{path}"))
    if ds is not None:
        assert ds.labels.min() >= 0 and ds.labels.max() < len(ds.class_names) <= 100_000


@FUZZ
@given(st.lists(HUGE, min_size=1, max_size=4), st.integers(0, 200), st.booleans(),
       st.one_of(st.none(), st.integers(0, 3)))
def test_npz_declared_shapes(scratch, shape, body, compressed, limit):
    import zipfile

    header = np.lib.format.header_data_from_array_1_0(np.zeros((1,), np.uint8))
    header["shape"] = tuple(shape)
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    labels = io.BytesIO()
    np.save(labels, np.zeros(shape[0] if shape[0] < 100 else 2, np.int64))
    path = scratch / f"s{next(_counter)}.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED) as zf:
        zf.writestr("images.npy", buffer.getvalue() + bytes(body))
        zf.writestr("labels.npy", labels.getvalue())
    _bounded(lambda: load_dataset(f"npz:{path}", limit=limit))


@FUZZ
@given(st.sampled_from(["labels", "data", "names"]),
       st.one_of(st.integers(-3, 2**40), st.just(2**63 + 1), st.text(max_size=3), st.none()),
       st.integers(0, 3))
def test_cifar_damaged_batches(scratch, part, value, where):
    folder = samples.write_cifar10_dir(scratch / f"c{next(_counter)}", per_batch=4, n_train_batches=1)
    batch_path = folder / "test_batch"
    with open(batch_path, "rb") as fh:
        batch = pickle.load(fh, encoding="bytes")
    if part == "labels":
        batch[b"labels"][where] = value
    elif part == "data":
        batch[b"data"] = batch[b"data"][:where] if value is None else batch[b"data"].reshape(-1)[:where * 100]
    else:
        meta_path = folder / "batches.meta"
        with open(meta_path, "rb") as fh:
            meta = pickle.load(fh, encoding="bytes")
        meta[b"label_names"] = meta[b"label_names"][:where]
        with open(meta_path, "wb") as fh:
            pickle.dump(meta, fh, protocol=2)
    with open(batch_path, "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    ds = _bounded(lambda: load_dataset(f"cifar10:{folder}", split="test"))
    if ds is not None:
        assert ds.labels.max() < len(ds.class_names)

"""Hypothesis fuzzing of the store reader (issue 11, items 10-13): a store with flipped bytes,
a truncated store, or a store whose datasets have the wrong dtype or shape opens and reads, or
is a one-line SeeinError naming the file; never an internal error."""

from __future__ import annotations

import itertools

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seein.core.errors import SeeinError
from seein.store import Store
from seein.testing import make_store

FUZZ = settings(max_examples=30, deadline=10_000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_counter = itertools.count()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store-fuzz")
    path = make_store(folder / "s.h5", n_images=12, n_snapshots=1, layers={"conv": (2, 3, 3), "fc": (3,)})
    return folder, path.read_bytes()


def _read_everything(path) -> None:
    """What info, compute, embed and screenshot read: metadata, every layer, labels, boxes."""
    with Store.open(path) as store:
        store.summary()
        for layer in store.layers:
            store.read_activations(layer.name)
            store.receptive_fields(layer.name)
        store.logits()
        store.images[...]


def _opens_or_refuses(path) -> None:
    try:
        _read_everything(path)
    except SeeinError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc), str(exc)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 7)), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(0, 20_000)))
def test_flipped_bits_and_truncation(pristine, flips, cut):
    folder, raw = pristine
    data = bytearray(raw if cut is None else raw[:cut])
    for pos, bit in flips:
        if data:
            data[pos % len(data)] ^= 1 << bit
    path = folder / f"f{next(_counter)}.h5"
    path.write_bytes(bytes(data))
    _opens_or_refuses(path)


@FUZZ
@given(st.sampled_from(["labels", "image_ids", "layer", "rf", "logits"]),
       st.sampled_from(["string", "compound", "shape", "values"]))
def test_datasets_of_the_wrong_kind(pristine, target, damage):
    folder, raw = pristine
    path = folder / f"k{next(_counter)}.h5"
    path.write_bytes(raw)
    with h5py.File(path, "r+") as f:
        snap = f["snapshots"][next(iter(f["snapshots"]))]
        parent, name = {"labels": (f, "labels"), "image_ids": (f, "image_ids"),
                        "layer": (snap["layers"], "fc"), "rf": (f["layers"]["conv"], "rf"),
                        "logits": (snap, "logits")}[target]
        old = parent[name][...]
        del parent[name]
        if damage == "string":
            parent.create_dataset(name, shape=old.shape, dtype=h5py.string_dtype())
        elif damage == "compound":
            parent.create_dataset(name, shape=old.shape, dtype=np.dtype([("a", "i4"), ("b", "f4")]))
        elif damage == "shape":
            parent.create_dataset(name, data=old.reshape(-1)[:max(1, old.size // 2)])
        else:
            parent.create_dataset(name, data=(old.astype(np.float64) * 0 + 2**40).astype(old.dtype))
    _opens_or_refuses(path)

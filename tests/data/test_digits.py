"""The embedded digits: contents, split, speed and isolation of the cached arrays."""

from __future__ import annotations

import time

import numpy as np
from PIL import Image

from seein.data import load_dataset
from seein.data.digits import raw_digits


def test_all_is_the_1797_digits_in_original_order():
    from sklearn.datasets import load_digits

    ds = load_dataset("digits", split="all")
    ref = load_digits()
    assert len(ds) == 1797 and ds.images.shape == (1797, 1, 28, 28) and ds.images.dtype == np.float32
    np.testing.assert_array_equal(ds.labels, ref.target)
    np.testing.assert_array_equal(ds.image_ids, np.arange(1797))
    np.testing.assert_array_equal(raw_digits()[0][:, 0], (ref.images / 16).astype(np.float32))
    assert ds.class_names == [str(d) for d in range(10)]
    assert ds.images.min() == 0.0 and ds.images.max() == 1.0


def test_upsampling_is_bilinear_resampling_of_the_8x8_digit():
    ds = load_dataset("digits", split="all", limit=3)
    for i in range(3):
        small = raw_digits()[0][i, 0]
        ref = np.asarray(Image.fromarray(small).resize((28, 28), Image.BILINEAR))
        np.testing.assert_allclose(ds.images[i, 0], np.clip(ref, 0, 1), atol=1e-5)
    # A real resampling, not pixel repetition: more distinct grey levels than the 17 inputs.
    assert len(np.unique(ds.images[0])) > 50


def test_split_is_fixed_stratified_and_disjoint():
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert len(train) + len(test) == 1797
    assert not set(train.image_ids) & set(test.image_ids)
    assert 0.19 < len(test) / 1797 < 0.21
    counts = np.bincount(test.labels, minlength=10) / np.bincount(load_dataset("digits", "all").labels)
    assert np.all(np.abs(counts - 0.2) < 0.02)          # stratified: ~20% of every class
    assert np.all(np.diff(test.image_ids) > 0)           # original order kept
    all_labels = load_dataset("digits", "all").labels
    np.testing.assert_array_equal(test.labels, all_labels[test.image_ids])
    again = load_dataset("digits", "test")
    np.testing.assert_array_equal(again.image_ids, test.image_ids)


def test_limit_takes_the_first_images_of_the_split():
    test = load_dataset("digits", "test")
    first = load_dataset("digits", "test", limit=7)
    np.testing.assert_array_equal(first.image_ids, test.image_ids[:7])
    np.testing.assert_array_equal(first.images, test.images[:7])


def test_callers_cannot_corrupt_the_cache():
    ds = load_dataset("digits", "all")
    ds.images[:] = 0.5
    ds.labels[:] = 0
    fresh = load_dataset("digits", "all")
    assert fresh.images.max() == 1.0 and fresh.labels[1] == 1


def test_size_option_resizes_digits():
    ds = load_dataset("digits", "test", limit=2, size=(32, 32))
    assert ds.images.shape == (2, 1, 32, 32)


def test_loading_is_fast():
    load_dataset("digits")                                # first call may parse and resample
    start = time.perf_counter()
    for split in ("train", "test", "all"):
        load_dataset("digits", split)
    assert time.perf_counter() - start < 0.5


def test_first_load_in_a_fresh_process_is_well_under_a_second():
    import subprocess
    import sys

    code = ("import time, numpy; t=time.perf_counter(); from seein.data import load_dataset; "
            "load_dataset('digits', 'all'); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 0.8

"""load_dataset's spec parsing, argument checks and the ImageDataset contract."""

from __future__ import annotations

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.data import KNOWN_SPECS, ImageDataset, load_dataset


def test_unknown_prefix_lists_the_known_specs():
    with pytest.raises(SeeinError) as info:
        load_dataset("imagenet:/data")
    for known in KNOWN_SPECS:
        assert known in str(info.value)


@pytest.mark.parametrize("spec", ["", "   ", "mnist", "mnist:", "npz:"])
def test_incomplete_specs_are_refused(spec):
    with pytest.raises(SeeinError):
        load_dataset(spec)


@pytest.mark.parametrize("spec", ["mnist:{p}", "cifar10:{p}", "folder:{p}", "npz:{p}/x.npz"])
def test_missing_paths_name_the_path(tmp_path, spec):
    missing = tmp_path / "nowhere"
    with pytest.raises(SeeinError) as info:
        load_dataset(spec.format(p=missing))
    assert str(missing) in str(info.value)
    assert "not found" in str(info.value)


@pytest.mark.parametrize("kwargs", [{"split": "validation"}, {"limit": 0}, {"limit": -3},
                                    {"limit": 2.5}, {"size": (0, 5)}, {"size": "big"}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(SeeinError):
        load_dataset("digits", **kwargs)


def test_display_images_round_trip_uint8():
    ds = load_dataset("digits", limit=5)
    shown = ds.display_images()
    assert shown.dtype == np.uint8 and shown.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(shown[..., 0] / 255.0, ds.images[:, 0], atol=0.5 / 255 + 1e-6)


def test_display_images_rgb_layout(cifar_dir):
    ds = load_dataset(f"cifar10:{cifar_dir}", limit=3)
    shown = ds.display_images()
    assert shown.shape == (3, 32, 32, 3)
    assert shown[1, 4, 7, 2] == round(float(ds.images[1, 2, 4, 7]) * 255)


def test_image_dataset_rejects_wrong_dtypes():
    good = dict(images=np.zeros((2, 1, 4, 4), np.float32), labels=np.zeros(2, np.int64),
                class_names=["a"], image_ids=np.arange(2), spec="x", split="all")
    ImageDataset(**good)
    with pytest.raises(ValueError):
        ImageDataset(**{**good, "images": np.zeros((2, 4, 4, 1), np.float32)})
    with pytest.raises(ValueError):
        ImageDataset(**{**good, "labels": np.zeros(3, np.int64)})
    with pytest.raises(ValueError):
        ImageDataset(**{**good, "images": np.zeros((2, 1, 4, 4), np.float64)})


def test_size_resizes_any_source(mnist_dir):
    ds = load_dataset(f"mnist:{mnist_dir}", split="train", limit=4, size=(14, 20))
    assert ds.images.shape == (4, 1, 14, 20)
    assert ds.images.min() >= 0 and ds.images.max() <= 1
    assert ds.image_shape == (1, 14, 20)


def test_resize_matches_pillow_image_by_image():
    from PIL import Image

    from seein.data.validate import resize_images

    rng = np.random.default_rng(1)
    x = rng.random((3, 3, 40, 50), dtype=np.float32)
    out = resize_images(x, (17, 23))
    for i in range(3):
        for c in range(3):
            ref = np.asarray(Image.fromarray(x[i, c]).resize((23, 17), Image.BILINEAR))
            np.testing.assert_allclose(out[i, c], np.clip(ref, 0, 1), atol=1e-5)


def test_home_directory_is_expanded(tmp_path, monkeypatch):
    from seein.data import samples

    monkeypatch.setenv("HOME", str(tmp_path))
    samples.write_mnist_dir(tmp_path / "m", n_train=3, n_test=2)
    assert len(load_dataset("mnist:~/m")) == 2

"""Image folders: classes from sub-folders, resizing, channel majority, junk files, split layout."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from seein.core.errors import SeeinError
from seein.data import load_dataset, samples


def test_classes_labels_and_pixels(image_folder):
    ds = load_dataset(f"folder:{image_folder}")
    assert ds.class_names == ["cat", "dog", "emu"]
    np.testing.assert_array_equal(ds.labels, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    assert ds.images.shape == (9, 3, 20, 24)
    first = np.asarray(Image.open(image_folder / "cat" / "0000.png"), np.float32) / 255
    np.testing.assert_allclose(ds.images[0].transpose(1, 2, 0), first, atol=1e-6)
    np.testing.assert_array_equal(ds.image_ids, np.arange(9))


def test_every_split_is_the_whole_flat_folder(image_folder):
    sets = [load_dataset(f"folder:{image_folder}", split) for split in ("train", "test", "all")]
    for ds in sets[1:]:
        np.testing.assert_array_equal(ds.images, sets[0].images)
    assert [ds.split for ds in sets] == ["train", "test", "all"]


def test_non_images_are_skipped_with_a_warning_naming_them(image_folder):
    (image_folder / "dog" / "notes.txt").write_text("not an image")
    (image_folder / "dog" / "fake.png").write_bytes(b"not a png either")
    (image_folder / "README").write_text("top-level file, in no class")
    (image_folder / "cat" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")      # hidden: ignored silently
    with pytest.warns(UserWarning) as record:
        ds = load_dataset(f"folder:{image_folder}")
    assert len(record) == 1
    message = str(record[0].message)
    for name in ("dog/notes.txt", "dog/fake.png", "README"):
        assert name in message
    assert ".DS_Store" not in message
    assert len(ds) == 9


def test_mixed_sizes_are_resized_to_the_first_image(tmp_path):
    samples.write_image_folder(tmp_path / "f", classes=("a",), per_class=2, size=(20, 24))
    samples.write_image_folder(tmp_path / "f", classes=("b",), per_class=2, size=(50, 10), seed=3)
    ds = load_dataset(f"folder:{tmp_path / 'f'}")
    assert ds.images.shape == (4, 3, 20, 24)
    small = load_dataset(f"folder:{tmp_path / 'f'}", size=(8, 9))
    assert small.images.shape == (4, 3, 8, 9)
    assert 0 <= small.images.min() and small.images.max() <= 1


def test_channel_count_follows_the_majority(tmp_path):
    root = tmp_path / "f"
    samples.write_image_folder(root, classes=("a", "b"), per_class=3, mode="L", fmt="JPEG")
    samples.write_image_folder(root, classes=("c",), per_class=2, mode="RGB")
    ds = load_dataset(f"folder:{root}")
    assert ds.images.shape[1] == 1
    samples.write_image_folder(root, classes=("d", "e"), per_class=3, mode="RGB", seed=5)
    assert load_dataset(f"folder:{root}").images.shape[1] == 3    # now 8 RGB against 6 grey


def test_other_modes_and_formats(tmp_path):
    root = tmp_path / "f"
    (root / "x").mkdir(parents=True)
    rgba = np.zeros((6, 6, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 128
    Image.fromarray(rgba, "RGBA").save(root / "x" / "rgba.png")
    Image.fromarray(np.full((6, 6), 5, np.uint8)).convert("P").save(root / "x" / "pal.gif")
    deep = np.full((6, 6), 65535, np.uint16)
    deep[0, 0] = 0
    Image.fromarray(deep).save(root / "x" / "deep.png")                   # 16-bit grey (I;16)
    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(root / "x" / "z.bmp")
    ds = load_dataset(f"folder:{root}")
    assert ds.images.shape == (4, 3, 6, 6)
    names = sorted(p.name for p in (root / "x").iterdir())
    deep_img = ds.images[names.index("deep.png")]
    assert deep_img.max() == 1.0 and deep_img[:, 0, 0].max() == 0.0       # full 16-bit range kept
    np.testing.assert_allclose(ds.images[names.index("rgba.png"), 0], 1.0)


def test_nested_files_inside_a_class_are_found(image_folder):
    nested = image_folder / "emu" / "more"
    nested.mkdir()
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(nested / "n.png")
    assert np.bincount(load_dataset(f"folder:{image_folder}").labels).tolist() == [3, 3, 4]


def test_train_test_layout(tmp_path):
    root = tmp_path / "f"
    samples.write_image_folder(root / "train", classes=("a", "b"), per_class=3)
    samples.write_image_folder(root / "test", classes=("a", "c"), per_class=1, seed=2)
    train = load_dataset(f"folder:{root}", "train")
    test = load_dataset(f"folder:{root}", "test")
    both = load_dataset(f"folder:{root}", "all")
    assert train.class_names == test.class_names == ["a", "b", "c"]
    assert (len(train), len(test), len(both)) == (6, 2, 8)
    np.testing.assert_array_equal(test.labels, [0, 2])
    np.testing.assert_array_equal(both.images[6:], test.images)


def test_limit_reads_only_the_first_images(image_folder):
    ds = load_dataset(f"folder:{image_folder}", limit=4)
    np.testing.assert_array_equal(ds.labels, [0, 0, 0, 1])


def test_a_truncated_image_names_the_file(image_folder):
    path = image_folder / "dog" / "0004.png"
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(SeeinError) as info:
        load_dataset(f"folder:{image_folder}")
    assert str(path) in str(info.value)


def test_folders_without_classes_or_images(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SeeinError, match="no class sub-folders"):
        load_dataset(f"folder:{tmp_path / 'empty'}")
    (tmp_path / "junk" / "a").mkdir(parents=True)
    (tmp_path / "junk" / "a" / "x.txt").write_text("x")
    with pytest.warns(UserWarning, match="x.txt"):
        with pytest.raises(SeeinError, match="no readable images"):
            load_dataset(f"folder:{tmp_path / 'junk'}")
    with pytest.raises(SeeinError, match="expected a folder"):
        load_dataset(f"folder:{tmp_path / 'junk' / 'a' / 'x.txt'}")


def test_float_tiff_with_nan_is_refused(tmp_path):
    root = tmp_path / "f"
    (root / "a").mkdir(parents=True)
    plane = np.full((5, 5), 0.5, np.float32)
    Image.fromarray(plane).save(root / "a" / "ok.tif")
    plane[2, 2] = np.nan
    Image.fromarray(plane).save(root / "a" / "nan.tif")
    with pytest.raises(SeeinError, match="NaN/Inf") as info:
        load_dataset(f"folder:{root}")
    assert "nan.tif" in str(info.value)
    (root / "a" / "nan.tif").unlink()
    ds = load_dataset(f"folder:{root}")
    np.testing.assert_allclose(ds.images, 0.5)


def test_channels_and_size_can_be_asked_for(image_folder):
    grey = load_dataset(f"folder:{image_folder}", channels=1, size=(28, 28))
    assert grey.images.shape == (9, 1, 28, 28)
    first = Image.open(image_folder / "cat" / "0000.png").convert("L").resize((28, 28), Image.BILINEAR)
    np.testing.assert_allclose(grey.images[0, 0], np.asarray(first, np.float32) / 255, atol=1e-6)
    assert load_dataset(f"folder:{image_folder}", channels=3).images.shape == (9, 3, 20, 24)
    with pytest.raises(SeeinError, match="channels must be 1 .grey. or 3 .RGB., got 2"):
        load_dataset(f"folder:{image_folder}", channels=2)

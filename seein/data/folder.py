"""Image folders (``folder:DIR``): one sub-folder per class, any image Pillow can read.

Layouts
-------
``DIR/<class>/...image files``
    A folder carries no train/test split and we do not invent one: ``train``, ``test``
    and ``all`` each give every image (a model trained on it is then tested on its own
    training images; give the split layout below to hold images out).
``DIR/train/<class>/...`` and ``DIR/test/<class>/...``
    When DIR holds exactly these two folders (each with class sub-folders), they are the
    splits and ``all`` is train then test. Class names are the union of both, sorted.

Class names are the sub-folder names, sorted; labels follow that order. Files are taken
from each class folder recursively, sorted by path; image_ids index that listing (train
then test for ``all``). Hidden files are ignored; other files Pillow cannot identify are
skipped with one warning naming them. Images are resized to ``size`` (default: the size
of the first image) with bilinear resampling, and all converted to ``channels``: grey (1)
or RGB (3); by default whichever most images are (RGB on a tie). Extraction and training
pass the model's input size and channels, so a folder of photos fits the model. Grey
images at 16 bits per pixel keep their full range.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..core.errors import SeeinError
from .dataset import ImageDataset
from .validate import assemble

GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
DEEP_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def class_folders(root: Path) -> list[Path]:
    """The visible sub-folders of ``root``, sorted by name."""
    return sorted((p for p in root.iterdir() if p.is_dir() and _visible(p)), key=lambda p: p.name)


def split_roots(root: Path, split: str) -> tuple[list[Path], list[Path]]:
    """(folders whose classes count, folders the split reads): the train/test layout's two
    folders and those of ``split``, or ``[root]`` twice for a flat folder."""
    subs = class_folders(root)
    if [p.name for p in subs] != ["test", "train"] or not all(class_folders(p) for p in subs):
        return [root], [root]
    return [root / "train", root / "test"], ([root / "train", root / "test"] if split == "all"
                                             else [root / split])


def list_images(class_roots: list[Path], roots: list[Path], top: Path
                ) -> tuple[list[str], list[tuple[Path, int, str, tuple[int, int]]]]:
    """Class names (of ``class_roots``) and the readable images under ``roots``:
    (path, label, mode, (h, w)) each.

    Only headers are read here (Pillow opens lazily), so listing a large folder is quick.
    """
    from PIL import Image, UnidentifiedImageError

    names = sorted({c.name for r in class_roots for c in class_folders(r)})
    if not names:
        raise SeeinError("no class sub-folders (expected DIR/<class>/<image files>)", top)
    label_of = {n: i for i, n in enumerate(names)}
    found, skipped = [], []
    for r in roots:
        skipped += [p for p in sorted(r.iterdir()) if p.is_file() and _visible(p)]
        for folder in class_folders(r):
            files = sorted(p for p in folder.rglob("*") if p.is_file()
                           and all(_visible(q) for q in p.relative_to(folder).parents if q.name)
                           and _visible(p))
            for path in files:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("error", Image.DecompressionBombWarning)
                        with Image.open(path) as img:
                            found.append((path, label_of[folder.name], img.mode, (img.height, img.width)))
                except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                    raise SeeinError(_bomb_reason(exc), path) from None
                except (UnidentifiedImageError, OSError, ValueError):
                    skipped.append(path)
    if skipped:
        shown = ", ".join(str(p.relative_to(top)) for p in skipped[:10])
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        warnings.warn(f"{top}: skipped {len(skipped)} file(s) that are not images in class "
                      f"folders: {shown}{more}", stacklevel=4)
    return names, found


def _bomb_reason(exc: BaseException) -> str:
    """Pillow's decompression-bomb message as one line: the image's pixels and the limit."""
    import re

    from PIL import Image

    numbers = [int(n) for n in re.findall(r"\((\d+) pixels\)|limit of (\d+)", str(exc)) for n in n if n]
    pixels = numbers[0] if numbers else None
    limit = Image.MAX_IMAGE_PIXELS or 0
    size = f"{pixels / 1e6:.0f} Mpx" if pixels else "too many pixels"
    return (f"refused: the image has {size}, over the {limit / 1e6:.0f}-Mpx limit for one image "
            "(a decompression bomb, or an image to shrink first)")


def read_image(path: Path, channels: int, size: tuple[int, int]) -> np.ndarray:
    """One image as float32 (C, H, W) in [0, 1], resized to ``size`` and converted to ``channels``."""
    from PIL import Image, ImageOps

    h, w = size
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in DEEP_MODES or img.mode == "F":
                scale = 1.0 if img.mode == "F" else 65535.0
                plane = np.clip(np.asarray(img, np.float32) / scale, 0.0, 1.0)
                plane = np.asarray(Image.fromarray(plane).resize((w, h), Image.BILINEAR))
                pixels = np.repeat(plane[None], channels, axis=0)
            else:
                img = img.convert("L" if channels == 1 else "RGB")
                if img.size != (w, h):
                    img = img.resize((w, h), Image.BILINEAR)
                pixels = np.asarray(img, np.float32).reshape(h, w, channels).transpose(2, 0, 1) / 255.0
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise SeeinError(f"cannot read image ({exc})", path) from None
    if not np.isfinite(pixels).all():
        raise SeeinError("image contains NaN/Inf values", path)
    return np.clip(pixels, 0.0, 1.0)


def load_folder(spec: str, folder: str, split: str, limit: int | None,
                size: tuple[int, int] | None, channels: int | None = None) -> ImageDataset:
    """Load an image folder as an ImageDataset (see the module docs for layouts and splits)."""
    root = Path(folder)
    if not root.exists():
        raise SeeinError("folder not found", root)
    if not root.is_dir():
        raise SeeinError("expected a folder with one sub-folder of images per class", root)
    names, found = list_images(*split_roots(root, split), root)
    if not found:
        raise SeeinError("no readable images in the class sub-folders", root)
    if channels is None:
        grey = sum(mode in GREY_MODES for _, _, mode, _ in found)
        channels = 1 if grey > len(found) - grey else 3
    size = size or found[0][3]
    chosen = found[:limit]
    images = np.empty((len(chosen), channels) + tuple(size), np.float32)
    for i, (path, _, _, _) in enumerate(chosen):
        images[i] = read_image(path, channels, size)
    labels = np.array([label for _, label, _, _ in chosen], np.int64)
    return assemble(images, labels, names, np.arange(len(chosen)), spec=spec, split=split, path=root)

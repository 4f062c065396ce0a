"""What hovering a deepViz chart shows: a line of text and, for a confusion cell, a sample of
its images as small multiples (deepViz §5.2 expands a hovered cell into its images).

Qt-free: each function takes a view's data and the pick under the pointer and returns a
:class:`Tip`; the GUI shows it in a popup beside the pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

SAMPLE = 12  # images shown for a hovered confusion cell
PER_ROW = 6
THUMB_GAP = 2
THUMB_SIZE = 28  # smaller images are scaled up by whole steps towards this many pixels


@dataclass(frozen=True)
class Tip:
    """Hover content: ``text`` and optional uint8 RGBA ``image`` (H, W, 4) under it."""

    text: str
    image: Optional[np.ndarray] = None


def thumbnail_grid(images: Sequence[np.ndarray], per_row: int = PER_ROW, gap: int = THUMB_GAP,
                   scale: int | None = None) -> np.ndarray:
    """Images (H, W) or (H, W, C) uint8, each scaled up ``scale`` times (default: by whole steps
    towards THUMB_SIZE), in rows of ``per_row`` on a white ground, as RGBA."""
    if scale is None:
        scale = max(1, THUMB_SIZE // max(1, np.asarray(images[0]).shape[0])) if len(images) else 1
    tiles = []
    for image in images:
        a = np.asarray(image)
        if a.ndim == 3 and a.shape[-1] == 1:
            a = a[..., 0]
        if a.ndim == 2:
            a = np.repeat(a[..., None], 3, axis=-1)
        a = a[..., :3].astype(np.uint8)
        tiles.append(np.repeat(np.repeat(a, scale, axis=0), scale, axis=1))
    if not tiles:
        return np.full((1, 1, 4), 255, np.uint8)
    h, w = tiles[0].shape[:2]
    cols = min(per_row, len(tiles))
    rows = -(-len(tiles) // cols)
    out = np.full((rows * (h + gap) + gap, cols * (w + gap) + gap, 4), 255, np.uint8)
    for n, tile in enumerate(tiles):
        r, c = divmod(n, cols)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        out[y:y + h, x:x + w, :3] = tile
    return out


def confusion_tip(data: dict, hit: tuple[int, int], images, sample: int = SAMPLE) -> Tip:
    """The hovered cell (true t, predicted p): its count and up to ``sample`` of its images
    (``images`` indexes like the store's image array)."""
    true, predicted = hit
    names = data["class_names"]
    ids = np.flatnonzero((data["labels"] == true) & (data["predictions"] == predicted))
    text = f"true {names[true]}, predicted {names[predicted]}: {len(ids)} images"
    if not len(ids):
        return Tip(text)
    shown = ids[:sample]
    if len(ids) > sample:
        text += f" (first {sample}: #{', #'.join(str(int(i)) for i in shown[:3])}, ...)"
    else:
        text += f" (#{', #'.join(str(int(i)) for i in shown)})"
    return Tip(text + "\nclick: select them", thumbnail_grid([np.asarray(images[int(i)]) for i in shown]))


def filter_tip(data: dict, hit: tuple[int, int]) -> Tip:
    """The hovered kernel: its layer, filter, input channel and weights (rows of values)."""
    f, c = hit
    kernel = np.asarray(data["kernels"][f, c], dtype=np.float32)
    rows = "\n".join(" ".join(f"{v:+.3f}" for v in row) for row in kernel)
    return Tip(f"{data['layer']} filter {f}, input channel {c} (snapshot {data['snapshot']}), "
               f"{kernel.shape[0]}x{kernel.shape[1]}, min {kernel.min():+.3f}, max {kernel.max():+.3f}\n{rows}"
               "\nclick: focus this filter")


def prediction_tip(data: dict, k: int, images: np.ndarray | None) -> Tip:
    """The hovered class bar: the probability (or the selection's mean ± std) and how many images
    the network predicts as it."""
    names = data["class_names"]
    probabilities = np.asarray(data["probabilities"])
    shown = probabilities[images] if images is not None and len(images) else probabilities[:0]
    if len(shown) == 1:
        text = f"{names[k]}: p = {shown[0, k]:.3f} for image #{int(images[0])}"
    elif len(shown):
        text = f"{names[k]}: mean p = {shown[:, k].mean():.3f} ± {shown[:, k].std():.3f} over {len(shown)} images"
    else:
        text = f"{names[k]}"
    predicted = int((probabilities.argmax(axis=1) == k).sum())
    return Tip(f"{text}\n{predicted} images predicted as {names[k]} (click: select them)")

"""A unit's top data-set examples from the store: the images where it fires most, with the
receptive-field box of the cell where it does (the patches OpenAI Microscope shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import SeeinError


@dataclass(frozen=True)
class Patch:
    """One top example: image index, cell, activation, and the input box [y0, x0, y1, x1)."""

    image: int
    y: int
    x: int
    value: float
    box: tuple[int, int, int, int]


def unit_column(store: Any, layer: str, unit: int, snapshot: int = -1) -> np.ndarray:
    """Unit ``unit`` of ``layer`` over every image and cell: float32 (n_images, cells)."""
    info = store.layer(layer)
    if not 0 <= unit < info.dims:
        raise SeeinError(f"layer {layer!r} has no unit {unit} (it has {info.dims}: 0..{info.dims - 1})",
                         store.path)
    cells = info.n_points(store.n_images) // store.n_images
    column = np.empty(store.n_images * cells, dtype=np.float32)
    per = max(1, 65536 // cells)
    for start, block in store.iter_chunks(layer, snapshot, images_per_chunk=per):
        column[start * cells:start * cells + len(block)] = block[:, unit]
    return column.reshape(store.n_images, cells)


def top_patches(store: Any, layer: str, unit: int, snapshot: int = -1, k: int = 9) -> list[Patch]:
    """The ``k`` images with the highest activation of the unit (one patch per image, at its best cell)."""
    column = unit_column(store, layer, unit, snapshot)
    best_cell = column.argmax(1)
    best = column[np.arange(len(column)), best_cell]
    order = np.argsort(-best, kind="stable")[:k]
    rfs = store.receptive_fields(layer)
    width = rfs.shape[1]
    patches = []
    for i in order:
        y, x = divmod(int(best_cell[i]), width)
        patches.append(Patch(image=int(i), y=y, x=x, value=float(best[i]),
                             box=tuple(int(v) for v in rfs[y, x])))
    return patches


def dataset_max(store: Any, layer: str, unit: int, snapshot: int = -1) -> float:
    """The unit's highest activation over every image and cell of the store."""
    return float(unit_column(store, layer, unit, snapshot).max())


__all__ = ["Patch", "unit_column", "top_patches", "dataset_max"]

"""Input Map (DeepEyes §4.4, Fig. 7b-d): sampled receptive-field instances placed by t-SNE,
drawn with the embedding view's point visual (:mod:`seein.render.points`), so millions stay fluid.

Colour by label (each instance belongs to its image: selecting images brushes their
instances), by one filter's activation, or by the maximum activation over the filters
(Fig. 7d; a sequential palette of ``LEVELS`` steps, each instance its own point in the
visual). :func:`patch` and :func:`patch_grid` cut the receptive fields out of the images
(the hover inset and the lasso's grid of patches).
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any, Sequence

import numpy as np

from ...compute.inputmap import input_map
from ...core.palette import class_palette
from ...store import Store

LEVELS = 16


class ColourBy(str, Enum):
    LABEL = "label"
    FILTER = "filter"
    MAX = "max"


def activation_palette(levels: int = LEVELS) -> np.ndarray:
    """float32 (levels, 4): light grey (no activation) to dark blue (the strongest)."""
    from matplotlib import colormaps

    return np.asarray(colormaps["Blues"](np.linspace(0.12, 1.0, levels)), dtype=np.float32)


def scene_arrays(data: dict, labels: np.ndarray, colour_by: ColourBy | str = ColourBy.LABEL,
                 feature: int | None = None, selection: np.ndarray | None = None) -> dict[str, Any]:
    """What the point visual takes for an Input Map: points, image of each, class of each
    "image", palette, and the selection as a mask over those "images"."""
    colour_by = ColourBy(colour_by)
    emb = np.asarray(data["embedding"], dtype=np.float32)
    images = np.asarray(data["images"], dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    mask = None if selection is None else np.asarray(selection, dtype=bool)
    if colour_by is ColourBy.LABEL:
        return {"points": emb, "image_index": images, "labels": labels, "n_images": len(labels),
                "palette": class_palette(int(labels.max()) + 1 if len(labels) else 1), "mask": mask}
    if colour_by is ColourBy.FILTER:
        if feature is None:
            raise ValueError("colour by filter needs a filter")
        value = np.asarray(data["activations"])[:, int(feature)]
    else:
        value = np.asarray(data["max_activation"])
    value = np.maximum(np.asarray(value, dtype=np.float64), 0)
    top = float(value.max(initial=0.0))
    level = np.zeros(len(value), np.int64) if top <= 0 else np.minimum(
        (value / top * LEVELS).astype(np.int64), LEVELS - 1)
    n = len(emb)
    return {"points": emb, "image_index": np.arange(n, dtype=np.int64), "labels": level, "n_images": n,
            "palette": activation_palette(), "mask": None if mask is None else mask[images]}


def _render(store_path: str, layer: str, snapshot: int, colour_by: str, feature: int | None,
            selection: np.ndarray | None, size: tuple[int, int], n_instances: int,
            point_size: float) -> np.ndarray:
    """Render in this process (EGL); see :func:`render_inputmap`."""
    from ..offscreen import egl_app
    from ..scene import EmbeddingScene

    with Store.open(store_path) as store:
        data = input_map(store, layer, snapshot, n_instances=n_instances)
        arrays = scene_arrays(data, store.labels, colour_by, feature, selection)
    view = EmbeddingScene(app=egl_app(), size=size)
    try:
        view.set_layer(arrays["points"], arrays["image_index"], arrays["labels"], arrays["n_images"],
                       arrays["palette"], mode="scatter")
        view.set_point_size(point_size)
        view.set_selection(arrays["mask"])
        return view.render()
    finally:
        view.close()


def render_inputmap(store_path: str | os.PathLike, layer: str, snapshot: int = -1,
                    colour_by: ColourBy | str = ColourBy.LABEL, feature: int | None = None,
                    selection: np.ndarray | None = None, size: Sequence[int] = (600, 600),
                    n_instances: int = 2000, point_size: float = 5.0,
                    isolate: bool | None = None) -> np.ndarray:
    """The Input Map of ``layer`` at ``snapshot`` as uint8 RGBA (H, W, 4), with no display."""
    from ..offscreen import call, needs_isolation

    if isolate is None:
        isolate = needs_isolation()
    sel = None if selection is None else np.asarray(selection, dtype=bool).copy()
    return call("seein.render.deepeyes.inputmap:_render", os.fspath(store_path), layer, int(snapshot),
                ColourBy(colour_by).value, None if feature is None else int(feature), sel,
                (int(size[0]), int(size[1])), int(n_instances), float(point_size), isolate=isolate)


def patch(store: Store, image: int, box: Sequence[int]) -> np.ndarray:
    """The receptive field [y0, x0, y1, x1) of one image: uint8 (h, w, C)."""
    y0, x0, y1, x1 = (int(v) for v in box)
    return np.asarray(store.image(int(image)))[y0:y1, x0:x1]


def patch_grid(store: Store, images: Sequence[int], boxes: Sequence[Sequence[int]], columns: int = 8,
               cell: int = 32, gap: int = 2) -> np.ndarray:
    """Patches side by side (nearest-neighbour scaled to ``cell`` pixels): uint8 RGB (H, W, 3)."""
    n = len(images)
    rows = max(1, -(-n // columns))
    grid = np.full((rows * (cell + gap) + gap, min(n, columns) * (cell + gap) + gap if n else cell, 3), 255,
                   np.uint8)
    for k, (image, box) in enumerate(zip(images, boxes)):
        p = patch(store, image, box)
        if p.shape[-1] == 1:
            p = np.repeat(p, 3, axis=-1)
        h, w = max(p.shape[0], 1), max(p.shape[1], 1)
        yy = np.minimum((np.arange(cell) * h) // cell, h - 1)
        xx = np.minimum((np.arange(cell) * w) // cell, w - 1)
        r, c = divmod(k, columns)
        y, x = gap + r * (cell + gap), gap + c * (cell + gap)
        grid[y:y + cell, x:x + cell] = p[yy][:, xx]
    return grid

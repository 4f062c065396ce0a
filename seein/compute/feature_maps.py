"""What the feature-map view shows for a set of images: the input and every layer's maps.

One image gives its own response, several their average (``mean_activation``). Each array
is scaled to [0, 1] over its whole layer, so brighter means stronger within the layer.
"""

from __future__ import annotations

import numpy as np

from ..core.progress import ProgressCallback, report
from ..store import Store
from .stats import mean_activation, mean_image


def feature_map_content(store: Store, mask: np.ndarray, snapshot: int,
                        progress: ProgressCallback | None = None) -> list[tuple[str, np.ndarray]]:
    """[("input", (C, H, W)), (layer, maps), ...] for the images in ``mask``; [] when none is.

    ``progress`` is told after each layer while averaging and may cancel (seein.core.progress).
    """
    selected = np.flatnonzero(np.asarray(mask, dtype=bool))
    if selected.size == 0:
        return []
    if selected.size == 1:
        image = store.image(int(selected[0])).astype(np.float32).transpose(2, 0, 1)
        maps = [store.feature_maps(layer.name, int(selected[0]), snapshot) for layer in store.layers]
    else:
        image = mean_image(store, mask).transpose(2, 0, 1)
        maps = []
        for k, layer in enumerate(store.layers):
            report(progress, k, len(store.layers), f"averaging {layer.name}")
            maps.append(np.asarray(mean_activation(store, layer.name, mask, snapshot=snapshot)))
    out = [("input", unit_scale(image))]
    out += [(layer.name, unit_scale(m)) for layer, m in zip(store.layers, maps)]
    return out


def unit_scale(a: np.ndarray) -> np.ndarray:
    """Scale an array to [0, 1] by its own range (a constant array becomes zeros)."""
    a = np.asarray(a, dtype=np.float32)
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)

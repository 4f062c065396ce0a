"""The adversarial strip's trail in a layer's projection: where each step's image lands.

The strip's images are run through the network; their points in ``layer`` are placed into
the layer's existing projection the way points beyond a big layer's fitted sample are
placed (:func:`seein.compute.sampling.knn_place`: the distance-weighted mean position of
the nearest stored points; PCA by its own linear map, exactly), so the user sees the image cross from its class to the target's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.backend import get_backend
from ..core.progress import ProgressCallback
from .adversarial import Strip, strip_activations
from .projection import project
from .sampling import knn_place, sample_indices

REFERENCE_LIMIT = 50_000  # stored points the trail is placed against


@dataclass
class Trail:
    """Per strip step, its points' positions in the projection (K+1, cells, 2), and the projection."""

    points: np.ndarray
    embedding: np.ndarray    # the layer's projection of every stored point
    point_labels: np.ndarray  # class of every stored point's image
    layer: str
    method: str

    @property
    def centres(self) -> np.ndarray:
        """Per step, the mean position of its points (K+1, 2): the trail's line."""
        return self.points.mean(1)


def strip_trail(store: Any, net: torch.nn.Module, strip: Strip, layer: str, method: str = "pca",
                snapshot: int = -1, progress: ProgressCallback | None = None, **params: Any) -> Trail:
    """Place the strip's points of ``layer`` into its ``method`` projection at ``snapshot``."""
    proj = project(store, layer, method, 2, snapshot, progress, **params)
    emb = proj.embedding
    info = store.layer(layer)
    acts = strip_activations(net, strip, layer)          # (K+1, C, H, W) or (K+1, D)
    if acts.ndim == 4:
        new = acts.transpose(0, 2, 3, 1).reshape(-1, acts.shape[1])  # points in the store's row order
    else:
        new = acts.reshape(len(acts), -1)
    cells = len(new) // len(acts)
    labels = store.labels[info.point_image(np.arange(store.n_points(layer)))]
    comps, mean = proj.extra.get("components"), proj.extra.get("mean")
    if method == "pca" and comps is not None and mean is not None:  # PCA places exactly: its linear map
        placed = (new - np.asarray(mean).ravel()) @ np.asarray(comps, dtype=np.float32)[:2].T
        return Trail(points=placed.astype(np.float32).reshape(len(acts), cells, 2), embedding=emb,
                     point_labels=labels, layer=layer, method=method)
    ref_idx = sample_indices(store.n_points(layer), REFERENCE_LIMIT, seed=0)
    ref = store.read_activations(layer, snapshot)[ref_idx] if len(ref_idx) < store.n_points(layer) else \
        store.read_activations(layer, snapshot)
    dev = get_backend().device
    placed = knn_place(torch.from_numpy(np.asarray(ref, dtype=np.float32)).to(dev),
                       torch.from_numpy(np.ascontiguousarray(emb[ref_idx], dtype=np.float32)).to(dev),
                       torch.from_numpy(new.astype(np.float32)).to(dev))
    return Trail(points=placed.cpu().numpy().reshape(len(acts), cells, 2), embedding=emb,
                 point_labels=labels, layer=layer, method=method)


__all__ = ["Trail", "strip_trail", "REFERENCE_LIMIT"]

"""Per-snapshot statistics for the app: predictions, confusion, averages and axis ranges.

deepViz shows a confusion matrix (rows: true class, columns: predicted class) and a
histogram of predicted classes for every snapshot; Seein' In adds the average feature
map of a selection of images and the value range of every feature (for fixed axes).
Everything streams over images in chunks (see :mod:`seein.compute.streaming`).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import SeeinError
from ..store import STRUCTURED, Store
from .streaming import IMAGES_PER_CHUNK, cached, check_finite, chunks


def _image_mask(store: Store, image_mask: np.ndarray | None) -> np.ndarray:
    """A boolean mask over the store's images (None = all); wrong length is a SeeinError."""
    if image_mask is None:
        return np.ones(store.n_images, dtype=bool)
    mask = np.asarray(image_mask, dtype=bool)
    if mask.shape != (store.n_images,):
        raise SeeinError(f"image mask has shape {mask.shape}; the store holds {store.n_images} images",
                         store.path)
    return mask


def predictions(store: Store, snapshot: int = -1) -> np.ndarray:
    """Predicted class of every image at a snapshot, int64 (N,); a store without classes is an error."""
    pred = store.predictions(snapshot)
    if store.n_classes < 1 or (pred < 0).all():
        raise SeeinError("the network has no class outputs (an embedding network): no predictions",
                         store.path)
    return pred


def softmax(store: Store, snapshot: int = -1) -> np.ndarray:
    """Class probabilities of every image at a snapshot, float32 (N, n_outputs)."""
    logits = store.logits(snapshot).astype(np.float64)
    if not np.isfinite(logits).all():
        raise SeeinError(f"logits at snapshot {store.snapshot(snapshot).index} hold NaN or Inf",
                         store.path)
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def confusion_matrix(store: Store, snapshot: int = -1, image_mask: np.ndarray | None = None) -> np.ndarray:
    """int64 (K, K): images of true class i (row) predicted as class j (column) at a snapshot.

    Unlabelled images (label -1) are left out. The full matrix (no mask) is cached as
    ``stats/confusion``.
    """
    mask = _image_mask(store, image_mask)

    def compute() -> dict[str, np.ndarray]:
        k = store.n_classes
        pred = predictions(store, snapshot)
        keep = mask & (store.labels >= 0) & (pred >= 0) & (pred < k)
        flat = store.labels[keep] * k + pred[keep]
        return {"confusion": np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.int64)}

    if image_mask is not None:
        return compute()["confusion"]
    return cached(store, "stats/confusion", "", snapshot, {"v": 1}, compute)[0]["confusion"]


def prediction_histogram(store: Store, snapshot: int = -1, image_mask: np.ndarray | None = None,
                         bins: int = 10) -> dict[str, np.ndarray]:
    """How many images are predicted as each class, and a histogram of the top probability.

    Returns ``counts`` int64 (K,), ``confidence`` int64 (bins,) (max softmax of each image,
    in [0, 1]) and ``edges`` float64 (bins + 1,). The full set (no mask) is cached as
    ``stats/predictions``.
    """
    mask = _image_mask(store, image_mask)

    def compute() -> dict[str, np.ndarray]:
        pred = predictions(store, snapshot)[mask]
        top = softmax(store, snapshot)[mask].max(axis=1)
        counts = np.bincount(pred[pred >= 0], minlength=store.n_classes)[:store.n_classes]
        conf, edges = np.histogram(top, bins=bins, range=(0.0, 1.0))
        return {"counts": counts.astype(np.int64), "confidence": conf.astype(np.int64), "edges": edges}

    if image_mask is not None:
        return compute()
    return cached(store, "stats/predictions", "", snapshot, {"bins": int(bins)}, compute)[0]


def mean_activation(store: Store, layer: str, image_mask: np.ndarray | None,
                    snapshot: int = -1) -> np.ndarray:
    """Average output of a layer over the selected images: float32 (C, H, W) or (D,).

    Only chunks holding a selected image are read, so a small selection of a large
    layer is quick. An empty selection is a SeeinError.
    """
    info = store.layer(layer)
    mask = _image_mask(store, image_mask)
    n_sel = int(mask.sum())
    if n_sel == 0:
        raise SeeinError(f"no image selected: cannot average layer {layer!r}", store.path)
    per = info.points_per_image
    total = np.zeros((per, info.dims), dtype=np.float64)
    for start in range(0, store.n_images, IMAGES_PER_CHUNK):
        sel = mask[start:start + IMAGES_PER_CHUNK]
        if not sel.any():
            continue
        pts = store.read_activations(layer, snapshot, slice(start, start + len(sel)))
        check_finite(pts, store, layer, snapshot, start * per)
        total += pts.reshape(len(sel), per, info.dims)[sel].sum(axis=0, dtype=np.float64)
    mean = (total / n_sel).astype(np.float32)
    if info.kind == STRUCTURED:
        h, w = info.cells
        return mean.reshape(h, w, info.dims).transpose(2, 0, 1).copy()
    return mean[0]


def mean_image(store: Store, image_mask: np.ndarray | None = None) -> np.ndarray:
    """Average input image of the selected images, float32 (H, W, C) in [0, 255]."""
    mask = _image_mask(store, image_mask)
    if not mask.any():
        raise SeeinError("no image selected: cannot average the input images", store.path)
    images = store.images
    total = np.zeros(images.shape[1:], dtype=np.float64)
    for start in range(0, store.n_images, IMAGES_PER_CHUNK):
        sel = mask[start:start + IMAGES_PER_CHUNK]
        if sel.any():
            total += images[start:start + len(sel)][sel].sum(axis=0, dtype=np.float64)
    return (total / mask.sum()).astype(np.float32)


def feature_ranges(store: Store, layer: str, snapshot: int = -1) -> np.ndarray:
    """float32 (dims, 2): (min, max) of every feature of a layer at a snapshot (cached).

    Used to fix the axes of a scatter plot or SPLOM panel so they do not jump when the
    selection changes.
    """
    info = store.layer(layer)

    def compute() -> dict[str, np.ndarray]:
        lo = np.full(info.dims, np.inf)
        hi = np.full(info.dims, -np.inf)
        for _, pts in chunks(store, layer, snapshot):
            if len(pts):
                lo = np.minimum(lo, pts.min(axis=0))
                hi = np.maximum(hi, pts.max(axis=0))
        return {"ranges": np.stack([lo, hi], axis=1).astype(np.float32)}

    return cached(store, "stats/ranges", layer, snapshot, {"v": 1}, compute)[0]["ranges"]


def all_confusions(store: Store) -> np.ndarray:
    """int64 (n_snapshots, K, K): the confusion matrix at every snapshot (the timeline's view)."""
    return np.stack([confusion_matrix(store, k) for k in range(len(store.snapshots))])


__all__ = ["predictions", "softmax", "confusion_matrix", "prediction_histogram", "mean_activation",
           "mean_image", "feature_ranges", "all_confusions"]

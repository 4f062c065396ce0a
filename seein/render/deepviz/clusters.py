"""Clustered images (deepViz §5.3, Fig. 5): k-means of the images in a fully-connected layer
(30 clusters by default, the last such layer), one row per cluster: its class mix as a
stacked bar, then the 20 images nearest its centre, nearest first. Rows are sorted by size.
A click on a row returns (cluster, mask of its images), which the app selects.
"""

from __future__ import annotations

import numpy as np

from ...compute.clustering import cluster_images, last_flat_layer
from ...core.palette import class_palette
from ...store import Store
from ..deepeyes.figure import Drawn, axes_at, new_figure, to_rgba

GAP = 2  # pixels between thumbnails


def clusters_data(store: Store, layer: str | None = None, snapshot: int = -1, k: int = 30,
                  metric: str = "euclidean") -> dict:
    """The clustering (cached by seein.compute) and the thumbnails of each row's nearest images."""
    from ...store import FLAT

    name = layer if layer and store.layer(layer).kind == FLAT else last_flat_layer(store)
    result = cluster_images(store, name, k=k, snapshot=snapshot, metric=metric)
    nearest = result["nearest"]
    used = np.unique(nearest[nearest >= 0])
    thumbs = {int(i): np.asarray(store.images[int(i)]) for i in used}
    return {"layer": name, "metric": metric, "snapshot": snapshot % len(store.snapshots), "labels": result["labels"],
            "sizes": result["sizes"], "nearest": nearest, "thumbs": thumbs,
            "classes": np.asarray(store.labels), "class_names": list(store.class_names)}


def _mosaic(data: dict, rows: np.ndarray) -> np.ndarray:
    """The rows' nearest images side by side, grey, NaN between (uint8 images scaled to [0, 1])."""
    nearest = data["nearest"]
    sample = next(iter(data["thumbs"].values()))
    h, w = sample.shape[:2]
    cols = nearest.shape[1]
    out = np.full((len(rows) * (h + GAP) - GAP, cols * (w + GAP) - GAP), np.nan, np.float32)
    for r, c in enumerate(rows):
        for j, image in enumerate(nearest[c]):
            if image < 0:
                continue
            thumb = data["thumbs"][int(image)].astype(np.float32).mean(axis=-1) / 255.0
            out[r * (h + GAP):r * (h + GAP) + h, j * (w + GAP):j * (w + GAP) + w] = thumb
    return out


def draw_clusters(data: dict, size: tuple[int, int] = (900, 900), selection: np.ndarray | None = None) -> Drawn:
    """One row per cluster, largest first; the selection's share of a cluster is printed at its right."""
    from matplotlib import colormaps

    sizes = data["sizes"]
    rows = np.argsort(-sizes, kind="stable")
    rows = rows[sizes[rows] > 0]
    names = data["class_names"]
    palette = class_palette(len(names))
    fig = new_figure(size)
    mix_ax = fig.add_axes([0.02, 0.03, 0.1, 0.9])
    ax = fig.add_axes([0.13, 0.03, 0.8, 0.9])
    cmap = colormaps["gray"].with_extremes(bad="white")
    mosaic = _mosaic(data, rows)
    ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    ax.axis("off")
    h = next(iter(data["thumbs"].values())).shape[0] + GAP
    classes = data["classes"]
    for r, c in enumerate(rows):
        members = data["labels"] == c
        counts = np.bincount(classes[members & (classes >= 0)], minlength=len(names))
        left = 0.0
        for k in np.flatnonzero(counts):
            share = counts[k] / max(counts.sum(), 1)
            mix_ax.barh(r, share, left=left, height=0.85, color=palette[k][:3])
            if share > 0.3:
                mix_ax.text(left + share / 2, r, names[k], ha="center", va="center", fontsize=6, color="white")
            left += share
        label = f"{int(sizes[c])}"
        if selection is not None:
            label += f" ({int((members & np.asarray(selection, bool)).sum())})"
        ax.text(mosaic.shape[1] + 1, r * h + h / 2 - 1, label, fontsize=6, va="center", ha="left")
    mix_ax.set_xlim(0, 1)
    mix_ax.set_ylim(len(rows) - 0.5, -0.5)
    mix_ax.axis("off")
    mix_ax.set_title("class mix", fontsize=7)
    title = (f"{len(rows)} clusters of {data['layer']} ({data['metric']}), snapshot {data['snapshot']}: "
             f"the {data['nearest'].shape[1]} images nearest each centre")
    fig.suptitle(title + ("; (n) selected" if selection is not None else ""), fontsize=9, y=0.985)

    def pick(x: float, y: float):
        hit, _, cy = axes_at(fig, x, y)
        if hit is ax:
            r = int((cy + 0.5) // h)
        elif hit is mix_ax:
            r = int(round(cy))
        else:
            return None
        if not 0 <= r < len(rows):
            return None
        return int(rows[r]), data["labels"] == rows[r]

    return Drawn(to_rgba(fig), fig, pick)

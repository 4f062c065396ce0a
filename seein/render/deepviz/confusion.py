"""Confusion matrix (deepViz §5.2, Fig. 4): true classes in rows, predicted in columns, per snapshot.

Cells are shaded by the share of their row (so a rare class reads as well as a common one)
and print their count; the current selection's count in a cell is outlined and printed
under it. A click on a cell picks the images in it (true t, predicted p).
"""

from __future__ import annotations

import numpy as np

from ...store import Store
from ..deepeyes.figure import MARK, Drawn, axes_at, new_figure, to_rgba


def confusion_data(store: Store, snapshot: int = -1) -> dict:
    """Labels and predictions of one snapshot (what the matrix and its picks need)."""
    labels = np.asarray(store.labels, dtype=np.int64)
    predictions = store.predictions(snapshot)
    return {"labels": labels, "predictions": predictions, "class_names": list(store.class_names),
            "snapshot": snapshot % len(store.snapshots)}


def confusion_counts(labels: np.ndarray, predictions: np.ndarray, n_classes: int,
                     mask: np.ndarray | None = None) -> np.ndarray:
    """(n_classes, n_classes) counts of (true, predicted), over the images in ``mask`` (default all)."""
    keep = (labels >= 0) & (predictions >= 0) & (predictions < n_classes)
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    flat = labels[keep] * n_classes + predictions[keep]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def cell_images(data: dict, true: int, predicted: int) -> np.ndarray:
    """Boolean mask over images: those of class ``true`` predicted as ``predicted``."""
    return (data["labels"] == true) & (data["predictions"] == predicted)


def draw_confusion(data: dict, size: tuple[int, int] = (640, 600),
                   selection: np.ndarray | None = None) -> Drawn:
    """The matrix of one snapshot; a click returns the (true, predicted) cell under it."""
    names = data["class_names"]
    n = len(names)
    counts = confusion_counts(data["labels"], data["predictions"], n)
    rows = counts.sum(axis=1, keepdims=True)
    share = counts / np.maximum(rows, 1)
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    fig = new_figure(size)
    ax = fig.add_axes([0.14, 0.12, 0.8, 0.78])
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    picked = None if selection is None else confusion_counts(data["labels"], data["predictions"], n, selection)
    small = max(5.0, min(11.0, 200.0 / n))
    for t in range(n):
        for p in range(n):
            c = counts[t, p]
            if c == 0 and (picked is None or picked[t, p] == 0):
                continue
            colour = "white" if share[t, p] > 0.55 else "black"
            text = f"{c}"
            if picked is not None and picked[t, p]:
                text += f"\n({picked[t, p]})"
                ax.add_patch(_outline(t, p))
            ax.text(p, t, text, ha="center", va="center", fontsize=small, color=colour)
    ax.set_xticks(range(n), names, fontsize=small, rotation=90 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(n), names, fontsize=small)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    title = f"Confusion, snapshot {data['snapshot']}: accuracy {accuracy:.1%}"
    if picked is not None:
        title += f"\n(n): of the {int(np.asarray(selection).sum())} selected"
    ax.set_title(title, fontsize=9)

    def pick(x: float, y: float):
        hit, cx, cy = axes_at(fig, x, y)
        if hit is not ax:
            return None
        t, p = int(round(cy)), int(round(cx))
        return (t, p) if 0 <= t < n and 0 <= p < n else None

    return Drawn(to_rgba(fig), fig, pick)


def _outline(t: int, p: int):
    from matplotlib.patches import Rectangle

    return Rectangle((p - 0.5, t - 0.5), 1, 1, fill=False, edgecolor=MARK, linewidth=2.0)

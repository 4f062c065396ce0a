"""Prediction histogram (deepViz §5.1): the class probabilities of the hovered or clicked image as
bars with class names; for a selection of several images, their mean with the spread (one
standard deviation) as error bars. The true class's bar is outlined.
"""

from __future__ import annotations

import numpy as np

from ...store import Store
from ..deepeyes.figure import MARK, Drawn, axes_at, new_figure, to_rgba


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def prediction_data(store: Store, snapshot: int = -1) -> dict:
    """Every image's class probabilities at one snapshot, and the labels."""
    return {"probabilities": softmax(store.logits(snapshot)), "labels": np.asarray(store.labels),
            "class_names": list(store.class_names), "snapshot": snapshot % len(store.snapshots)}


def draw_prediction(data: dict, images: np.ndarray | None, size: tuple[int, int] = (480, 260),
                    compact: bool = False) -> Drawn:
    """Bars of the probabilities of ``images`` (indices; mean ± std for several); a click picks a class."""
    names = data["class_names"]
    n = len(names)
    fig = new_figure(size)
    ax = fig.add_axes([0.1, 0.2, 0.86, 0.66] if not compact else [0.07, 0.2, 0.92, 0.62])
    images = None if images is None else np.atleast_1d(np.asarray(images, dtype=np.int64))
    if images is None or len(images) == 0:
        ax.bar(range(n), np.zeros(n))
        ax.set_title("Prediction: click an image (or select some) to see its class probabilities",
                     fontsize=7 if compact else 9)
    else:
        probs = data["probabilities"][images]
        mean = probs.mean(axis=0)
        spread = probs.std(axis=0) if len(images) > 1 else None
        colours = ["#9ecae1"] * n
        top = int(np.argmax(mean))
        colours[top] = MARK
        bars = ax.bar(range(n), mean, yerr=spread, color=colours, capsize=2 if spread is not None else 0)
        labels = data["labels"][images]
        if len(images) == 1 and 0 <= labels[0] < n:
            bars[int(labels[0])].set_edgecolor("black")
            bars[int(labels[0])].set_linewidth(1.5)
            what = f"image {int(images[0])} (true {names[int(labels[0])]})"
        else:
            what = f"mean of {len(images)} images (bars: ± 1 std)"
        ax.set_title(f"{what}: predicted {names[top]} ({mean[top]:.0%}), snapshot {data['snapshot']}",
                     fontsize=7 if compact else 9)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(n), names, fontsize=7 if compact else 8)
    if compact:
        ax.set_yticks([0, 1], ["0", "1"])
    else:
        ax.set_ylabel("probability", fontsize=9)
    ax.tick_params(labelsize=6 if compact else 7, pad=1)

    def pick(x: float, y: float):
        hit, cx, _ = axes_at(fig, x, y)
        k = int(round(cx))
        return k if hit is ax and 0 <= k < n else None

    return Drawn(to_rgba(fig), fig, pick)

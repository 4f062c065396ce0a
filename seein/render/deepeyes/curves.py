"""Training overview (DeepEyes Fig. 1a, 5): loss and accuracy, train and test, current snapshot marked.

A click anywhere on either chart picks the snapshot whose step is nearest to the clicked step.
"""

from __future__ import annotations

import numpy as np

from ...store import Store
from .figure import MARK, Drawn, axes_at, new_figure, to_rgba

_STYLE = {"train": dict(color="#7f7f7f", lw=1.0, alpha=0.8), "test": dict(color=MARK, lw=2.0, marker="o", ms=3)}


def curves_data(store: Store) -> dict:
    """The store's ``/curves`` and each snapshot's step."""
    return {"curves": store.curves, "steps": np.array([s.step for s in store.snapshots])}


def nearest_snapshot(steps: np.ndarray, step: float) -> int:
    return int(np.argmin(np.abs(np.asarray(steps, dtype=np.float64) - step)))


def draw_curves(data: dict, snapshot: int, size: tuple[int, int] = (640, 360)) -> Drawn:
    """Loss (left) and accuracy (right) against training step; a vertical line at ``snapshot``."""
    fig = new_figure(size)
    curves, steps = data["curves"], data["steps"]
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "acc")):
        for split in ("train", "test"):
            c = curves.get(f"{split}_{metric}")
            if c is not None and len(c):
                ax.plot(c[:, 0], c[:, 1], label=split, **_STYLE[split])
        ax.axvline(steps[snapshot], color="#ff7f0e", lw=2)
        ax.set_title("loss" if metric == "loss" else "accuracy", fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
        if steps[-1] > steps[0]:
            pad = 0.02 * (steps[-1] - steps[0])
            ax.set_xlim(steps[0] - pad, steps[-1] + pad)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    rgba = to_rgba(fig)

    def pick(x: float, y: float):
        ax, step, _ = axes_at(fig, x, y)
        return None if ax is None else nearest_snapshot(steps, step)

    return Drawn(rgba, fig, pick)

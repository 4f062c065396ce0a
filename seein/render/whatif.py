"""Figures of the what-if analyses (matplotlib, no Qt): the adversarial strip and the
activation maximisation beside its top data-set patches and weights bitmap."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure


def _grey(img: np.ndarray) -> np.ndarray:
    """(C, H, W) -> something imshow takes (H, W) or (H, W, 3)."""
    img = np.asarray(img, dtype=np.float32)
    return img[0] if img.shape[0] == 1 else np.clip(img.transpose(1, 2, 0), 0, 1)


def figure_rgba(fig: Figure) -> np.ndarray:
    """Draw ``fig`` with the Agg canvas and return its RGBA uint8 pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def strip_figure(images: np.ndarray, predicted: Sequence[int], target_prob: Sequence[float],
                 target: int, class_names: Sequence[str], size: tuple[int, int] = (1200, 360),
                 amplify: float | None = None) -> Figure:
    """Deepling's strip: each recorded input with its predicted class and the target's probability
    (top row; green once it is the target), and its difference from the original amplified (bottom)."""
    k = len(images)
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    axes = fig.subplots(2, k, squeeze=False)
    diffs = np.asarray(images) - np.asarray(images)[:1]
    scale = amplify or (1.0 / max(float(np.abs(diffs).max()), 1e-6))
    name = lambda c: class_names[c] if 0 <= c < len(class_names) else str(c)  # noqa: E731
    for i in range(k):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(_grey(images[i]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        hit = int(predicted[i]) == int(target)
        top.set_title(f"{'orig' if i == 0 else f'step {i}'}: {name(int(predicted[i]))}\n"
                      f"p({name(target)})={float(target_prob[i]):.2f}", fontsize=8,
                      color="#1a7f37" if hit else "black")
        d = diffs[i].mean(0) * scale
        bottom.imshow(d, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[1, 0].set_ylabel(f"diff ×{scale:.1f}", fontsize=8)
    fig.subplots_adjust(left=0.03, right=0.99, top=0.85, bottom=0.02, wspace=0.08, hspace=0.25)
    return fig


def adversarial_figure(images: np.ndarray, predicted: Sequence[int], target_prob: Sequence[float],
                       target: int, class_names: Sequence[str], trail: Any = None,
                       size: tuple[int, int] = (1200, 360)) -> Figure:
    """The strip; with a ``trail`` (seein.compute.trail.Trail) also the layer's projection below it,
    every stored point faint in its class colour and the strip's steps as a highlighted trail."""
    if trail is None:
        return strip_figure(images, predicted, target_prob, target, class_names, size)
    import matplotlib

    fig = strip_figure(images, predicted, target_prob, target, class_names, size)
    fig.subplots_adjust(top=0.93, bottom=0.45, hspace=0.3)
    ax = fig.add_axes((0.25, 0.02, 0.5, 0.38))
    cmap = matplotlib.colormaps["tab10"]
    emb = trail.embedding
    ax.scatter(emb[:, 0], emb[:, 1], s=4, c=cmap(trail.point_labels % 10), alpha=0.5, linewidths=0)
    pts = trail.points
    steps = np.repeat(np.arange(len(pts)), pts.shape[1])
    ax.scatter(pts[..., 0].ravel(), pts[..., 1].ravel(), s=10, c=steps, cmap="magma", vmin=0,
               vmax=max(len(pts) - 1, 1), edgecolors="black", linewidths=0.3, zorder=3)
    c = trail.centres
    ax.plot(c[:, 0], c[:, 1], "-", color="black", linewidth=1.2, zorder=4)
    ax.scatter(c[[0, -1], 0], c[[0, -1], 1], s=60, c=[cmap(int(predicted[0]) % 10), cmap(int(target) % 10)],
               marker="*", edgecolors="black", linewidths=0.8, zorder=5)
    ax.set_title(f"trail in {trail.layer} ({trail.method}): start * {class_names[int(predicted[0])]}, "
                 f"target {class_names[int(target)]}", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def maximise_figure(image: np.ndarray, title: str, patches: Sequence[Any], store_images: Any,
                    weights: np.ndarray | None = None, size: tuple[int, int] = (1000, 420)) -> Figure:
    """The synthesized input (left), the unit's top-9 receptive-field patches (3×3, middle) and its
    weights bitmap (right, one tile per input channel)."""
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    grid = fig.add_gridspec(3, 9)
    ax = fig.add_subplot(grid[:, 0:3])
    ax.imshow(_grey(image), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    for n, p in enumerate(patches[:9]):
        a = fig.add_subplot(grid[n // 3, 3 + n % 3])
        img = np.asarray(store_images[p.image], dtype=np.float32) / 255.0  # (H, W, C)
        y0, x0, y1, x1 = p.box
        crop = img[y0:y1, x0:x1]
        a.imshow(crop[..., 0] if crop.shape[-1] == 1 else crop, cmap="gray", vmin=0, vmax=1,
                 interpolation="nearest")
        a.set_title(f"#{p.image}: {p.value:.2f}", fontsize=7)
        a.set_xticks([])
        a.set_yticks([])
    if weights is not None:
        w = np.asarray(weights, dtype=np.float32)
        if w.ndim == 1:  # a flat unit's weights: a square-ish bitmap
            side = int(np.ceil(np.sqrt(w.size)))
            w = np.pad(w, (0, side * side - w.size)).reshape(1, side, side)
        tiles = w.reshape(-1, *w.shape[-2:])[:16]
        cols = int(np.ceil(np.sqrt(len(tiles))))
        rows = int(np.ceil(len(tiles) / cols))
        pad = np.full((rows * (tiles.shape[1] + 1), cols * (tiles.shape[2] + 1)), np.nan, np.float32)
        for t, tile in enumerate(tiles):
            r, c = divmod(t, cols)
            pad[r * (tile.shape[0] + 1):r * (tile.shape[0] + 1) + tile.shape[0],
                c * (tile.shape[1] + 1):c * (tile.shape[1] + 1) + tile.shape[1]] = tile
        lim = float(np.nanmax(np.abs(pad))) or 1.0
        wa = fig.add_subplot(grid[:, 6:9])
        wa.imshow(pad, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        wa.set_title(f"weights ({len(tiles)} of {w.reshape(-1, *w.shape[-2:]).shape[0]} input channels)"
                     if w.reshape(-1, *w.shape[-2:]).shape[0] > len(tiles) else "weights", fontsize=9)
        wa.set_xticks([])
        wa.set_yticks([])
    fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.02, wspace=0.15, hspace=0.35)
    return fig




def compare_figure(a: np.ndarray, b: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                   names: tuple[str, str], note: str = "", selected: np.ndarray | None = None,
                   size: tuple[int, int] = (900, 900)) -> Figure:
    """Two aligned layouts in one plot: A as dots, B as crosses, each image's pair joined by a line
    (the selected images' lines drawn strong, the rest faint)."""
    from matplotlib.collections import LineCollection

    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    colours = cmap(np.asarray(labels) % 10)
    sel = np.zeros(len(a), bool) if selected is None else np.asarray(selected, bool)
    segs = np.stack([a, b], 1)
    ax.add_collection(LineCollection(segs[~sel], colors=colours[~sel], alpha=0.12 if sel.any() else 0.25,
                                     linewidths=0.6))
    if sel.any():
        ax.add_collection(LineCollection(segs[sel], colors="black", alpha=0.8, linewidths=1.0))
    ax.scatter(a[:, 0], a[:, 1], s=9, c=colours, marker="o", linewidths=0, label=names[0])
    ax.scatter(b[:, 0], b[:, 1], s=14, c=colours, marker="x", linewidths=0.8, label=names[1])
    if sel.any():
        ax.scatter(a[sel, 0], a[sel, 1], s=30, facecolors="none", edgecolors="black", linewidths=1.0)
    for c, name in enumerate(class_names[:10]):
        ax.scatter([], [], s=20, color=cmap(c % 10), label=name)
    ax.legend(loc="upper right", fontsize=7, ncol=2, markerscale=1.2, framealpha=0.8)
    ax.set_title(f"o {names[0]}   x {names[1]} (aligned){'   ' + note if note else ''}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.autoscale_view()
    fig.subplots_adjust(left=0.02, right=0.98, top=0.95, bottom=0.02)
    return fig


__all__ = ["figure_rgba", "strip_figure", "adversarial_figure", "maximise_figure", "compare_figure"]

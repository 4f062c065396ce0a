"""Filters (deepViz §5.1, Fig. 1): a conv layer's kernels as bitmaps, filters in rows and input
channels in columns, for one snapshot.

Normalised globally over every snapshot of the layer by default (the missing piece deepViz
names: per-snapshot scaling hides how weights grow), so playing the timeline shows structure
emerge; per-snapshot scaling is an option. Diverging colours: red positive, blue negative.
A click returns the (filter, channel) under it.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from ...core.errors import SeeinError
from ...store import Store
from ..deepeyes.figure import Drawn, axes_at, new_figure, to_rgba

GAP = 1  # pixels of background between kernels


class FilterScale(str, Enum):
    """How kernels are scaled to colours."""

    GLOBAL = "global"  # one scale over every snapshot of the layer
    SNAPSHOT = "snapshot"  # one scale per snapshot


def conv_layers(store: Store) -> list[str]:
    """Layers whose module has 4-D weights (conv kernels) in the store."""
    if not store.has_weights:
        return []
    weights = store.snapshot_weights(-1)
    return [layer.name for layer in store.layers
            if np.ndim(weights.get(f"{layer.name}.weight", np.zeros(0))) == 4]


def filter_layer(store: Store, layer: str | None) -> str:
    """``layer`` if it has kernels, else the first layer that does (a one-line error if none)."""
    convs = conv_layers(store)
    if not store.has_weights:
        store.snapshot_weights(-1)  # raises: no weights, and how to add them
    if not convs:
        raise SeeinError("no convolution kernels among the store's layers", store.path)
    return layer if layer in convs else convs[0]


def filters_data(store: Store, layer: str | None, snapshot: int = -1) -> dict:
    """One layer's kernels at ``snapshot`` and the largest |weight| over all snapshots."""
    name = filter_layer(store, layer)
    key = f"{name}.weight"
    kernels = store.snapshot_weights(snapshot)[key]
    global_max = max(float(np.abs(store.snapshot_weights(k)[key]).max()) for k in range(len(store.snapshots)))
    return {"layer": name, "kernels": kernels, "global_max": global_max,
            "snapshot": snapshot % len(store.snapshots)}


def mosaic(kernels: np.ndarray, limit: float, gap: int = GAP) -> np.ndarray:
    """(F, C, kh, kw) kernels as one (F*(kh+gap), C*(kw+gap)) image in [-1, 1], NaN in the gaps."""
    f, c, kh, kw = kernels.shape
    out = np.full((f * (kh + gap) - gap, c * (kw + gap) - gap), np.nan, dtype=np.float32)
    scaled = kernels / max(limit, 1e-12)
    for i in range(f):
        for j in range(c):
            out[i * (kh + gap):i * (kh + gap) + kh, j * (kw + gap):j * (kw + gap) + kw] = scaled[i, j]
    return out


def draw_filters(data: dict, size: tuple[int, int] = (700, 700), scale: FilterScale | str = FilterScale.GLOBAL,
                 focused: int | None = None) -> Drawn:
    """The layer's kernels as small multiples; the focused filter is framed.

    Filters in rows and input channels in columns; a layer of one input channel (conv1 on
    grey images) wraps its filters into a near-square grid instead of one tall column.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    kernels = np.asarray(data["kernels"], dtype=np.float32)
    f, c, kh, kw = kernels.shape
    limit = data["global_max"] if FilterScale(scale) is FilterScale.GLOBAL else float(np.abs(kernels).max())
    wrap = int(np.ceil(np.sqrt(f))) if c == 1 else 0  # filters per row of the grid
    gap = 2 if wrap else GAP  # room for each filter's number above it
    if wrap:
        padded = np.zeros((int(np.ceil(f / wrap)) * wrap, 1, kh, kw), np.float32)
        padded[:f] = kernels
        grid = padded.reshape(-1, wrap, kh, kw)  # rows of the grid, filters as "channels"
        image = mosaic(grid, limit, gap)
        for g in range(f, padded.shape[0]):  # blank the padding cells
            r, q = divmod(g, wrap)
            image[r * (kh + gap):r * (kh + gap) + kh, q * (kw + gap):q * (kw + gap) + kw] = np.nan
    else:
        image = mosaic(kernels, limit)
    fig = new_figure(size)
    ax = fig.add_axes([0.1, 0.08, 0.82, 0.8])
    cmap = colormaps["RdBu_r"].with_extremes(bad="#f0f0f0")
    ax.imshow(image, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest", aspect="equal")
    step_x, step_y = kw + gap, kh + gap
    ax.tick_params(length=0, labelsize=7)
    for side in ax.spines.values():
        side.set_visible(False)

    def cell(i: int, j: int) -> tuple[float, float]:
        """Top-left pixel of filter i, channel j in the image."""
        if wrap:
            r, q = divmod(i, wrap)
            return q * step_x, r * step_y
        return j * step_x, i * step_y

    if wrap:
        ax.set_xticks([])
        ax.set_yticks([])
        for i in range(f):
            x0, y0 = cell(i, 0)
            ax.text(x0 - 0.5, y0 - 0.6, str(i), fontsize=7, va="bottom", ha="left", color="#444444")
        ax.set_ylim(image.shape[0] - 0.5, -2.2)  # room for the first row's numbers
        ax.set_xlabel(f"{f} filters of 1 input channel, {kh}x{kw}")
    else:
        every = max(1, int(np.ceil(f / 12)))
        ax.set_yticks([i * step_y + kh / 2 - 0.5 for i in range(0, f, every)], [str(i) for i in range(0, f, every)])
        every_c = max(1, int(np.ceil(c / 10)))
        ax.set_xticks([j * step_x + kw / 2 - 0.5 for j in range(0, c, every_c)],
                      [str(j) for j in range(0, c, every_c)])
        ax.set_ylabel("filter")
        ax.set_xlabel("input channel")
    if focused is not None and 0 <= focused < f:
        x0, y0 = cell(focused, 0)
        width = kw if wrap else image.shape[1]
        ax.add_patch(Rectangle((x0 - 1, y0 - 1), width + 1, kh + 1, fill=False, edgecolor="#ff7f0e", linewidth=2))
    how = "over all snapshots" if FilterScale(scale) is FilterScale.GLOBAL else "this snapshot"
    fig.suptitle(f"{data['layer']} filters, snapshot {data['snapshot']}  (|w| ≤ {limit:.3g}, scaled {how})",
                 fontsize=10, y=0.97)

    def pick(x: float, y: float):
        hit, cx, cy = axes_at(fig, x, y)
        if hit is not ax:
            return None
        r, q = int((cy + 0.5) // step_y), int((cx + 0.5) // step_x)
        i, j = (r * wrap + q, 0) if wrap else (r, q)
        if wrap and q >= wrap:
            return None
        return (i, j) if 0 <= i < f and 0 <= j < c else None

    return Drawn(to_rgba(fig), fig, pick)

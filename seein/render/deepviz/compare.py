"""Direct compare (deepViz §5.4, Fig. 6): small multiples with checkpoints in rows and layers in
columns, of one image's feature maps (each cell: the layer's channel with the largest mean
response at the last snapshot, or the focused channel) or of the layers' filter bitmaps.

Static: time is on the rows. The rows and columns are the user's (deepViz hard-coded
its own): any snapshots and any structured layers, by default all of them.
"""

from __future__ import annotations

from enum import Enum
from typing import Sequence

import numpy as np

from ...core.errors import SeeinError
from ...store import STRUCTURED, Store
from ..deepeyes.figure import Drawn, axes_at, new_figure, to_rgba


class CompareWhat(str, Enum):
    """What each cell shows."""

    FEATURE_MAPS = "maps"  # the image's feature map of one channel
    FILTERS = "filters"  # the channel's kernel (conv layers of a store with weights)


def compare_data(store: Store, image: int, layers: Sequence[str] | None = None,
                 snapshots: Sequence[int] | None = None, channel: int | None = None,
                 what: CompareWhat | str = CompareWhat.FEATURE_MAPS) -> dict:
    """The cells' arrays: rows = ``snapshots`` (default all), columns = ``layers`` (default every
    structured layer); ``channel`` per layer is the given one, else the most active at the last snapshot."""
    what = CompareWhat(what)
    names = list(layers) if layers else [layer.name for layer in store.layers if layer.kind == STRUCTURED]
    for name in names:
        if store.layer(name).kind != STRUCTURED:
            raise SeeinError(f"direct compare shows feature maps: {name!r} is a flat layer", store.path)
    if not names:
        raise SeeinError("the store has no structured layers to compare", store.path)
    ks = [k % len(store.snapshots) for k in (snapshots if snapshots else range(len(store.snapshots)))]
    if not 0 <= image < store.n_images:
        raise SeeinError(f"no image {image} (the store holds 0..{store.n_images - 1})", store.path)
    channels, cells = {}, {}
    for name in names:
        last = store.feature_maps(name, image, -1)
        channels[name] = int(channel) % last.shape[0] if channel is not None else int(last.mean(axis=(1, 2)).argmax())
        for k in ks:
            if what is CompareWhat.FEATURE_MAPS:
                cells[k, name] = store.feature_maps(name, image, k)[channels[name]]
            else:
                weights = store.snapshot_weights(k).get(f"{name}.weight")
                if weights is None or weights.ndim != 4:
                    cells[k, name] = None
                else:
                    cells[k, name] = weights[channels[name]].mean(axis=0)
    steps = [store.snapshot(k).step for k in ks]
    return {"image": int(image), "layers": names, "snapshots": ks, "steps": steps, "channels": channels,
            "cells": cells, "what": what.value, "thumb": np.asarray(store.images[int(image)])}


def draw_compare(data: dict, size: tuple[int, int] = (800, 700)) -> Drawn:
    """The grid: a row per snapshot, a column per layer, each layer on one colour scale over its row."""
    names, ks = data["layers"], data["snapshots"]
    fig = new_figure(size)
    rows, cols = len(ks), len(names) + 1
    grid = fig.add_gridspec(rows, cols, left=0.08, right=0.98, top=0.9, bottom=0.02, wspace=0.08, hspace=0.12)
    cell_axes = {}
    for c, name in enumerate(names):
        column = [data["cells"][k, name] for k in ks if data["cells"][k, name] is not None]
        limit = max((float(np.abs(a).max()) for a in column), default=1.0) or 1.0
        lo = 0.0 if data["what"] == "maps" and min(float(a.min()) for a in column) >= 0 else -limit
        for r, k in enumerate(ks):
            ax = fig.add_subplot(grid[r, c + 1])
            ax.set_xticks([])
            ax.set_yticks([])
            cell = data["cells"][k, name]
            if cell is not None:
                ax.imshow(cell, cmap="viridis" if lo == 0 else "RdBu_r", vmin=lo, vmax=limit, interpolation="nearest")
            if r == 0:
                ax.set_title(f"{name} · ch {data['channels'][name]}", fontsize=8)
            cell_axes[ax] = (k, name)
    for r, k in enumerate(ks):
        ax = fig.add_subplot(grid[r, 0])
        ax.imshow(data["thumb"].squeeze(), cmap="gray", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"snap {k}\nstep {data['steps'][r]}", fontsize=7, rotation=0, ha="right", va="center")
    what = "feature maps" if data["what"] == "maps" else "filters (mean over input channels)"
    fig.suptitle(f"Direct compare: image {data['image']}'s {what}, checkpoints in rows", fontsize=9, y=0.975)

    def pick(x: float, y: float):
        ax, _, _ = axes_at(fig, x, y)
        return cell_axes.get(ax)

    return Drawn(to_rgba(fig), fig, pick)

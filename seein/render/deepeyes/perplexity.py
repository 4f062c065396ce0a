"""Perplexity histograms (DeepEyes §4.2, Fig. 6): one per layer (rows) per snapshot (columns).

Each cell shows the histogram of the sampled instances' perplexity over [1, |F|] (grey,
upwards) and its change from the previous snapshot (downwards: green where a bin grew,
red where it shrank). A cell whose layer is stable there (the change is under the
threshold of :mod:`seein.compute.deepeyes_views`) has a green background; the current
snapshot's column is framed; selected images' instances are drawn in orange over the
grey bars of that column. A click on a cell picks (layer, snapshot).
"""

from __future__ import annotations

import numpy as np

from ...compute.deepeyes_views import layer_stability, selection_shares
from ...store import Store
from .figure import BAD, GOOD, Drawn, axes_at, new_figure, to_rgba

MAX_COLUMNS = 8


def columns(n_snapshots: int, current: int, max_columns: int = MAX_COLUMNS) -> list[int]:
    """The snapshots shown: all when few, else evenly spaced ones with the first, last and current."""
    if n_snapshots <= max_columns:
        return list(range(n_snapshots))
    picked = {int(round(v)) for v in np.linspace(0, n_snapshots - 1, max_columns - 1)} | {current}
    return sorted(picked)


def perplexity_data(store: Store, layers: list[str] | None = None, selection: np.ndarray | None = None,
                    snapshot: int = -1) -> dict:
    """Stability (histograms, changes) of every layer; with a selection, its shares at ``snapshot``."""
    names = layers or [layer.name for layer in store.layers]
    out = {"layers": names, "steps": np.array([s.step for s in store.snapshots]),
           "stability": {name: layer_stability(store, name) for name in names}, "selected": {}}
    if selection is not None and np.any(selection):
        out["selected"] = {name: selection_shares(store, name, snapshot, selection)["selected"]
                           for name in names}
    return out


def draw_perplexity(data: dict, snapshot: int, size: tuple[int, int] = (900, 700),
                    active_layer: str | None = None) -> Drawn:
    """The grid of histograms; ``snapshot``'s column framed, ``active_layer``'s name in bold."""
    names, steps = data["layers"], data["steps"]
    cols = columns(len(steps), snapshot)
    fig = new_figure(size)
    grid = fig.subplots(len(names), len(cols), squeeze=False)
    where: dict = {}
    for r, name in enumerate(names):
        st = data["stability"][name]
        counts, diff, edges = st["counts"], st["diff"], st["edges"]
        top = max(float(counts.max()), 1.0)
        centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        for c, s in enumerate(cols):
            ax = grid[r][c]
            where[ax] = (name, s)
            ax.bar(centres, counts[s] / top, width=width, color="#8c8c8c", linewidth=0)
            if s == snapshot and name in data["selected"]:
                ax.bar(centres, data["selected"][name] / top, width=width, color="#ff7f0e", linewidth=0)
            d = diff[s] / top
            ax.bar(centres, np.minimum(d, 0), width=width, color=BAD, linewidth=0)
            ax.bar(centres, -np.maximum(d, 0), width=width, color=GOOD, linewidth=0)
            ax.set_ylim(-1.0, 1.05)
            ax.set_xlim(edges[0], edges[-1])
            ax.set_xticks([])
            ax.set_yticks([])
            if st["stable"][s]:
                ax.set_facecolor("#e3f4e1")
            for spine in ax.spines.values():
                spine.set_color("#ff7f0e" if s == snapshot else "#bbbbbb")
                spine.set_linewidth(2.5 if s == snapshot else 0.6)
            if r == 0:
                ax.set_title(f"step {steps[s]}", fontsize=7)
            if c == 0:
                ax.set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center",
                              fontweight="bold" if name == active_layer else "normal")
    fig.subplots_adjust(left=0.1, right=0.99, top=0.95, bottom=0.02, wspace=0.08, hspace=0.15)
    rgba = to_rgba(fig)

    def pick(x: float, y: float):
        ax, _, _ = axes_at(fig, x, y)
        return where.get(ax)

    return Drawn(rgba, fig, pick)

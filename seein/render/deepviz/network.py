"""Network graph (deepViz §5.1): the extracted layers as nodes in forward order, each with its
module kind and output shape, edges in order, the active layer highlighted; a click on a
node returns its layer. Node width grows with the layer's size (units per image, log scale).
"""

from __future__ import annotations

import numpy as np

from ...store import Store
from ..deepeyes.figure import MARK, Drawn, new_figure, to_rgba


def network_data(store: Store) -> dict:
    """The layers in forward order with their kind, module and shape (what the graph draws)."""
    layers = sorted(store.layers, key=lambda layer: layer.order)
    weights = store.snapshot_weights(-1) if store.has_weights else {}
    params = [int(sum(np.size(v) for k, v in weights.items() if k.startswith(f"{layer.name}.")))
              for layer in layers]
    return {"layers": [(layer.name, layer.module, tuple(layer.shape)) for layer in layers], "params": params,
            "input_shape": tuple(store.input_shape), "model": store.model_spec}


def draw_network(data: dict, size: tuple[int, int] = (900, 220), active: str | None = None) -> Drawn:
    """The graph left to right: input, then each layer; a click returns the layer's name."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    layers = data["layers"]
    n = len(layers) + 1
    fig = new_figure(size)
    ax = fig.add_axes([0.01, 0.02, 0.98, 0.84])
    ax.set_xlim(-0.55, n - 0.45)
    ax.set_ylim(-1, 1)
    ax.axis("off")
    units = [int(np.prod(shape)) for _, _, shape in layers]
    biggest = max(units + [1])
    boxes = []
    per_node = size[0] * 0.98 / n  # pixels per node: the labels shrink to fit narrow docks
    big, small = float(np.clip(per_node / 9, 5, 9)), float(np.clip(per_node / 12, 4.5, 7))
    nodes = [("input", "", data["input_shape"], 0)] + [(nm, mod, sh, p) for (nm, mod, sh), p
                                                     in zip(layers, data["params"])]
    for i, (name, module, shape, params) in enumerate(nodes):
        size_frac = 0.35 + 0.5 * (np.log1p(np.prod(shape)) / np.log1p(biggest)) if shape else 0.5
        h = 0.6 + 0.9 * size_frac
        is_active = name == active
        face = MARK if is_active else ("#eeeeee" if name == "input" else "#dbe9f6")
        box = FancyBboxPatch((i - 0.38, -h / 2), 0.76, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                             facecolor=face, edgecolor="#08306b" if is_active else "#6b8bb0",
                             linewidth=2 if is_active else 1)
        ax.add_patch(box)
        colour = "white" if is_active else "black"
        ax.text(i, 0.12, name, ha="center", va="center", fontsize=big, weight="bold", color=colour)
        kind = module or "image"
        ax.text(i, -0.12, kind, ha="center", va="center", fontsize=small, color=colour)
        ax.text(i, -0.32, "x".join(map(str, shape)), ha="center", va="center", fontsize=small, color=colour)
        if params:
            ax.text(i, -h / 2 - 0.12, f"{params:,} weights", ha="center", va="top", fontsize=small * 0.85,
                    color="#555555")
        boxes.append((i - 0.38, i + 0.38, name))
        if i:
            ax.add_patch(FancyArrowPatch((i - 0.62, 0), (i - 0.4, 0), arrowstyle="-|>", mutation_scale=10,
                                         color="#555555"))
    ax.set_title(f"{data['model'] or 'network'}: {len(layers)} layers (click one to make it active)",
                 fontsize=min(9.0, big + 1))

    def pick(x: float, y: float):
        height = fig.bbox.height
        if not ax.bbox.contains(x, height - y):
            return None
        cx, _ = ax.transData.inverted().transform((x, height - y))
        for left, right, name in boxes:
            if left <= cx <= right and name != "input":
                return name
        return None

    return Drawn(to_rgba(fig), fig, pick)

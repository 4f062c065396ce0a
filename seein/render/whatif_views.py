"""The what-if views' content from a store and the state they follow, as matplotlib figures:
what the window's docks show and ``seein screenshot STORE --view adversarial|maximize`` writes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

import numpy as np
from matplotlib.figure import Figure

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback


class WhatIfView(str, Enum):
    ADVERSARIAL = "adversarial"
    MAXIMIZE = "maximize"


@dataclass(frozen=True)
class WhatIfRequest:
    """What a what-if view shows: the store's snapshot, layer, selection, focused unit."""

    snapshot: int = -1
    layer: str | None = None
    selection: tuple[int, ...] = ()
    unit: int | None = None
    target: int | None = None
    steps: int = 8
    size: tuple[int, int] = (1000, 700)


def adversarial_content(store: Any, req: WhatIfRequest, progress: ProgressCallback | None = None,
                        ask: Callable | None = None) -> Figure:
    """The strip of the first selected image (default image 0) and its trail in ``req.layer``."""
    from ..compute.adversarial import attack_store_image
    from ..compute.network import store_network
    from ..compute.trail import strip_trail
    from .whatif import adversarial_figure

    image = req.selection[0] if req.selection else 0
    strip = attack_store_image(store, image, req.target, snapshot=req.snapshot, steps=req.steps, ask=ask,
                               progress=progress)
    trail = None
    if req.layer:
        trail = strip_trail(store, store_network(store, req.snapshot, ask=ask), strip, req.layer, "pca",
                            req.snapshot, progress=progress)
    return adversarial_figure(strip.images, strip.predicted, strip.target_prob, strip.target,
                              store.class_names, trail, size=req.size)


def maximize_content(store: Any, req: WhatIfRequest, progress: ProgressCallback | None = None,
                     ask: Callable | None = None) -> Figure:
    """With a focused unit: its maximising input beside its top-9 patches and weights. Without one
    but with a selection: the input that maximises the selection's mean response in ``req.layer``."""
    from ..compute.maximize import layer_output, maximise_pattern, maximise_unit, unit_weights
    from ..compute.network import store_inputs, store_network
    from ..compute.toppatches import top_patches
    from .whatif import maximise_figure

    layer = req.layer or store.layers[0].name
    net = store_network(store, req.snapshot, ask=ask)
    if req.unit is None and req.selection:
        import torch

        x = store_inputs(store, list(req.selection)[:512]).to(next(net.parameters()).device)
        with torch.no_grad():
            pattern = layer_output(net, layer, x).mean(0).cpu().numpy()
        res = maximise_pattern(net, layer, pattern, store.input_shape, progress=progress)
        mean = np.asarray(store.images[sorted(req.selection)[:512]], np.float32).mean(0) / 255.0
        fig = Figure(figsize=(req.size[0] / 100, req.size[1] / 100), dpi=100)
        for i, (img, title) in enumerate(((res.image[0], f"maximises {layer}'s mean response of "
                                           f"{len(req.selection)} images (cos {res.activation:.2f})"),
                                          (mean[..., 0], "their mean image"))):
            ax = fig.add_subplot(1, 2, i + 1)
            ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        return fig
    unit = req.unit or 0
    if not 0 <= unit < store.layer(layer).dims:
        raise SeeinError(f"layer {layer!r} has no unit {unit}", store.path)
    patches = top_patches(store, layer, unit, req.snapshot)
    res = maximise_unit(net, layer, unit, store.input_shape, progress=progress)
    title = f"{layer}[{unit}]: {res.activation:.2f} (data max {patches[0].value:.2f})"
    return maximise_figure(res.image, title, patches, store.images, unit_weights(net, layer, unit),
                           size=req.size)


CONTENT = {WhatIfView.ADVERSARIAL: adversarial_content, WhatIfView.MAXIMIZE: maximize_content}


def render_whatif(store: Any, view: WhatIfView | str, req: WhatIfRequest,
                  progress: ProgressCallback | None = None, ask: Callable | None = None) -> np.ndarray:
    """The view's figure as RGBA pixels (headless)."""
    from .whatif import figure_rgba

    return figure_rgba(CONTENT[WhatIfView(view)](store, req, progress, ask))


__all__ = ["WhatIfView", "WhatIfRequest", "adversarial_content", "maximize_content", "render_whatif", "CONTENT"]

"""DeepEyes' views by name, rendered headless (seein.render.views.render_view dispatches here).

Each renderer takes the store path and the request (snapshot, layer, selected images,
focused filter, size) and returns RGBA pixels. ``curves`` and ``perplexity`` show every
layer; ``heatmap``, ``inputmap`` and ``filtermap`` one layer (default: the first).
"""

from __future__ import annotations

from typing import Callable, Optional

from ...store import Store


def _layer(store: Store, layer: Optional[str]) -> str:
    return store.layer(layer).name if layer else store.layers[0].name


def _curves(path, snapshot, layer, selection, focused, size):
    from .curves import curves_data, draw_curves

    with Store.open(path) as store:
        k = snapshot % len(store.snapshots)
        return draw_curves(curves_data(store), k, size).rgba


def _perplexity(path, snapshot, layer, selection, focused, size):
    from .perplexity import draw_perplexity, perplexity_data

    with Store.open(path) as store:
        k = snapshot % len(store.snapshots)
        data = perplexity_data(store, selection=selection, snapshot=k)
        return draw_perplexity(data, k, size, active_layer=layer).rgba


def _heatmap(path, snapshot, layer, selection, focused, size):
    from .heatmap import draw_heatmap, heatmap_data

    with Store.open(path) as store:
        return draw_heatmap(heatmap_data(store, _layer(store, layer), snapshot), size, focused=focused).rgba


def _filtermap(path, snapshot, layer, selection, focused, size):
    from .filtermap import draw_filtermap, filtermap_data

    with Store.open(path) as store:
        return draw_filtermap(filtermap_data(store, _layer(store, layer), snapshot), size, focused=focused).rgba


def _inputmap(path, snapshot, layer, selection, focused, size):
    from .inputmap import ColourBy, render_inputmap

    with Store.open(path) as store:
        name = _layer(store, layer)
    colour = ColourBy.FILTER if focused is not None else ColourBy.LABEL
    return render_inputmap(path, name, snapshot, colour, focused, selection, size)


VIEWS: dict[str, Callable] = {"curves": _curves, "perplexity": _perplexity, "heatmap": _heatmap,
                              "inputmap": _inputmap, "filtermap": _filtermap}


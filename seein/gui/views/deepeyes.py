"""DeepEyes' linked docks in the window: training curves, perplexity histograms, activation
heatmap and Filter Map (charts from seein.render.deepeyes in :class:`ChartDock` hosts).

Links (all through the AppState, so every view follows): a click on the curves moves the
timeline to the nearest snapshot; on a histogram cell makes its layer active (and its
snapshot current); on a heatmap row or a Filter Map point focuses that filter (the
embedding view jumps to its diagonal panel, the heatmap and Filter Map ring it); a lasso
on the Filter Map focuses the brushed filter that responds most.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...state import AppState
from ...state.bus import Source
from ...store import Store
from .chart_dock import ChartDock, ChartSpec, Request


def _curves(path: str, req: Request) -> Any:
    from ...render.deepeyes.curves import curves_data

    with Store.open(path) as store:
        return curves_data(store)


def _perplexity(path: str, req: Request) -> Any:
    from ...render.deepeyes.perplexity import perplexity_data

    with Store.open(path) as store:
        return perplexity_data(store, selection=req.selection, snapshot=req.snapshot)


def _heatmap(path: str, req: Request) -> Any:
    from ...render.deepeyes.heatmap import heatmap_data

    with Store.open(path) as store:
        return heatmap_data(store, req.layer, req.snapshot)


def _filtermap(path: str, req: Request) -> Any:
    from ...render.deepeyes.filtermap import filtermap_data

    with Store.open(path) as store:
        return filtermap_data(store, req.layer, req.snapshot)


def _draw_curves(data, req, size):
    from ...render.deepeyes.curves import draw_curves

    return draw_curves(data, req.snapshot, size)


def _draw_perplexity(data, req, size):
    from ...render.deepeyes.perplexity import draw_perplexity

    return draw_perplexity(data, req.snapshot, size, active_layer=req.layer)


def _draw_heatmap(data, req, size):
    from ...render.deepeyes.heatmap import draw_heatmap

    return draw_heatmap(data, size, focused=req.focused)


def _draw_filtermap(data, req, size):
    from ...render.deepeyes.filtermap import draw_filtermap

    return draw_filtermap(data, size, focused=req.focused)


def _pick_snapshot(state: AppState, k: int) -> None:
    state.set_snapshot(int(k))


def _pick_cell(state: AppState, hit: tuple[str, int]) -> None:
    layer, snapshot = hit
    state.set_layer(layer, source=Source.PERPLEXITY)
    state.set_snapshot(int(snapshot))


def _pick_filter(state: AppState, f: int) -> None:
    if state.layer is not None:
        state.focus_feature(state.layer, int(f))


def _brush_filters(state: AppState, caught: np.ndarray) -> None:
    caught = np.asarray(caught, dtype=bool)
    if not caught.any() or state.layer is None:
        return
    from ...compute.deepeyes import activation_heatmap

    heat = activation_heatmap(state.store, state.layer, state.snapshot)
    filters = np.flatnonzero(caught)
    state.focus_feature(state.layer, int(filters[np.argmax(heat["max"][filters])]))
    state.bus.status.emit(f"Filter Map: filters {', '.join(map(str, filters[:12]))}"
                          + (" ..." if len(filters) > 12 else "") + " brushed")


SPECS = (
    ChartSpec("curves", "Training", _curves, _draw_curves, ("snapshot",), _pick_snapshot,
              recompute_on=()),
    ChartSpec("perplexity", "Perplexity histograms", _perplexity, _draw_perplexity,
              ("snapshot", "layer", "selection"), _pick_cell, recompute_on=("snapshot", "selection")),
    ChartSpec("heatmap", "Activation heatmap", _heatmap, _draw_heatmap, ("snapshot", "layer", "focus"),
              _pick_filter, recompute_on=("snapshot", "layer")),
    ChartSpec("filtermap", "Filter Map", _filtermap, _draw_filtermap, ("snapshot", "layer", "focus"),
              _pick_filter, _brush_filters, recompute_on=("snapshot", "layer")),
)


def make_docks(state: AppState) -> dict[str, ChartDock]:
    """One ChartDock per DeepEyes chart, by name."""
    return {spec.name: ChartDock(state, spec) for spec in SPECS}

"""deepViz's linked docks in the window: confusion matrix, filters and prediction histogram
(charts from seein.render.deepviz in :class:`~seein.gui.deepeyes_host.ChartDock` hosts).

Links, all through the AppState so every view follows: a click on a confusion cell selects
exactly its images (undo restores the previous selection); on a filter focuses it (the
embedding view jumps to its diagonal panel); on a prediction bar selects the images the
network predicts as that class; on a network-graph node makes that layer active. Every dock
follows the timeline.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..state import AppState
from ..store import Store
from .deepeyes_host import ChartDock, ChartSpec, Request


def _confusion(path: str, req: Request) -> Any:
    from ..render.deepviz.confusion import confusion_data

    with Store.open(path) as store:
        return confusion_data(store, req.snapshot)


def _draw_confusion(data, req: Request, size):
    from ..render.deepviz.confusion import draw_confusion

    return draw_confusion(data, size, req.selection)


def _pick_cell(state: AppState, hit: tuple[int, int]) -> None:
    from ..render.deepviz.confusion import confusion_data

    true, predicted = hit
    data = confusion_data(state.require_store(), state.snapshot)
    mask = (data["labels"] == true) & (data["predictions"] == predicted)
    names = data["class_names"]
    state.select(mask, source="confusion")
    state.bus.status.emit(f"confusion: {int(mask.sum())} images of class {names[true]} predicted as "
                          f"{names[predicted]} selected")


def _filters(path: str, req: Request) -> Any:
    from ..render.deepviz.filters import filters_data

    with Store.open(path) as store:
        return filters_data(store, req.layer, req.snapshot)


def _draw_filters(data, req: Request, size):
    from ..render.deepviz.filters import draw_filters

    focused = req.focused if req.layer == data["layer"] else None
    return draw_filters(data, size, focused=focused)


def _pick_filter(state: AppState, hit: tuple[int, int]) -> None:
    from ..render.deepviz.filters import filter_layer

    layer = filter_layer(state.require_store(), state.layer)
    state.focus_feature(layer, int(hit[0]))


def _prediction(path: str, req: Request) -> Any:
    from ..render.deepviz.prediction import prediction_data

    with Store.open(path) as store:
        return prediction_data(store, req.snapshot)


def _draw_prediction(data, req: Request, size):
    from ..render.deepviz.prediction import draw_prediction

    images = None if req.selection is None else np.flatnonzero(req.selection)
    return draw_prediction(data, images, size, compact=size[1] < 200)


def _pick_class(state: AppState, k: int) -> None:
    predictions = state.require_store().predictions(state.snapshot)
    state.select(predictions == int(k), source="prediction")


def _network(path: str, req: Request) -> Any:
    from ..render.deepviz.network import network_data

    with Store.open(path) as store:
        return network_data(store)


def _draw_network(data, req: Request, size):
    from ..render.deepviz.network import draw_network

    return draw_network(data, size, active=req.layer)


def _pick_layer(state: AppState, layer: str) -> None:
    state.set_layer(layer, source="network")


SPECS = (
    ChartSpec("confusion", "Confusion matrix", _confusion, _draw_confusion, ("snapshot", "selection"),
              _pick_cell, recompute_on=("snapshot",)),
    ChartSpec("filters", "Filters", _filters, _draw_filters, ("snapshot", "layer", "focus"),
              _pick_filter, recompute_on=("snapshot", "layer")),
    ChartSpec("prediction", "Prediction", _prediction, _draw_prediction, ("snapshot", "selection"),
              _pick_class, recompute_on=("snapshot",)),
    ChartSpec("network", "Network", _network, _draw_network, ("layer",), _pick_layer, recompute_on=()),
)


def make_docks(state: AppState) -> dict[str, ChartDock]:
    """One ChartDock per deepViz chart, by name."""
    return {spec.name: ChartDock(state, spec) for spec in SPECS}

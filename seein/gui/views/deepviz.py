"""deepViz's linked docks in the window: confusion matrix, filters and prediction histogram
(charts from seein.render.deepviz in :class:`~seein.gui.views.chart_dock.ChartDock` hosts).

Hovering a confusion cell shows a sample of its images, a filter its weights, a prediction bar
its probability (seein.render.deepviz.hover, in a popup).

Links, all through the AppState so every view follows: a click on a confusion cell selects
exactly its images (undo restores the previous selection); on a filter focuses it (the
embedding view jumps to its diagonal panel); on a prediction bar selects the images the
network predicts as that class; on a network-graph node makes that layer active; on a cluster's row selects its images; on a direct-compare cell
goes to that snapshot and focuses that layer's channel. Every dock but
direct compare (time is on its rows) follows the timeline.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...state import AppState
from ...state.bus import Source
from ...store import Store
from .chart_dock import ChartDock, ChartSpec, Request


def _confusion(path: str, req: Request) -> Any:
    from ...render.deepviz.confusion import confusion_data

    with Store.open(path) as store:
        return confusion_data(store, req.snapshot)


def _draw_confusion(data, req: Request, size):
    from ...render.deepviz.confusion import draw_confusion

    return draw_confusion(data, size, req.selection)


def _pick_cell(state: AppState, hit: tuple[int, int]) -> None:
    from ...render.deepviz.confusion import confusion_data

    true, predicted = hit
    data = confusion_data(state.require_store(), state.snapshot)
    mask = (data["labels"] == true) & (data["predictions"] == predicted)
    names = data["class_names"]
    state.select(mask, source=Source.CONFUSION)
    state.bus.status.emit(f"confusion: {int(mask.sum())} images of class {names[true]} predicted as "
                          f"{names[predicted]} selected")


def _hover_cell(state: AppState, data: Any, req: Request, hit: tuple[int, int]):
    from ...render.deepviz.hover import confusion_tip

    return confusion_tip(data, hit, state.require_store().images)


def _hover_filter(state: AppState, data: Any, req: Request, hit: tuple[int, int]):
    from ...render.deepviz.hover import filter_tip

    return filter_tip(data, hit)


def _hover_class(state: AppState, data: Any, req: Request, k: int):
    from ...render.deepviz.hover import prediction_tip

    return prediction_tip(data, int(k), None if req.selection is None else np.flatnonzero(req.selection))


def _filters(path: str, req: Request) -> Any:
    from ...render.deepviz.filters import filters_data

    with Store.open(path) as store:
        return filters_data(store, req.layer, req.snapshot)


def _draw_filters(data, req: Request, size):
    from ...render.deepviz.filters import draw_filters

    focused = req.focused if req.layer == data["layer"] else None
    return draw_filters(data, size, focused=focused)


def _pick_filter(state: AppState, hit: tuple[int, int]) -> None:
    from ...render.deepviz.filters import filter_layer

    layer = filter_layer(state.require_store(), state.layer)
    state.focus_feature(layer, int(hit[0]))


def _prediction(path: str, req: Request) -> Any:
    from ...render.deepviz.prediction import prediction_data

    with Store.open(path) as store:
        return prediction_data(store, req.snapshot)


def _draw_prediction(data, req: Request, size):
    from ...render.deepviz.prediction import draw_prediction

    images = None if req.selection is None else np.flatnonzero(req.selection)
    return draw_prediction(data, images, size, compact=size[1] < 200)


def _pick_class(state: AppState, k: int) -> None:
    predictions = state.require_store().predictions(state.snapshot)
    state.select(predictions == int(k), source=Source.PREDICTION)


def _network(path: str, req: Request) -> Any:
    from ...render.deepviz.network import network_data

    with Store.open(path) as store:
        return network_data(store)


def _draw_network(data, req: Request, size):
    from ...render.deepviz.network import draw_network

    return draw_network(data, size, active=req.layer)


def _pick_layer(state: AppState, layer: str) -> None:
    state.set_layer(layer, source=Source.NETWORK)


def _clusters(path: str, req: Request) -> Any:
    from ...render.deepviz.clusters import clusters_data

    with Store.open(path) as store:
        return clusters_data(store, req.layer, req.snapshot)


def _draw_clusters(data, req: Request, size):
    from ...render.deepviz.clusters import draw_clusters

    return draw_clusters(data, size, req.selection)


def _select_cluster(state: AppState, hit: tuple[int, np.ndarray]) -> None:
    cluster, members = hit
    state.select(members, source=Source.CLUSTERS)
    state.bus.status.emit(f"clusters: cluster {cluster} ({int(members.sum())} images) selected")


def _compare(path: str, req: Request) -> Any:
    from ...render.deepviz.compare import compare_data

    image = int(np.flatnonzero(req.selection)[0]) if req.selection is not None else 0
    with Store.open(path) as store:
        return compare_data(store, image)


def _draw_compare(data, req: Request, size):
    from ...render.deepviz.compare import draw_compare

    return draw_compare(data, size)


def _pick_compare(state: AppState, hit: tuple[int, str]) -> None:
    from ...render.deepviz.compare import compare_data

    snapshot, layer = hit
    selected = np.flatnonzero(state.selection) if state.selection is not None else []
    image = int(selected[0]) if len(selected) else 0
    channel = compare_data(state.require_store(), image, [layer], [snapshot])["channels"][layer]
    state.set_snapshot(int(snapshot))
    state.focus_feature(layer, channel)


SPECS = (
    ChartSpec("confusion", "Confusion matrix", _confusion, _draw_confusion, ("snapshot", "selection"),
              _pick_cell, recompute_on=("snapshot",), on_hover=_hover_cell),
    ChartSpec("filters", "Filters", _filters, _draw_filters, ("snapshot", "layer", "focus"),
              _pick_filter, recompute_on=("snapshot", "layer"), on_hover=_hover_filter),
    ChartSpec("prediction", "Prediction", _prediction, _draw_prediction, ("snapshot", "selection"),
              _pick_class, recompute_on=("snapshot",), on_hover=_hover_class),
    ChartSpec("network", "Network", _network, _draw_network, ("layer",), _pick_layer, recompute_on=()),
    ChartSpec("clusters", "Clustered images", _clusters, _draw_clusters, ("snapshot", "layer", "selection"),
              _select_cluster, recompute_on=("snapshot", "layer")),
    ChartSpec("compare", "Direct compare", _compare, _draw_compare, ("selection",), _pick_compare,
              recompute_on=("selection",)),
)


class CompactChart(ChartDock):
    """A chart in a fixed band (110 px high) inside another panel, not a dock of its own."""

    HEIGHT = 110

    def __init__(self, state: AppState, spec: ChartSpec):
        from qtpy import QtWidgets

        super().__init__(state, spec)
        self.setObjectName(f"compact_{spec.name}")
        self.setMinimumSize(96, self.HEIGHT)
        self.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Fixed)

    def sizeHint(self):
        return self.minimumSize()


def make_compact_prediction(state: AppState) -> ChartDock:
    """The compact prediction histogram that is always visible (deepViz puts one on every page)."""
    return CompactChart(state, next(spec for spec in SPECS if spec.name == "prediction"))


def make_docks(state: AppState) -> dict[str, ChartDock]:
    """One ChartDock per deepViz chart, by name."""
    return {spec.name: ChartDock(state, spec) for spec in SPECS}

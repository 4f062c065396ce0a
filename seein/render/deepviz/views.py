"""deepViz's views by name, rendered headless (``seein screenshot STORE --view NAME``)."""

from __future__ import annotations

import numpy as np

from ...store import Store


def _confusion(path, snapshot, layer, selection, focused, size):
    from .confusion import confusion_data, draw_confusion

    with Store.open(path) as store:
        return draw_confusion(confusion_data(store, snapshot), size, selection).rgba


def _filters(path, snapshot, layer, selection, focused, size):
    from .filters import draw_filters, filters_data

    with Store.open(path) as store:
        return draw_filters(filters_data(store, layer, snapshot), size, focused=focused).rgba


def _prediction(path, snapshot, layer, selection, focused, size):
    from .prediction import draw_prediction, prediction_data

    with Store.open(path) as store:
        data = prediction_data(store, snapshot)
    images = None if selection is None else np.flatnonzero(selection)
    return draw_prediction(data, images, size).rgba


def _network(path, snapshot, layer, selection, focused, size):
    from .network import draw_network, network_data

    with Store.open(path) as store:
        return draw_network(network_data(store), size, active=layer).rgba


def _clusters(path, snapshot, layer, selection, focused, size):
    from .clusters import clusters_data, draw_clusters

    with Store.open(path) as store:
        data = clusters_data(store, layer, snapshot)
    return draw_clusters(data, size, selection).rgba


def _compare(path, snapshot, layer, selection, focused, size):
    from .compare import compare_data, draw_compare

    image = int(np.flatnonzero(selection)[0]) if selection is not None and selection.any() else 0
    layers = [name for name in (layer or "").split(",") if name] or None
    with Store.open(path) as store:
        data = compare_data(store, image, layers, channel=focused)
    return draw_compare(data, size).rgba


VIEWS = {"confusion": _confusion, "filters": _filters, "prediction": _prediction, "network": _network, "clusters": _clusters, "compare": _compare}

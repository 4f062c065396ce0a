"""DeepEyes' statistics of one new snapshot of a live store, computed as training writes it.

For every layer: the perplexity histogram of the snapshot and the activation heatmap
(whose running maximum and reliability build on the cached per-snapshot maxima of the
earlier snapshots, so each snapshot adds only its own pass). Results go to the store's
result cache, where the views read them.
"""

from __future__ import annotations

import os

from ..store import Store
from .deepeyes import activation_heatmap, perplexity_histogram


def snapshot_statistics(store_path: str | os.PathLike, position: int) -> None:
    """Cache the perplexity histogram and activation heatmap of every layer at snapshot ``position``."""
    with Store.open(store_path) as store:
        for layer in store.layers:
            perplexity_histogram(store, layer.name, position)
            activation_heatmap(store, layer.name, position)

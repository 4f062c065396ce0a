"""Every analysis view by name, rendered headless: what ``seein screenshot STORE --view NAME`` draws.

Each renderer takes (store path, snapshot, layer, selected-image mask, focused filter, size)
and returns RGBA pixels; deepViz's views (seein.render.deepviz) and DeepEyes' (seein.render.deepeyes).
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from ..core.errors import SeeinError
from ..store import Store
from .deepeyes.views import VIEWS as DEEPEYES_VIEWS
from .deepviz.views import VIEWS as DEEPVIZ_VIEWS

VIEWS: dict[str, Callable] = {**DEEPVIZ_VIEWS, **DEEPEYES_VIEWS}


def render_view(store_path: str | os.PathLike, name: str, snapshot: int = -1, layer: str | None = None,
                selection: np.ndarray | None = None, focused: int | None = None,
                size: tuple[int, int] = (900, 700)) -> np.ndarray:
    """The view ``name`` of a store as uint8 RGBA (H, W, 4)."""
    if name not in VIEWS:
        raise SeeinError(f"no view {name!r} (views: {', '.join(VIEWS)})")
    with Store.open(store_path) as store:
        store.snapshot(snapshot)  # a clear error for a bad snapshot
        for one in (layer or "").split(","):  # direct compare takes several layers
            if one:
                store.layer(one)
    return VIEWS[name](os.fspath(store_path), int(snapshot), layer, selection, focused,
                       (int(size[0]), int(size[1])))

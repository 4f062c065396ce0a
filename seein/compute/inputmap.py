"""Data of DeepEyes' Input Map (§4.4): sampled receptive-field instances of a layer in 2-D.

Each sampled instance (a cell of a structured layer, an image of a flat layer) becomes
a point placed by t-SNE on its activation vector, so instances the layer sees alike lie
together; it keeps its image, cell, receptive-field box and label, so a view can colour
it by class, show the image patch it covers, and draw any filter's activation (or the
maximum over the filters, DeepEyes' Fig. 7d) on top.

What is embedded (``features``): by default "neuronal", as DeepEyes does (§4.4: "two
instances are close if they have similar activation for the neurons within the neuronal
receptive field"), the activations of the instance's *neuronal receptive field*
(:mod:`seein.compute.neuronal`: what the layer takes *in* there, the input patch for
the first layer); or "layer", the instance's own activation vector (its depth column:
what the layer *outputs* there). DeepEyes uses HSNE for the layout; here it is t-SNE on
a sample.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback
from ..store import Store
from . import tsne as tsne_mod
from .instances import read_instances
from .neuronal import neuronal_features
from .streaming import cached

#: Instances in an Input Map by default (t-SNE on a few thousand points takes seconds).
N_MAP = 2000
_THREADED = 5000  # t-SNE of fewer points runs single-threaded
FEATURES = ("layer", "neuronal")


def tsne_2d(values: np.ndarray, seed: int = 0, perplexity: float = 30.0,
            progress: ProgressCallback | None = None) -> np.ndarray:
    """2-D t-SNE of a small sample (``seein.compute.tsne``: cuML on CUDA, openTSNE on the CPU).

    Perplexity is clamped to (n - 1) / 3; fewer than four points, or points that are all
    equal, are laid out on a line (t-SNE has nothing to do there).
    """
    x = np.asarray(values, dtype=np.float32)
    n = len(x)
    if n < tsne_mod.MIN_POINTS or np.ptp(x, axis=0).max(initial=0.0) == 0:
        return np.stack([np.arange(n, dtype=np.float32), np.zeros(n, np.float32)], axis=1)
    perp, _ = tsne_mod.clamp_perplexity(perplexity, n)
    # Threads do not pay on a few thousand points, and on a busy machine openTSNE's
    # thread barriers can make two threads 10-50x slower than one (measured).
    n_jobs = 1 if n < _THREADED else None
    res = tsne_mod.tsne(x, 2, progress=progress, perplexity=perp, seed=seed, limit=n, n_jobs=n_jobs)
    return res.embedding


def input_map(store: Store, layer: str, snapshot: int = -1, n_instances: int = N_MAP, seed: int = 0,
              perplexity: float = 30.0, progress: ProgressCallback | None = None,
              features: str = "neuronal") -> dict[str, np.ndarray]:
    """The Input Map of a layer at a snapshot (cached as ``deepeyes/inputmap``).

    Returns ``embedding`` float32 (n, 2), ``points`` int64 (n,) point index in the layer,
    ``images`` int64 (n,), ``cells`` int64 (n, 2) (y, x), ``boxes`` int32 (n, 4) receptive
    field [y0, x0, y1, x1) in input pixels, ``labels`` int64 (n,), ``activations``
    float32 (n, F) (for drawing one filter's activation) and ``max_activation`` float32 (n,).
    """
    if features not in FEATURES:
        raise SeeinError(f"unknown Input Map features {features!r} ({', '.join(FEATURES)})")
    params = {"n_instances": int(n_instances), "seed": int(seed), "perplexity": float(perplexity),
              "features": features}

    def compute() -> dict[str, np.ndarray]:
        inst = read_instances(store, layer, snapshot, n_instances, seed)
        _, y, x = store.point_cell(layer, inst.points)
        rf = store.receptive_fields(layer)
        boxes = rf[np.minimum(y, rf.shape[0] - 1), np.minimum(x, rf.shape[1] - 1)]
        top = inst.values.max(axis=1) if inst.values.size else np.zeros(len(inst), np.float32)
        data = inst.values if features == "layer" else neuronal_features(store, layer, snapshot, inst.points)
        return {"embedding": tsne_2d(data, seed, perplexity, progress), "points": inst.points,
                "images": inst.images, "cells": np.stack([y, x], axis=1).astype(np.int64),
                "boxes": boxes.astype(np.int32), "labels": inst.labels, "activations": inst.values,
                "max_activation": top}

    return cached(store, "deepeyes/inputmap", layer, snapshot, params, compute)[0]

"""What DeepEyes' views show beyond the raw statistics of :mod:`seein.compute.deepeyes`.

- Layer stability (§4.2): a layer is *stable* at a snapshot when its perplexity histogram
  hardly changed since the previous snapshot. The change is the total-variation distance
  of the two normalised histograms (half the L1 distance: the share of the sampled
  instances that moved to another bin), and the threshold is ``STABLE_CHANGE`` = 5 %.
- Selected images' share of each perplexity bin: for linking the histograms to a selection.
- Degenerate filters (§4.3): *dead* (its maximum activation mu_i over the sampled
  instances is at most ``DEAD_FRACTION`` = 1 % of the layer's largest, zero or less
  included: it responds to nothing) and *always active* (above the activation threshold
  beta * max mu on at least ``ALWAYS_ACTIVE`` = 95 % of the instances), and the
  heatmap's two row orders (by class, by activity).
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from ..store import Store
from .deepeyes import histogram_edges, perplexity, perplexity_histograms
from .instances import COVERAGE, N_INSTANCES, read_instances
from .streaming import cached

#: A layer whose histogram moved less than this share of its instances since the previous
#: snapshot is stable.
STABLE_CHANGE = 0.05
#: A filter above the activation threshold on at least this share of instances is "always active".
ALWAYS_ACTIVE = 0.95
#: A filter whose maximum activation is at most this share of the layer's largest is dead.
DEAD_FRACTION = 0.01


def histogram_change(previous: np.ndarray, current: np.ndarray) -> float:
    """Total-variation distance of two histograms after normalising each: 0 (same) .. 1 (disjoint)."""
    a = np.asarray(previous, dtype=np.float64)
    b = np.asarray(current, dtype=np.float64)
    if a.sum() <= 0 or b.sum() <= 0:
        return 0.0 if a.sum() == b.sum() else 1.0
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def layer_stability(store: Store, layer: str, snapshots: list[int] | None = None,
                    threshold: float = STABLE_CHANGE, **kwargs) -> dict[str, np.ndarray]:
    """Perplexity histograms of ``layer`` over snapshots, with their change and stability.

    Returns what :func:`perplexity_histograms` returns plus ``change`` float64 (S,) (0 for
    the first snapshot), ``stable`` bool (S,) (False for the first: nothing to compare) and
    ``stable_since`` int (the first position from which every later snapshot is stable, -1
    if the last is not).
    """
    hists = perplexity_histograms(store, layer, snapshots, **kwargs)
    counts = hists["counts"]
    change = np.array([0.0] + [histogram_change(counts[i - 1], counts[i]) for i in range(1, len(counts))])
    stable = change < threshold
    stable[0] = False
    since = -1
    for i in range(len(stable) - 1, -1, -1):
        if not stable[i]:
            break
        since = i
    return {**hists, "change": change, "stable": stable, "stable_since": np.int64(since),
            "threshold": np.float64(threshold)}


def instance_perplexities(store: Store, layer: str, snapshot: int = -1, n_instances: int = N_INSTANCES,
                          seed: int = 0, coverage: float = COVERAGE) -> dict[str, np.ndarray]:
    """Perplexity and image of every sampled instance (the histogram's sample; cached)."""
    params = {"n_instances": int(n_instances), "seed": int(seed), "coverage": float(coverage)}

    def compute() -> dict[str, np.ndarray]:
        inst = read_instances(store, layer, snapshot, n_instances, seed, coverage)
        return {"perplexity": perplexity(inst.values), "images": inst.images.astype(np.int64),
                "edges": histogram_edges(inst.values.shape[1])}

    return cached(store, "deepeyes/instance_perplexity", layer, snapshot, params, compute)[0]


def selection_shares(store: Store, layer: str, snapshot: int, image_mask: np.ndarray,
                     **kwargs) -> dict[str, np.ndarray]:
    """Per perplexity bin: instances of selected images (``selected``), all (``total``), ``share``."""
    data = instance_perplexities(store, layer, snapshot, **kwargs)
    mask = np.asarray(image_mask, dtype=bool)
    chosen = mask[data["images"]]
    total, _ = np.histogram(data["perplexity"], bins=data["edges"])
    selected, _ = np.histogram(data["perplexity"][chosen], bins=data["edges"])
    share = np.divide(selected, total, out=np.zeros(len(total)), where=total > 0)
    return {"selected": selected.astype(np.int64), "total": total.astype(np.int64), "share": share,
            "edges": data["edges"]}


def filter_flags(heatmap: dict[str, np.ndarray], always: float = ALWAYS_ACTIVE,
                 dead_fraction: float = DEAD_FRACTION) -> dict[str, np.ndarray]:
    """``dead`` and ``always_active`` bool (F,) from an :func:`~seein.compute.deepeyes.activation_heatmap`."""
    freq = np.asarray(heatmap["frequency"])
    mu = np.asarray(heatmap["max"], dtype=np.float64)
    top = float(mu.max(initial=0.0))
    dead = (mu <= 0) | (mu <= dead_fraction * top)
    return {"dead": dead, "always_active": freq >= always}


class FilterOrder(str, Enum):
    """How the heatmap's rows are sorted."""

    INDEX = "index"  # as in the layer
    CLASS = "class"  # by the class with the largest maximum, then by that maximum (descending)
    ACTIVITY = "activity"  # by frequency of activation, then maximum (descending)


def filter_order(heatmap: dict[str, np.ndarray], order: FilterOrder | str = FilterOrder.INDEX) -> np.ndarray:
    """Row order (a permutation of the filters) for the heatmap."""
    order = FilterOrder(order)
    mu = np.asarray(heatmap["max"], dtype=np.float64)
    if order is FilterOrder.INDEX:
        return np.arange(len(mu))
    if order is FilterOrder.ACTIVITY:
        return np.lexsort((-mu, -np.asarray(heatmap["frequency"], dtype=np.float64)))
    by_class = np.nan_to_num(np.asarray(heatmap["max_by_class"], dtype=np.float64), neginf=-np.inf)
    top = by_class.argmax(axis=1) if by_class.size else np.zeros(len(mu), int)
    return np.lexsort((-mu, top))

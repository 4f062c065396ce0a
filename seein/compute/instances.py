"""Sampled receptive-field instances: DeepEyes' unit of analysis.

DeepEyes does not look at every neuron of a layer: for every input it samples a few
*instances of receptive fields* (a cell (y, x) of a structured layer, i.e. one point
here; the whole image for a flat layer) and reads the activation of every filter on
each. :func:`sample_points` picks them: the same point indices for every snapshot of
a layer (a seeded draw that depends only on the layer's geometry), spread evenly over
the images, so histograms of different snapshots compare like with like.
:func:`instance_budget` says how many: a fixed budget (20,000), raised where DeepEyes'
rule asks for more ("a coverage of at least 50% of each input": in LeNet's conv1, with
5 x 5 receptive fields on 28 x 28 digits, 16 cells of every image).
:func:`read_instances` streams the layer once and keeps only the sampled rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..store import STRUCTURED, Store
from .streaming import IMAGES_PER_CHUNK, chunks

#: Default number of sampled instances per layer (DeepEyes samples tens of thousands).
N_INSTANCES = 20000
#: DeepEyes samples "a number of instances that grants a coverage of at least 50% of each
#: input": the receptive fields sampled in an image add up to at least this share of it.
COVERAGE = 0.5
#: The coverage rule never asks for more instances than this (memory: MAX x filters floats).
MAX_INSTANCES = 200_000


@dataclass
class Instances:
    """Sampled instances of one layer at one snapshot."""

    points: np.ndarray  # int64 (n,) point index in the layer
    images: np.ndarray  # int64 (n,) image of each instance
    labels: np.ndarray  # int64 (n,) class of that image (-1 unlabelled)
    values: np.ndarray  # float32 (n, F) activation of every filter on the instance

    def __len__(self) -> int:
        return len(self.points)


def sample_points(n_images: int, points_per_image: int, n_instances: int = N_INSTANCES,
                  seed: int = 0) -> np.ndarray:
    """Sorted point indices of up to ``n_instances`` instances, spread evenly over the images.

    Every image gives ``n_instances // n_images`` distinct cells (at least one; all cells
    when it has fewer); when there are more images than instances, a seeded subset of
    images gives one cell each. Memory is O(n_instances), whatever the layer's size.
    """
    rng = np.random.default_rng(seed)
    total = n_images * points_per_image
    if total <= n_instances:
        return np.arange(total, dtype=np.int64)
    if n_images >= n_instances:
        images = np.sort(rng.choice(n_images, n_instances, replace=False))
        return images * points_per_image + rng.integers(0, points_per_image, size=n_instances)
    per = min(points_per_image, n_instances // n_images)
    out = []
    for start in range(0, n_images, IMAGES_PER_CHUNK):
        m = min(IMAGES_PER_CHUNK, n_images - start)
        cells = np.argpartition(rng.random((m, points_per_image)), per - 1, axis=1)[:, :per]
        cells.sort(axis=1)
        out.append(((start + np.arange(m))[:, None] * points_per_image + cells).ravel())
    return np.concatenate(out)


def instance_budget(store: Store, layer: str, n_instances: int = N_INSTANCES,
                    coverage: float = COVERAGE) -> int:
    """How many instances to sample: ``n_instances``, raised (up to ``MAX_INSTANCES``) so the
    cells sampled in each image have receptive fields adding up to ``coverage`` of its area.

    Only for structured layers when every image is sampled; a flat layer's one instance
    per image is the whole image already. Overlaps are not subtracted: the rule counts
    area, as a number of instances (DeepEyes' is a default, not a guarantee).
    """
    info = store.layer(layer)
    if coverage <= 0 or info.kind != STRUCTURED or store.n_images > n_instances:
        return int(n_instances)
    rf = store.receptive_fields(layer).reshape(-1, 4).astype(np.float64)
    area = float(((rf[:, 2] - rf[:, 0]) * (rf[:, 3] - rf[:, 1])).mean())
    height, width = store.images.shape[1:3]
    per = min(info.points_per_image, int(np.ceil(coverage * height * width / max(area, 1.0))))
    return int(max(n_instances, min(MAX_INSTANCES, store.n_images * per)))


_LAST: dict[tuple, Instances] = {}  # the last read, shared by the analyses of one (layer, snapshot)


def read_instances(store: Store, layer: str, snapshot: int = -1, n_instances: int = N_INSTANCES,
                   seed: int = 0, coverage: float = 0.0) -> Instances:
    """Read the sampled instances of a layer at a snapshot, streaming over image chunks.

    ``coverage`` > 0 raises ``n_instances`` by DeepEyes' coverage rule (:func:`instance_budget`).

    The last read is remembered (keyed by file, modification time, layer, snapshot and
    sample), so the perplexity histogram, heatmap and Filter Map of one layer at one
    snapshot read the layer once between them. Callers must not modify the arrays.
    """
    n_instances = instance_budget(store, layer, n_instances, coverage)
    stat = store.path.stat()
    key = (str(store.path.resolve()), stat.st_mtime_ns, layer, store.snapshot(snapshot).index,
           int(n_instances), int(seed))
    hit = _LAST.get(key)
    if hit is None:
        hit = _read(store, layer, snapshot, n_instances, seed)
        _LAST.clear()
        _LAST[key] = hit
    return hit


def _read(store: Store, layer: str, snapshot: int, n_instances: int, seed: int) -> Instances:
    info = store.layer(layer)
    per = info.points_per_image
    points = sample_points(store.n_images, per, n_instances, seed)
    values = np.empty((len(points), info.dims), dtype=np.float32)
    lo = 0
    for start, pts in chunks(store, layer, snapshot):
        stop_point = (start + len(pts) // max(1, per)) * per
        hi = int(np.searchsorted(points, stop_point))
        values[lo:hi] = pts[points[lo:hi] - start * per]
        lo = hi
    images = points // per
    return Instances(points=points, images=images, labels=store.labels[images], values=values)

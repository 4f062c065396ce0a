"""Projection maps that hold still: each new map aligned to the one on screen (Deepling), and
the timeline's maps computed ahead of the play head (deepViz). No Qt.

A t-SNE or PivotMDS map is defined up to rotation, mirroring, scale and shift, so two
layers' (or methods', or snapshots') maps drawn as computed leap about even where the data
barely changed. :class:`ProjectionMaps` keeps each raw map (one per layer, method and
snapshot) and hands the view the map *aligned* onto the map shown before it: Procrustes
with the mirroring test (:func:`seein.compute.procrustes.procrustes`), anchored on the
images the two maps share (per-image means when the layers hold different numbers of
points per image). The view animates from where the points are on screen to that target
(:func:`start_positions`). For the timeline it says which snapshots' maps are ready, which
are being computed and which to compute next (:func:`prefetch_order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..compute.procrustes import image_means, procrustes
from .bus import EventBus, MapStatus, MapStatusEvent
from .caches import ProjectionCache

MapKey = tuple[str, str, int]  # (layer, method, snapshot)
PREFETCH_POINTS = 1_000_000  # the timeline computes ahead maps of up to this many points in all (at least one)


@dataclass(frozen=True)
class MapFrame:
    """A projection as the view draws it: ``positions`` (n_points, 2) in data space, placed by
    ``ranges`` (2, 2) (min, max per axis), with ``cells`` (H, W) points per image."""

    key: MapKey
    positions: np.ndarray
    ranges: np.ndarray
    cells: tuple[int, int]
    reflected: bool = False  # the raw map was mirrored to fit the one before it

    @property
    def per_image(self) -> int:
        return int(self.cells[0] * self.cells[1])


def display_ranges(positions: np.ndarray) -> np.ndarray:
    """Square (2, 2) ranges around a map's bounding box: one unit is as long across as up.

    A projection's axes have no meaning of their own; drawing it with each axis stretched
    to the cell would distort it, differently for every map, and an animation between
    two maps would show that distortion as motion.
    """
    p = np.asarray(positions, dtype=np.float64)
    finite = p[np.isfinite(p).all(axis=1)]
    if not len(finite):
        return np.array([[0.0, 1.0], [0.0, 1.0]])
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-12)
    return np.stack([centre - half, centre + half], axis=1)


def cell_map(source: tuple[int, int], target: tuple[int, int]) -> np.ndarray:
    """For each cell of a ``target`` (H, W) grid, the cell of a ``source`` grid over the same
    input region (nearest by relative position): int (H_t * W_t,) row-major indices.

    A flat layer is a 1 x 1 grid; its one point maps to the source's centre cell, and every
    cell of a structured layer after a flat one maps to the flat layer's point.
    """
    (hs, ws), (ht, wt) = source, target
    ys = np.minimum(((np.arange(ht) + 0.5) * hs / ht).astype(np.int64), hs - 1)
    xs = np.minimum(((np.arange(wt) + 0.5) * ws / wt).astype(np.int64), ws - 1)
    return (ys[:, None] * ws + xs[None, :]).reshape(-1)


def align_map(raw: np.ndarray, cells: tuple[int, int], reference: Optional[MapFrame]) -> tuple[np.ndarray, bool]:
    """``raw`` (n_points, 2) moved onto ``reference`` by the best similarity transform, mirror
    allowed; (raw, False) with no reference. Returns (aligned float32, mirrored).

    Same cells per image: point by point. Otherwise on per-image means (the image is what
    two layers share); the transform found there moves every point.
    """
    raw = np.asarray(raw, dtype=np.float32)
    if reference is None:
        return raw, False
    per = int(cells[0] * cells[1])
    n_images = len(raw) // max(per, 1)
    if n_images * reference.per_image != len(reference.positions) or n_images < 3:
        return raw, False  # another store's map, or too few images to fit a rotation
    if tuple(cells) == tuple(reference.cells):
        source, target = raw, reference.positions
    else:
        source, target = image_means(raw, per), image_means(reference.positions, reference.per_image)
    ok = np.isfinite(source).all(axis=1) & np.isfinite(target).all(axis=1)
    if ok.sum() < 3:
        return raw, False
    fit = procrustes(source[ok], target[ok])
    return fit.apply(raw), fit.reflected


def start_positions(shown: MapFrame, cells: tuple[int, int], ranges: np.ndarray) -> np.ndarray:
    """Where a new map's points start their transition: on screen, where ``shown`` draws them.

    Every point of the new map starts at the on-screen position of the same image's
    point over the same input region (:func:`cell_map`), converted into the data space the
    new ``ranges`` place, so that the first frame of the animation is the frame on screen.
    float32 (n_images * H * W, 2).
    """
    n_images = len(shown.positions) // shown.per_image
    index = (np.arange(n_images)[:, None] * shown.per_image + cell_map(shown.cells, cells)[None, :]).reshape(-1)
    pos = np.asarray(shown.positions, dtype=np.float64)[index]
    old, new = np.asarray(shown.ranges, np.float64), np.asarray(ranges, np.float64)
    old_span = np.where(old[:, 1] > old[:, 0], old[:, 1] - old[:, 0], 1.0)
    out = new[:, 0] + (pos - old[:, 0]) / old_span * (new[:, 1] - new[:, 0])
    return out.astype(np.float32)


def eased(start: np.ndarray, target: np.ndarray, t: float) -> np.ndarray:
    """Positions at ``t`` of a transition from ``start`` to ``target``, eased in and out as the
    transition shader does (``glsl/points_transition.vert``)."""
    t = min(max(float(t), 0.0), 1.0)
    s = t * t * (3.0 - 2.0 * t)
    return (np.asarray(start, np.float32) * (1 - s) + np.asarray(target, np.float32) * s).astype(np.float32)


def prefetch_order(current: int, n_snapshots: int, ready: Callable[[int], bool], points_per_map: int,
                   budget: int = PREFETCH_POINTS) -> list[int]:
    """The snapshots whose maps to compute, most urgent first: the current one, then the next
    ones in play order (wrapping), as many as ``budget`` points allow (at least one ahead);
    ready ones are skipped."""
    ahead = max(1, int(budget) // max(int(points_per_map), 1))
    order = [(current + k) % n_snapshots for k in range(min(ahead + 1, n_snapshots))]
    return [k for k in order if not ready(k)]


def _key(key: MapKey) -> MapKey:
    """(layer, method name, snapshot) with plain types (a Method enum becomes its name)."""
    return (str(key[0]), str(key[1]), int(key[2]))


class ProjectionMaps:
    """Every computed map of the open store, and the one on screen (for the state, no Qt).

    :meth:`put` keeps a raw map; :meth:`frame` gives the map the view shows for a key:
    the raw map aligned onto the frame shown last, kept until the key changes, and
    itself the reference for the next. :meth:`set_status` records that a map is queued,
    being computed, cancelled or failed, and says so on the bus (``map_status``).
    """

    def __init__(self, bus: EventBus):
        self.bus = bus
        self._raw = ProjectionCache()
        self._status: dict[MapKey, tuple[MapStatus, str]] = {}
        self.shown: Optional[MapFrame] = None  # the last frame handed out: what is on screen
        self._shown_raw: Optional[np.ndarray] = None

    def clear(self) -> None:
        """A new store: no map of the old one is kept or aligned to."""
        self._raw.clear()
        self._status.clear()
        self.shown, self._shown_raw = None, None

    def put(self, key: MapKey, embedding: np.ndarray) -> None:
        """A map finished: keep it (ready)."""
        self._raw.put(*_key(key), np.asarray(embedding, dtype=np.float32))
        self.set_status(key, MapStatus.READY)

    def raw(self, key: MapKey) -> Optional[np.ndarray]:
        """The map as computed (not aligned), or None."""
        return self._raw.get(*_key(key))

    def ready(self, key: MapKey) -> bool:
        return self._raw.has(*_key(key))

    def status(self, key: MapKey) -> MapStatus:
        """READY, or what the work on it is (QUEUED, COMPUTING, CANCELLED, FAILED), or MISSING."""
        if self.ready(key):
            return MapStatus.READY
        return self._status.get(_key(key), (MapStatus.MISSING, ""))[0]

    def message(self, key: MapKey) -> str:
        """The failure's text for a FAILED map ("" otherwise)."""
        return self._status.get(_key(key), (MapStatus.MISSING, ""))[1]

    def set_status(self, key: MapKey, status: MapStatus, message: str = "") -> None:
        """Record how the work on ``key`` stands and tell the bus (the timeline's label follows)."""
        key = _key(key)
        if status is not MapStatus.READY and self.ready(key):
            return  # a map once computed stays ready
        if self._status.get(key) == (status, message):
            return
        self._status[key] = (status, message)
        self.bus.map_status.emit(MapStatusEvent(*key, status, message))

    def frame(self, key: MapKey, cells: tuple[int, int]) -> Optional[MapFrame]:
        """The map the view shows for ``key`` (None until it is computed): the raw map aligned
        onto the frame shown before it, with square ranges. Handing it out makes it the
        frame on screen, the reference of the next key's."""
        key = _key(key)
        raw = self._raw.get(*key)
        if raw is None:
            return None
        shown = self.shown
        if shown is not None and shown.key == key and self._shown_raw is raw:
            return shown
        target, mirrored = align_map(raw, cells, shown)
        frame = MapFrame(key, target, display_ranges(target), tuple(int(c) for c in cells), mirrored)
        self.shown, self._shown_raw = frame, raw
        return frame

"""What the state keeps in memory so the views do not read or compute twice.

Each cache is thread-safe: the embedding view and the overview read layers from worker
threads. :class:`PointsCache` keeps the last layer read (the main view and the overview
show the same one), :class:`RangesCache` each layer's axis ranges over all snapshots,
:class:`ProjectionCache` every projection computed in this session.
"""

from __future__ import annotations

import threading
from typing import Callable, Hashable, Optional

import numpy as np


class PointsCache:
    """The last layer's points read, by key; reading another key frees the old points first."""

    def __init__(self) -> None:
        self._entry: Optional[tuple[Hashable, np.ndarray]] = None
        self._lock = threading.Lock()

    def has(self, key: Hashable) -> bool:
        with self._lock:
            return self._entry is not None and self._entry[0] == key

    def get(self, key: Hashable, read: Callable[[], np.ndarray]) -> np.ndarray:
        """The points under ``key``, from ``read()`` when they are not the ones kept."""
        with self._lock:
            if self._entry is None or self._entry[0] != key:
                self._entry = None  # free the old layer before reading the new one
                self._entry = (key, read())
            return self._entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entry = None


class RangesCache:
    """Per-key arrays computed once (a layer's (min, max) per dimension over every snapshot)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


class ProjectionCache:
    """Projections by (layer, method, snapshot), as computed (``projection_timeline`` aligns them)."""

    def __init__(self) -> None:
        self._maps: dict[tuple[str, str, int], np.ndarray] = {}

    def get(self, layer: str, method: str, snapshot: int) -> Optional[np.ndarray]:
        return self._maps.get((layer, str(method), int(snapshot)))

    def put(self, layer: str, method: str, snapshot: int, embedding: np.ndarray) -> None:
        self._maps[(layer, str(method), int(snapshot))] = embedding

    def has(self, layer: str, method: str, snapshot: int) -> bool:
        return (layer, str(method), int(snapshot)) in self._maps

    def clear(self) -> None:
        self._maps.clear()

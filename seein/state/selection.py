"""Selections: a set of images as a boolean mask, how masks combine, their history and files.

No Qt: the app's state (``seein.state.app_state``) applies these, views only trigger them.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Optional

import numpy as np

from ..core.errors import SeeinError
from ..store import Store

HISTORY_LIMIT = 200


class SelectMode(str, Enum):
    """How a new set of images combines with the current selection."""

    REPLACE = "replace"
    ADD = "add"
    SUBTRACT = "subtract"
    INTERSECT = "intersect"


def combine(current: np.ndarray, new: np.ndarray, mode: SelectMode | str) -> np.ndarray:
    """The selection after applying ``new`` to ``current`` in ``mode`` (both image masks)."""
    mode = SelectMode(mode)
    new = np.asarray(new, dtype=bool)
    if mode is SelectMode.REPLACE:
        return new.copy()
    if mode is SelectMode.ADD:
        return current | new
    if mode is SelectMode.SUBTRACT:
        return current & ~new
    return current & new


def parse_select(spec: str, store: Store) -> np.ndarray:
    """An image mask from a CLI spec: ``class=1`` (index or name), ``images=0,5,9`` or ``all``."""
    key, _, value = spec.partition("=")
    key = key.strip().lower()
    if key == "all" and not value:
        return np.ones(store.n_images, dtype=bool)
    if key == "class":
        names = [n.lower() for n in store.class_names]
        v = value.strip()
        cls = names.index(v.lower()) if v.lower() in names else None
        if cls is None:
            try:
                cls = int(v)
            except ValueError:
                raise SeeinError(f"--select {spec}: no class {v!r} (classes: {', '.join(store.class_names)})")
        if not 0 <= cls < store.n_classes:
            raise SeeinError(f"--select {spec}: class index out of range 0..{store.n_classes - 1}")
        return store.labels == cls
    if key == "images":
        try:
            idx = np.array([int(v) for v in value.split(",") if v.strip()], dtype=np.int64)
        except ValueError:
            raise SeeinError(f"--select {spec}: image indices must be integers")
        if idx.size and (idx.min() < 0 or idx.max() >= store.n_images):
            raise SeeinError(f"--select {spec}: image index out of range 0..{store.n_images - 1}")
        mask = np.zeros(store.n_images, dtype=bool)
        mask[idx] = True
        return mask
    raise SeeinError(f"--select {spec}: expected class=K, images=i,j,... or all")


def save_selection(path: str | os.PathLike, mask: np.ndarray, image_ids: np.ndarray) -> Path:
    """Write the selected images' ids: one per line (.csv, header ``image_id``) or a .npy array."""
    from ..core.outputs import atomic_output

    path = Path(path)
    ids = np.asarray(image_ids)[np.asarray(mask, dtype=bool)].astype(np.int64)
    with atomic_output(path) as tmp:
        if path.suffix.lower() == ".npy":
            with open(tmp, "wb") as fh:
                np.save(fh, ids)
        else:
            tmp.write_text("image_id\n" + "".join(f"{i}\n" for i in ids))
    return path


def load_selection(path: str | os.PathLike, image_ids: np.ndarray) -> np.ndarray:
    """An image mask from a file written by :func:`save_selection` (ids not in the store: an error)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            ids = np.load(path, allow_pickle=False).astype(np.int64).ravel()
        else:
            rows = [r.strip().split(",")[0] for r in path.read_text().splitlines() if r.strip()]
            if rows and not rows[0].lstrip("-").isdigit():
                rows = rows[1:]
            ids = np.array([int(r) for r in rows], dtype=np.int64)
    except FileNotFoundError:
        raise SeeinError("no such selection file", path) from None
    except (ValueError, OSError) as exc:
        raise SeeinError(f"not a selection file of image ids ({exc})", path) from None
    known = np.isin(ids, image_ids)
    if not known.all():
        raise SeeinError(f"{int((~known).sum())} image ids are not in the store "
                         f"(e.g. {int(ids[~known][0])})", path)
    return np.isin(image_ids, ids)


class SelectionHistory:
    """Past selections for undo/redo; a bounded list of packed masks and a cursor."""

    def __init__(self, n_images: int, limit: int = HISTORY_LIMIT):
        self.n_images = n_images
        self.limit = limit
        self._items: list[tuple[bytes, str]] = [(np.packbits(np.zeros(n_images, bool)).tobytes(), "start")]
        self._pos = 0

    def _unpack(self, i: int) -> np.ndarray:
        raw = np.frombuffer(self._items[i][0], dtype=np.uint8)
        return np.unpackbits(raw, count=self.n_images).astype(bool)

    def push(self, mask: np.ndarray, source: str) -> None:
        del self._items[self._pos + 1:]
        self._items.append((np.packbits(mask).tobytes(), source))
        if len(self._items) > self.limit:
            del self._items[0]
        self._pos = len(self._items) - 1

    def can_undo(self) -> bool:
        return self._pos > 0

    def can_redo(self) -> bool:
        return self._pos < len(self._items) - 1

    def undo(self) -> Optional[np.ndarray]:
        if not self.can_undo():
            return None
        self._pos -= 1
        return self._unpack(self._pos)

    def redo(self) -> Optional[np.ndarray]:
        if not self.can_redo():
            return None
        self._pos += 1
        return self._unpack(self._pos)

"""Computed results beside a store: ``STORE.h5.cache/<kind>/<layer>/s<snapshot>-<digest>.npz``.

HDF5 cannot safely add objects to a file another process (or this process's own reader)
holds open, so results (projections, statistics) live in a folder beside the store,
one ``.npz`` per result keyed by its full parameter set, each written to a temporary
name and renamed: a reader never sees one half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np


class ResultCache:
    """The result folder of the store at ``store_path``.

    ``snapshot_index`` turns a snapshot position (negative from the end) into the
    snapshot's index, the part of a result's key that names its snapshot.
    """

    def __init__(self, store_path: Path, snapshot_index: Callable[[int], int]):
        self.folder = store_path.with_name(store_path.name + ".cache")
        self.snapshot_index = snapshot_index

    def path_for(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any]) -> Path:
        """Where the result of ``kind`` of ``layer`` at ``snapshot`` with ``params`` lives."""
        index = self.snapshot_index(snapshot) if snapshot is not None else "all"
        digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
        safe_layer = layer.replace("/", "_") if layer else "_"
        return self.folder / kind / safe_layer / f"s{index}-{digest}.npz"

    def load(self, kind: str, layer: str, snapshot: int | None,
             params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        """A cached result computed with exactly these parameters, or None."""
        path = self.path_for(kind, layer, snapshot, params)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files if k != "__params__"}
        except (OSError, ValueError):
            return None  # an unreadable cache entry is recomputed, never trusted

    def save(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
             arrays: Mapping[str, np.ndarray]) -> Path:
        """Cache a result with its parameters; atomic, safe while others read the store."""
        path = self.path_for(kind, layer, snapshot, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{time.time_ns()}.tmp.npz")
        meta = {"kind": kind, "layer": layer,
                "snapshot": None if snapshot is None else self.snapshot_index(snapshot),
                "params": params, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        try:
            np.savez(tmp, __params__=np.array(json.dumps(meta, default=str)), **arrays)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def entries(self) -> list[dict[str, Any]]:
        """What has been computed: one dict (kind, layer, snapshot, params, file) per cached result."""
        found = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.rglob("s*.npz")):  # kinds may nest: "stats/confusion"
            try:
                with np.load(path, allow_pickle=False) as npz:
                    meta = json.loads(str(npz["__params__"]))
            except (OSError, ValueError, KeyError):
                continue
            meta["file"] = str(path)
            found.append(meta)
        return found

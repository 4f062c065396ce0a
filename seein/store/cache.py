"""Computed results beside a store: ``STORE.h5.cache/<kind>/<layer>/s<snapshot>-<digest>.npz``.

HDF5 cannot safely add objects to a file another process (or this process's own reader)
holds open, so results (projections, statistics) live in a folder beside the store,
one ``.npz`` per result keyed by its full parameter set, each written to a temporary
name, fsynced and renamed: a reader never sees one half-written. The folder records the
identity of the store it belongs to (``store_id``): a store replaced by another never meets
its predecessor's results, and an unreadable entry is recomputed with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..core.outputs import fsync_path

ID_FILE = "store_id"


class ResultCache:
    """The result folder of the store at ``store_path``.

    ``snapshot_index`` turns a snapshot position (negative from the end) into the
    snapshot's index, the part of a result's key that names its snapshot.
    """

    def __init__(self, store_path: Path, snapshot_index: Callable[[int], int], store_id: str = ""):
        self.folder = store_path.with_name(store_path.name + ".cache")
        self.snapshot_index = snapshot_index
        self.store_id = store_id
        self._checked = False

    def _check_identity(self, create: bool = False) -> None:
        """Drop the results of another store that had this store's name (checked once)."""
        if self._checked or not self.store_id or not (create or self.folder.is_dir()):
            return
        self._checked = True
        id_file = self.folder / ID_FILE
        try:
            found = id_file.read_text().strip() if id_file.is_file() else None
        except OSError:
            found = None
        if found == self.store_id:
            return
        if found is not None:
            # results of the store this one replaced: never served (a folder with no id
            # predates identities and is adopted)
            for child in list(self.folder.iterdir()) if self.folder.is_dir() else []:
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = id_file.with_name(f".{ID_FILE}.{os.getpid()}.tmp")
            tmp.write_text(self.store_id + "\n")
            os.replace(tmp, id_file)
        except OSError:
            pass  # a read-only folder: results are computed but not kept

    def path_for(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any]) -> Path:
        """Where the result of ``kind`` of ``layer`` at ``snapshot`` with ``params`` lives."""
        index = self.snapshot_index(snapshot) if snapshot is not None else "all"
        digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
        safe_layer = layer.replace("/", "_") if layer else "_"
        return self.folder / kind / safe_layer / f"s{index}-{digest}.npz"

    def load(self, kind: str, layer: str, snapshot: int | None,
             params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        """A cached result computed with exactly these parameters, or None."""
        self._check_identity()
        path = self.path_for(kind, layer, snapshot, params)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files if k != "__params__"}
        except Exception as exc:  # BadZipFile, EOFError, zlib.error, ...: recomputed, never trusted
            warnings.warn(f"{path}: unreadable cached result ({type(exc).__name__}); computing it again",
                          stacklevel=2)
            return None

    def save(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
             arrays: Mapping[str, np.ndarray]) -> Path:
        """Cache a result with its parameters; atomic, safe while others read the store."""
        self._check_identity(create=True)
        path = self.path_for(kind, layer, snapshot, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{time.time_ns()}.tmp.npz")
        meta = {"kind": kind, "layer": layer,
                "snapshot": None if snapshot is None else self.snapshot_index(snapshot),
                "params": params, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        try:
            np.savez(tmp, __params__=np.array(json.dumps(meta, default=str)), **arrays)
            fsync_path(tmp)  # a power cut after the rename must not leave a 0-byte entry
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def entries(self) -> list[dict[str, Any]]:
        """What has been computed: one dict (kind, layer, snapshot, params, file) per cached result."""
        found = []
        self._check_identity()
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.rglob("s*.npz")):  # kinds may nest: "stats/confusion"
            try:
                with np.load(path, allow_pickle=False) as npz:
                    meta = json.loads(str(npz["__params__"]))
            except Exception:  # a damaged entry is not listed (and is recomputed when asked for)
                continue
            meta["file"] = str(path)
            found.append(meta)
        return found


class HeldCache(ResultCache):
    """A result cache that reads the folder but keeps what it would write in memory (``held``).

    The cache of a store opened by a Dask worker (``seein compute --cluster``): the client
    writes every result, so one writer keeps the folder consistent. A result held here is
    served again to the same process, as a written one would be.
    """

    def __init__(self, store_path: Path, snapshot_index: Callable[[int], int], store_id: str = ""):
        super().__init__(store_path, snapshot_index, store_id)
        #: (kind, layer, snapshot position, params, arrays) of every result "saved", in order
        self.held: list[tuple[str, str, int | None, dict[str, Any], dict[str, np.ndarray]]] = []
        self._by_path: dict[Path, dict[str, np.ndarray]] = {}

    def load(self, kind: str, layer: str, snapshot: int | None,
             params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        held = self._by_path.get(self.path_for(kind, layer, snapshot, params))
        return dict(held) if held is not None else super().load(kind, layer, snapshot, params)

    def save(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
             arrays: Mapping[str, np.ndarray]) -> Path:
        path = self.path_for(kind, layer, snapshot, params)
        kept = {k: np.asarray(v) for k, v in arrays.items()}
        self.held.append((kind, layer, snapshot, dict(params), kept))
        self._by_path[path] = kept
        return path

"""A store that grows while a network trains: one immutable file per snapshot, joined by an index.

Layout of a live store ``STORE.h5``::

    STORE.h5.live/base.h5       images, labels, image ids, class names, layers (+ rf): written once
    STORE.h5.live/sKKKK.h5      /snapshot: attrs (index, step, epoch, metrics), logits, predictions,
                                layers/<name> (points), weights/<parameter>: written once, renamed in
    STORE.h5.live/state-KKKK.pt what ``--resume`` needs to continue after snapshot KKKK (the trainer's)
    STORE.h5                    the index: an ordinary store (schema.py) whose /images and every
                                /snapshots/KKKK are HDF5 external links into the folder, plus the
                                curves so far; rewritten to a temporary name and renamed after
                                each snapshot

Why not HDF5 SWMR: a SWMR writer can only append to datasets that exist, never add a
group or a dataset, so a snapshot (a group of datasets per layer) could not be added
without preallocating every snapshot up front; SWMR also needs the newest file format
and one writer that never dies mid-flush. With files that are never changed after
their rename, the guarantees come from the file system alone:

- a reader never sees a half-written snapshot: the index names only renamed files;
- a reader never blocks the trainer: the trainer never opens a file a reader holds
  (a reader holding the old index keeps reading that inode; renaming over it is free);
- ``kill -9`` at any moment leaves the last renamed index, whose every snapshot is whole;
  an orphan snapshot file written after it is ignored and overwritten on ``--resume``.

A reader follows the store with :class:`IndexWatch` (a stat per poll) and reopens it.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import h5py
import numpy as np

from .. import __version__
from ..core.errors import SeeinError
from ..core.snapshots import SnapshotInfo
from .schema import FORMAT_NAME, SCHEMA_VERSION, LayerInfo, snapshot_key, write_image_tables

LIVE_SUFFIX = ".live"
BASE_NAME = "base.h5"


def live_folder(path: str | os.PathLike) -> Path:
    """The folder of a live store's parts: ``STORE.h5.live/``."""
    path = Path(path)
    return path.with_name(path.name + LIVE_SUFFIX)


def snapshot_file(path: str | os.PathLike, index: int) -> Path:
    return live_folder(path) / f"s{snapshot_key(index)}.h5"


def state_file(path: str | os.PathLike, index: int) -> Path:
    return live_folder(path) / f"state-{snapshot_key(index)}.pt"


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _replace(tmp: Path, final: Path) -> None:
    """Flush ``tmp`` to disk and rename it over ``final`` (atomic on POSIX and Windows)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)


def _write_atomic_h5(final: Path, fill) -> None:
    tmp = _tmp(final)
    try:
        with h5py.File(tmp, "w") as f:
            fill(f)
        _replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


class LiveStoreWriter:
    """Writes a live store: :meth:`create` the base, then :meth:`add_snapshot` for each snapshot."""

    def __init__(self, path: Path, attrs: Mapping[str, Any], snapshots: list[SnapshotInfo]):
        self.path = path
        self.attrs = dict(attrs)
        self.snapshots = snapshots

    @classmethod
    def create(cls, path: str | os.PathLike, *, images: np.ndarray, labels: np.ndarray,
               image_ids: np.ndarray, class_names: Sequence[str], layers: Sequence[LayerInfo],
               input_shape: Sequence[int], receptive_fields: Mapping[str, np.ndarray] | None = None,
               dataset_spec: str = "", model_spec: str = "",
               extra_attrs: Mapping[str, Any] | None = None) -> "LiveStoreWriter":
        """Start a live store at ``path`` (its folder is made; an old one is replaced)."""
        path = Path(path)
        folder = live_folder(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SeeinError(f"cannot write a live store here ({exc.strerror or exc})", folder) from None
        for old in list(folder.glob("s*.h5")) + list(folder.glob("state-*.pt")):
            old.unlink()
        path.unlink(missing_ok=True)
        # results cached for an earlier store of this name would be taken for this one's
        shutil.rmtree(path.with_name(path.name + ".cache"), ignore_errors=True)
        def fill(f: h5py.File) -> None:
            write_image_tables(f, images=images, labels=labels, image_ids=image_ids, class_names=class_names,
                               layers=layers, receptive_fields=receptive_fields)

        _write_atomic_h5(folder / BASE_NAME, fill)
        attrs = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION, "seein_version": __version__,
                 "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "dataset": dataset_spec,
                 "model": model_spec, "n_images": int(len(labels)),
                 "store_id": uuid.uuid4().hex,  # the result cache is tied to it (kept by every index)
                 "input_shape": np.asarray(input_shape, dtype=np.int64), **(extra_attrs or {})}
        return cls(path, attrs, [])

    @classmethod
    def reopen(cls, path: str | os.PathLike) -> "LiveStoreWriter":
        """Continue a live store: its attributes and snapshots as its index lists them."""
        path = Path(path)
        if not path.exists() or not (live_folder(path) / BASE_NAME).exists():
            raise SeeinError("nothing to resume: not a live store (no index or no .live folder)", path)
        try:
            with h5py.File(path, "r") as f:
                attrs = {k: v for k, v in f.attrs.items() if k not in ("complete", "live")}
                snaps = []
                for key in sorted(f["snapshots"].keys()):
                    a = dict(f["snapshots"][key].attrs)
                    snaps.append(SnapshotInfo(index=int(a.pop("index")), step=int(a.pop("step", 0)),
                                              epoch=float(a.pop("epoch", 0.0)),
                                              metrics={k: float(v) for k, v in a.items()
                                                       if k != "images_done"}))
        except (OSError, KeyError, ValueError) as exc:
            raise SeeinError(f"cannot resume: the index is unreadable ({exc})", path) from None
        # a kill mid-write leaves temporary files (never read): clear them
        for tmp in list(live_folder(path).glob(".*.tmp")) + list(path.parent.glob(f".{path.name}.*.tmp")):
            tmp.unlink(missing_ok=True)
        return cls(path, attrs, snaps)

    def add_snapshot(self, info: SnapshotInfo, *, outputs: Mapping[str, np.ndarray], logits: np.ndarray,
                     predictions: np.ndarray, weights: Mapping[str, np.ndarray],
                     curves: Mapping[str, np.ndarray], live: bool = True,
                     before_index=None) -> Path:
        """Write snapshot ``info`` (points per layer, logits, predictions, weights), then the index.

        ``before_index()`` runs after the snapshot file is in place and before the index
        names it (the trainer writes its resume state there). Returns the snapshot file.
        """
        final = snapshot_file(self.path, info.index)

        def fill(f: h5py.File) -> None:
            g = f.create_group("snapshot")
            g.attrs["index"] = info.index
            g.attrs["step"] = info.step
            g.attrs["epoch"] = info.epoch
            g.attrs["images_done"] = int(len(logits))
            for k, v in info.metrics.items():
                g.attrs[k] = float(v)
            g.create_dataset("logits", data=np.asarray(logits, dtype=np.float32))
            g.create_dataset("predictions", data=np.asarray(predictions, dtype=np.int64))
            lg = g.create_group("layers")
            for name, pts in outputs.items():
                lg.create_dataset(name, data=pts)
            wg = g.create_group("weights")
            for name, w in weights.items():
                wg.create_dataset(name, data=np.asarray(w))

        _write_atomic_h5(final, fill)
        if before_index is not None:
            before_index()
        self.snapshots = [s for s in self.snapshots if s.index < info.index] + [info]
        self.write_index(curves, live=live)
        return final

    def write_index(self, curves: Mapping[str, np.ndarray], live: bool = True) -> None:
        """Rewrite the index (attrs, links to the base and to every snapshot, curves), atomically."""
        folder = live_folder(self.path).name

        def fill(f: h5py.File) -> None:
            for k, v in self.attrs.items():
                f.attrs[k] = v
            f.attrs["complete"] = True  # every snapshot it lists is whole
            f.attrs["live"] = bool(live)  # a trainer may still add snapshots
            base = f"{folder}/{BASE_NAME}"
            for name in ("images", "labels", "image_ids", "class_names", "layers"):
                f[name] = h5py.ExternalLink(base, f"/{name}")
            sg = f.create_group("snapshots")
            for snap in self.snapshots:
                sg[snapshot_key(snap.index)] = h5py.ExternalLink(
                    f"{folder}/{snapshot_file(self.path, snap.index).name}", "/snapshot")
            cg = f.create_group("curves")
            for k, v in curves.items():
                cg.create_dataset(k, data=np.asarray(v, dtype=np.float64).reshape(-1, 2))

        _write_atomic_h5(self.path, fill)


class IndexWatch:
    """Tells a reader when a live store's index has been replaced (one ``stat`` per call)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def changed(self) -> bool:
        """True once per replacement of the index since the last call."""
        now = self._stamp()
        if now is None or now == self._seen:
            return False
        self._seen = now
        return True


def is_live(path: str | os.PathLike) -> bool:
    """True if ``path`` is a live store's index that a trainer may still extend."""
    try:
        with h5py.File(path, "r") as f:
            return bool(f.attrs.get("live", False))
    except OSError:
        return False

"""Writing a store: :class:`StoreWriter` fills a partial file chunk by chunk and renames it when complete."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import h5py
import numpy as np

from .. import __version__
from ..core.errors import SeeinError
from ..core.outputs import fsync_path
from ..core.snapshots import SnapshotInfo
from .direct import DirectFile
from .rows import allocated, chunk_images, row_extents, row_spans, write_rows
from .schema import (
    FORMAT_NAME,
    SCHEMA_VERSION,
    LayerInfo,
    open_h5,
    snapshot_key,
    to_points,
    write_image_tables,
    write_weights,
)


class StoreWriter:
    """Writes a store chunk by chunk into a partial file, renamed into place when complete.

    Progress (images done per snapshot) is recorded in the file after each flushed
    chunk, so an interrupted extraction can :meth:`resume` from the last complete chunk.
    """

    def __init__(self, partial_path: Path, file: h5py.File, direct_io: bool = True):
        self.partial_path = partial_path
        self._file = file
        self._raw: int | None = os.open(partial_path, os.O_WRONLY)  # rows of activations go straight in
        # staged rows go to the disk by direct I/O (seein.store.direct) when the file system allows
        self.direct = DirectFile(partial_path, self._raw, enabled=direct_io)
        self._datasets: dict[int, tuple[h5py.Group, dict[str, tuple[h5py.Dataset, Any]]]] = {}
        self._layouts: dict[int, dict[str, tuple[int, int, Any]]] = {}  # for spans(): points an image, row bytes, extents

    @staticmethod
    def partial_path_for(path: str | os.PathLike) -> Path:
        path = Path(path)
        return path.with_name(path.name + ".partial")

    @classmethod
    def create(cls, path: str | os.PathLike, *, images: np.ndarray, labels: np.ndarray,
               image_ids: np.ndarray, class_names: Sequence[str], layers: Sequence[LayerInfo],
               snapshots: Sequence[SnapshotInfo], n_outputs: int, input_shape: Sequence[int],
               receptive_fields: Mapping[str, np.ndarray] | None = None,
               curves: Mapping[str, np.ndarray] | None = None, dataset_spec: str = "",
               model_spec: str = "", dtype: Any = np.float16,
               extra_attrs: Mapping[str, Any] | None = None,
               weights: Mapping[int, Mapping[str, Any]] | None = None,
               model_digest: str = "", direct_io: bool = True) -> "StoreWriter":
        """Start a new store at ``path + '.partial'`` with all metadata and empty activations.

        ``weights`` maps a snapshot index to its state dict (schema 2: the network itself,
        written now, so a resumed extraction has them too). ``direct_io=False`` writes staged
        rows through the page cache (see :mod:`seein.store.direct`).
        """
        partial = cls.partial_path_for(path)
        for layer in layers:  # before any file exists: HDF5 would take '/' for a path
            if "/" in layer.name or not layer.name or layer.name in (".", ".."):
                raise SeeinError(f"layer name {layer.name!r} cannot be a store group (no '/' and not "
                                 "empty); rename the module or pick other --layers", path)
        n = int(len(labels))
        try:
            partial.parent.mkdir(parents=True, exist_ok=True)
            f = h5py.File(partial, "w")
        except OSError as exc:
            reason = exc.strerror or str(exc).splitlines()[0]
            raise SeeinError(f"cannot write a store here ({reason})", partial) from None
        try:
            a = f.attrs
            a["format"] = FORMAT_NAME
            a["schema_version"] = SCHEMA_VERSION
            a["seein_version"] = __version__
            a["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            a["store_id"] = uuid.uuid4().hex  # the cache beside the store is tied to this identity
            a["dataset"] = dataset_spec
            a["model"] = model_spec
            a["model_digest"] = model_digest
            a["n_images"] = n
            a["input_shape"] = np.asarray(input_shape, dtype=np.int64)
            a["complete"] = False
            for k, v in (extra_attrs or {}).items():
                a[k] = v
            write_image_tables(f, images=images, labels=labels, image_ids=image_ids, class_names=class_names,
                               layers=layers, receptive_fields=receptive_fields)
            sg = f.create_group("snapshots")
            for snap in snapshots:
                g = sg.create_group(snapshot_key(snap.index))
                g.attrs["index"] = snap.index
                g.attrs["step"] = snap.step
                g.attrs["epoch"] = snap.epoch
                g.attrs["images_done"] = 0
                for k, v in snap.metrics.items():
                    g.attrs[k] = float(v)
                if weights and snap.index in weights:
                    write_weights(g, weights[snap.index])
                allocated(g, "logits", (n, n_outputs), np.float32)
                allocated(g, "predictions", (n,), np.int64)
                ag = g.create_group("layers")
                for layer in layers:
                    per_image = layer.points_per_image * layer.dims * np.dtype(dtype).itemsize
                    allocated(ag, layer.name, (layer.n_points(n), layer.dims), dtype,
                               chunk_rows=chunk_images(per_image, n) * layer.points_per_image)
            if curves:
                cg = f.create_group("curves")
                for k, v in curves.items():
                    cg.create_dataset(k, data=np.asarray(v, dtype=np.float64))
            f.flush()
        except BaseException:
            f.close()
            partial.unlink(missing_ok=True)
            raise
        return cls(partial, f, direct_io)

    @classmethod
    def resume(cls, path: str | os.PathLike, direct_io: bool = True) -> "StoreWriter":
        """Reopen the partial file of an interrupted extraction of ``path``."""
        partial = cls.partial_path_for(path)
        if not partial.exists():
            raise SeeinError("nothing to resume (no partial file from an earlier run)", partial)
        try:
            f = open_h5(partial, "r+")
        except SeeinError as exc:
            raise SeeinError(f"{exc.problem}; start again with --force", partial) from None
        if f.attrs.get("format") != FORMAT_NAME or int(f.attrs.get("schema_version", -1)) != SCHEMA_VERSION:
            f.close()
            raise SeeinError("the partial file is not a store of this version; delete it and start again",
                             partial)
        return cls(partial, f, direct_io)

    @property
    def attrs(self) -> h5py.AttributeManager:
        return self._file.attrs

    def images_done(self, snapshot_index: int) -> int:
        """How many images of a snapshot are written and flushed."""
        return int(self._file["snapshots"][snapshot_key(snapshot_index)].attrs["images_done"])

    def write_chunk(self, snapshot_index: int, image_start: int, outputs: Mapping[str, np.ndarray],
                    logits: np.ndarray, predictions: np.ndarray | None = None) -> None:
        """Write one chunk of images for one snapshot, flush, then record it as done.

        ``outputs`` maps layer name to the batch output, (n, C, H, W) or (n, D), or to
        its points already (n*H*W, C). ``predictions`` defaults to the argmax of the
        logits (-1 for a net with a single output).
        """
        self.write_staged(snapshot_index, image_start, {}, logits, predictions, outputs)

    def spans(self, snapshot_index: int, image_start: int, n: int) -> dict[str, list[tuple[int, int, int]] | None]:
        """For each layer, where the points of images ``image_start`` .. ``+ n`` go: (first
        point, points, file offset) per extent (:func:`~seein.store.rows.row_spans`), or None
        for a layer that HDF5 must write itself. What a caller stages rows by."""
        if snapshot_index not in self._layouts:  # (no HDF5 calls after the first: h5py's lock is shared)
            _, datasets = self._snapshot_datasets(snapshot_index)
            n_images = max(1, int(self._file.attrs["n_images"]))
            self._layouts[snapshot_index] = {
                name: (ds.shape[0] // n_images, ds.dtype.itemsize * int(np.prod(ds.shape[1:], dtype=np.int64)),
                       extents) for name, (ds, extents) in datasets.items() if name not in ("logits", "predictions")}
        return {name: None if extents is None else row_spans(extents, image_start * per, n * per, row_bytes)
                for name, (per, row_bytes, extents) in self._layouts[snapshot_index].items()}

    def write_staged(self, snapshot_index: int, image_start: int,
                     staged: Mapping[str, Sequence[tuple[int, np.ndarray]]], logits: np.ndarray,
                     predictions: np.ndarray | None = None,
                     outputs: Mapping[str, np.ndarray] | None = None) -> None:
        """:meth:`write_chunk` for rows staged by :meth:`spans`: ``staged`` maps a layer to its
        (file offset, bytes) pieces, written by direct I/O where they line up
        (:meth:`DirectFile.write_span`); ``outputs`` holds any other layers, as in write_chunk."""
        g, datasets = self._snapshot_datasets(snapshot_index)
        n = int(logits.shape[0])
        logits = np.asarray(logits, dtype=np.float32)
        if predictions is None:
            predictions = logits.argmax(1) if logits.shape[1] > 1 else np.full(n, -1)
        for pieces in staged.values():
            for offset, data in pieces:
                self.direct.write_span(offset, data)
        rows = {name: to_points(out) for name, out in (outputs or {}).items()}
        rows["logits"], rows["predictions"] = logits, np.asarray(predictions, dtype=np.int64)
        through_h5py = False
        for name, pts in rows.items():
            ds, extents = datasets[name]
            per = pts.shape[0] // n
            if pts.shape[1:] != ds.shape[1:] or pts.shape[0] != n * per or (image_start + n) * per > ds.shape[0]:
                raise ValueError(f"{name}: {pts.shape} rows do not fit rows {image_start * per}.. of {ds.shape}")
            if extents is None:  # storage HDF5 must write itself (filtered, say): through h5py
                ds[image_start * per:(image_start + n) * per] = np.asarray(pts).astype(ds.dtype, copy=False)
                through_h5py = True
            else:
                write_rows(self.direct, extents, np.ascontiguousarray(pts, dtype=ds.dtype), image_start * per)
        if through_h5py:
            self._file.flush()  # what h5py buffered lands before the counter that vouches for it
        g.attrs.modify("images_done", image_start + n)  # in place (assignment makes a new attribute)
        self._file.flush()

    def _snapshot_datasets(self, snapshot_index: int) -> tuple[h5py.Group, dict[str, tuple[h5py.Dataset, Any]]]:
        """The snapshot's group and {name: (dataset, row extents or None)} for logits,
        predictions and every layer; looked up once (h5py lookups cost more than small writes)."""
        if snapshot_index not in self._datasets:
            g = self._file["snapshots"][snapshot_key(snapshot_index)]
            found = {"logits": g["logits"], "predictions": g["predictions"]}
            found.update(g["layers"].items())
            self._datasets[snapshot_index] = (g, {
                name: (ds, row_extents(ds)) for name, ds in found.items()})
        return self._datasets[snapshot_index]

    def _close_raw(self) -> None:
        self.direct.close_direct()
        if self._raw is not None:
            os.close(self._raw)
            self._raw = None

    def finish(self, path: str | os.PathLike) -> Path:
        """Mark the store complete and rename it into place."""
        self._close_raw()
        self._file.attrs["complete"] = True
        self._file.close()
        final = Path(path)
        fsync_path(self.partial_path)
        os.replace(self.partial_path, final)
        fsync_path(final.parent)
        return final

    def close(self) -> None:
        """Close without finishing (the partial file stays for --resume)."""
        self._close_raw()
        if self._file:
            self._file.close()

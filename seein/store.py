"""The activation store: the one module that owns the on-disk schema.

A store is an HDF5 file written once by extraction and read by everything else
(compute, render, the app). Its layout, version ``SCHEMA_VERSION``::

    /                      attrs: format="seein-activations", schema_version, seein_version,
                                  created, dataset, model, n_images, input_shape, complete,
                                  and from extraction: source (JSON: model, dataset, split,
                                  limit, layers, dtype, digests), shard ("i/n" or ""),
                                  image_start, image_stop, images_total (the shard's range)
    /images                uint8 (N, H, W, C)   the input images for display (C = 1 or 3)
    /labels                int64 (N,)           class index, -1 where unlabelled
    /image_ids             int64 (N,)           index of each image in its source data set
    /class_names           str   (K,)
    /layers/<name>         group, attrs: kind ("structured" | "flat"), shape, module, order
    /layers/<name>/rf      int32 (H, W, 4)      receptive field [y0, x0, y1, x1) of each cell,
                                                in input pixels, clipped (structured only)
    /snapshots/<kkkk>      group, attrs: index, step, epoch, images_done, metrics...
        /logits            float32 (N, n_outputs)
        /predictions       int64 (N,)           argmax of logits (-1 for embedding nets)
        /layers/<name>     float16 (n_points, C) activations (rows = points), chunked by
                                                images: a chunk holds the points of whole images
    /curves/<metric>       float64 (n_steps, 2)  training curves: (step, value)

Activation, logit and prediction datasets are allocated in full when the file is created,
so writing a chunk changes no HDF5 metadata except the ``images_done`` counter, written
after the chunk's data is flushed: a process killed at any moment leaves a partial file
that opens and resumes from its last complete chunk. Activations are chunked by images
(``chunk_images``: up to 256 images, about 8 MB at most) and unfiltered, so each chunk's
place in the file is known once allocated, and the writer puts rows straight there
(``os.pwrite``, which releases the GIL and skips HDF5's copies: extraction's biggest cost
after the forward pass). Logits and predictions are small and contiguous.

Points: a structured layer (C x H x W) gives H*W points per image in C dims; point
``p`` belongs to image ``p // (H*W)`` at cell ``(y, x) = divmod(p % (H*W), W)``. A flat
layer (D) gives one point per image. So selection, a set of images, maps to points
by index arithmetic alone.

Computed results (projections, statistics) are cached beside the file, in the folder
``<store>.cache/``, one ``.npz`` per result written to a temporary name and renamed:
HDF5 cannot safely add objects to a file another process (or this process's own
reader) holds open, and a renamed file is never seen half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import h5py
import numpy as np

from . import __version__
from .errors import SeeinError
from .store_rows import allocated, chunk_images, row_extents, write_rows

SCHEMA_VERSION = 1
FORMAT_NAME = "seein-activations"
STRUCTURED = "structured"
FLAT = "flat"
_STR = h5py.string_dtype("utf-8")


@dataclass(frozen=True)
class LayerInfo:
    """What the store knows of one layer: its name, kind and output shape per image."""

    name: str
    kind: str  # STRUCTURED or FLAT
    shape: tuple[int, ...]  # (C, H, W) or (D,)
    module: str = ""  # the module's type name, e.g. "Conv2d"
    order: int = 0  # position in the forward pass

    @property
    def dims(self) -> int:
        """Dimensions of each point: C for a structured layer, D for a flat one."""
        return int(self.shape[0])

    @property
    def cells(self) -> tuple[int, int]:
        """(H, W) of the feature map; (1, 1) for a flat layer."""
        return (int(self.shape[1]), int(self.shape[2])) if self.kind == STRUCTURED else (1, 1)

    @property
    def points_per_image(self) -> int:
        """H*W for a structured layer, 1 for a flat one."""
        h, w = self.cells
        return h * w

    def n_points(self, n_images: int) -> int:
        """Number of points this layer holds for ``n_images`` images."""
        return n_images * self.points_per_image


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot: the network at one training step, and its metrics then."""

    index: int
    step: int = 0
    epoch: float = 0.0
    metrics: Mapping[str, float] = field(default_factory=dict)


def layer_kind(shape: Sequence[int]) -> str:
    """The kind of a layer from its per-image output shape."""
    return STRUCTURED if len(shape) == 3 else FLAT


def to_points(activations: np.ndarray) -> np.ndarray:
    """Turn a batch of layer outputs into points: (n, C, H, W) -> (n*H*W, C); (n, D) -> (n, D)."""
    a = np.asarray(activations)
    if a.ndim == 4:
        return a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])
    if a.ndim == 2:
        return a
    return a.reshape(a.shape[0], -1)


def _snapshot_key(index: int) -> str:
    return f"{index:04d}"


def _open_h5(path: Path, mode: str) -> h5py.File:
    """Open an HDF5 file, turning every failure into a one-line SeeinError naming the file."""
    if mode == "r" and not path.exists():
        raise SeeinError("no such store", path)
    try:
        return h5py.File(path, mode)
    except FileNotFoundError:
        raise SeeinError("no such store", path) from None
    except (OSError, ValueError) as exc:
        text = str(exc)
        if "unable to lock" in text.lower() or "file locking" in text.lower():
            raise SeeinError("the store is open for writing in another process", path) from None
        raise SeeinError(f"not a readable HDF5 store (truncated or corrupt): {text.splitlines()[0]}",
                         path) from None


class Store:
    """Read access to an activation store; everything lazy except small metadata.

    Open with ``Store.open(path)`` (or as a context manager). Activations are read
    on demand, by layer, snapshot and image range.
    """

    def __init__(self, path: str | os.PathLike, *, allow_incomplete: bool = False):
        self.path = Path(path)
        self._file = _open_h5(self.path, "r")
        try:
            self._read_metadata(allow_incomplete)
        except SeeinError:
            self._file.close()
            raise
        except (KeyError, OSError, ValueError, TypeError) as exc:
            self._file.close()
            raise SeeinError(f"damaged store ({type(exc).__name__}: {exc})", self.path) from None

    @classmethod
    def open(cls, path: str | os.PathLike, **kwargs: Any) -> "Store":
        """Open a store for reading; a missing, corrupt or foreign file is a clear SeeinError."""
        return cls(path, **kwargs)

    # -- metadata -------------------------------------------------------------
    def _read_metadata(self, allow_incomplete: bool) -> None:
        f = self._file
        if f.attrs.get("format") != FORMAT_NAME:
            raise SeeinError("not a Seein' In activation store (no 'format' attribute)", self.path)
        version = int(f.attrs.get("schema_version", -1))
        if version != SCHEMA_VERSION:
            raise SeeinError(
                f"store schema version {version}; this seein {__version__} reads version "
                f"{SCHEMA_VERSION} (re-run seein extract to rebuild it)", self.path)
        if not allow_incomplete and not bool(f.attrs.get("complete", False)):
            raise SeeinError("extraction did not finish (run seein extract --resume)", self.path)
        self.schema_version = version
        self.n_images = int(f.attrs["n_images"])
        self.dataset_spec = str(f.attrs.get("dataset", ""))
        self.model_spec = str(f.attrs.get("model", ""))
        self.input_shape = tuple(int(v) for v in f.attrs.get("input_shape", ()))
        self.labels = f["labels"][...].astype(np.int64)
        self.image_ids = f["image_ids"][...].astype(np.int64)
        self.class_names = [s.decode() if isinstance(s, bytes) else str(s) for s in f["class_names"][...]]
        layers = []
        for name, group in f["layers"].items():
            a = group.attrs
            layers.append(LayerInfo(name=name, kind=str(a["kind"]), shape=tuple(int(v) for v in a["shape"]),
                                    module=str(a.get("module", "")), order=int(a.get("order", 0))))
        self.layers: list[LayerInfo] = sorted(layers, key=lambda layer: layer.order)
        self._layers = {layer.name: layer for layer in self.layers}
        snaps = []
        for key in sorted(f["snapshots"].keys()):
            a = dict(f["snapshots"][key].attrs)
            index = int(a.pop("index"))
            step = int(a.pop("step", 0))
            epoch = float(a.pop("epoch", 0.0))
            a.pop("images_done", None)
            snaps.append(SnapshotInfo(index=index, step=step, epoch=epoch,
                                      metrics={k: float(v) for k, v in a.items()}))
        self.snapshots: list[SnapshotInfo] = snaps
        if not self.snapshots:
            raise SeeinError("the store holds no snapshots", self.path)
        self._check_shapes()

    def _check_shapes(self) -> None:
        """Every snapshot holds every layer's points at the schema's shape (metadata only:
        a store damaged inside is refused at open, not by a KeyError deep in a view)."""
        f, n = self._file, self.n_images
        for name, want in (("images", n), ("labels", n), ("image_ids", n)):
            if name not in f or f[name].shape[:1] != (want,):
                raise SeeinError(f"damaged store: /{name} does not hold {want} rows", self.path)
        for key in f["snapshots"]:
            group = f["snapshots"][key]
            found = group.get("layers")
            for layer in self.layers:
                ds = None if found is None else found.get(layer.name)
                want = (layer.n_points(n), layer.dims)
                if not isinstance(ds, h5py.Dataset) or tuple(ds.shape) != want:
                    raise SeeinError(f"damaged store: snapshot {key} lacks layer {layer.name!r} "
                                     f"as {want[0]} x {want[1]} points", self.path)
            if not isinstance(group.get("logits"), h5py.Dataset) or group["logits"].shape[:1] != (n,):
                raise SeeinError(f"damaged store: snapshot {key} lacks its logits", self.path)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def attrs(self) -> dict[str, Any]:
        """The file's top-level attributes (format, version, dataset, model, source, shard, ...)."""
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in self._file.attrs.items()}

    @property
    def source(self) -> dict[str, Any]:
        """What the store was extracted from (model, dataset, split, layers, ...), {} if unknown."""
        text = self._file.attrs.get("source", "")
        try:
            return dict(json.loads(text)) if text else {}
        except (TypeError, ValueError):
            return {}

    @property
    def shard(self) -> tuple[int, int, int, int] | None:
        """(image_start, image_stop, images_total, shard_count) if the store is one shard, else None."""
        a = self._file.attrs
        if not str(a.get("shard", "")):
            return None
        count = int(str(a["shard"]).split("/")[1])
        return int(a["image_start"]), int(a["image_stop"]), int(a["images_total"]), count

    @property
    def dtype(self) -> np.dtype:
        """The dtype activations are stored in (float16 unless extracted with float32)."""
        group = self._snap_group(0)["layers"]
        return next((group[k].dtype for k in group), np.dtype(np.float16))

    @property
    def images(self) -> h5py.Dataset:
        """All input images, uint8 (N, H, W, C), read lazily."""
        return self._file["images"]

    def image(self, index: int) -> np.ndarray:
        """One input image, uint8 (H, W, C)."""
        return self._file["images"][int(index)]

    def layer(self, name: str) -> LayerInfo:
        """The layer called ``name``; an unknown name is a SeeinError listing the known ones."""
        try:
            return self._layers[name]
        except KeyError:
            known = ", ".join(self._layers) or "none"
            raise SeeinError(f"no layer {name!r} in the store (layers: {known})", self.path) from None

    def snapshot(self, k: int = -1) -> SnapshotInfo:
        """Snapshot number ``k`` (negative counts from the last)."""
        n = len(self.snapshots)
        if not -n <= k < n:
            raise SeeinError(f"no snapshot {k} in the store (it holds {n}: 0..{n - 1})", self.path)
        return self.snapshots[k]

    def _snap_group(self, k: int) -> h5py.Group:
        return self._file["snapshots"][_snapshot_key(self.snapshot(k).index)]

    # -- activations ----------------------------------------------------------
    def n_points(self, layer: str) -> int:
        return self.layer(layer).n_points(self.n_images)

    def activations(self, layer: str, snapshot: int = -1) -> h5py.Dataset:
        """The lazy (n_points, dims) dataset of one layer at one snapshot."""
        self.layer(layer)
        return self._snap_group(snapshot)["layers"][layer]

    def read_activations(self, layer: str, snapshot: int = -1, images: slice | None = None,
                         dims: Sequence[int] | None = None, dtype: Any = np.float32) -> np.ndarray:
        """Activations as points (n_points, dims) for a range of images (default all)."""
        info = self.layer(layer)
        ds = self.activations(layer, snapshot)
        start, stop, _ = (images or slice(None)).indices(self.n_images)
        rows = slice(start * info.points_per_image, stop * info.points_per_image)
        data = ds[rows] if dims is None else ds[rows][:, list(dims)]
        return np.asarray(data, dtype=dtype)

    def iter_chunks(self, layer: str, snapshot: int = -1, images_per_chunk: int = 256,
                    dtype: Any = np.float32) -> Iterator[tuple[int, np.ndarray]]:
        """Stream a layer as (first_image, points) chunks, so statistics never hold it whole."""
        for start in range(0, self.n_images, images_per_chunk):
            stop = min(start + images_per_chunk, self.n_images)
            yield start, self.read_activations(layer, snapshot, slice(start, stop), dtype=dtype)

    def feature_maps(self, layer: str, image: int, snapshot: int = -1) -> np.ndarray:
        """One image's output of a layer in its own shape: (C, H, W) or (D,)."""
        info = self.layer(layer)
        pts = self.read_activations(layer, snapshot, slice(image, image + 1))
        if info.kind == STRUCTURED:
            h, w = info.cells
            return pts.reshape(h, w, -1).transpose(2, 0, 1)
        return pts[0]

    # -- point <-> image ------------------------------------------------------
    def point_image(self, layer: str, points: np.ndarray | int) -> np.ndarray:
        """Image index of each point."""
        return np.asarray(points) // self.layer(layer).points_per_image

    def point_cell(self, layer: str, points: np.ndarray | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(image, y, x) of each point."""
        info = self.layer(layer)
        image, cell = np.divmod(np.asarray(points), info.points_per_image)
        y, x = np.divmod(cell, info.cells[1])
        return image, y, x

    def image_points(self, layer: str, images: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Indices of every point of the given images, in image order."""
        per = self.layer(layer).points_per_image
        images = np.atleast_1d(np.asarray(images, dtype=np.int64))
        return (images[:, None] * per + np.arange(per)[None, :]).ravel()

    def image_mask_to_point_mask(self, layer: str, image_mask: np.ndarray) -> np.ndarray:
        """Expand a boolean mask over images to one over the layer's points."""
        return np.repeat(np.asarray(image_mask, dtype=bool), self.layer(layer).points_per_image)

    def receptive_fields(self, layer: str) -> np.ndarray:
        """int32 (H, W, 4) boxes [y0, x0, y1, x1) in input pixels; the whole image for a flat layer."""
        info = self.layer(layer)
        group = self._file["layers"][layer]
        if "rf" in group:
            return group["rf"][...]
        h, w = self.input_shape[-2:] if self.input_shape else self.images.shape[1:3]
        return np.array([[[0, 0, h, w]]], dtype=np.int32).reshape(1, 1, 4) if info else None

    def receptive_field(self, layer: str, y: int, x: int) -> tuple[int, int, int, int]:
        """The input box [y0, x0, y1, x1) that cell (y, x) of a layer sees."""
        box = self.receptive_fields(layer)[int(y), int(x)]
        return tuple(int(v) for v in box)

    # -- outputs and curves -----------------------------------------------------
    def logits(self, snapshot: int = -1) -> np.ndarray:
        return self._snap_group(snapshot)["logits"][...]

    def predictions(self, snapshot: int = -1) -> np.ndarray:
        return self._snap_group(snapshot)["predictions"][...].astype(np.int64)

    @property
    def curves(self) -> dict[str, np.ndarray]:
        """Training curves as {metric: (n, 2) array of (step, value)}."""
        if "curves" not in self._file:
            return {}
        return {k: v[...] for k, v in self._file["curves"].items()}

    @property
    def file_size(self) -> int:
        return self.path.stat().st_size

    # -- cached computed results -------------------------------------------------
    @property
    def cache_dir(self) -> Path:
        """Folder beside the store holding computed results (see module docstring)."""
        return self.path.with_name(self.path.name + ".cache")

    def _result_path(self, kind: str, layer: str, snapshot: int, params: Mapping[str, Any]) -> Path:
        index = self.snapshot(snapshot).index if snapshot is not None else "all"
        digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
        safe_layer = layer.replace("/", "_") if layer else "_"
        return self.cache_dir / kind / safe_layer / f"s{index}-{digest}.npz"

    def load_result(self, kind: str, layer: str, snapshot: int | None,
                    params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        """A cached result computed with exactly these parameters, or None."""
        path = self._result_path(kind, layer, snapshot, params)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files if k != "__params__"}
        except (OSError, ValueError):
            return None  # an unreadable cache entry is recomputed, never trusted

    def save_result(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
                    arrays: Mapping[str, np.ndarray]) -> Path:
        """Cache a result with its parameters; atomic, safe while others read the store."""
        path = self._result_path(kind, layer, snapshot, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{time.time_ns()}.tmp.npz")
        meta = {"kind": kind, "layer": layer,
                "snapshot": None if snapshot is None else self.snapshot(snapshot).index,
                "params": params, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        try:
            np.savez(tmp, __params__=np.array(json.dumps(meta, default=str)), **arrays)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def results(self) -> list[dict[str, Any]]:
        """What has been computed: one dict (kind, layer, snapshot, params, file) per cached result."""
        found = []
        if not self.cache_dir.is_dir():
            return found
        for path in sorted(self.cache_dir.rglob("s*.npz")):  # kinds may nest: "stats/confusion"
            try:
                with np.load(path, allow_pickle=False) as npz:
                    meta = json.loads(str(npz["__params__"]))
            except (OSError, ValueError, KeyError):
                continue
            meta["file"] = str(path)
            found.append(meta)
        return found

    def summary(self) -> dict[str, Any]:
        """Everything ``seein info`` shows, as plain JSON-able values."""
        source = self.source
        return {
            "path": str(self.path), "file_size": self.file_size, "schema_version": self.schema_version,
            "seein_version": str(self._file.attrs.get("seein_version", "")),
            "created": str(self._file.attrs.get("created", "")),
            "dataset": self.dataset_spec, "split": source.get("split", ""), "model": self.model_spec,
            "run": source.get("run", ""), "weights": source.get("weights", ""),
            "n_images": self.n_images, "input_shape": list(self.input_shape),
            "classes": list(self.class_names), "dtype": str(self.dtype),
            "shard": None if self.shard is None else dict(zip(
                ("image_start", "image_stop", "images_total", "count"), self.shard)),
            "snapshots": [{"index": s.index, "step": s.step, "epoch": s.epoch, **dict(s.metrics)}
                          for s in self.snapshots],
            "layers": [{"name": layer.name, "kind": layer.kind, "shape": list(layer.shape),
                        "module": layer.module, "points": self.n_points(layer.name), "dims": layer.dims}
                       for layer in self.layers],
            "curves": sorted(self.curves),
            "results": [{k: r.get(k) for k in ("kind", "layer", "snapshot", "params", "file")}
                        for r in self.results()],
        }

    # -- lifetime ------------------------------------------------------------------
    def close(self) -> None:
        if self._file:
            self._file.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Store({str(self.path)!r}, images={self.n_images}, layers={len(self.layers)}, "
                f"snapshots={len(self.snapshots)})")


def open_store(path: str | os.PathLike, **kwargs: Any) -> Store:
    """Open a store for reading (see :class:`Store`)."""
    return Store.open(path, **kwargs)


class StoreWriter:
    """Writes a store chunk by chunk into a partial file, renamed into place when complete.

    Progress (images done per snapshot) is recorded in the file after each flushed
    chunk, so an interrupted extraction can :meth:`resume` from the last complete chunk.
    """

    def __init__(self, partial_path: Path, file: h5py.File):
        self.partial_path = partial_path
        self._file = file
        self._raw = os.open(partial_path, os.O_WRONLY)  # rows of activations go straight in
        self._datasets: dict[int, tuple[h5py.Group, dict[str, tuple[h5py.Dataset, Any]]]] = {}

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
               extra_attrs: Mapping[str, Any] | None = None) -> "StoreWriter":
        """Start a new store at ``path + '.partial'`` with all metadata and empty activations."""
        partial = cls.partial_path_for(path)
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
            a["dataset"] = dataset_spec
            a["model"] = model_spec
            a["n_images"] = n
            a["input_shape"] = np.asarray(input_shape, dtype=np.int64)
            a["complete"] = False
            for k, v in (extra_attrs or {}).items():
                a[k] = v
            img = np.asarray(images)
            if img.ndim == 3:
                img = img[..., None]
            # uncompressed: small beside the activations, and gzip would cost more than the writes
            f.create_dataset("images", data=img.astype(np.uint8),
                             chunks=(max(1, min(n, 256)),) + img.shape[1:])
            f.create_dataset("labels", data=np.asarray(labels, dtype=np.int64))
            f.create_dataset("image_ids", data=np.asarray(image_ids, dtype=np.int64))
            f.create_dataset("class_names", data=np.array(list(class_names), dtype=object), dtype=_STR)
            lg = f.create_group("layers")
            for layer in layers:
                g = lg.create_group(layer.name)
                g.attrs["kind"] = layer.kind
                g.attrs["shape"] = np.asarray(layer.shape, dtype=np.int64)
                g.attrs["module"] = layer.module
                g.attrs["order"] = layer.order
                rf = (receptive_fields or {}).get(layer.name)
                if rf is not None:
                    g.create_dataset("rf", data=np.asarray(rf, dtype=np.int32))
            sg = f.create_group("snapshots")
            for snap in snapshots:
                g = sg.create_group(_snapshot_key(snap.index))
                g.attrs["index"] = snap.index
                g.attrs["step"] = snap.step
                g.attrs["epoch"] = snap.epoch
                g.attrs["images_done"] = 0
                for k, v in snap.metrics.items():
                    g.attrs[k] = float(v)
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
        return cls(partial, f)

    @classmethod
    def resume(cls, path: str | os.PathLike) -> "StoreWriter":
        """Reopen the partial file of an interrupted extraction of ``path``."""
        partial = cls.partial_path_for(path)
        if not partial.exists():
            raise SeeinError("nothing to resume (no partial file from an earlier run)", partial)
        try:
            f = _open_h5(partial, "r+")
        except SeeinError as exc:
            raise SeeinError(f"{exc.problem}; start again with --force", partial) from None
        if f.attrs.get("format") != FORMAT_NAME or int(f.attrs.get("schema_version", -1)) != SCHEMA_VERSION:
            f.close()
            raise SeeinError("the partial file is not a store of this version; delete it and start again",
                             partial)
        return cls(partial, f)

    @property
    def attrs(self) -> h5py.AttributeManager:
        return self._file.attrs

    def images_done(self, snapshot_index: int) -> int:
        """How many images of a snapshot are written and flushed."""
        return int(self._file["snapshots"][_snapshot_key(snapshot_index)].attrs["images_done"])

    def write_chunk(self, snapshot_index: int, image_start: int, outputs: Mapping[str, np.ndarray],
                    logits: np.ndarray, predictions: np.ndarray | None = None) -> None:
        """Write one chunk of images for one snapshot, flush, then record it as done.

        ``outputs`` maps layer name to the batch output, (n, C, H, W) or (n, D), or to
        its points already (n*H*W, C). ``predictions`` defaults to the argmax of the
        logits (-1 for a net with a single output).
        """
        g, datasets = self._snapshot_datasets(snapshot_index)
        n = int(logits.shape[0])
        logits = np.asarray(logits, dtype=np.float32)
        if predictions is None:
            predictions = logits.argmax(1) if logits.shape[1] > 1 else np.full(n, -1)
        rows = {name: to_points(out) for name, out in outputs.items()}
        rows["logits"], rows["predictions"] = logits, np.asarray(predictions, dtype=np.int64)
        for name, pts in rows.items():
            ds, extents = datasets[name]
            per = pts.shape[0] // n
            if pts.shape[1:] != ds.shape[1:] or pts.shape[0] != n * per or (image_start + n) * per > ds.shape[0]:
                raise ValueError(f"{name}: {pts.shape} rows do not fit rows {image_start * per}.. of {ds.shape}")
            if extents is None:  # storage HDF5 must write itself (filtered, say): through h5py
                ds[image_start * per:(image_start + n) * per] = pts.astype(ds.dtype, copy=False)
            else:
                write_rows(self._raw, extents, np.ascontiguousarray(pts, dtype=ds.dtype), image_start * per)
        self._file.flush()  # anything h5py buffered lands before the counter that vouches for it
        g.attrs["images_done"] = image_start + n
        self._file.flush()

    def _snapshot_datasets(self, snapshot_index: int) -> tuple[h5py.Group, dict[str, tuple[h5py.Dataset, Any]]]:
        """The snapshot's group and {name: (dataset, row extents or None)} for logits,
        predictions and every layer; looked up once (h5py lookups cost more than small writes)."""
        if snapshot_index not in self._datasets:
            g = self._file["snapshots"][_snapshot_key(snapshot_index)]
            found = {"logits": g["logits"], "predictions": g["predictions"]}
            found.update(g["layers"].items())
            self._datasets[snapshot_index] = (g, {
                name: (ds, row_extents(ds)) for name, ds in found.items()})
        return self._datasets[snapshot_index]

    def _close_raw(self) -> None:
        if self._raw is not None:
            os.close(self._raw)
            self._raw = None

    def finish(self, path: str | os.PathLike) -> Path:
        """Mark the store complete and rename it into place."""
        self._close_raw()
        self._file.attrs["complete"] = True
        self._file.close()
        final = Path(path)
        os.replace(self.partial_path, final)
        return final

    def close(self) -> None:
        """Close without finishing (the partial file stays for --resume)."""
        self._close_raw()
        if self._file:
            self._file.close()

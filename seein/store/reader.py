"""Reading a store: :class:`Store`, lazy access to everything one file holds (see seein.store.schema)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import h5py
import numpy as np

from .. import __version__
from ..core.errors import SeeinError
from ..core.snapshots import SnapshotInfo
from .cache import HeldCache, ResultCache
from .schema import (
    FORMAT_NAME,
    READABLE_VERSIONS,
    STRUCTURED,
    WEIGHTS,
    LayerInfo,
    open_h5,
    snapshot_key,
)
from .summary import summarize
from .virtual import check_sources


def _reads(method):
    """Damage met while reading (h5py raises OSError, RuntimeError, ValueError, ...) is a
    one-line SeeinError naming the store, as damage met at open is."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SeeinError:
            raise
        except (OSError, RuntimeError, ValueError, KeyError, TypeError, OverflowError, AttributeError) as exc:
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise SeeinError(f"damaged store ({type(exc).__name__}: {first})", self.path) from None

    return wrapper


class Store:
    """Read access to an activation store; everything lazy except small metadata.

    Open with ``Store.open(path)`` (or as a context manager). Activations are read
    on demand, by layer, snapshot and image range.
    """

    def __init__(self, path: str | os.PathLike, *, allow_incomplete: bool = False):
        self.path = Path(path)
        self._cache: ResultCache | None = None
        self._file = open_h5(self.path, "r")
        try:
            self._read_metadata(allow_incomplete)
        except SeeinError:
            self._file.close()
            raise
        except Exception as exc:  # h5py meets damage as any of Key/OS/Value/Type/Attribute/...Error
            self._file.close()
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise SeeinError(f"damaged store ({type(exc).__name__}: {first})", self.path) from None

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
        if version not in READABLE_VERSIONS:
            raise SeeinError(
                f"store schema version {version}; this seein {__version__} reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))} (re-run seein extract to rebuild it)", self.path)
        if not allow_incomplete and not bool(f.attrs.get("complete", False)):
            raise SeeinError("extraction did not finish (run seein extract --resume)", self.path)
        self.schema_version = version
        self.n_images = int(f.attrs["n_images"])
        self.dataset_spec = str(f.attrs.get("dataset", ""))
        self.model_spec = str(f.attrs.get("model", ""))
        self.model_digest = str(f.attrs.get("model_digest", ""))
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
        #: The shard files a virtual store (seein merge --virtual) reads its rows from; [] if none.
        self.shard_files: list[Path] = check_sources(f, self.path)

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
            for layer in self.layers:
                kind = found[layer.name].dtype.kind
                if kind not in "fiu":
                    raise SeeinError(f"damaged store: layer {layer.name!r} of snapshot {key} holds "
                                     f"{found[layer.name].dtype} values, not numbers", self.path)
        self._check_labels()
        self._check_receptive_fields()

    def _check_labels(self) -> None:
        """Every label names a class: 0 <= label < the number of class names."""
        n = len(self.class_names)
        if self.labels.size and (self.labels.min() < 0 or self.labels.max() >= n):
            bad = int(self.labels.max() if self.labels.max() >= n else self.labels.min())
            raise SeeinError(f"damaged store: label {bad} is not a class (the store names {n} "
                             f"classes: 0..{n - 1})", self.path)

    def _check_receptive_fields(self) -> None:
        """A structured layer's receptive-field boxes are (H, W, 4) integers over its cells."""
        for layer in self.layers:
            group = self._file["layers"][layer.name]
            if "rf" not in group:
                continue
            rf = group["rf"]
            want = (*layer.cells, 4) if layer.kind == STRUCTURED else None
            if not isinstance(rf, h5py.Dataset) or rf.dtype.kind not in "iu" or (
                    want is not None and tuple(rf.shape) != want):
                raise SeeinError(f"damaged store: the receptive fields of layer {layer.name!r} are "
                                 f"not {want or 'boxes'} integers", self.path)

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
    @_reads
    def dtype(self) -> np.dtype:
        """The dtype activations are stored in (float16 unless extracted with float32)."""
        group = self._snap_group(0)["layers"]
        return next((group[k].dtype for k in group), np.dtype(np.float16))

    @property
    def images(self) -> h5py.Dataset:
        """All input images, uint8 (N, H, W, C), read lazily."""
        return self._file["images"]

    @_reads
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
        return self._file["snapshots"][snapshot_key(self.snapshot(k).index)]

    # -- activations ----------------------------------------------------------
    def n_points(self, layer: str) -> int:
        return self.layer(layer).n_points(self.n_images)

    def activations(self, layer: str, snapshot: int = -1) -> h5py.Dataset:
        """The lazy (n_points, dims) dataset of one layer at one snapshot."""
        self.layer(layer)
        return self._snap_group(snapshot)["layers"][layer]

    @_reads
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

    @_reads
    def feature_maps(self, layer: str, image: int, snapshot: int = -1) -> np.ndarray:
        """One image's output of a layer in its own shape: (C, H, W) or (D,)."""
        info = self.layer(layer)
        pts = self.read_activations(layer, snapshot, slice(image, image + 1))
        if info.kind == STRUCTURED:
            h, w = info.cells
            return pts.reshape(h, w, -1).transpose(2, 0, 1)
        return pts[0]

    # -- point <-> image (LayerInfo holds the arithmetic) ---------------------------------
    def point_image(self, layer: str, points: np.ndarray | int) -> np.ndarray:
        """Image index of each point."""
        return self.layer(layer).point_image(points)

    def point_cell(self, layer: str, points: np.ndarray | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(image, y, x) of each point."""
        return self.layer(layer).point_cell(points)

    def image_points(self, layer: str, images: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Indices of every point of the given images, in image order."""
        return self.layer(layer).image_points(images)

    def image_mask_to_point_mask(self, layer: str, image_mask: np.ndarray) -> np.ndarray:
        """Expand a boolean mask over images to one over the layer's points."""
        return self.layer(layer).image_mask_to_point_mask(image_mask)

    @_reads
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

    # -- the network's weights (schema 2) ----------------------------------------------
    @property
    def has_weights(self) -> bool:
        """Whether every snapshot keeps its weights (schema 2 stores extracted or upgraded)."""
        groups = self._file["snapshots"]
        return bool(self.snapshots) and all(WEIGHTS in groups[snapshot_key(s.index)] for s in self.snapshots)

    def snapshot_weights(self, snapshot: int = -1) -> dict[str, np.ndarray]:
        """The state dict of snapshot ``snapshot`` as arrays; a one-line error when the store has none."""
        group = self._snap_group(snapshot)
        if WEIGHTS not in group:
            raise SeeinError(f"the store keeps no weights (schema {self.schema_version}); add them with "
                             "`seein upgrade STORE --run RUN` or `--weights FILE`", self.path)
        return {name: ds[...] for name, ds in group[WEIGHTS].items()}

    def weights_summary(self, snapshot: int = -1) -> tuple[int, int]:
        """(parameter count, bytes) of snapshot ``snapshot``'s weights; (0, 0) without any."""
        group = self._snap_group(snapshot)
        if WEIGHTS not in group:
            return 0, 0
        items = list(group[WEIGHTS].values())
        return int(sum(ds.size for ds in items)), int(sum(ds.size * ds.dtype.itemsize for ds in items))

    # -- outputs and curves -----------------------------------------------------
    @_reads
    def logits(self, snapshot: int = -1) -> np.ndarray:
        return self._snap_group(snapshot)["logits"][...]

    @_reads
    def predictions(self, snapshot: int = -1) -> np.ndarray:
        return self._snap_group(snapshot)["predictions"][...].astype(np.int64)

    @property
    @_reads
    def curves(self) -> dict[str, np.ndarray]:
        """Training curves as {metric: (n, 2) array of (step, value)}."""
        if "curves" not in self._file:
            return {}
        return {k: v[...] for k, v in self._file["curves"].items()}

    @property
    def file_size(self) -> int:
        return self.path.stat().st_size

    # -- cached computed results (seein.store.cache) ---------------------------------------
    @property
    def cache(self) -> ResultCache:
        """The folder of computed results beside this store."""
        if self._cache is None:
            self._cache = ResultCache(self.path, lambda k: self.snapshot(k).index, self.store_id)
        return self._cache

    @property
    def store_id(self) -> str:
        """The identity written at creation (older stores: one made of their creation attributes)."""
        a = self._file.attrs
        text = str(a.get("store_id", ""))
        if text:
            return text
        import hashlib

        basis = json.dumps([str(a.get(k, "")) for k in ("created", "source", "n_images", "model", "dataset")])
        return "legacy-" + hashlib.sha1(basis.encode()).hexdigest()[:16]

    def hold_results(self) -> HeldCache:
        """From now on keep new results in memory (``.held``) rather than in the cache folder:
        a Dask worker's store, whose client is the one writer of the cache."""
        self._cache = HeldCache(self.path, lambda k: self.snapshot(k).index, self.store_id)
        return self._cache

    @property
    def cache_dir(self) -> Path:
        return self.cache.folder

    @_reads
    def load_result(self, kind: str, layer: str, snapshot: int | None,
                    params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        """A cached result computed with exactly these parameters, or None."""
        return self.cache.load(kind, layer, snapshot, params)

    def save_result(self, kind: str, layer: str, snapshot: int | None, params: Mapping[str, Any],
                    arrays: Mapping[str, np.ndarray]) -> Path:
        """Cache a result with its parameters; atomic, safe while others read the store."""
        return self.cache.save(kind, layer, snapshot, params, arrays)

    def results(self) -> list[dict[str, Any]]:
        """What has been computed: one dict (kind, layer, snapshot, params, file) per cached result."""
        return self.cache.entries()

    @_reads
    def summary(self) -> dict[str, Any]:
        """Everything ``seein info`` shows, as plain JSON-able values (seein.store.summary)."""
        return summarize(self)

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

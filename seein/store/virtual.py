"""A store whose per-image datasets are HDF5 virtual datasets over shard stores (``seein merge --virtual``).

Joining shards by copying rewrites every activation; a virtual store instead maps each
per-image dataset (images, and every snapshot's logits, predictions and layers) onto the
rows of the shard files, so joining costs metadata only and the shards stay where they
are. Everything else (labels, image ids, class names, receptive fields, weights, curves)
is copied from the shards. Readers see an ordinary store: h5py reads a virtual dataset
as any other, rows and dtype equal to a copied one.

The shard files are named relative to the store's folder (HDF5 looks there first), so
the store and its shard folder can move together. HDF5 reads a missing source as zeros,
silently; :func:`check_sources` (run by ``Store.open``) refuses such a store instead,
and one whose shard was replaced by another extraction's.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import h5py
import numpy as np

from ..core.errors import SeeinError
from ..core.outputs import fsync_path
from .schema import FORMAT_NAME, open_h5
from .writer import StoreWriter

#: Datasets with one row block per image, in image order: what a virtual store maps.
_MAPPED = re.compile(r"images|snapshots/[^/]+/(logits|predictions|layers/[^/]+)")
#: Per-image datasets small enough to copy (read whole at every open).
_CONCATENATED = ("labels", "image_ids")


def _source_name(shard: Path, folder: Path) -> str:
    """How the virtual store names a shard file: relative to the store's folder when it can."""
    try:
        return os.path.relpath(shard.resolve(), folder.resolve())
    except ValueError:  # another drive (Windows)
        return str(shard.resolve())


def write_virtual(out: str | os.PathLike, shards: Sequence[str | os.PathLike],
                  attrs: Mapping[str, Any]) -> Path:
    """Write the virtual store ``out`` over ``shards`` (complete shard stores, in image order).

    ``attrs`` override the first shard's root attributes (the joined range, n_images).
    Written to ``out.partial`` and renamed; returns ``out``.
    """
    out = Path(out)
    partial = StoreWriter.partial_path_for(out)
    paths = [Path(p) for p in shards]
    files = [open_h5(p, "r") for p in paths]
    try:
        first = files[0]
        names = [_source_name(p, out.parent) for p in paths]
        total = sum(int(f.attrs["n_images"]) for f in files)
        with h5py.File(partial, "w") as dst:
            for k, v in first.attrs.items():
                dst.attrs[k] = v
            dst.attrs["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            dst.attrs["store_id"] = uuid.uuid4().hex
            dst.attrs["n_images"] = total
            dst.attrs["complete"] = False
            for k, v in attrs.items():
                dst.attrs[k] = v

            def visit(name: str, obj: Any) -> None:
                if isinstance(obj, h5py.Group):
                    group = dst.require_group(name)
                    for k, v in obj.attrs.items():
                        group.attrs[k] = v
                    if "images_done" in obj.attrs:
                        group.attrs["images_done"] = total
                    return
                parent = dst.require_group(name.rpartition("/")[0] or "/")
                if _MAPPED.fullmatch(name):
                    _map(dst, name, obj, files, names)
                elif name in _CONCATENATED:
                    dst.create_dataset(name, data=np.concatenate([f[name][...] for f in files]))
                else:
                    first.copy(obj, parent, name=name.rpartition("/")[2])
                for k, v in obj.attrs.items():
                    dst[name].attrs[k] = v

            first.visititems(visit)
            dst.attrs["complete"] = True
        fsync_path(partial)
        os.replace(partial, out)
        fsync_path(out.parent)
        return out
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        for f in files:
            f.close()


def _map(dst: h5py.File, name: str, ref: h5py.Dataset, files: Sequence[h5py.File],
         names: Sequence[str]) -> None:
    """Create ``name`` in ``dst`` as the shards' ``name`` datasets one after the other."""
    parts = [f[name] for f in files]
    rows = sum(int(ds.shape[0]) for ds in parts)
    layout = h5py.VirtualLayout(shape=(rows,) + tuple(ref.shape[1:]), dtype=ref.dtype)
    at = 0
    for ds, source in zip(parts, names):
        n = int(ds.shape[0])
        if n:
            layout[at:at + n] = h5py.VirtualSource(source, name, shape=ds.shape, dtype=ds.dtype)
        at += n
    dst.create_virtual_dataset(name, layout)


def _virtual_datasets(f: h5py.File) -> list[h5py.Dataset]:
    found = [f["images"]] if isinstance(f.get("images"), h5py.Dataset) else []
    for group in f["snapshots"].values():
        found += [group[k] for k in ("logits", "predictions") if isinstance(group.get(k), h5py.Dataset)]
        layers = group.get("layers")
        found += list(layers.values()) if isinstance(layers, h5py.Group) else []
    return [ds for ds in found if isinstance(ds, h5py.Dataset) and ds.is_virtual]


def check_sources(f: h5py.File, path: Path) -> list[Path]:
    """The shard files a virtual store reads (none for an ordinary store); a SeeinError when
    one is missing, unreadable, unfinished or not of this store's extraction."""
    sources: dict[str, Path] = {}
    for ds in _virtual_datasets(f):
        for vmap in ds.virtual_sources():
            name = vmap.file_name
            if name not in sources and name != ".":
                sources[name] = Path(name) if os.path.isabs(name) else path.parent / name
    source = str(f.attrs.get("source", ""))
    for name, file in sources.items():
        if not file.is_file():
            raise SeeinError(f"its rows are in the shard file {name}, which is missing (keep the shard "
                             "folder beside the store, or join the shards with seein merge --copy)", path)
        try:
            with h5py.File(file, "r") as shard:
                ok = (shard.attrs.get("format") == FORMAT_NAME and bool(shard.attrs.get("complete", False))
                      and _same_source(str(shard.attrs.get("source", "")), source))
        except OSError as exc:
            raise SeeinError(f"cannot read its shard file {name} ({str(exc).splitlines()[0]})", path) from None
        if not ok:
            raise SeeinError(f"its shard file {name} is not a finished shard of the extraction this "
                             "store joined (replaced since?); join the shards again", path)
    return list(sources.values())


def _same_source(a: str, b: str) -> bool:
    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return a == b

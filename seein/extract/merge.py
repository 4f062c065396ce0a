"""Join shard stores (``seein extract --shard i/n``) into one store.

Shards are the unit a multi-GPU or Dask run schedules: each extracts one contiguous
range of images with the same model, data, snapshots and layers. Merging checks that
the shards belong together and cover every image once, in order, then copies them
chunk by chunk through :class:`~seein.store.StoreWriter` (same schema, same atomic
partial-then-rename write).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from ..store import Store, StoreWriter
from .engine import check_out, output_store

# Source keys that must agree between shards (paths of runs and weights may differ).
_SAME = ("model", "dataset", "split", "limit", "layers", "dtype", "images_total", "snapshots",
         "weights_digest", "data_digest")


def _check_shards(stores: Sequence[Store]) -> list[Store]:
    """The shards in image order, or a SeeinError saying which shard does not fit and why."""
    for store in stores:
        if store.shard is None:
            raise SeeinError("not a shard (extracted without --shard i/n)", store.path)
    ordered = sorted(stores, key=lambda s: s.shard[0])
    first = ordered[0]
    ref = {k: first.source.get(k) for k in _SAME}
    layers = [(layer.name, layer.shape) for layer in first.layers]
    for store in ordered[1:]:
        diff = [k for k in _SAME if store.source.get(k) != ref[k]]
        if [(layer.name, layer.shape) for layer in store.layers] != layers:
            diff.append("layers")
        if store.dtype != first.dtype:
            diff.append("dtype")
        if diff:
            raise SeeinError(f"not a shard of the same extraction as {first.path.name} "
                             f"({', '.join(sorted(set(diff)))} differ)", store.path)
    expected = 0
    total = first.shard[2]
    for store in ordered:
        start, stop, _, _ = store.shard
        if start > expected:
            raise SeeinError(f"images {expected}..{start - 1} are in none of the shards given "
                             f"(this shard starts at image {start})", store.path)
        if start < expected:
            raise SeeinError(f"overlaps the previous shard (starts at image {start}, "
                             f"the previous one ends at {expected - 1})", store.path)
        expected = stop
    if expected != total:
        raise SeeinError(f"images {expected}..{total - 1} of {total} are in none of the shards given "
                         f"(the last shard ends at image {expected - 1})", ordered[-1].path)
    return ordered


def merge(shards: Sequence[str | os.PathLike], out: str | os.PathLike, *, force: bool = False,
          images_per_chunk: int = 256, progress: ProgressCallback | None = None) -> Path:
    """Merge shard stores into the store ``out``; return its path.

    The shards may be given in any order; they must be shards of one extraction and
    cover all its images. ``out`` is written to ``out.partial`` and renamed at the end.
    """
    if not shards:
        raise SeeinError("no shard stores given")
    from ..core.outputs import output_lock

    out = output_store(out, shards)
    with output_lock(out):
        return _merge(shards, out, force=force, images_per_chunk=images_per_chunk, progress=progress)


def _merge(shards: Sequence[str | os.PathLike], out: Path, *, force: bool, images_per_chunk: int,
           progress: ProgressCallback | None) -> Path:
    check_out(out, resume=False, force=force)
    with ExitStack() as stack:
        stores = [stack.enter_context(Store.open(path)) for path in shards]
        ordered = _check_shards(stores)
        first = ordered[0]
        writer = StoreWriter.create(
            out, images=np.concatenate([s.images[...] for s in ordered]),
            labels=np.concatenate([s.labels for s in ordered]),
            image_ids=np.concatenate([s.image_ids for s in ordered]),
            class_names=first.class_names, layers=first.layers, snapshots=first.snapshots,
            n_outputs=first.logits(0).shape[1], input_shape=first.input_shape,
            receptive_fields={layer.name: first.receptive_fields(layer.name)
                              for layer in first.layers if layer.kind == "structured"},
            curves=first.curves, dataset_spec=first.dataset_spec, model_spec=first.model_spec,
            dtype=first.dtype,
            extra_attrs={"source": first.attrs.get("source", ""), "shard": "", "image_start": 0,
                         "image_stop": first.shard[2], "images_total": first.shard[2]},
            weights=({s.index: first.snapshot_weights(k) for k, s in enumerate(first.snapshots)}
                     if first.has_weights else None),
            model_digest=first.model_digest)
        try:
            total = len(first.snapshots) * first.shard[2]
            done = 0
            for k, snap in enumerate(first.snapshots):
                for store in ordered:
                    offset = store.shard[0]
                    logits, predictions = store.logits(k), store.predictions(k)
                    for start in range(0, store.n_images, images_per_chunk):
                        stop = min(start + images_per_chunk, store.n_images)
                        outputs = {layer.name: store.read_activations(layer.name, k, slice(start, stop),
                                                                      dtype=store.dtype)
                                   for layer in store.layers}
                        writer.write_chunk(snap.index, offset + start, outputs, logits[start:stop],
                                           predictions[start:stop])
                        done += stop - start
                        report(progress, done, total, f"snapshot {k + 1}/{len(first.snapshots)}")
        except BaseException:
            writer.close()
            writer.partial_path.unlink(missing_ok=True)
            raise
    return writer.finish(out)

"""What ``seein info`` shows of a store, as plain JSON-able values."""

from __future__ import annotations

from typing import Any


def summarize(store: Any) -> dict[str, Any]:
    """Everything ``seein info`` shows of an open :class:`seein.store.Store`, as plain JSON-able values."""
    source = store.source
    return {
        "path": str(store.path), "file_size": store.file_size, "schema_version": store.schema_version,
        "seein_version": str(store.attrs.get("seein_version", "")),
        "created": str(store.attrs.get("created", "")),
        "dataset": store.dataset_spec, "split": source.get("split", ""), "model": store.model_spec,
        "model_digest": store.model_digest,
        "run": source.get("run", ""), "weights": source.get("weights", ""),
        "n_images": store.n_images, "input_shape": list(store.input_shape),
        "classes": list(store.class_names), "dtype": str(store.dtype),
        "shard": None if store.shard is None else dict(zip(
            ("image_start", "image_stop", "images_total", "count"), store.shard)),
        "snapshots": [{"index": s.index, "step": s.step, "epoch": s.epoch, **dict(s.metrics),
                       "weights": dict(zip(("parameters", "bytes"), store.weights_summary(k)))}
                      for k, s in enumerate(store.snapshots)],
        "layers": [{"name": layer.name, "kind": layer.kind, "shape": list(layer.shape),
                    "module": layer.module, "points": store.n_points(layer.name), "dims": layer.dims}
                   for layer in store.layers],
        "curves": sorted(store.curves),
        "results": [{k: r.get(k) for k in ("kind", "layer", "snapshot", "params", "file")}
                    for r in store.results()],
    }

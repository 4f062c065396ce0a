"""Everything the app needs, computed once into the store's cache (``seein compute``).

:func:`plan` lists the work as small tasks (one statistic of one layer at one snapshot)
and :func:`run` executes them in order with one progress callback. Every task goes
through the same cached functions the app calls, with the app's default parameters, so
the app later reads the results at once and a second run finds everything cached.
Each result is written atomically when its task ends: an interrupted run keeps what it
finished and never leaves a half-written file (the store itself is only read).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from ..store import FLAT, Store
from .streaming import record_cache

#: Analyses in the order they run; projections come first (the methods of ``project``).
ANALYSES = ("predictions", "ranges", "kmeans", "perplexity", "heatmap", "filtermap", "inputmap")


@dataclass
class Task:
    """One unit of work: ``kind`` of ``layer`` at snapshot position ``snapshot``."""

    kind: str
    layer: str
    snapshot: int
    run: Callable[[ProgressCallback | None], object]  # computes (or loads) the result
    cached: bool = False
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.kind} {self.layer or '-'} s{self.snapshot}"


def parse_snapshots(store: Store, spec: str) -> list[int]:
    """Snapshot positions from "all", "last" or a comma list of indices (negative from the end)."""
    n = len(store.snapshots)
    spec = (spec or "all").strip().lower()
    if spec == "all":
        return list(range(n))
    if spec == "last":
        return [n - 1]
    out = []
    for part in spec.split(","):
        try:
            k = int(part)
        except ValueError:
            raise SeeinError(f"bad snapshot {part!r} (use all, last or a comma list of indices)") from None
        store.snapshot(k)  # a clear error when out of range
        out.append(k % n)
    return sorted(set(out))


def plan(store: Store, layers: Sequence[str] | None = None, snapshots: Sequence[int] | None = None,
         embed_snapshots: Sequence[int] | None = None, methods: Sequence[str] = ("pca", "tsne", "pivotmds"),
         analyses: Sequence[str] = ANALYSES, n_instances: int | None = None,
         map_instances: int | None = None, map_features: str = "neuronal") -> list[Task]:
    """The tasks of a ``seein compute`` run (validated up front: a bad name fails before any work).

    ``snapshots`` (default all) get the statistics; ``embed_snapshots`` (default the last)
    get the projections and the Input Map, the costly t-SNE work. ``n_instances`` and
    ``map_instances`` override the DeepEyes sample sizes (changing them changes the cache key);
    ``map_features`` is what the Input Map embeds ("neuronal", DeepEyes', or "layer", see
    :func:`seein.compute.inputmap.input_map`).
    """
    from .clustering import cluster_images, last_flat_layer
    from .deepeyes import activation_heatmap, perplexity_histogram
    from .filtermap import filter_map
    from .inputmap import input_map
    from .projection import METHODS, project
    from .stats import confusion_matrix, feature_ranges, prediction_histogram
    from .tsne import MIN_POINTS

    layers = list(layers) if layers else [layer.name for layer in store.layers]
    for name in layers:
        store.layer(name)
    bad = sorted(set(methods) - set(METHODS))
    if bad:
        raise SeeinError(f"unknown projection method(s) {', '.join(bad)} (methods: {', '.join(METHODS)})")
    for name in layers if methods else []:  # projections need points: say so before any work
        n_points = store.n_points(name)
        need = MIN_POINTS if {"tsne", "umap"} & set(methods) else 2
        if n_points < need:
            raise SeeinError(f"layer {name!r} has {n_points} point(s); "
                             f"{'t-SNE' if need > 2 else 'a projection'} needs at least {need} "
                             "(leave the layer out with --layers, or use --methods none)", store.path)
    bad = sorted(set(analyses) - set(ANALYSES))
    if bad:
        raise SeeinError(f"unknown analysis {', '.join(bad)} (analyses: {', '.join(ANALYSES)})")
    from .inputmap import FEATURES

    if map_features not in FEATURES:
        raise SeeinError(f"unknown Input Map features {map_features!r} ({', '.join(FEATURES)})")
    n = len(store.snapshots)
    snaps = sorted(set(range(n) if snapshots is None else (k % n for k in snapshots)))
    embed = sorted(set([n - 1] if embed_snapshots is None else (k % n for k in embed_snapshots)))
    inst = {} if n_instances is None else {"n_instances": int(n_instances)}
    minst = {} if map_instances is None else {"n_instances": int(map_instances)}
    minst["features"] = map_features
    has_classes = store.n_classes > 0 and bool((store.predictions(-1) >= 0).any())
    flat = [layer.name for layer in store.layers if layer.kind == FLAT]
    tasks: list[Task] = []

    def add(kind: str, layer: str, s: int, fn: Callable[[ProgressCallback | None], object]) -> None:
        tasks.append(Task(kind, layer, s, fn))

    per_layer = {
        "ranges": ("stats/ranges", lambda n_, s_, p: feature_ranges(store, n_, s_)),
        "perplexity": ("deepeyes/perplexity", lambda n_, s_, p: perplexity_histogram(store, n_, s_, **inst)),
        "heatmap": ("deepeyes/heatmap", lambda n_, s_, p: activation_heatmap(store, n_, s_, **inst)),
        "filtermap": ("deepeyes/filtermap", lambda n_, s_, p: filter_map(store, n_, s_, **inst)),
    }
    for s in embed:
        for name in layers:
            for method in methods:
                add(f"projection/{method}", name, s,
                    lambda p, name=name, s=s, method=method: project(store, name, method, 2, s, p))
    for s in snaps:
        if "predictions" in analyses and has_classes:
            add("stats/confusion", "", s, lambda p, s=s: confusion_matrix(store, s))
            add("stats/predictions", "", s, lambda p, s=s: prediction_histogram(store, s))
        if "kmeans" in analyses and flat and store.n_images >= 2:  # (one image: nothing to cluster)
            target = last_flat_layer(store)
            add("clusters/kmeans", target, s, lambda p, s=s, t=target: cluster_images(store, t, snapshot=s))
        for name in layers:
            for analysis, (kind, fn) in per_layer.items():
                if analysis in analyses:
                    add(kind, name, s, lambda p, fn=fn, name=name, s=s: fn(name, s, p))
    if "inputmap" in analyses:
        for s in embed:
            for name in layers:
                add("deepeyes/inputmap", name, s,
                    lambda p, name=name, s=s: input_map(store, name, s, progress=p, **minst))
    return tasks


def _execute(task: Task, progress: ProgressCallback | None) -> bool:
    """Run one task; True when its result came from the store's cache."""
    with record_cache() as record:
        out = task.run(progress)
    if hasattr(out, "cached"):  # a Projection says so itself
        return bool(out.cached)
    hits = [hit for kind, hit in record if kind == task.kind]
    return bool(hits) and all(hits)


def run(tasks: Sequence[Task], progress: ProgressCallback | None = None) -> list[Task]:
    """Run the tasks in order under one progress callback; each records ``cached`` and ``seconds``."""
    total = len(tasks)
    for i, task in enumerate(tasks):
        report(progress, i, total, task.label)

        def inner(done: int, of: int, message: str = "", i: int = i, task: Task = task) -> bool | None:
            return progress(i, total, f"{task.label}: {message} {done}/{of}") if progress else None

        t0 = time.perf_counter()
        task.cached = _execute(task, inner)
        task.seconds = time.perf_counter() - t0
    report(progress, total, total, "done")
    return list(tasks)

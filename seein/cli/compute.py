"""``seein compute STORE``: compute everything the app shows, once, into the store's cache.

Projections (``--methods``, default PCA, t-SNE and PivotMDS: the app's three) of every
layer at the last snapshot (``--embed-snapshots all`` for the timeline's every snapshot),
and per snapshot the predictions and confusion matrix, feature ranges, k-means clusters
of the last fully-connected layer, DeepEyes' perplexity histograms, activation heatmaps
and Filter Maps; the Input Map at the last snapshot. One progress bar; a list of what
was computed at the end. Results already cached are not recomputed, so a second run is
instant; Ctrl-C keeps every finished result and never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import sys

ANALYSES = ("predictions", "ranges", "kmeans", "perplexity", "heatmap", "filtermap", "inputmap")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compute", help="compute projections and statistics into the store's cache",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", help="activation store (.h5) written by seein extract")
    parser.add_argument("--layers", help="comma list of layers (default: every layer)")
    parser.add_argument("--snapshots", default="all",
                        help="snapshots for the statistics: all, last or a comma list (default: all)")
    parser.add_argument("--embed-snapshots", default="last",
                        help="snapshots for projections and Input Maps (default: last)")
    parser.add_argument("--methods", default="pca,tsne,pivotmds",
                        help="projection methods: pca, tsne, pivotmds, umap, or none (default: pca,tsne,pivotmds)")
    parser.add_argument("--analyses", default="all",
                        help=f"comma list of {', '.join(ANALYSES)}, all, or none (default: all)")
    parser.add_argument("--instances", type=int, default=None,
                        help="receptive-field instances sampled per layer for DeepEyes (default 20000, "
                             "more where the cells of an image must cover half of it, as DeepEyes)")
    parser.add_argument("--map-instances", type=int, default=None,
                        help="instances in each Input Map (default 2000)")
    parser.add_argument("--map-features", choices=("neuronal", "layer"), default="neuronal",
                        help="what the Input Map embeds: each instance's neuronal receptive field (its "
                             "input: the layer before, or the image patch), as DeepEyes (default), or "
                             "its own activations in the layer")
    parser.add_argument("--cluster", metavar="ADDRESS|local[:N]",
                        help="run the tasks on a Dask cluster: a scheduler address (tcp://HOST:8786), local:N "
                             "(N worker processes here) or local-cuda:N; every worker reads the store (a "
                             "shared file system), this process alone writes the cache")
    parser.add_argument("--threads", type=int, default=None,
                        help="with --cluster: CPU threads per task (default: each machine's cores shared "
                             "among its worker threads); a t-SNE equals a local one run with "
                             "SEEIN_THREADS set to the same number")
    parser.add_argument("--verbose", action="store_true", help="list every result (default: a table by kind)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table, only the summary")
    parser.set_defaults(func=run)


def _names(spec: str | None, everything: tuple[str, ...] | None = None) -> list[str] | None:
    if spec is None:
        return None
    spec = spec.strip()
    if spec.lower() == "none":
        return []
    if everything is not None and spec.lower() == "all":
        return list(everything)
    return [part.strip() for part in spec.split(",") if part.strip()]


def _table(tasks) -> str:
    """What was computed, by kind: layers, snapshots, computed / cached counts and time."""
    rows: dict[str, list] = {}
    for task in tasks:
        row = rows.setdefault(task.kind, [set(), set(), 0, 0, 0.0])
        row[0].add(task.layer)
        row[1].add(task.snapshot)
        row[2 if not task.cached else 3] += 1
        row[4] += task.seconds
    lines = [f"{'result':<22} {'layers':>6} {'snapshots':>9} {'computed':>8} {'cached':>6} {'time':>9}"]
    for kind, (layers, snaps, computed, cached, seconds) in rows.items():
        n_layers = len(layers - {""}) or "-"
        lines.append(f"{kind:<22} {n_layers:>6} {len(snaps):>9} {computed:>8} {cached:>6} {seconds:>7.1f} s")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import time
    import warnings

    from ..compute import pipeline
    from ..compute.streaming import check_cache_writable
    from ..core.errors import SeeinError
    from ..core.progress import TqdmProgress
    from ..store import Store

    for flag in ("instances", "map_instances"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise SeeinError(f"--{flag.replace('_', '-')} must be at least 1, not {value}")
    if args.threads is not None and args.threads < 1:
        raise SeeinError(f"--threads must be at least 1, not {args.threads}")
    if args.threads is not None and args.cluster is None:
        raise SeeinError("--threads goes with --cluster (a local run takes SEEIN_THREADS)")
    spec = None
    if args.cluster is not None:
        from ..core.cluster import parse_cluster

        spec = parse_cluster(args.cluster)  # a bad value fails before any work
    t0 = time.perf_counter()
    with Store.open(args.store) as store:
        plan_kwargs = dict(
            layers=_names(args.layers),
            snapshots=pipeline.parse_snapshots(store, args.snapshots),
            embed_snapshots=pipeline.parse_snapshots(store, args.embed_snapshots),
            methods=_names(args.methods) or [], analyses=_names(args.analyses, pipeline.ANALYSES) or [],
            n_instances=args.instances, map_instances=args.map_instances, map_features=args.map_features)
        tasks = pipeline.plan(store, **plan_kwargs)
        check_cache_writable(store)
        bar = TqdmProgress(desc="compute", unit="task", disable=True if args.quiet else None)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if spec is None:
                    done = pipeline.run(tasks, bar)
                else:
                    from ..compute.cluster import run_on_cluster
                    from ..core.cluster import open_client

                    with open_client(spec) as client:
                        done = run_on_cluster(client, store, tasks, plan_kwargs, threads=args.threads,
                                              progress=bar)
        finally:
            bar.close()
        lost = [w for w in caught if "cache" in str(w.message) and "not kept" in str(w.message)
                or "could not cache" in str(w.message)]
        for w in caught:
            if w not in lost:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        if lost:  # computing for the cache and keeping nothing is a failure, not "N computed"
            raise SeeinError(f"{len(lost)} result(s) could not be written ({str(lost[0].message).split('(')[-1]}",
                             store.cache_dir)
        n_cached = sum(task.cached for task in done)
        if args.verbose:
            for task in done:
                index = store.snapshot(task.snapshot).index
                print(f"{'cached  ' if task.cached else 'computed'} {task.kind:<22} {task.layer or '-':<16} "
                      f"snapshot {index:<4} {task.seconds:8.2f} s")
        elif not args.quiet and done:
            print(_table(done))
        print(f"{store.path}: {len(done) - n_cached} computed, {n_cached} already cached "
              f"({len(done)} results) in {time.perf_counter() - t0:.1f} s; cache: {store.cache_dir}")
    sys.stdout.flush()
    return 0

"""``seein embed``: project one layer (PCA, t-SNE, PivotMDS) and save it for use elsewhere."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "embed", help="project one layer to 2-D/3-D (pca, tsne, pivotmds, umap), cached in the store",
        description="Project a layer of an activation store with PCA, t-SNE, PivotMDS or UMAP. The result "
                    "is cached beside the store (a second call with the same parameters returns at "
                    "once); --out also writes an .npz with embedding (n_points, dims), labels (class "
                    "of each point's image) and image_index (image of each point).")
    p.add_argument("store", help="an activation store (.h5)")
    p.add_argument("--layer", required=True, help="layer name (see seein info)")
    p.add_argument("--method", default="pca", help="pca, tsne, pivotmds or umap (default pca)")
    p.add_argument("--dims", type=int, default=2, choices=(2, 3), help="2 or 3 (default 2)")
    p.add_argument("--snapshot", type=int, default=-1, help="snapshot index, negative from the end (default -1)")
    p.add_argument("--perplexity", type=float, help="t-SNE perplexity (default 30; clamped to (n-1)/3)")
    p.add_argument("--n-iter", type=int, help="t-SNE iterations after early exaggeration (default 500)")
    p.add_argument("--seed", type=int, help="random seed of t-SNE / PivotMDS / UMAP (default 0)")
    p.add_argument("--limit", type=int, help="t-SNE / UMAP fit at most this many points, place the rest "
                                             "(default 20000)")
    p.add_argument("--pivots", type=int, help="PivotMDS pivots (default 50)")
    p.add_argument("--n-neighbors", type=int, help="UMAP neighbours (default 15)")
    p.add_argument("--min-dist", type=float, help="UMAP minimum distance (default 0.1)")
    p.add_argument("--metric", help="UMAP metric: euclidean, cosine, manhattan, correlation (default euclidean)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the store's cache")
    p.add_argument("--out", metavar="FILE.npz", help="write embedding, labels and image_index to FILE.npz")
    p.set_defaults(func=run)


# flag -> (attribute of args, parameter of project(), methods it applies to)
_FLAGS = {
    "--perplexity": ("perplexity", "perplexity", ("tsne",)),
    "--n-iter": ("n_iter", "n_iter", ("tsne",)),
    "--limit": ("limit", "limit", ("tsne", "umap")),
    "--seed": ("seed", "seed", ("tsne", "pivotmds", "umap")),
    "--pivots": ("pivots", "n_pivots", ("pivotmds",)),
    "--n-neighbors": ("n_neighbors", "n_neighbors", ("umap",)),
    "--min-dist": ("min_dist", "min_dist", ("umap",)),
    "--metric": ("metric", "metric", ("umap",)),
}


def _params(args: argparse.Namespace) -> dict:
    """The method parameters given on the command line; a flag of another method is an error."""
    from ..core.errors import SeeinError

    params, stray = {}, []
    for flag, (attr, name, methods) in _FLAGS.items():
        value = getattr(args, attr)
        if value is None:
            continue
        if args.method not in methods:
            stray.append(flag)
        params[name] = value
    if stray:
        raise SeeinError(f"{', '.join(stray)} does not apply to --method {args.method}")
    return params


def run(args: argparse.Namespace) -> int:
    import time
    import warnings

    import numpy as np

    from ..compute.projection import METHODS, project
    from ..core.errors import SeeinError
    from ..core.progress import TqdmProgress
    from ..store import Store

    if args.method not in METHODS:
        raise SeeinError(f"unknown method {args.method!r} (methods: {', '.join(METHODS)})")
    params = _params(args)
    if args.out:
        from ..core.outputs import check_output_folder, refuse_if_input

        args.out = args.out if args.out.endswith(".npz") else args.out + ".npz"
        refuse_if_input(args.out, [args.store], "the output")
        check_output_folder(args.out)
    with Store.open(args.store) as store:
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught, TqdmProgress(f"{args.method} {args.layer}") as bar:
            warnings.simplefilter("always")
            proj = project(store, args.layer, args.method, args.dims, args.snapshot, bar,
                           cache=not args.no_cache, **params)
        for w in caught:
            print(f"seein embed: warning: {w.message}")
        elapsed = time.perf_counter() - t0
        image_index = store.point_image(args.layer, np.arange(len(proj.embedding))).astype(np.int64)
        labels = store.labels[image_index]
        where = "from the cache" if proj.cached else f"in {elapsed:.1f} s"
        print(f"{args.method} of {args.layer} (snapshot {proj.snapshot}): {proj.embedding.shape[0]:,} points "
              f"-> {args.dims}-D, {where}")
        for note in proj.notes:
            print(f"  note: {note}")
        if args.out:
            from ..core.outputs import atomic_output

            with atomic_output(args.out, ".npz") as tmp:
                np.savez(tmp, embedding=proj.embedding, labels=labels, image_index=image_index)
            print(f"wrote {args.out}")
    return 0

"""``seein screenshot``: render a store layer to PNG with no display (VisPy's EGL backend)."""

from __future__ import annotations

import argparse

from ..core.errors import SeeinError


def _pair(text: str, sep: str, what: str) -> tuple[int, int]:
    parts = text.lower().split(sep)
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        raise SeeinError(f"{what} {text!r}: expected two integers separated by {sep!r}") from None
    return a, b


def _select_file(select: str | None) -> str | None:
    """The file of ``--select images=FILE``, if that is what it names."""
    if select and select.startswith("images="):
        return select.split("=", 1)[1]
    return None


#: Analysis views ``--view`` draws (seein.render.views; kept here so --help needs no imports).
VIEW_NAMES = ("confusion", "filters", "prediction", "network", "clusters", "compare", "curves", "perplexity", "heatmap", "inputmap",
              "filtermap", "adversarial", "maximize")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "screenshot", help="render a layer's scatter / scatter-plot matrix to PNG (headless, EGL)",
        description="Render one layer of a store as the embedding view draws it, offscreen through "
                    "VisPy's EGL backend (EGL_PLATFORM=surfaceless on a machine with no display).")
    p.add_argument("store", nargs="+", metavar="STORE",
                   help="activation store (.h5); two stores of the same data (A B with --layer LA,LB) "
                        "draw both layers' projections Procrustes-aligned in one plot, each image's pair joined")
    p.add_argument("--layer", help="layer name (see seein info STORE); required unless --view")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--dims", metavar="I,J", help="scatter of dim I (x) against dim J (y)")
    view.add_argument("--splom", action="store_true",
                      help="the whole scatter-plot matrix (default for D > 2; drawn from density images "
                           "when its panels hold over 20 M points in all, see --panels)")
    view.add_argument("--projection", choices=("pca", "tsne", "pivotmds", "umap"),
                      help="the layer's 2-D projection (computed once, cached in the store)")
    p.add_argument("--panels", metavar="A:B",
                   help="only the block of the matrix for dims A..B-1 (e.g. 0:4 is the top-left 4 x 4)")
    p.add_argument("--select", metavar="SPEC",
                   help="brush images: class=K (index or name), images=FILE (ids, .csv/.txt/.npy), "
                        "images=i,j,... or all")
    p.add_argument("--snapshot", type=int, default=-1, metavar="K", help="snapshot (default: the last)")
    p.add_argument("--size", default="800x800", metavar="WxH", help="image size in pixels (default 800x800)")
    p.add_argument("--point-size", type=float, default=4.0, metavar="PX", help="point diameter (default 4)")
    p.add_argument("--view", metavar="NAME[,NAME...]",
                   help="draw an analysis view instead of the embedding; several, comma-separated, side by "
                        f"side: {', '.join(VIEW_NAMES)} (deepViz: confusion matrix, conv filters, "
                        "prediction histogram, network graph, clustered images, direct compare of the first --select image over snapshots and --layer L1,L2; DeepEyes: training curves, "
                        "perplexity histograms, activation heatmap, Input Map, Filter Map; what-if: the "
                        "adversarial strip of the first --select image with its trail in --layer, the "
                        "maximisation of --unit of --layer, or without --unit of the --select images' "
                        "mean response; what-if views are drawn one at a time)")
    p.add_argument("--feature", type=int, metavar="F", help="with --view: the focused filter")
    p.add_argument("--unit", type=int, metavar="U", help="with --view maximize: the channel or dim (as --feature)")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if getattr(args, "view", None) in ("adversarial", "maximize"):
        from .whatif_screenshot import run_whatif_view

        return run_whatif_view(args)
    if len(args.store) == 2:
        from .compare import run_compare

        if not args.layer:
            raise SeeinError("two stores compare one layer of each: give --layer LA,LB")
        return run_compare(args)
    if len(args.store) > 2:
        raise SeeinError(f"one store, or two to compare (got {len(args.store)})")
    args.store = args.store[0]

    from ..render.screenshot import parse_panels, render_screenshot, save_png

    size = _pair(args.size, "x", "--size")
    if args.view:
        return _run_view(args, size)
    if not args.layer:
        raise SeeinError("--layer is required (or --view NAME)")
    dims = _pair(args.dims, ",", "--dims") if args.dims else None
    panels = parse_panels(args.panels)
    if panels is not None and (dims is not None or args.projection):
        raise SeeinError("--panels picks a block of the matrix: not with --dims or --projection")
    from ..core.outputs import check_output_folder, input_files, refuse_if_input

    out = Path(args.output)
    refuse_if_input(out, [args.store, *input_files(_select_file(args.select))], "the PNG")
    check_output_folder(out)  # before the rendering, not after
    from ..core.progress import TqdmProgress

    with TqdmProgress(desc=f"{args.projection} of {args.layer}", disable=None if args.projection else True) as bar:
        rgba, note = render_screenshot(args.store, args.layer, dims=dims, splom=args.splom,
                                       projection=args.projection, select=args.select,
                                       snapshot=args.snapshot, size=size, point_size=args.point_size,
                                       panels=panels, progress=bar)
    path = save_png(rgba, out)
    print(f"wrote {path} ({rgba.shape[1]}x{rgba.shape[0]}): {note}")
    return 0


def _run_view(args: argparse.Namespace, size: tuple[int, int]) -> int:
    from pathlib import Path

    from ..core.outputs import check_output_folder, input_files, refuse_if_input
    from ..render.screenshot import save_png, selection_mask
    from ..render.views import render_view
    from ..store import Store

    out = Path(args.output)
    refuse_if_input(out, [args.store, *input_files(_select_file(args.select))], "the PNG")
    check_output_folder(out)
    mask = None
    if args.select:
        with Store.open(args.store) as store:
            mask = selection_mask(args.select, store)
    import numpy as np

    names = [n.strip() for n in args.view.split(",") if n.strip()]
    unknown = [n for n in names if n not in VIEW_NAMES]
    if unknown or not names:
        raise SeeinError(f"no view {', '.join(unknown) or repr(args.view)} (views: {', '.join(VIEW_NAMES)})")
    # several views side by side, each at --size (a figure of a whole system's views in one PNG)
    rgba = np.concatenate([render_view(args.store, name, args.snapshot, args.layer, mask, args.feature, size)
                           for name in names], axis=1)
    path = save_png(rgba, out)
    print(f"wrote {path} ({rgba.shape[1]}x{rgba.shape[0]}): view {args.view}")
    return 0

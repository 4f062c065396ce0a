"""``seein screenshot A.h5 B.h5 --layer LA,LB --projection M``: two networks' layers in one aligned plot."""

from __future__ import annotations

import argparse


def run_compare(args: argparse.Namespace) -> int:
    """Project layer LA of A and LB of B, align B onto A (Procrustes with mirroring), draw, write PNG."""
    from pathlib import Path

    from ..compute.linked import compare_layers
    from ..core.errors import SeeinError
    from ..core.progress import TqdmProgress
    from ..render.whatif import compare_figure, figure_rgba
    from ..store import Store
    from .whatif_io import parse_size, write_png

    path_a, path_b = args.store
    layers = args.layer.split(",")
    if len(layers) != 2 or not all(layers):
        raise SeeinError(f"with two stores, --layer is LA,LB: one layer of each (got {args.layer!r})")
    if args.dims or args.splom or args.panels:
        raise SeeinError("two stores are compared through a projection: not with --dims, --splom or --panels")
    method = args.projection or "pca"
    out = Path(args.output)
    from .whatif_io import check_outputs

    check_outputs(list(args.store), args.output)
    size = parse_size(args.size)
    with Store.open(path_a) as a, Store.open(path_b) as b:
        for store, layer in ((a, layers[0]), (b, layers[1])):
            store.layer(layer)
        selected = None
        if args.select:
            from ..state.selection import parse_select

            selected = parse_select(args.select, a)
        with TqdmProgress(desc=f"{method} of {layers[0]}, {layers[1]}") as bar:
            cmp = compare_layers(a, b, layers[0], layers[1], method, snapshot_a=args.snapshot,
                                 snapshot_b=args.snapshot, progress=bar)
        note = f"{method}; residual {cmp.alignment.residual:.3g}{'; mirrored' if cmp.alignment.reflected else ''}"
        fig = compare_figure(cmp.a, cmp.b, cmp.labels, a.class_names,
                             (f"{a.path.stem}:{layers[0]}", f"{b.path.stem}:{layers[1]}"), note,
                             selected=selected, size=size)
    rgba = figure_rgba(fig)
    write_png(rgba, out)
    print(f"wrote {out} ({rgba.shape[1]}x{rgba.shape[0]}): {layers[0]} of {Path(path_a).name} and "
          f"{layers[1]} of {Path(path_b).name}, {note}")
    return 0

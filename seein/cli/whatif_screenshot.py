"""``seein screenshot STORE --view adversarial|maximize``: a what-if view rendered headless."""

from __future__ import annotations

import argparse


def run_whatif_view(args: argparse.Namespace) -> int:
    import numpy as np

    from ..core.errors import SeeinError
    from ..core.outputs import input_files
    from ..core.progress import TqdmProgress
    from ..render.whatif_views import WhatIfRequest, render_whatif
    from ..state.selection import parse_select
    from ..store import Store
    from .whatif_io import check_outputs, parse_size, write_png

    if not args.layer:
        raise SeeinError(f"--view {args.view} needs --layer L (the trail's or the maximised layer)")
    unit = args.unit if args.unit is not None else getattr(args, "feature", None)
    if len(args.store) != 1:
        raise SeeinError(f"--view {args.view} shows one store (got {len(args.store)})")
    check_outputs([args.store[0], *input_files(args.select and args.select.partition("=")[2])], args.output)
    size = parse_size(args.size if args.size != "800x800" else "1000x700")
    with Store.open(args.store[0]) as store:
        store.layer(args.layer)
        selection = tuple(int(i) for i in np.flatnonzero(parse_select(args.select, store))) if args.select else ()
        req = WhatIfRequest(snapshot=args.snapshot, layer=args.layer, selection=selection,
                            unit=unit, size=size)
        with TqdmProgress(desc=args.view) as bar:
            rgba = render_whatif(store, args.view, req, progress=bar)
    write_png(rgba, args.output)
    print(f"wrote {args.output} ({rgba.shape[1]}x{rgba.shape[0]}): {args.view} view of {args.layer}")
    return 0

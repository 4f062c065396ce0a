"""``seein bench view``: how long each user action keeps the app's window busy, on a store's largest layer.

Opens the full window (under a private Xvfb when there is no display), drives it with
synthetic input on the layer with the most values (conv1 of the demo: a million points
of 20 dims) and prints, per action, the longest time the window could not react, in
milliseconds and in frames of that layer's view; then a pan with the thinned frames
the view draws while the camera moves against one drawing every point.
"""

from __future__ import annotations

import argparse


def add_parser(targets: argparse._SubParsersAction) -> None:
    p = targets.add_parser("view", help="GUI-thread stalls of the app's actions on a million-point layer",
                           description=__doc__)
    p.add_argument("store", nargs="?", help="the activation store (default: the demo store, built if missing)")
    p.add_argument("--layer", help="the layer to work on (default: the one with the most values)")
    p.add_argument("--size", default="1400x900", metavar="WxH", help="window size (default 1400x900)")
    p.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..gui.app import build_window, parse_size, qt_application
    from ..gui.xvfb import virtual_display
    from . import write_json

    size = parse_size(args.size)
    store = args.store
    if store is None:
        from ..demo import demo_store

        store = demo_store()
    with virtual_display(size[0] + 100, size[1] + 100):
        from qtpy import QtWidgets

        from ..bench.view import bench_view, format_table

        qt_application()
        window = build_window(store, size=size, restore=False)
        try:
            if args.layer is not None:
                window.state.require_store().layer(args.layer)  # a bad name: a one-line error
            result = bench_view(window, args.layer)
        finally:
            window.close()
            window.deleteLater()
            QtWidgets.QApplication.processEvents()
    result = {"benchmark": "view", "store": str(store), "size": list(size), **result}
    print(format_table(result))
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0

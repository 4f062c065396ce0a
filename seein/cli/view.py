"""``seein view STORE``: open the app on a store, or render the full window to a PNG and exit."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "view", help="open the interactive app on an activation store",
        description="Open Seein' In's window on an activation store. With --screenshot, build the "
                    "whole window (under a private Xvfb when there is no display), write it to a PNG "
                    "and exit.")
    p.add_argument("store", nargs="*", metavar="STORE",
                   help="the activation store (.h5); default: the last one opened. Two stores of the same "
                        "images open side by side with one selection linked by image id")
    p.add_argument("--screenshot", metavar="PNG", help="render the window to this PNG and exit")
    p.add_argument("--layer", help="make this layer active (LA,LB for two stores)")
    p.add_argument("--select", metavar="SPEC",
                   help="select images: class=K (index or name), images=i,j,... or all")
    p.add_argument("--size", metavar="WxH", help="window size in pixels, e.g. 1600x1000")
    p.add_argument("--show", metavar="NAME[,NAME...]",
                   help="bring analysis views to the front: confusion, filters, prediction, network, curves, "
                        "perplexity, heatmap, filtermap, inputmap, adversarial, maximize")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.errors import SeeinError
    from ..gui.app import parse_size, run_app

    parse_size(args.size)  # a bad size fails before any window opens
    if len(args.store) > 2:
        raise SeeinError(f"one store, or two to link side by side (got {len(args.store)})")
    if len(args.store) == 2:
        from ..compute.linked import check_same_data
        from ..store import Store

        with Store.open(args.store[0]) as a, Store.open(args.store[1]) as b:
            check_same_data(a, b)  # refused in one line before any window opens
    if args.show and len(args.store) == 2:
        raise SeeinError("--show brings views of one store to the front; open one store with it")
    first = args.store[0] if args.store else None
    second = args.store[1] if len(args.store) == 2 else None
    return run_app(first, screenshot=args.screenshot, layer=args.layer, select=args.select,
                   size=args.size, second_path=second,
                   show=[n.strip() for n in args.show.split(",") if n.strip()] if args.show else None)

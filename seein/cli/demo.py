"""``seein demo``: build the demo store if missing (LeNet on the digits, every snapshot), open the app."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo", help="build the demo store if missing and open the app on it",
        description="Build the demo store if it is missing (the demo LeNet run, trained in seconds on "
                    "scikit-learn's digits, every snapshot, all 1,797 images) and open the app on it; "
                    "without the app (or with --no-gui) print what the store holds.")
    p.add_argument("--model", default="lenet", choices=("lenet", "siamese-lenet"), help="default: lenet")
    p.add_argument("--linked", action="store_true",
                   help="also build the siamese LeNet demo store and open both side by side, one selection "
                        "linked by image (two networks on the same digits)")
    p.add_argument("--no-gui", action="store_true", help="only build the store and print seein info")
    p.add_argument("--json", action="store_true", help="with --no-gui: print the info as JSON")
    p.set_defaults(func=run)


def _app():
    """The app's entry point, or None when the app is not installed or there is no display."""
    import os

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("seein demo: no display (DISPLAY is not set): showing seein info of the demo store",
              file=sys.stderr)
        return None
    try:
        from ..gui.app import run_app
    except ImportError:
        print("seein demo: the app is not part of this build: showing seein info of the demo store",
              file=sys.stderr)
        return None
    return run_app


def run(args: argparse.Namespace) -> int:
    import json
    import time

    from ..core.progress import TqdmProgress
    from ..demo import demo_built, demo_store
    from ..store import Store
    from .info import format_summary

    build = not demo_built(args.model)
    if build:
        print(f"seein demo: building the {args.model} demo store (once)", file=sys.stderr)
    t0 = time.perf_counter()
    with TqdmProgress("demo store", unit="img") as bar:
        path = demo_store(args.model, progress=bar)
    if build:
        print(f"seein demo: demo store built in {time.perf_counter() - t0:.1f} s: {path}", file=sys.stderr)
    second = None
    if args.linked:
        other = "siamese-lenet" if args.model == "lenet" else "lenet"
        with TqdmProgress("second demo store", unit="img") as bar:
            second = demo_store(other, progress=bar)
    run_app = None if args.no_gui else _app()
    if run_app is not None:
        if second is not None:
            return int(run_app(str(path), second_path=str(second)) or 0)
        return int(run_app(str(path)) or 0)
    if second is not None:
        print(f"seein demo: linked with {second} (open both: seein view {path} {second})")
    with Store.open(path) as store:
        summary = store.summary()
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    return 0

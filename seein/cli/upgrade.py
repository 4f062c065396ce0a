"""``seein upgrade``: add the weights to a version-1 store, without re-extracting."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "upgrade", help="add the network's weights to an older store (schema 1 -> 2)",
        description="Write every snapshot's weights into a store extracted by an older seein (schema "
                    "version 1), from the run or weights file it was extracted with, so the filter, "
                    "what-if and network views can use them. The weights must be the ones the "
                    "activations came from (checked against the digest the store recorded). The "
                    "store is rewritten beside itself and renamed when complete.",
        epilog="example:\n  seein upgrade old.h5 --run ~/.cache/seein/runs/lenet-digits.pt",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", help="the store to upgrade")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="the training run the store was extracted from (seein train)")
    src.add_argument("--weights", help="the weights file the store was extracted with (one snapshot)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..extract.upgrade import upgrade

    path = upgrade(args.store, run=args.run, weights=args.weights)
    print(f"{path}: weights added (schema 2)")
    return 0

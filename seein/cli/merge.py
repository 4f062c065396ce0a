"""``seein merge``: join shard stores (seein extract --shard i/n) into one store."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "merge", help="join shard stores into one store",
        description="Join the shards of one extraction (seein extract --shard i/n) into one store. "
                    "The shards must come from the same model, weights, data, snapshots and layers "
                    "and together cover every image once.",
        epilog="example:\n  seein extract --model lenet --shard 0/2 -o a.h5 && "
               "seein extract --model lenet --shard 1/2 -o b.h5\n  seein merge a.h5 b.h5 -o all.h5"
               "\n  seein merge --virtual a.h5 b.h5 -o all.h5     (reads a.h5 and b.h5 in place)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shards", nargs="+", metavar="SHARD", help="shard stores, in any order")
    p.add_argument("-o", "--out", required=True, help="the merged store to write")
    p.add_argument("--virtual", action="store_true",
                   help="write a store of HDF5 virtual datasets over the shard files instead of copying "
                   "them (a second, no space; the shards must stay where they are, relative to the store)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output store")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.progress import TqdmProgress
    from ..extract.merge import merge

    if args.virtual:
        from ..extract.virtual import join_virtual

        path = join_virtual(args.shards, args.out, force=args.force)
        print(f"{path}: joined {len(args.shards)} shards (virtual: reads them in place)")
        return 0
    with TqdmProgress("merge", unit="img", disable=True if args.quiet else None) as bar:
        path = merge(args.shards, args.out, force=args.force, progress=bar)
    print(f"{path}: merged {len(args.shards)} shards")
    return 0

"""``seein bench live``: training steps/s of ``seein train --live`` with a follower attached vs without
(goal >= 0.9), and the latency from a snapshot's index write to a reader having read it."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("live", help="live training: steps/s with and without a follower, latency",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=2, help="training epochs per run (default 2)")
    p.add_argument("--every", type=int, default=10, help="steps between snapshots (default 10)")
    p.add_argument("--sample", type=int, default=500, help="images per snapshot (default 500)")
    p.add_argument("--limit", type=int, default=640, help="training images (default 640)")
    p.add_argument("--repeats", type=int, default=2, help="runs of each kind (default 2)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..bench.live import bench_live
    from ..core.errors import SeeinError
    from . import write_json

    if min(args.epochs, args.every, args.sample, args.limit, args.repeats) < 1:
        raise SeeinError("--epochs, --every, --sample, --limit and --repeats must be at least 1")
    train_args = ["--model", "lenet", "--dataset", "digits", "--epochs", str(args.epochs), "--every",
                  str(args.every), "--sample", str(args.sample), "--limit", str(args.limit)]
    result = bench_live(train_args, args.repeats, log=lambda m: print(m, file=sys.stderr))
    print(f"live bench: lenet on digits, {args.limit} training images, snapshot every {args.every} steps "
          f"of {args.sample} images, load {result['config']['load_avg'][0]:.1f}")
    print(f"  steps/s alone     {result['steps_per_s_alone']:8.1f}")
    print(f"  steps/s followed  {result['steps_per_s_followed']:8.1f}")
    print(f"  followed / alone  {result['ratio_followed_vs_alone']:8.3f}  (goal >= 0.9)")
    if result["latency_median_s"] is not None:
        print(f"  write -> read latency  median {result['latency_median_s']:.3f} s, "
              f"max {result['latency_max_s']:.3f} s")
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0

"""``seein bench extract``: extraction speed (incl. HDF5 writes) against a bare forward pass.

Both run in the same process on the same model and images, interleaved, repeated;
the figures are medians. ``ratios.extract_vs_forward`` is our images/s over the bare
pass's: 1.0 would mean hooks, float16 conversion and writing cost nothing.
``ratios.write_vs_disk`` is extraction's write rate over the disk's own sequential rate
(a file of the store's size, fsynced, in the same run): from 0.8 on, writing is the limit.
"""

from __future__ import annotations

import argparse

WRITE_LIMIT = 0.8  # write_vs_disk from which the disk, not the computation, sets the pace


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("extract", help="extraction images/s vs a bare forward pass",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="lenet", help="model spec (default lenet; weights do not change speed)")
    p.add_argument("--dataset", default="digits", help="data set spec (default digits)")
    p.add_argument("--split", default="all", choices=("train", "test", "all"), help="default: all (1,797 digits)")
    p.add_argument("--limit", type=int, help="at most N images")
    p.add_argument("--layers", help="comma-separated layers (default: the model's default layers)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--dtype", default="float16", choices=("float16", "float32"))
    p.add_argument("--repeats", type=int, default=5, help="timed repetitions of each (default 5, at least 3)")
    p.add_argument("--sync-writes", action="store_true",
                   help="also time extraction with HDF5 writes on the main thread (for comparison)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from ..bench.extract import bench_extract
    from . import write_json

    result = bench_extract(model=args.model, dataset=args.dataset, split=args.split, limit=args.limit,
                           layers=args.layers.split(",") if args.layers else None,
                           batch_size=args.batch_size, dtype=args.dtype, repeats=args.repeats,
                           sync_writes=args.sync_writes)
    r = result["results"]
    print(f"extract bench: {result['config']['model']} on {result['config']['images']} images "
          f"({result['config']['dataset']}), {len(result['config']['layers'])} layers, "
          f"{result['config']['dtype']}, batch {result['config']['batch_size']}, {result['config']['device']}, "
          f"{result['config']['threads']} threads, median of {result['config']['repeats']}")
    print(f"  bare forward pass      {r['forward']['images_per_s']:>10,.0f} images/s   (the model as loaded)")
    c = result["config"]
    setup = f"{'channels-last, ' if c['channels_last'] else ''}{c['extract_torch_threads']} torch thread(s)"
    print(f"  bare, as extraction    {r['forward_same_setup']['images_per_s']:>10,.0f} images/s   ({setup}; "
          f"extraction / this: {result['ratios']['extract_vs_forward_same_setup']:.3f})")
    how = f"{'direct I/O' if c['direct_io'] else 'through the page cache'}, {c['writes']}"
    print(f"  extraction (+ HDF5)    {r['extract']['images_per_s']:>10,.0f} images/s   "
          f"{r['extract']['mb_per_s']:,.0f} MB/s written ({r['extract']['bytes'] / 1e6:.1f} MB; {how})")
    if "extract_sync_writes" in r:
        print(f"  extraction, sync writes{r['extract_sync_writes']['images_per_s']:>10,.0f} images/s")
    disk, ratio = r["disk_write"]["mb_per_s"], result["ratios"]["write_vs_disk"]
    limit = "writing is the limit here" if ratio >= WRITE_LIMIT else "the disk is not the limit"
    print(f"  disk, sequential+fsync {disk:>10,.0f} MB/s       (write_vs_disk {ratio:.3f}: {limit})")
    print(f"  extract_vs_forward     {result['ratios']['extract_vs_forward']:.3f}  (vs the faster bare pass; goal >= 0.9; in CPU "
          f"seconds {result['ratios']['extract_vs_forward_cpu']:.3f})")
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    else:
        json.dumps(result)  # fail here, not later, if something is not serialisable
    return 0

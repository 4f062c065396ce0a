"""``seein extract``: run a network over a data set and write its activations to a store."""

from __future__ import annotations

import argparse
import sys

from .layers import TRUST

EPILOG = """examples:
  seein extract --model lenet -o lenet.h5                      every snapshot of the demo run, digits test split
  seein extract --run run.pt --split all -o run.h5             every snapshot of a training run
  seein extract --model net.py:Net --weights net.pt --dataset mnist:~/mnist --layers conv1,fc -o net.h5
  seein extract --model lenet --split all --shard 0/2 -o part0.h5   one half; join with seein merge
  seein extract ... --resume                                   continue after Ctrl-C or a crash
  seein extract --model lenet --split all --cluster local:2 -o run.h5        by shards on 2 worker processes
  seein extract ... --cluster tcp://sched:8786 --shards 16 -o /shared/run.h5  on a Dask cluster (see README)
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "extract", help="extract layer activations into a store (HDF5)",
        description="Run a network (every snapshot of a run, or one set of weights) over a data set "
                    "with forward hooks and write every chosen layer's activations, the images, "
                    "labels, logits, receptive fields and training curves to an activation store. "
                    "Work goes to OUT.partial and is renamed when complete.",
        epilog=EPILOG + "\nnote: " + TRUST + "\n", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="lenet | siamese-lenet | file.py:ClassName | model.pt (TorchScript) | model.pt2 (torch.export); "
                   "a bundled name with neither --run nor --weights means every snapshot of the demo run")
    p.add_argument("--run", help="a training run file (seein train): extract every snapshot")
    p.add_argument("--weights", help="a state-dict file for --model (one snapshot)")
    p.add_argument("--trust-weights", action="store_true",
                   help="allow a weights file that needs full unpickling (runs code: only for files you trust)")
    p.add_argument("--dataset", help="digits | mnist:DIR | cifar10:DIR | folder:DIR | npz:FILE "
                   "(default: the run's, else digits)")
    p.add_argument("--split", default="test", choices=("train", "test", "all"), help="default: test")
    p.add_argument("--limit", type=int, help="at most N images")
    p.add_argument("--layers", help="comma-separated layer names (default: the model's default layers; "
                   "see seein layers)")
    p.add_argument("--shard", metavar="I/N", help="extract only the I-th of N contiguous image ranges (0-based)")
    p.add_argument("--cluster", metavar="ADDRESS|local[:N]",
                   help="extract by shards on a Dask cluster: a scheduler address (tcp://HOST:8786), "
                   "local:N (N worker processes here) or local-cuda:N (dask-cuda, one worker per GPU); "
                   "the shards go to OUT.shards/ beside the output, which every worker must reach")
    p.add_argument("--shards", type=int, metavar="K", help="with --cluster: cut the images into K shards "
                   "(default: one per worker thread)")
    p.add_argument("--copy", action="store_true", help="with --cluster: copy the shards into one file "
                   "(default: a store of HDF5 virtual datasets over OUT.shards/, joined in a second)")
    p.add_argument("--dtype", default="float16", choices=("float16", "float32"),
                   help="activation dtype (default float16)")
    p.add_argument("--batch-size", type=int, default=256, help="images per forward pass and per "
                   "recorded chunk (default 256)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted extraction from its last chunk")
    p.add_argument("--force", action="store_true", help="overwrite an existing store or partial file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--out", required=True, help="the store file to write (e.g. lenet.h5)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.errors import Cancelled
    from ..core.progress import TqdmProgress
    from ..extract import DEMO_MODELS, extract, partial_path

    layers = [name.strip() for name in args.layers.split(",") if name.strip()] if args.layers else None
    run_path = args.run
    if run_path is None and args.weights is None and args.model in DEMO_MODELS:
        from ..demo.runs import demo_run

        run_path = demo_run(args.model)  # a bundled model alone means the trained demo run
    if args.cluster is None and (args.shards is not None or args.copy):
        from ..core.errors import SeeinError

        raise SeeinError(f"{'--shards' if args.shards is not None else '--copy'} goes with --cluster")
    if args.cluster is not None:
        return _run_cluster(args, layers, run_path)
    from ..core.backend import env_threads

    env_threads()  # SEEIN_THREADS: the same threads give the same last bits (as on a cluster's workers)
    with TqdmProgress("extract", unit="img", disable=True if args.quiet else None) as bar:
        try:
            path = extract(args.model, args.dataset, args.out, run=run_path, weights=args.weights,
                           layers=layers, split=args.split, limit=args.limit, shard=args.shard,
                           resume=args.resume, force=args.force, dtype=args.dtype,
                           batch_size=args.batch_size, trust_weights=args.trust_weights, progress=bar)
        except (KeyboardInterrupt, Cancelled):
            if getattr(args, "debug", False):
                raise
            bar.close()
            partial = partial_path(args.out)
            if partial.exists():
                print(f"seein extract: interrupted; the work so far is in {partial}: "
                      "run the same command with --resume to continue", file=sys.stderr)
            else:
                print("seein extract: interrupted; nothing was written", file=sys.stderr)
            return 130
    _print_store(path)
    return 0


def _print_store(path, extra: str = "") -> None:
    from ..store import Store

    with Store.open(path) as store:
        size = store.file_size + sum(p.stat().st_size for p in store.shard_files)
        print(f"{path}: {store.n_images} images, {len(store.snapshots)} snapshot(s), "
              f"{len(store.layers)} layers ({', '.join(layer.name for layer in store.layers)}), "
              f"{size / 1e6:.1f} MB{extra}")


def _run_cluster(args: argparse.Namespace, layers, run_path) -> int:
    """``--cluster``: the shards as Dask tasks, then joined (seein.extract.cluster)."""
    from ..core.cluster import parse_cluster
    from ..core.errors import Cancelled, SeeinError
    from ..core.progress import TqdmProgress
    from ..extract.cluster import extract_on_cluster, shard_folder

    if args.shard is not None:
        raise SeeinError("give --shard or --cluster, not both (--cluster cuts the shards itself)")
    spec = parse_cluster(args.cluster)  # a bad value fails before anything starts
    with TqdmProgress("extract", unit="img", disable=True if args.quiet else None) as bar:
        try:
            done = extract_on_cluster(
                spec, args.model, args.dataset, args.out, run=run_path, weights=args.weights, layers=layers,
                split=args.split, limit=args.limit, shards=args.shards, copy=args.copy, resume=args.resume,
                force=args.force, dtype=args.dtype, batch_size=args.batch_size,
                trust_weights=args.trust_weights, progress=bar)
        except (KeyboardInterrupt, Cancelled):
            if getattr(args, "debug", False):
                raise
            bar.close()
            print(f"seein extract: interrupted; the shards so far are in {shard_folder(args.out)}: "
                  "run the same command with --resume to continue", file=sys.stderr)
            return 130
    how = "virtual over " + str(shard_folder(done.path).name) if done.virtual else "copied"
    _print_store(done.path, f" ({len(done.shards)} shards on {done.workers} worker threads, {how}, "
                            f"{done.seconds:.1f} s)")
    return 0

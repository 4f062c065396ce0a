"""``seein train``: train a network deterministically and keep K snapshots in a run file."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  seein train --model lenet --dataset digits --epochs 4 --snapshots 6 --seed 0 -o lenet.run.pt
  seein train --model siamese-lenet --epochs 10 -o siamese.run.pt
  seein train --model net.py:Net --dataset mnist:~/mnist --optimizer sgd --lr 0.01 -o net.run.pt
then: seein extract --run lenet.run.pt -o lenet.h5
live (DeepEyes: a snapshot every 20 steps, readable while training; seein view follows it):
  seein train --model lenet --dataset digits --live live.h5 --every 20 --sample 500
  seein train --model lenet --dataset digits --live live.h5 --every 20 --sample 500 --resume
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train a network and keep snapshots (a run file)",
        description="Train a network on a data set's training split, deterministically for a given "
                    "seed, keeping K snapshots spaced evenly over training (step 0 and the last step "
                    "included), each with its weights and train/test loss and accuracy, plus the "
                    "training curves. The run file appears only when training is complete.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="lenet",
                   help="lenet | siamese-lenet | file.py:ClassName | model.pt (TorchScript); default lenet")
    p.add_argument("--dataset", default="digits",
                   help="digits | mnist:DIR | cifar10:DIR | folder:DIR | npz:FILE (default digits)")
    p.add_argument("--split", default="train", choices=("train", "test", "all"),
                   help="split to train on (default train; metrics use the other split)")
    p.add_argument("--limit", type=int, help="train on the first N images only")
    p.add_argument("--epochs", type=int, default=4, help="default 4")
    p.add_argument("--snapshots", type=int, default=6, help="snapshots to keep, first and last included (default 6)")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling (default 0)")
    p.add_argument("--batch-size", type=int, default=64, help="default 64")
    p.add_argument("--optimizer", default="adam", choices=("adam", "sgd"), help="default adam")
    p.add_argument("--lr", type=float, help="learning rate (default 0.001 for adam, 0.01 for sgd)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--out", help="the run file to write (e.g. lenet.run.pt); not with --live")
    p.add_argument("--live", metavar="STORE.h5", help="write a live store instead: a snapshot (weights, "
                   "activations of the sample, logits, DeepEyes statistics, curves so far) every --every "
                   "steps, each readable as soon as it is written (seein view STORE.h5 follows it)")
    p.add_argument("--every", type=int, default=50, help="with --live: steps between snapshots (default 50)")
    p.add_argument("--sample", type=int, help="with --live: the first N images of the data set (split all) "
                   "whose activations each snapshot holds (default all)")
    p.add_argument("--resume", action="store_true", help="with --live: continue after the last snapshot "
                   "the store lists (after a crash or kill)")
    p.add_argument("--force", action="store_true", help="replace an existing run file (kept until the "
                   "new one is complete)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.errors import SeeinError
    from ..core.outputs import input_files, refuse_if_input
    from ..core.progress import TqdmProgress
    from ..nets.runs import load_run
    from ..nets.training import train

    if args.live:
        return _run_live(args)
    if not args.out:
        raise SeeinError("no output given: -o RUN.pt, or --live STORE.h5")
    out = Path(args.out).expanduser()
    if out.is_dir():
        raise SeeinError("is a folder, not a run file", out)
    refuse_if_input(out, input_files(args.model, args.dataset), "the run file")

    if out.exists() and not args.force:  # before training: a run is minutes of work to lose
        raise SeeinError("already exists; add --force to replace it", out)
    with TqdmProgress("train", unit="step", disable=True if args.quiet else None) as bar:
        path = train(args.model, args.dataset, out, epochs=args.epochs, snapshots=args.snapshots,
                     seed=args.seed, progress=bar, batch_size=args.batch_size, lr=args.lr,
                     split=args.split, optimizer=args.optimizer, limit=args.limit)
    run_ = load_run(path)
    seconds = run_.meta.get("train_seconds", 0.0)
    print(f"{path}: {len(run_.snapshots)} snapshots over {run_.meta.get('steps')} steps "
          f"({args.epochs} epochs, {seconds:.1f} s)")
    for info, _ in run_.snapshots:
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in info.metrics.items())
        print(f"  snapshot {info.index}: step {info.step:>6}  epoch {info.epoch:5.2f}  {metrics}")
    sys.stdout.flush()
    return 0


def _run_live(args: argparse.Namespace) -> int:
    from ..compute.live_stats import snapshot_statistics
    from ..core.errors import SeeinError
    from ..core.outputs import input_files, refuse_if_input
    from ..core.progress import TqdmProgress
    from ..extract.live import train_live

    if args.out:
        raise SeeinError("give -o (a run file) or --live (a live store), not both")
    refuse_if_input(args.live, input_files(args.model, args.dataset), "the live store")
    with TqdmProgress("train", unit="step", disable=True if args.quiet else None) as bar:
        path = train_live(args.model, args.dataset, args.live, every=args.every, sample=args.sample,
                          epochs=args.epochs, seed=args.seed, batch_size=args.batch_size, lr=args.lr,
                          optimizer=args.optimizer, split=args.split, limit=args.limit,
                          resume=args.resume, force=args.force, progress=bar,
                          after_snapshot=snapshot_statistics)
    print(f"{path}: live store complete")
    sys.stdout.flush()
    return 0

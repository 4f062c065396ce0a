"""``seein adversarial``: Deepling's adversarial strip for one image of a store (PNG, optional JSON)."""

from __future__ import annotations

import argparse

from ..compute.methods import METHODS
from .whatif_io import add_figure_outputs, add_network_options

EPILOG = """examples:
  seein adversarial ~/.cache/seein/demo/lenet-digits-all.h5 --image 0 -o strip.png
  seein adversarial STORE --image 12 --target 3 --steps 8 --epsilon 0.15 --json strip.json -o strip.png
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "adversarial", help="targeted adversarial strip for one image (PGD in an L-inf ball)",
        description="Rebuild the store's network at a snapshot and push one image towards a target class "
                    "with K projected signed-gradient steps inside an L-infinity ball of radius epsilon; "
                    "draw every step with its predicted class and the target's probability, and the "
                    "amplified difference from the original below.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", help="activation store (.h5)")
    p.add_argument("--image", type=int, required=True, metavar="I", help="image index in the store")
    p.add_argument("--target", type=int, metavar="C", help="target class (default: the runner-up)")
    p.add_argument("--steps", type=int, default=8, metavar="K", help="attack steps recorded (default 8)")
    p.add_argument("--epsilon", type=float, default=0.15, metavar="E",
                   help="L-infinity budget in pixel units of [0, 1] (default 0.15)")
    add_network_options(p)
    p.add_argument("--layer", metavar="L",
                   help="also draw the strip's trail in this layer's projection (placed like a big layer's points)")
    p.add_argument("--projection", choices=METHODS, default="pca",
                   help="the projection the trail is drawn in (default pca; computed once, cached in the store)")
    add_figure_outputs(p, "figure size in pixels (default 1200x360, 1200x800 with --layer)",
                       "also write each step's predicted class and target probability")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compute.adversarial import attack_store_image
    from ..core.errors import SeeinError
    from ..core.outputs import input_files
    from ..core.progress import TqdmProgress
    from ..render.whatif import adversarial_figure, figure_rgba
    from ..store import Store
    from .whatif_io import check_outputs, parse_size, write_json, write_png

    if args.steps < 1:
        raise SeeinError(f"--steps must be at least 1 (got {args.steps})")
    if not 0 < args.epsilon <= 1:
        raise SeeinError(f"--epsilon must be in (0, 1] (got {args.epsilon})")
    size = parse_size(args.size or ("1200x800" if args.layer else "1200x360"))
    check_outputs([args.store, *input_files(args.model)], args.output, args.json)
    with Store.open(args.store) as store, TqdmProgress(desc="attack", unit="step") as bar:
        strip = attack_store_image(store, args.image, args.target, snapshot=args.snapshot, steps=args.steps,
                                   epsilon=args.epsilon, model=args.model, progress=bar)
        names = store.class_names
        trail = None
        if args.layer:
            from ..compute.network import store_network
            from ..compute.trail import strip_trail

            store.layer(args.layer)
            with TqdmProgress(desc=f"{args.projection} of {args.layer}") as bar:
                trail = strip_trail(store, store_network(store, args.snapshot, model=args.model), strip,
                                    args.layer, args.projection, args.snapshot, progress=bar)
    fig = adversarial_figure(strip.images, strip.predicted, strip.target_prob, strip.target, names, trail,
                             size=size)
    write_png(figure_rgba(fig), args.output)
    if args.json:
        write_json(strip.to_json(), args.json)
    verdict = "reached" if strip.reached else "did not reach"
    print(f"wrote {args.output}: image {args.image} ({names[strip.source_class]}) {verdict} target "
          f"{names[strip.target]} in {args.steps} steps (p={strip.target_prob[-1]:.2f}, eps={args.epsilon})")
    return 0

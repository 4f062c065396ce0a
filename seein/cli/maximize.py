"""``seein maximize``: the input that maximises one unit, beside its top-9 data-set patches and weights."""

from __future__ import annotations

import argparse

from .whatif_io import add_figure_outputs, add_network_options

EPILOG = """examples:
  seein maximize ~/.cache/seein/demo/lenet-digits-all.h5 --layer conv2 --unit 7 -o conv2-7.png
  seein maximize STORE --layer fc2 --unit 3 --steps 512 --json fc2-3.json -o fc2-3.png
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "maximize", help="activation maximisation of a unit, with its top data-set patches",
        description="Rebuild the store's network at a snapshot and optimise an input from noise that "
                    "maximises one unit (a conv channel at the centre of its map, or a flat layer's "
                    "dim), with jitter, L2 and total-variation regularisers (optional blur). Drawn beside "
                    "the unit's nine highest-activation receptive-field patches from the store and its "
                    "weights.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", help="activation store (.h5)")
    p.add_argument("--layer", required=True, help="layer name (see seein info STORE)")
    p.add_argument("--unit", type=int, required=True, metavar="U", help="channel or dim of the layer")
    p.add_argument("--steps", type=int, default=256, metavar="N", help="gradient-ascent steps (default 256)")
    p.add_argument("--blur-every", type=int, default=0, metavar="N", help="blur the image every N steps (0: never)")
    p.add_argument("--seed", type=int, default=0, help="seed of the starting noise")
    add_network_options(p)
    add_figure_outputs(p, "figure size in pixels (default 1000x420)",
                       "also write the activation reached and the data-set maximum", default_size="1000x420")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compute.maximize import Regularisers, maximise_unit, unit_weights
    from ..compute.network import store_network
    from ..compute.toppatches import top_patches
    from ..core.errors import SeeinError
    from ..core.outputs import input_files
    from ..core.progress import TqdmProgress
    from ..render.whatif import figure_rgba, maximise_figure
    from ..store import Store
    from .whatif_io import check_outputs, parse_size, write_json, write_png

    if args.steps < 1:
        raise SeeinError(f"--steps must be at least 1 (got {args.steps})")
    size = parse_size(args.size)
    check_outputs([args.store, *input_files(args.model)], args.output, args.json)
    with Store.open(args.store) as store:
        store.layer(args.layer)  # an unknown layer is a one-line error before any work
        patches = top_patches(store, args.layer, args.unit, args.snapshot)
        net = store_network(store, args.snapshot, model=args.model)
        with TqdmProgress(desc="maximising", unit="step") as bar:
            result = maximise_unit(net, args.layer, args.unit, store.input_shape, steps=args.steps,
                                   reg=Regularisers(blur_every=args.blur_every), seed=args.seed, progress=bar)
        data_max = patches[0].value if patches else float("nan")
        title = f"{args.layer}[{args.unit}]: {result.activation:.2f} (data max {data_max:.2f})"
        fig = maximise_figure(result.image, title, patches, store.images,
                              unit_weights(net, args.layer, args.unit), size=size)
        write_png(figure_rgba(fig), args.output)
    if args.json:
        write_json({"layer": args.layer, "unit": args.unit, "snapshot": args.snapshot, "steps": args.steps,
                    "activation": result.activation, "dataset_max": data_max,
                    "ratio": result.activation / data_max if data_max else None,
                    "top_images": [p.image for p in patches],
                    "top_values": [p.value for p in patches]}, args.json)
    print(f"wrote {args.output}: {args.layer}[{args.unit}] reached {result.activation:.3f}, "
          f"data-set max {data_max:.3f} (x{result.activation / data_max:.2f})")
    return 0

"""``seein layers``: list a network's layers, their types and output shapes, and the default choice."""

from __future__ import annotations

import argparse

TRUST = ("model files are programs: only use ones you trust (a file.py:Class runs its module; a "
         "TorchScript or torch.export file can run code too)")
EPILOG = """examples:
  seein layers --model lenet
  seein layers --model net.py:Net --weights net.pt --dataset cifar10:~/cifar-10-batches-py
  seein layers --model model.pt --input-shape 3,32,32
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "layers", help="list a network's layers (names, types, output shapes)",
        description="Run the network once on blank images and list every module with an output: "
                    "its name (use it with --layers), type, output shape per image, points per image "
                    "(H*W for a CxHxW map, 1 for a vector) and whether extraction takes it by default. "
                    "With --dataset the model is also checked against the data (shapes, classes).",
        epilog=EPILOG + "\n" + "note: " + TRUST + "\n", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="lenet | siamese-lenet | file.py:ClassName | model.pt (TorchScript) | model.pt2 (torch.export)")
    p.add_argument("--weights", help="a state-dict (or run) file for the model; checked against it")
    p.add_argument("--trust-weights", action="store_true",
                   help="allow a weights file that needs full unpickling (runs code: only for files you trust)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", help="take the input shape (and class count) from this data set")
    source.add_argument("--input-shape", help="C,H,W of one input image (default: the model's, else 1,28,28)")
    p.set_defaults(func=run)


def _parse_shape(text: str) -> tuple[int, ...]:
    from ..core.errors import SeeinError

    try:
        shape = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise SeeinError(f"--input-shape must be C,H,W with positive integers (got {text!r})")
    from ..nets.check import check_input_shape

    return check_input_shape(shape, "--input-shape")


def run(args: argparse.Namespace) -> int:
    from ..nets.check import check_fits, default_input_shape
    from ..nets.layers import default_layers, list_layers
    from ..nets.loading import apply_weights, build_model, read_weights, spec_file
    from ..nets.models import is_embedding

    # Shapes do not depend on weights: a bundled model needs no trained demo run here.
    model = build_model(args.model)
    if args.weights:
        apply_weights(model, read_weights(args.weights, trust_weights=args.trust_weights), args.weights)
    if args.dataset:
        from ..data import load_dataset
        from ..nets.check import preferred_input

        channels, size = preferred_input(model)
        ds = load_dataset(args.dataset, split="test", limit=1, size=size, channels=channels)
        shape = tuple(ds.images.shape[1:])
        check_fits(model, shape, None if is_embedding(model) else len(ds.class_names), args.dataset,
                   spec_file(args.model))
        source = f"data set {args.dataset} ({'x'.join(map(str, shape))})"
    else:
        shape = _parse_shape(args.input_shape) if args.input_shape else default_input_shape(model)
        check_fits(model, shape, model_path=spec_file(args.model))
        source = f"input {'x'.join(map(str, shape))}"
    specs = list_layers(model, shape)
    defaults = set(default_layers(model, shape))
    rows = [("name", "type", "output", "points/image", "default")]
    for s in specs:
        calls = f" (called {s.calls}x)" if s.calls > 1 else ""
        rows.append((s.name, s.type + calls, "x".join(map(str, s.output_shape)),
                     str(s.points_per_image) if len(s.output_shape) in (1, 3) else "-",
                     "yes" if s.name in defaults else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print(f"{args.model}: {len(specs)} layers on {source}"
          f"{'; embedding network' if is_embedding(model) else ''}")
    for r in rows:
        print("  ".join(c.ljust(w) if i != 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return 0

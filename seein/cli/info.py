"""``seein info``: what an activation store holds (data, snapshots, layers, computed results)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info", help="describe an activation store",
        description="Print a store's data set, images, classes, snapshots (step, metrics), layers "
                    "(kind, shape, points), cached computed results, schema version and size.")
    p.add_argument("store", help="an activation store (.h5)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--verbose", action="store_true",
                   help="list every computed result with its parameters (default: one line per kind)")
    p.set_defaults(func=run)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def _results_by_kind(results: list[dict[str, Any]]) -> list[str]:
    """One line per kind of computed result: how many, for which layers and snapshots."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault(str(r.get("kind")), []).append(r)
    width = max((len(kind) for kind in groups), default=4)
    lines = []
    for kind, rs in sorted(groups.items()):
        layers = ", ".join(sorted({str(r["layer"]) for r in rs if r.get("layer") is not None})) or "-"
        snaps = sorted({-1 if r.get("snapshot") is None else int(r["snapshot"]) for r in rs})
        shown = ", ".join("all" if k < 0 else str(k) for k in snaps)
        lines.append(f"  {kind:<{width}}  {len(rs):>4} result(s)  layers {layers}  snapshots {shown}")
    return lines


def format_summary(s: dict[str, Any], verbose: bool = False) -> str:
    """The text form of :meth:`seein.store.Store.summary` (every result when ``verbose``)."""
    classes = s["classes"]
    shown = ", ".join(classes[:12]) + (f", ... ({len(classes)})" if len(classes) > 12 else "")
    lines = [
        f"store     {s['path']} ({_size(s['file_size'])}, schema v{s['schema_version']}, "
        f"seein {s['seein_version']}, {s['created']})",
        f"data      {s['dataset']}" + (f" (split {s['split']})" if s["split"] else "")
        + f": {s['n_images']} images, input {'x'.join(map(str, s['input_shape']))}",
        f"classes   {shown}",
        f"model     {s['model']}" + (f" (run {s['run']})" if s["run"] else "")
        + (f" (weights {s['weights']})" if s["weights"] else "") + f", activations {s['dtype']}",
    ]
    if s["shard"]:
        sh = s["shard"]
        lines.append(f"shard     images {sh['image_start']}..{sh['image_stop'] - 1} of {sh['images_total']} "
                     f"({sh['count']} shards; join with seein merge)")
    lines.append(f"snapshots {len(s['snapshots'])}")
    for snap in s["snapshots"]:
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in snap.items()
                            if k not in ("index", "step", "epoch", "weights"))
        w = snap.get("weights") or {}
        held = (f"  weights {w['parameters']:,} params ({_size(w['bytes'])})" if w.get("parameters")
                else "  no weights (seein upgrade adds them)")
        lines.append(f"  {snap['index']:>3}  step {snap['step']:<7} epoch {snap['epoch']:<6.3g} {metrics}{held}")
    lines.append(f"layers    {len(s['layers'])}")
    width = max((len(layer["name"]) for layer in s["layers"]), default=4)
    mwidth = max((len(layer["module"]) for layer in s["layers"]), default=6)
    for layer in s["layers"]:
        shape = "x".join(map(str, layer["shape"]))
        lines.append(f"  {layer['name']:<{width}}  {layer['kind']:<10} {layer['module']:<{mwidth}} {shape:<10} "
                     f"{layer['points']:>10,} points of {layer['dims']} dims")
    if s["curves"]:
        lines.append(f"curves    {', '.join(s['curves'])}")
    lines.append(f"computed  {len(s['results'])}" + ("" if s["results"] else " (nothing yet)")
                 + ("" if verbose or not s["results"] else " (by kind; --verbose lists each)"))
    if not verbose:
        lines += _results_by_kind(s["results"])
        return "\n".join(lines)
    for r in s["results"]:
        params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
        snap = "all" if r.get("snapshot") is None else r["snapshot"]
        lines.append(f"  {r.get('kind')}  layer {r.get('layer')}  snapshot {snap}  {params}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..store import Store

    with Store.open(args.store) as store:
        summary = store.summary()
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary, args.verbose))
    return 0

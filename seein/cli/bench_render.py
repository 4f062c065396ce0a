"""``seein bench render``: our point visual vs VisPy Markers vs bare GL_POINTS, offscreen (EGL)."""

from __future__ import annotations

import argparse

from ..core.errors import SeeinError

GOALS = {"vs_markers": 2.0, "vs_gl_points": 0.9, "selection_vs_markers": 100.0,
         "selection_frame_vs_markers": 2.0}


def add_parser(targets: argparse._SubParsersAction) -> None:
    p = targets.add_parser("render", help="frame and selection times of the point visual (EGL offscreen)",
                           description=__doc__)
    p.add_argument("--points", default="1000000", metavar="N[,N...]", help="point counts (default 1000000)")
    p.add_argument("--size", default="800x600", metavar="WxH", help="canvas size (default 800x600)")
    p.add_argument("--repeats", type=int, default=7, help="samples per figure (default 7, at least 7)")
    p.add_argument("--point-size", type=float, default=4.0, metavar="PX", help="point diameter (default 4)")
    p.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    p.set_defaults(func=run)


def _fmt(s: dict) -> str:
    return f"{s['median_ms']:9.2f} ms  [{s['min_ms']:.2f}..{s['max_ms']:.2f}]"


def format_table(result: dict) -> str:
    """The printed table: medians with their spread, bytes per point, ratios against the goals."""
    lines = [f"GL renderer: {result['gl_renderer']}", f"canvas {result['size'][0]}x{result['size'][1]}, "
             f"point size {result['point_size']}, {result['repeats']} repeats (median [min..max])"]
    for r in result["runs"]:
        f, s = r["frame"], r["selection"]
        lines += [f"\n{r['points']:,} points, {r['images']:,} images",
                  f"  frame  (a) ours                 {_fmt(f['ours'])}",
                  f"  frame  (a) ours, with selection {_fmt(f['ours_selected'])}",
                  f"  frame  (a) ours, forced discs   {_fmt(f['ours_discs'])}",
                  f"  frame  (b) vispy Markers        {_fmt(f['markers'])}",
                  f"  frame  (c) bare GL_POINTS       {_fmt(f['gl_points'])}",
                  f"  selection update (a)            {_fmt(s['ours_update'])}",
                  f"  selection update (b)            {_fmt(s['markers_update'])}",
                  f"  selection -> frame (a)          {_fmt(s['ours_frame'])}",
                  f"  selection -> frame (b)          {_fmt(s['markers_frame'])}",
                  f"  {'lasso, %d vertices' % r['hit_test']['lasso']['vertices']:32s}{_fmt(r['hit_test']['lasso'])}  "
                  f"({r['hit_test']['lasso']['points_hit']:,} points hit)",
                  f"  box                             {_fmt(r['hit_test']['box'])}",
                  f"  20x20 SPLOM, {r['splom']['visible_panels']} visible panels  {_fmt(r['splom'])}",
                  f"  overview (400 density panels)   {_fmt(r['overview'])}  "
                  f"(densities computed once: {r['overview']['density_seconds']:.2f} s)",
                  f"  GPU bytes/point: (a) {r['bytes_per_point']['ours']:.1f} (+1 byte per image), "
                  f"(b) {r['bytes_per_point']['markers']:.1f}"]
        for key, goal in GOALS.items():
            v = r["ratios"][key]
            lines.append(f"  ratio {key:28s} {v:8.2f}  (goal >= {goal:g}: {'met' if v >= goal else 'NOT met'})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..bench.render import bench_points, gl_renderer
    from . import write_json

    try:
        counts = [int(v.replace("_", "")) for v in args.points.split(",") if v.strip()]
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise SeeinError(f"--points {args.points!r} / --size {args.size!r}: expected N[,N...] and WxH") from None
    if not counts or min(counts) < 1:
        raise SeeinError("--points: give at least one positive count")
    if args.repeats < 7:
        raise SeeinError("--repeats: at least 7 (this machine is noisy; medians need samples)")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    result = {"benchmark": "render", "gl_renderer": gl_renderer(), "size": [w, h],
              "point_size": args.point_size, "repeats": args.repeats, "runs": []}
    for n in counts:
        result["runs"].append(bench_points(n, (w, h), args.repeats, args.point_size, log))
    result["bytes_per_point"] = {k: result["runs"][0]["bytes_per_point"][k] for k in ("ours", "markers")}
    result["ratios"] = dict(result["runs"][0]["ratios"])
    if len(counts) > 1:
        result["ratios_by_points"] = {str(r["points"]): r["ratios"] for r in result["runs"]}
    print(format_table(result))
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0

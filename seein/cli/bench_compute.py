"""``seein bench compute``: t-SNE, PCA and PivotMDS (and the analysis statistics) against references.

Ratios are the time of ours over the reference's, from one run (contenders interleaved,
medians of repeats): ``tsne_vs_opentsne`` (goal <= 1.1: no overhead over openTSNE called
directly with the same parameters), ``tsne_big_vs_fit`` (goal <= 1.3: a big layer's
t-SNE, conv1 of the demo with 1,035,072 points by default, over the fit of its 20,000-point
sample; ``--big-points`` takes fewer points for a quick run), ``pca_vs_sklearn``, ``pivotmds_vs_numpy``, plus the
analysis entries (k-means, weighted Jaccard, perplexity).
Peak memory is resident-set growth. See seein.bench.compute for the method and
the CUDA path's expected figures (cuML: about 3 s for 60k points on a workstation GPU).
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("compute", help="t-SNE/PCA/PivotMDS (and analysis) vs reference libraries",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", nargs="?", help="activation store to sample (default: the demo store)")
    p.add_argument("--layer", help="layer to sample (default: the conv layer with most channels)")
    p.add_argument("--synthetic", action="store_true", help="use a synthetic 16-D mixture instead of a store")
    p.add_argument("--n", type=int, default=20000, help="points in the sample (default 20000)")
    p.add_argument("--repeats", type=int, default=3, help="t-SNE repetitions (default 3)")
    p.add_argument("--repeats-cheap", type=int, default=7, help="repetitions of the cheap ones (default 7)")
    p.add_argument("--jobs", type=int, help="CPU threads of every contender (torch, BLAS, openTSNE n_jobs); "
                                            "default: the backend's (SEEIN_THREADS, else torch's)")
    p.add_argument("--big-points", type=int, metavar="N",
                   help="tsne_big: the first N points of the store's biggest layer (default: all of it; "
                        "with --synthetic a million); fewer than 1,000,000 fit N/50 of them")
    p.add_argument("--only", help="comma-separated subset: tsne, tsne_big, pca, pivotmds, analysis")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..bench.compute import bench_data, run_benchmarks
    from ..core.errors import SeeinError
    from . import write_json

    if args.n < 10 or args.repeats < 1 or args.repeats_cheap < 1:
        raise SeeinError("--n must be at least 10 and repeats at least 1")
    if args.big_points is not None and args.big_points < 200:
        raise SeeinError(f"--big-points must be at least 200, got {args.big_points}")
    data = bench_data(args.store, args.layer, args.n, synthetic=args.synthetic)
    data.repeats, data.repeats_cheap = args.repeats, args.repeats_cheap
    data.big_points = args.big_points
    from ..core.backend import get_backend

    data.n_jobs = args.jobs or get_backend().threads
    only = args.only.split(",") if args.only else None
    result = run_benchmarks(data, only, log=lambda m: print(m, file=sys.stderr))
    c = result["config"]
    print(f"compute bench: {c['source']}, {c['device']}, {c['n_jobs']} threads, medians of "
          f"{c['repeats']} (t-SNE) / {c['repeats_cheap']} repeats, load {c['load_avg'][0]:.1f}")
    for name, r in result["results"].items():
        if isinstance(r, dict) and "median_s" in r:
            cpu = f"  cpu {r['median_cpu_s']:9.3f} s" if "median_cpu_s" in r else ""
            peak = f"   peak +{r['peak_mb']:8.1f} MB" if "peak_mb" in r else ""
            what = f"   ({r['source']}, {r['fitted']:,} fitted)" if "source" in r else ""
            print(f"  {name:<24} {r['median_s']:>9.3f} s{cpu}{peak}{what}")
    for name, value in result["ratios"].items():
        goal = "  (goal <= 1.1)" if name.startswith("tsne_vs_opentsne") else (
            "  (goal <= 1.3)" if name == "tsne_big_vs_fit" else "")
        print(f"  {name:<24} {value:.3f}{goal}")
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    else:
        json.dumps(result, default=float)
    return 0

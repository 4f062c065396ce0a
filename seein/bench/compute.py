"""Compute benchmarks (``seein bench compute``): our paths against the reference libraries.

Each benchmark is a function ``fn(data: BenchData) -> {"results": {...}, "ratios": {...}}``
in the registry :data:`BENCHMARKS` (add one with ``@register("name")``). Ratios are the
time of ours over the reference's (below 1 = faster). The analysis benchmarks
(``seein.bench.analysis``: k-means, weighted Jaccard, perplexity) run after the registry
and are merged the same way; both measure with :mod:`seein.bench.measure`.

How it measures (:func:`measure`): contenders run interleaved in alternating order
(A B, B A, A B, ...), each
repetition timed with ``perf_counter`` (wall) and ``process_time`` (CPU of all the
process's threads); the figures are medians. Ratios are of wall time; t-SNE also gets
``tsne_vs_opentsne_cpu``, steadier on a machine shared with other busy processes. Peak memory is the
largest resident-set growth over the run, sampled from ``/proc/self/statm`` by a thread
every 2 ms (this sees torch's and openTSNE's C++ allocations, which tracemalloc does
not), after ``gc.collect()`` and ``malloc_trim`` so the baseline is honest.

Data: a seeded sample of ``n`` points (default 20,000) of a structured layer of a store
(the demo store when none is given; by default the structured layer with the most
channels, the last of them on a tie: pool2 of the demo's LeNet, 50 channels), or with
``synthetic=True`` a 16-D Gaussian mixture of 10 clusters.

The CUDA path (not measured on a CPU machine): with cuML, t-SNE of 60,000 points takes
about 3 s on a workstation GPU (openTSNE on 8 CPU cores: about a minute), PCA and
PivotMDS are torch on the GPU (well under a second for a million points of a conv
layer). Run ``seein bench compute`` there to get the figures; ``config.device`` says
which path ran.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from ..core.backend import get_backend
from . import measure as measuring
from .analysis import analysis_benchmarks
from .measure import BenchData, measure, ratio, register


@register("tsne")
def bench_tsne(data: BenchData) -> dict:
    """seein's t-SNE (CPU path: openTSNE behind our API) vs openTSNE called directly."""
    from openTSNE import TSNE

    from ..compute.tsne import DEFAULTS, tsne

    x = data.points
    p = DEFAULTS

    def ours() -> None:  # as seein embed / compute run it: with a progress callback
        tsne(x, 2, n_jobs=data.n_jobs, limit=len(x), progress=lambda done, total, msg: False)

    def reference() -> None:
        TSNE(n_components=2, perplexity=p["perplexity"], learning_rate=p["learning_rate"],
             early_exaggeration=p["early_exaggeration"], early_exaggeration_iter=p["early_exaggeration_iter"],
             n_iter=p["n_iter"], exaggeration=p["exaggeration"], initialization=p["initialization"],
             random_state=p["seed"], n_jobs=data.n_jobs).fit(x)

    res = measure({"tsne_seein": ours, "tsne_opentsne": reference}, data.repeats)
    # On a shared machine wall time swings with other people's load; CPU time (all of the
    # process's threads) is the steadier witness of overhead, so it is reported beside it.
    return {"results": res, "ratios": {
        "tsne_vs_opentsne": ratio(res, "tsne_seein", "tsne_opentsne"),
        "tsne_vs_opentsne_cpu": ratio(res, "tsne_seein", "tsne_opentsne", "median_cpu_s")}}


BIG_SYNTHETIC = 1_000_000  # points of the synthetic big layer (no store)


def big_limit(n: int) -> int:
    """The fitted sample of a big layer of ``n`` points in ``tsne_big``: t-SNE's default 20,000,
    or n / 50 for a smaller --big-points, so a quick run still fits 2 % and places the rest."""
    from ..compute.tsne import DEFAULTS

    return int(max(50, min(int(DEFAULTS["limit"]), n // 50)))


@register("tsne_big")
def bench_tsne_big(data: BenchData) -> dict:
    """A big layer's t-SNE as the app runs it: read, fit a sample, place the rest; total over fit.

    The store's layer with the most points (conv1 of the demo: 1,035,072), or its first
    ``data.big_points``; with no store a 16-D mixture of ``big_points`` (default a million)
    points. One run: ``tsne_big_vs_fit`` = total (read + t-SNE) / the sample fit's time
    (neighbours + optimisation), goal <= 1.3 (placing and reading cost at most 30 % of the fit).
    """
    from ..compute.tsne import tsne

    t0 = time.perf_counter()
    if data.store is not None:
        from ..compute.sampling import load_points
        from ..store import Store

        with Store.open(data.store) as s:
            layer = max(s.layers, key=lambda info: (s.n_points(info.name), -info.order)).name
            x = load_points(s, layer, -1)
        if data.big_points:
            x = x[:data.big_points]
        what = f"{layer}, {len(x):,} points"
    else:
        rng = np.random.default_rng(1)
        n = data.big_points or BIG_SYNTHETIC
        centres = rng.normal(scale=4.0, size=(10, 16))
        x = (centres[rng.integers(0, 10, size=n)] + rng.normal(size=(n, 16))).astype(np.float32)
        t0 = time.perf_counter()  # generating the mixture is not reading a layer
        what = f"synthetic 16-D mixture, {n:,} points"
    read_s = time.perf_counter() - t0
    limit = big_limit(len(x))
    res = tsne(x, 2, n_jobs=data.n_jobs, limit=limit, progress=lambda done, total, msg: False)
    total = time.perf_counter() - t0
    fit, place = res.timings["fit_s"], res.timings["place_s"]
    results = {"tsne_big_total": {"median_s": total, "n_points": len(x), "fitted": limit, "source": what},
               "tsne_big_fit": {"median_s": fit}, "tsne_big_place": {"median_s": place},
               "tsne_big_read": {"median_s": read_s}}
    return {"results": results, "ratios": {"tsne_big_vs_fit": total / fit}}


@register("pca")
def bench_pca(data: BenchData) -> dict:
    """seein's PCA (torch, float64 SVD on the device) vs scikit-learn's full-SVD PCA."""
    from sklearn.decomposition import PCA

    from ..compute.pca import pca

    x = data.points
    res = measure({"pca_seein": lambda: pca(x, 2),
                   "pca_sklearn": lambda: PCA(2, svd_solver="full").fit_transform(x)}, data.repeats_cheap)
    out = {"results": res, "ratios": {"pca_vs_sklearn": ratio(res, "pca_seein", "pca_sklearn")}}
    if data.store is not None and data.layer:
        from ..compute.pca import pca_store
        from ..store import Store

        with Store.open(data.store) as store:
            n = store.n_points(data.layer)
            res2 = measure({"pca_streamed_layer": lambda: pca_store(store, data.layer, -1, 2)},
                           max(1, data.repeats_cheap // 2))
        res2["pca_streamed_layer"]["n_points"] = n
        out["results"].update(res2)
    return out


@register("pivotmds")
def bench_pivotmds(data: BenchData) -> dict:
    """seein's PivotMDS (torch) vs the NumPy reference implementation (same pivots)."""
    from ..compute.pivotmds import pivot_mds, pivot_mds_numpy

    x = data.points
    res = measure({"pivotmds_seein": lambda: pivot_mds(x, 2),
                   "pivotmds_numpy": lambda: pivot_mds_numpy(x, 2)}, data.repeats_cheap)
    return {"results": res, "ratios": {"pivotmds_vs_numpy": ratio(res, "pivotmds_seein", "pivotmds_numpy")}}


def bench_data(store: str | os.PathLike | None = None, layer: str | None = None, n: int = 20000,
               seed: int = 0, synthetic: bool = False) -> BenchData:
    """The points the benchmarks run on (see the module docstring)."""
    rng = np.random.default_rng(seed)
    if synthetic:
        centres = rng.normal(scale=4.0, size=(10, 16))
        labels = rng.integers(0, 10, size=n)
        points = (centres[labels] + rng.normal(size=(n, 16))).astype(np.float32)
        return BenchData(points, labels.astype(np.int64), f"synthetic 16-D mixture of 10 clusters, {n} points")
    from ..compute.streaming import check_finite
    from ..store import STRUCTURED, Store

    if store is None:
        from ..demo import demo_store

        store = demo_store()
    with Store.open(store) as s:
        if layer is None:
            conv = [info for info in s.layers if info.kind == STRUCTURED] or s.layers
            layer = max(conv, key=lambda info: (info.dims, info.order)).name
        info = s.layer(layer)
        total = s.n_points(layer)
        rows = np.sort(rng.choice(total, size=min(n, total), replace=False))
        data = s.activations(layer, -1)
        points = np.empty((len(rows), info.dims), np.float32)
        step = 262144
        for start in range(0, total, step):  # read in blocks, keep the sampled rows
            sel = rows[(rows >= start) & (rows < start + step)]
            if len(sel):
                block = np.asarray(data[start:min(start + step, total)], dtype=np.float32)
                points[np.searchsorted(rows, sel)] = block[sel - start]
        check_finite(points, s, layer, -1)
        labels = s.labels[s.point_image(layer, rows)]
        source = f"{s.path.name} layer {layer} ({info.dims} channels): {len(rows)} of {total} points"
    return BenchData(points, labels, source, store=store, layer=layer)


def run_benchmarks(data: BenchData, only: list[str] | None = None,
                   log: Callable[[str], None] = print) -> dict:
    """Run the registry (and the analysis benchmarks when present); one JSON-ready dict.

    Every contender gets ``data.n_jobs`` CPU threads: torch's, BLAS's (threadpoolctl) and
    openTSNE's ``n_jobs``, so no side wins by using more cores than the other.
    """
    import torch
    from threadpoolctl import threadpool_limits

    backend = get_backend()
    before = torch.get_num_threads()
    torch.set_num_threads(data.n_jobs)
    try:
        with threadpool_limits(data.n_jobs):
            return _run(data, only, log, backend)
    finally:
        torch.set_num_threads(before)


def _run(data: BenchData, only: list[str] | None, log: Callable[[str], None], backend: Any) -> dict:
    result: dict[str, Any] = {
        "config": {"source": data.source, "n_points": int(len(data.points)), "dims": int(data.points.shape[1]),
                   "device": backend.name, "n_jobs": data.n_jobs, "repeats": data.repeats,
                   "repeats_cheap": data.repeats_cheap, "versions": backend.versions,
                   "cpus": os.cpu_count(), "load_avg": os.getloadavg()},
        "results": {}, "ratios": {}}
    entries = {**measuring.BENCHMARKS, "analysis": analysis_benchmarks}  # read now: tests may swap it
    for name, fn in entries.items():
        if only and name not in only:
            continue
        log(f"running {name} ...")
        t0 = time.perf_counter()
        out = fn(data)
        if "ratios" in out or "results" in out:
            result["results"].update(out.get("results", {}))
            result["ratios"].update(out.get("ratios", {}))
        else:
            result["results"].update(out)
        done = ", ".join(f"{k} {v:.3f}" for k, v in out.get("ratios", {}).items())
        log(f"  {name} done in {time.perf_counter() - t0:.0f} s" + (f": {done}" if done else ""))
    result["config"]["load_avg_end"] = os.getloadavg()
    return result

"""DeepEyes' layer overview and filter health: perplexity histograms and the activation heatmap.

Pezzotti et al., *DeepEyes* (§4.2, §4.3), on sampled receptive-field instances
(:mod:`seein.compute.instances`):

Perplexity histograms
    Each instance's activations over the layer's filters F are L1-normalised into a
    distribution p; its perplexity 2^H(p) (H in bits) is 1 when one filter alone
    responds and |F| when all respond equally. A histogram of the perplexities over
    [1, |F|] (30 bins) per snapshot, and its change from the previous snapshot (a shift
    to the left: the layer detects patterns more specifically), show which layers are
    stable. Activations are rectified first (a negative output is "not active"; for
    layers stored after a ReLU this changes nothing); an instance on which no filter
    is active is given perplexity |F|: no pattern detected.

Activation heatmap
    Per filter i: the maximum activation mu_i over the sampled instances (a running
    maximum over snapshots since ``since``, as in the progressive original), and the
    frequency of activation: the fraction of instances where the filter's activation
    exceeds beta * max_i(mu_i) (beta = 0.5; the threshold is the layer's maximum, not the
    filter's). Both also per filter x class (instances of images of each class).
    Reliability: the last snapshot at which the filter reached theta * mu_i (theta = 0.8);
    the distance from the current snapshot (in snapshots and in training steps) tells
    how stale the shown maximum is (drawn as cell size).
"""

from __future__ import annotations

import numpy as np

from ..store import Store
from .instances import COVERAGE, N_INSTANCES, read_instances
from .streaming import cached, device, snapshot_index

_BINS = 30


def perplexity(activations: np.ndarray, rectify: bool = True) -> np.ndarray:
    """Perplexity 2^H of every row of ``activations`` (n, F) after L1 normalisation, float32 (n,).

    In [1, F]: 1 for a one-hot row, F for a uniform one (and for an all-zero row).
    ``rectify`` clips negative activations to 0 (else their absolute value is used).
    """
    import torch

    dev = device()
    dtype = np.float64 if dev.type == "cpu" else np.float32  # exact ends (1 and |F|) on the CPU
    a = torch.as_tensor(np.asarray(activations, dtype=dtype), device=dev)
    if a.ndim == 1:
        a = a[None]
    a = a.clamp_min(0) if rectify else a.abs()
    total = a.sum(1, keepdim=True)
    dead = total[:, 0] <= 0
    p = a / total.clamp_min(torch.finfo(a.dtype).tiny)
    h = -(torch.where(p > 0, p * torch.log2(p.clamp_min(1e-38)), torch.zeros_like(p))).sum(1)
    perp = torch.exp2(h).clamp_(1.0, float(a.shape[1]))
    perp[dead] = float(a.shape[1])
    return perp.cpu().numpy().astype(np.float32)


def histogram_edges(n_filters: int, bins: int = _BINS) -> np.ndarray:
    """Bin edges over [1, |F|] (a layer of one filter gets [1, 2])."""
    return np.linspace(1.0, max(float(n_filters), 2.0), bins + 1)


def perplexity_histogram(store: Store, layer: str, snapshot: int = -1, bins: int = _BINS,
                         n_instances: int = N_INSTANCES, seed: int = 0,
                         rectify: bool = True, coverage: float = COVERAGE) -> dict[str, np.ndarray]:
    """The perplexity histogram of one layer at one snapshot (cached as ``deepeyes/perplexity``).

    Returns ``counts`` int64 (bins,), ``edges`` float64 (bins + 1,) over [1, |F|], and
    ``mean`` (the mean perplexity of the sample).
    """
    params = {"bins": int(bins), "n_instances": int(n_instances), "seed": int(seed), "rectify": bool(rectify),
              "coverage": float(coverage)}

    def compute() -> dict[str, np.ndarray]:
        inst = read_instances(store, layer, snapshot, n_instances, seed, coverage)
        perp = perplexity(inst.values, rectify)
        edges = histogram_edges(inst.values.shape[1], bins)
        counts, _ = np.histogram(perp, bins=edges)
        return {"counts": counts.astype(np.int64), "edges": edges, "mean": np.float64(perp.mean())}

    return cached(store, "deepeyes/perplexity", layer, snapshot, params, compute)[0]


def perplexity_histograms(store: Store, layer: str, snapshots: list[int] | None = None,
                          **kwargs) -> dict[str, np.ndarray]:
    """Perplexity histograms of a layer at several snapshots (default all) and their changes.

    Returns ``counts`` int64 (S, bins), ``edges`` (bins + 1,), ``mean`` (S,), and ``diff``
    int64 (S, bins): counts minus those of the previous listed snapshot (zeros for the
    first), DeepEyes' green (increase) / red (decrease) bars.
    """
    snaps = list(range(len(store.snapshots))) if snapshots is None else list(snapshots)
    hists = [perplexity_histogram(store, layer, s, **kwargs) for s in snaps]
    counts = np.stack([h["counts"] for h in hists])
    diff = np.zeros_like(counts)
    diff[1:] = counts[1:] - counts[:-1]
    return {"counts": counts, "edges": hists[0]["edges"], "mean": np.array([float(h["mean"]) for h in hists]),
            "diff": diff, "snapshots": np.array([store.snapshot(s).index for s in snaps])}


def _snapshot_maxima(store: Store, layer: str, snapshot: int, n_instances: int,
                     seed: int, coverage: float) -> dict[str, np.ndarray]:
    """Per-filter maximum and per filter x class maximum over the sample of one snapshot (cached)."""
    params = {"n_instances": int(n_instances), "seed": int(seed), "coverage": float(coverage)}

    def compute() -> dict[str, np.ndarray]:
        inst = read_instances(store, layer, snapshot, n_instances, seed, coverage)
        k = store.n_classes
        by_class = np.full((inst.values.shape[1], k), -np.inf, dtype=np.float32)
        for c in range(k):
            rows = inst.values[inst.labels == c]
            if len(rows):
                by_class[:, c] = rows.max(axis=0)
        return {"max": inst.values.max(axis=0), "max_by_class": by_class}

    return cached(store, "deepeyes/maxima", layer, snapshot, params, compute)[0]


def activation_heatmap(store: Store, layer: str, snapshot: int = -1, beta: float = 0.5, theta: float = 0.8,
                       since: int = 0, n_instances: int = N_INSTANCES,
                       seed: int = 0, coverage: float = COVERAGE) -> dict[str, np.ndarray]:
    """DeepEyes' activation heatmap of a layer at a snapshot (cached as ``deepeyes/heatmap``).

    Returns, for the F filters and K classes:
    ``max`` float32 (F,) running maximum activation mu_i over snapshots ``since``..``snapshot``;
    ``max_by_class`` float32 (F, K) the same per class (-inf where a class has no instance);
    ``frequency`` float32 (F,) fraction of this snapshot's instances where the filter's
    activation exceeds ``beta * max(mu)``; ``frequency_by_class`` float32 (F, K) the same
    within each class (NaN where a class has no instance); ``last_reached`` int64 (F,) the
    last snapshot (position) where the filter's maximum reached ``theta * mu_i``;
    ``staleness`` int64 (F,) snapshots since then; ``staleness_steps`` int64 (F,) training
    steps since then; ``threshold`` the activation threshold beta * max(mu).
    """
    s = snapshot_index(store, snapshot)
    since = snapshot_index(store, since)
    if since > s:
        since = s
    params = {"beta": float(beta), "theta": float(theta), "since": since, "n_instances": int(n_instances),
              "seed": int(seed), "coverage": float(coverage)}

    def compute() -> dict[str, np.ndarray]:
        maxima = [_snapshot_maxima(store, layer, t, n_instances, seed, coverage) for t in range(since, s + 1)]
        per_snap = np.stack([m["max"] for m in maxima])  # (T, F)
        running = np.maximum.accumulate(per_snap, axis=0)
        mu = running[-1]
        mu_class = np.max(np.stack([m["max_by_class"] for m in maxima]), axis=0)
        # Last snapshot t where the filter reached theta * (its running maximum then); for a
        # negative maximum "theta of it" means within (1 - theta) * |max| below it.
        reached = per_snap >= running - (1.0 - theta) * np.abs(running)
        last = since + (reached.shape[0] - 1 - np.argmax(reached[::-1], axis=0))
        steps = np.array([store.snapshot(t).step for t in range(len(store.snapshots))])
        inst = read_instances(store, layer, s, n_instances, seed, coverage)
        threshold = float(beta * mu.max()) if mu.size else 0.0
        active = inst.values > threshold
        k = store.n_classes
        freq_class = np.full((inst.values.shape[1], k), np.nan, dtype=np.float32)
        for c in range(k):
            rows = inst.labels == c
            if rows.any():
                freq_class[:, c] = active[rows].mean(axis=0)
        return {"max": mu.astype(np.float32), "max_by_class": mu_class.astype(np.float32),
                "frequency": active.mean(axis=0).astype(np.float32), "frequency_by_class": freq_class,
                "last_reached": last.astype(np.int64), "staleness": (s - last).astype(np.int64),
                "staleness_steps": (steps[s] - steps[last]).astype(np.int64),
                "threshold": np.float64(threshold)}

    return cached(store, "deepeyes/heatmap", layer, snapshot, params, compute)[0]

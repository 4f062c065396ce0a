"""Project a store layer to 2-D or 3-D (PCA, t-SNE, PivotMDS, UMAP), cached in the store.

:func:`project` is the one entry point the app, ``seein embed`` and ``seein compute``
use. A result is cached beside the store (``store.save_result``, kind
``projection/<method>``) under its full parameter set (defaults filled in), so asking
again with the same parameters reads the cache and returns at once with
``cached=True``; any other parameter computes afresh.

:func:`aligned_projections` projects a run of layers and moves each layer's map onto
the previous one's by Procrustes (translation, rotation, uniform scale, mirror when it
fits better), so an animation from layer to layer moves points as little as possible.
Layers of different point counts (structured layers of different H x W) are aligned
on per-image means: the image is what two layers share.

Progress is one monotone figure over the phases of the work (reading the layer, then
the method's own phases: t-SNE's neighbours, iterations and placement), with each
phase's words as the message, below ``total`` until the map is computed and cached
(:class:`seein.core.progress.Phases`; the weights are rough time estimates).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import Phases, ProgressCallback
from ..store import Store
from . import tsne as tsne_mod
from . import umap as umap_mod
from .methods import METHODS
from .pca import pca_store
from .pivotmds import DEFAULT_PIVOTS, pivot_mds
from .pivotmds import check_params as check_pivot_params
from .procrustes import image_means, procrustes
from .sampling import check_layer, load_points

ALGORITHM_VERSION = 2  # bump when a method's output changes, so old cache entries are not reused
_PARAM_DEFAULTS: dict[str, dict[str, Any]] = {
    "pca": {},
    "tsne": dict(tsne_mod.DEFAULTS),
    "pivotmds": {"n_pivots": DEFAULT_PIVOTS, "seed": 0},
    "umap": dict(umap_mod.DEFAULTS),
}


@dataclass
class Projection:
    """One layer's map: ``embedding`` float32 (n_points, dims) and how it was made.

    ``params`` is the full parameter set (the cache key); ``cached`` says whether it
    came from the store's cache; ``notes`` says what was adjusted (a clamped
    perplexity, sampling); ``extra`` holds method-specific arrays (t-SNE's fitted
    ``sample``, PCA's ``components`` and ``explained_variance``).
    """

    embedding: np.ndarray
    method: str
    params: dict
    cached: bool = False
    layer: str = ""
    snapshot: int = -1
    notes: list[str] = field(default_factory=list)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def projection_params(method: str, dims: int, **params: Any) -> dict[str, Any]:
    """The full, validated parameter set of a projection (its cache key)."""
    if method not in METHODS:
        raise SeeinError(f"unknown projection method {method!r} (methods: {', '.join(METHODS)})")
    if dims not in (2, 3):
        raise SeeinError(f"projections are 2-D or 3-D, not {dims}-D")
    defaults = _PARAM_DEFAULTS[method]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        known = ", ".join(defaults) or "none"
        raise SeeinError(f"{method} takes no parameter(s) {', '.join(unknown)} (it takes: {known})")
    full = {**defaults, **{k: v for k, v in params.items() if v is not None}}
    if method == "tsne":
        tsne_mod.check_params(full)
    elif method == "pivotmds":
        check_pivot_params(full["n_pivots"], full["seed"])
    elif method == "umap":
        umap_mod.check_params(full)
    return {"method": method, "dims": int(dims), "version": ALGORITHM_VERSION, **full}


def _weights(store: Store, layer: str, method: str, params: dict) -> list[tuple[str, float]]:
    """Rough seconds of reading a layer and of projecting it (the weights of the progress phases)."""
    n, dims = store.n_points(layer), store.layer(layer).dims
    read = 1e-8 * n * dims + 1e-3
    if method == "tsne":
        m = min(n, int(params["limit"]))
        work = 1.5e-6 * m * (int(params["early_exaggeration_iter"]) + int(params["n_iter"])) + 5e-6 * (n - m)
    elif method == "umap":
        m = min(n, int(params["limit"]))
        work = 2e-4 * m + 5e-6 * (n - m)
    elif method == "pivotmds":
        work = 5e-8 * n * dims * (int(params["n_pivots"]) / 10)
    else:
        work = 2e-8 * n * dims
    return [("read", read), ("work", work)]


def _compute(store: Store, layer: str, method: str, dims: int, snapshot: int, params: dict,
             progress: ProgressCallback | None) -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    p = {k: v for k, v in params.items() if k not in ("method", "dims", "version")}
    phases = Phases(progress, _weights(store, layer, method, p))
    if method == "pca":  # streams the layer itself: one phase
        res = pca_store(store, layer, snapshot, dims, phases.phase("work") if progress else None)
        return res.embedding, [], {"components": res.components, "mean": res.mean,
                                   "explained_variance": res.explained_variance}
    points = load_points(store, layer, snapshot, phases.phase("read") if progress else None)
    work = phases.phase("work") if progress else None
    if method == "pivotmds":
        return pivot_mds(points, dims, int(p["n_pivots"]), int(p["seed"]), work), [], {}
    if method == "umap":
        res_u = umap_mod.umap_embed(points, dims, progress=work, **p)
        return res_u.embedding, res_u.notes, {"sample": res_u.sample}
    res = tsne_mod.tsne(points, dims, progress=work, **p)
    return res.embedding, res.notes, {"sample": res.sample, "perplexity_used": np.float64(res.perplexity)}


def project(store: Store | str | os.PathLike, layer: str, method: str = "pca", dims: int = 2,
            snapshot: int = -1, progress: ProgressCallback | None = None, *, cache: bool = True,
            **params: Any) -> Projection:
    """Project one layer at one snapshot; read from the store's cache when already computed.

    Parameters
    ----------
    store : Store or path
        An open store (left open) or a path (opened and closed here).
    layer, snapshot : str, int
        Which activations; ``snapshot`` counts from the end when negative.
    method : {"pca", "tsne", "pivotmds", "umap"}
    dims : {2, 3}
    progress : callable, optional
        ``progress(done, total, message) -> True to cancel`` (raises Cancelled).
    cache : bool
        Read and write the store's result cache (default True).
    **params
        Method parameters: t-SNE ``perplexity``, ``early_exaggeration``,
        ``early_exaggeration_iter``, ``exaggeration``, ``learning_rate``, ``n_iter``,
        ``seed``, ``initialization``, ``limit``, ``place``; PivotMDS ``n_pivots``, ``seed``; UMAP ``n_neighbors``,
        ``min_dist``, ``metric``, ``seed``, ``limit``.
    """
    if not isinstance(store, Store):
        with Store.open(store) as opened:
            return project(opened, layer, method, dims, snapshot, progress, cache=cache, **params)
    full = projection_params(method, dims, **params)
    check_layer(store, layer, snapshot)
    index = store.snapshot(snapshot).index
    kind = f"projection/{method}"
    if cache:
        hit = store.load_result(kind, layer, snapshot, full)
        if hit is not None and "embedding" in hit and hit["embedding"].shape == (store.n_points(layer), dims):
            notes = [str(s) for s in hit.pop("notes", np.array([], dtype=str))]
            emb = hit.pop("embedding").astype(np.float32, copy=False)
            return Projection(emb, method, full, True, layer, index, notes, hit)
    overall = Phases(progress, [("compute", 1.0)])
    emb, notes, extra = _compute(store, layer, method, dims, snapshot, full,
                                 overall.phase("compute") if progress else None)
    if cache:
        arrays = {"embedding": emb, "notes": np.array(notes, dtype=str), **extra}
        try:
            store.save_result(kind, layer, snapshot, full, arrays)
        except OSError as exc:  # a read-only folder: the result is still good, just not kept
            warnings.warn(f"{store.path}: could not cache the {method} projection of {layer!r} "
                          f"({exc.strerror or exc}); it will be recomputed next time", stacklevel=2)
    overall.finish("done")
    return Projection(emb, method, full, False, layer, index, notes, extra)


def aligned_projections(store: Store | str | os.PathLike, layers: Iterable[str], method: str = "pca",
                        dims: int = 2, snapshot: int = -1, progress: ProgressCallback | None = None,
                        **params: Any) -> dict[str, Projection]:
    """Project each layer, then align each map to the previous layer's (Procrustes).

    The first layer keeps its map; layer i+1 is moved by the similarity transform
    (with the mirroring test) that best fits its per-image mean positions onto layer
    i's *aligned* per-image means, so a chain of layers drifts as little as possible.
    The raw maps stay cached; alignment is cheap (n_images x dims) and done on each call.
    ``notes`` of each aligned projection records whether it was mirrored.
    """
    if not isinstance(store, Store):
        with Store.open(store) as opened:
            return aligned_projections(opened, layers, method, dims, snapshot, progress, **params)
    out: dict[str, Projection] = {}
    previous = None
    for name in layers:
        proj = project(store, name, method, dims, snapshot, progress, **params)
        per = store.layer(name).points_per_image
        if previous is not None:
            fit = procrustes(image_means(proj.embedding, per), previous)
            proj.embedding = fit.apply(proj.embedding)
            proj.notes = proj.notes + [f"aligned to the previous layer (scale {fit.scale:.3g}, "
                                       f"{'mirrored' if fit.reflected else 'not mirrored'})"]
        previous = image_means(proj.embedding, per)
        out[name] = proj
    if not out:
        raise SeeinError("aligned_projections needs at least one layer", store.path)
    return out

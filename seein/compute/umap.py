"""UMAP with the same parameters on both paths: cuML's UMAP on CUDA, umap-learn on the CPU.

Parameters (umap-learn's names): ``n_neighbors`` 15, ``min_dist`` 0.1, ``metric``
"euclidean", ``seed`` 0, ``limit`` 20,000. A layer with more than ``limit`` points is
fitted on a seeded random sample and every other point is placed at the
distance-weighted mean position of its 10 nearest sample points (the same kNN
placement as t-SNE's, :func:`seein.compute.sampling.place`: a k-d tree on the CPU,
torch brute force on CUDA), block by block so progress and cancel work. ``seed``
makes umap-learn deterministic (single-threaded layout), so a cached map and a recomputed one agree.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.backend import Backend, get_backend
from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from .sampling import knn_place, place_rows, sample_indices

DEFAULTS: dict[str, Any] = {"n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "seed": 0,
                            "limit": 20000}
METRICS = ("euclidean", "cosine", "manhattan", "correlation")
KNN_CHUNK = 65536  # points per block of the kNN placement on CUDA
MIN_POINTS = 4


@dataclass
class UMAPResult:
    """The embedding (n, dims) float32, the fitted sample's indices, the engine, and notes."""

    embedding: np.ndarray
    sample: np.ndarray
    engine: str
    notes: list[str] = field(default_factory=list)


def check_params(p: dict[str, Any]) -> dict[str, Any]:
    """Validate UMAP parameters (one-line SeeinError naming the bad one)."""
    if not isinstance(p["n_neighbors"], (int, np.integer)) or int(p["n_neighbors"]) < 2:
        raise SeeinError(f"UMAP n_neighbors must be an integer >= 2, not {p['n_neighbors']!r}")
    if not 0.0 <= float(p["min_dist"]) <= 1.0:
        raise SeeinError(f"UMAP min_dist must be in [0, 1], not {p['min_dist']!r}")
    if p["metric"] not in METRICS:
        raise SeeinError(f"unknown UMAP metric {p['metric']!r} ({', '.join(METRICS)})")
    if not isinstance(p["seed"], (int, np.integer)) or int(p["seed"]) < 0:
        raise SeeinError(f"UMAP seed must be an integer >= 0, not {p['seed']!r}")
    if not isinstance(p["limit"], (int, np.integer)) or int(p["limit"]) < MIN_POINTS:
        raise SeeinError(f"UMAP limit must be an integer >= {MIN_POINTS}, not {p['limit']!r}")
    return p


def _fit_cpu(x: np.ndarray, dims: int, p: dict, n_neighbors: int) -> np.ndarray:
    import umap  # umap-learn (absolute import: not this module)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs value.*")  # seeded runs are single-threaded
        model = umap.UMAP(n_components=dims, n_neighbors=n_neighbors, min_dist=float(p["min_dist"]),
                          metric=p["metric"], random_state=int(p["seed"]), init="spectral")
        return np.asarray(model.fit_transform(x), dtype=np.float32)


def _fit_cuml(x: Any, dims: int, p: dict, n_neighbors: int) -> Any:  # pragma: no cover - CUDA only
    from cuml.manifold import UMAP

    model = UMAP(n_components=dims, n_neighbors=n_neighbors, min_dist=float(p["min_dist"]),
                 metric=p["metric"], random_state=int(p["seed"]))
    return model.fit_transform(x)


def umap_embed(data: np.ndarray, dims: int = 2, *, progress: ProgressCallback | None = None,
               backend: Backend | None = None, **params: Any) -> UMAPResult:
    """UMAP of points (n, D) into ``dims`` (2 or 3) dimensions; see the module docstring."""
    import torch

    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise SeeinError(f"unknown UMAP parameter(s): {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(DEFAULTS)})")
    p = check_params({**DEFAULTS, **{k: v for k, v in params.items() if v is not None}})
    if dims not in (2, 3):
        raise SeeinError(f"UMAP makes 2-D or 3-D maps, not {dims}-D")
    backend = backend or get_backend()
    x = np.ascontiguousarray(data, dtype=np.float32)
    n = len(x)
    if n < MIN_POINTS:
        raise SeeinError(f"UMAP needs at least {MIN_POINTS} points, this layer has {n}")
    sample = sample_indices(n, int(p["limit"]), int(p["seed"]))
    notes: list[str] = []
    if float(np.ptp(x, axis=0).max(initial=0.0)) == 0.0:
        note = "every point is the same (a constant layer): all are placed at the origin"
        warnings.warn(note, stacklevel=2)
        return UMAPResult(np.zeros((n, dims), np.float32), sample, "none", [note])
    n_neighbors = min(int(p["n_neighbors"]), len(sample) - 1)
    if n_neighbors != int(p["n_neighbors"]):
        notes.append(f"n_neighbors {p['n_neighbors']} clamped to {n_neighbors} ({len(sample)} points)")
    fit_x = x[sample] if len(sample) < n else x
    report(progress, 0, 1, f"UMAP of {len(fit_x):,} points")
    use_cuml = backend.is_cuda and backend.has_cuml and backend.has_cupy
    if use_cuml:  # pragma: no cover - CUDA only
        fitted = backend.to_torch(_fit_cuml(backend.xp.asarray(fit_x), dims, p, n_neighbors)).float()
        engine = "cuml"
    else:
        fitted = torch.from_numpy(_fit_cpu(fit_x, dims, p, n_neighbors))
        engine = "umap-learn"
    if not bool(torch.isfinite(fitted).all()):
        raise SeeinError(f"UMAP of these {len(fit_x)} points gave NaN/Inf; try PCA or PivotMDS")
    out = np.empty((n, dims), dtype=np.float32)
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True) if len(sample) < n else sample[:0]
    if len(rest) and fitted.device.type == "cpu":  # the k-d tree placement, a progress call per block
        place_rows(fit_x, fitted.numpy(), x, rest, out, progress)
    elif len(rest):  # pragma: no cover - CUDA only: brute force on the device
        reference = torch.from_numpy(fit_x).to(fitted.device)
        for start in range(0, len(rest), KNN_CHUNK):
            report(progress, start, len(rest), f"placing {len(rest):,} points")
            idx = rest[start:start + KNN_CHUNK]
            new = torch.from_numpy(x[idx]).to(fitted.device)
            out[idx] = backend.to_numpy(knn_place(reference, fitted, new))
    if len(rest):
        notes.append(f"fitted on a random sample of {len(sample)} of {n} points (seed {p['seed']}); "
                     f"the other {len(rest)} placed by knn")
    out[sample] = backend.to_numpy(fitted)
    report(progress, 1, 1, "UMAP done")
    return UMAPResult(out, sample, engine + ("+knn" if len(rest) else ""), notes)

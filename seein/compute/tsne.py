"""t-SNE with the same parameters on both paths: cuML on CUDA (2-D), openTSNE on the CPU.

Parameters (openTSNE's names and defaults): ``perplexity`` 30, ``early_exaggeration``
12 for ``early_exaggeration_iter`` 250 iterations, then ``exaggeration`` 1 for
``n_iter`` 500 iterations, ``learning_rate`` "auto" (n / early_exaggeration),
``initialization`` "pca", ``seed`` 0. cuML's TSNE is 2-D only: a 3-D request on CUDA
runs openTSNE and says so in a warning. openTSNE's fast (FFT) gradients are 2-D only
too, so a 3-D map uses Barnes-Hut: several times slower (minutes for 20,000 points on
one core; ``limit`` trades time for how many points are fitted).

Big layers: with more points than ``limit`` (default 20,000), t-SNE is fitted on a
seeded random sample of ``limit`` points, and every other point is *placed* into that
fitted map without moving it:

- ``place="transform"`` (CPU default up to ``TRANSFORM_MAX`` = 100,000 points to place): openTSNE's ``TSNEEmbedding.transform``, which
  starts each new point at the median of its 25 nearest sample points' positions and
  optimises it against the fixed map (chunk by chunk, so progress and cancel work);
- ``place="knn"`` (CUDA default, and the CPU default beyond ``TRANSFORM_MAX`` points,
  where ``transform`` would take many minutes; far faster): each new point goes to
  the distance-weighted mean position of its 10 nearest sample points
  (:func:`seein.compute.sampling.knn_place`, torch on the device).

Either way a placed point lands among its neighbours in the input space. The indices
of the fitted sample are returned, so a caller can tell fitted and placed points apart.

Progress and cancel: ``progress(done, total, message)`` is called every 50 iterations
(openTSNE's callbacks, which also evaluate the KL error then, so not more often);
returning True stops the optimisation and raises :class:`seein.core.errors.Cancelled`.
Without a progress callback openTSNE runs with no callbacks at all.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.backend import Backend, get_backend
from ..core.errors import Cancelled, SeeinError
from ..core.progress import ProgressCallback, report
from .sampling import knn_place, sample_indices

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "perplexity": 30.0, "early_exaggeration": 12.0, "early_exaggeration_iter": 250,
    "exaggeration": 1.0, "n_iter": 500, "learning_rate": "auto", "initialization": "pca",
    "seed": 0, "limit": 20000, "place": "auto",
}
PLACE_CHUNK = 20000  # points per openTSNE transform call
KNN_CHUNK = 65536  # points per block of the kNN placement
TRANSFORM_MAX = 100_000
CALLBACK_EVERY = 50  # openTSNE evaluates the KL error at each callback: not too often
MIN_POINTS = 4
INITIALIZATIONS = ("pca", "spectral", "random")  # openTSNE's (cuML knows pca and random)


@dataclass
class TSNEResult:
    """The embedding (n, dims) float32, the fitted sample's indices, the engine, and notes."""

    embedding: np.ndarray
    sample: np.ndarray
    engine: str
    perplexity: float
    notes: list[str] = field(default_factory=list)


class _Progress:
    """openTSNE callback: forwards both optimisation phases to one progress callback."""

    def __init__(self, progress: ProgressCallback | None, ee_iter: int, total: int):
        self.progress, self.ee_iter, self.total = progress, ee_iter, total
        self.phase = -1
        self.cancelled = False

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def __call__(self, iteration: int, error: float, embedding: Any) -> bool:
        done = iteration + (self.ee_iter if self.phase >= 1 else 0)
        if self.progress is not None and self.progress(min(done, self.total), self.total, "t-SNE"):
            self.cancelled = True
        return self.cancelled


def clamp_perplexity(perplexity: float, n: int) -> tuple[float, str | None]:
    """Perplexity usable with ``n`` points (at most (n - 1) / 3) and a note when lowered."""
    if perplexity <= 0:
        raise SeeinError(f"perplexity must be positive, got {perplexity}")
    if n < MIN_POINTS:
        raise SeeinError(f"t-SNE needs at least {MIN_POINTS} points, the layer has {n}")
    top = (n - 1) / 3.0
    if perplexity <= top:
        return float(perplexity), None
    note = (f"perplexity {perplexity:g} is too large for {n} points; using {top:.4g} "
            f"(at most (n - 1) / 3)")
    return float(top), note


def check_params(p: dict[str, Any]) -> dict[str, Any]:
    """``p`` if every t-SNE parameter is usable, else a one-line SeeinError naming the bad one.

    Checked before any work (``seein embed`` fails before it reads a layer), and here
    rather than deep inside openTSNE, whose messages do not say which parameter it was.
    """
    def number(name: str, low: float, integer: bool = False, strict: bool = False) -> None:
        value = p[name]
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        ok = ok and np.isfinite(value) and (value > low if strict else value >= low)
        if ok and integer:
            ok = float(value).is_integer()
        if not ok:
            what = "an integer" if integer else "a number"
            raise SeeinError(f"t-SNE {name} must be {what} {'>' if strict else '>='} {low:g}, got {value!r}")

    number("perplexity", 0, strict=True)
    number("early_exaggeration", 0, strict=True)
    number("exaggeration", 0, strict=True)
    number("early_exaggeration_iter", 0, integer=True)
    number("n_iter", 0, integer=True)
    number("seed", 0, integer=True)
    number("limit", MIN_POINTS, integer=True)
    if p["learning_rate"] != "auto":
        number("learning_rate", 0, strict=True)
    if p["initialization"] not in INITIALIZATIONS:
        raise SeeinError(f"unknown t-SNE initialization {p['initialization']!r} "
                         f"({', '.join(INITIALIZATIONS)})")
    if p["place"] not in ("auto", "knn", "transform"):
        raise SeeinError(f"unknown placement {p['place']!r} (auto, knn, transform)")
    return p


def _opentsne(x: np.ndarray, dims: int, p: dict, n_jobs: int, cb: _Progress) -> Any:
    """Fit openTSNE; returns its TSNEEmbedding (kept for ``transform``)."""
    from openTSNE import TSNE

    tsne = TSNE(n_components=dims, perplexity=p["perplexity"], learning_rate=p["learning_rate"],
                early_exaggeration=p["early_exaggeration"],
                early_exaggeration_iter=p["early_exaggeration_iter"], n_iter=p["n_iter"],
                exaggeration=p["exaggeration"], initialization=p["initialization"],
                random_state=p["seed"], n_jobs=n_jobs, callbacks=cb if cb.progress else None,
                callbacks_every_iters=CALLBACK_EVERY,
                # openTSNE's FFT gradients are 1-D/2-D only and "auto" picks them from 10,000
                # points (fit) and for every transform: a 3-D map must ask for Barnes-Hut
                negative_gradient_method="bh" if dims > 2 else "auto")
    return tsne.fit(x)


def _cuml(x: Any, p: dict) -> Any:
    """Fit cuML's TSNE (2-D) on a device array with openTSNE's settings; returns a CuPy array.

    The mapping: ``early_exaggeration`` for ``early_exaggeration_iter`` iterations, then
    ``exaggeration`` (cuML's ``late_exaggeration``) up to the same total; 3 x perplexity
    neighbours, as openTSNE; ``learning_rate="auto"`` is cuML's adaptive rate (the same
    n / exaggeration rule of Belkina et al. as openTSNE's "auto"), a number is used as
    is; PCA initialisation where the installed cuML has it. Arguments an older cuML does
    not know are left out (checked against its signature).
    """
    from cuml.manifold import TSNE

    sig = inspect.signature(TSNE).parameters
    kw = dict(n_components=2, perplexity=p["perplexity"], early_exaggeration=p["early_exaggeration"],
              late_exaggeration=p["exaggeration"], exaggeration_iter=p["early_exaggeration_iter"],
              n_neighbors=int(min(len(x) - 1, max(1, round(3 * p["perplexity"])))),
              random_state=p["seed"], method="fft", output_type="cupy")
    kw["max_iter" if "max_iter" in sig else "n_iter"] = p["early_exaggeration_iter"] + p["n_iter"]
    if p["learning_rate"] == "auto":
        kw["learning_rate_method"] = "adaptive"
    else:
        kw["learning_rate"] = float(p["learning_rate"])
        kw["learning_rate_method"] = "none"
    if p["initialization"] in ("pca", "random") and "init" in sig:
        kw["init"] = p["initialization"]
    return TSNE(**{k: v for k, v in kw.items() if k in sig}).fit_transform(x)


def tsne(data: np.ndarray, dims: int = 2, *, progress: ProgressCallback | None = None,
         backend: Backend | None = None, n_jobs: int | None = None, **params: Any) -> TSNEResult:
    """t-SNE of points (n, D) into ``dims`` (2 or 3) dimensions; see the module docstring."""
    import torch

    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise SeeinError(f"unknown t-SNE parameter(s): {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(DEFAULTS)})")
    p = check_params({**DEFAULTS, **{k: v for k, v in params.items() if v is not None}})
    if dims not in (2, 3):
        raise SeeinError(f"t-SNE makes 2-D or 3-D maps, not {dims}-D")
    backend = backend or get_backend()
    n_jobs = n_jobs or backend.threads
    x = np.ascontiguousarray(data, dtype=np.float32)
    n = len(x)
    sample = sample_indices(n, int(p["limit"]), int(p["seed"]))
    notes: list[str] = []
    p["perplexity"], note = clamp_perplexity(float(p["perplexity"]), len(sample))
    if note:
        notes.append(note)
        warnings.warn(note, stacklevel=2)
    use_cuml = backend.is_cuda and backend.has_cuml and backend.has_cupy and dims == 2
    if backend.is_cuda and backend.has_cuml and dims == 3:
        note = "cuML's t-SNE is 2-D only: this 3-D t-SNE runs on the CPU with openTSNE"
        notes.append(note)
        warnings.warn(note, stacklevel=2)
    fit_x = x[sample] if len(sample) < n else x
    if n and float(np.ptp(x, axis=0).max(initial=0.0)) == 0.0:  # a dead layer: one point, n times
        note = "every point is the same (a constant layer): all are placed at the origin"
        warnings.warn(note, stacklevel=2)
        return TSNEResult(np.zeros((n, dims), np.float32), sample, "none", p["perplexity"], notes + [note])
    unfitted = np.ones(n, dtype=bool)
    unfitted[sample] = False
    rest = np.flatnonzero(unfitted)  # the points to place (O(n) memory, no sort)
    del unfitted
    place = p["place"] if p["place"] != "auto" else (
        "knn" if use_cuml or len(rest) > TRANSFORM_MAX else "transform")
    ee, total = int(p["early_exaggeration_iter"]), int(p["early_exaggeration_iter"]) + int(p["n_iter"])
    out = np.empty((n, dims), dtype=np.float32)
    model = None
    if use_cuml:  # pragma: no cover - CUDA only
        report(progress, 0, total, "t-SNE (cuML)")
        fitted = backend.to_torch(_cuml(backend.xp.asarray(fit_x), p)).float()
        report(progress, total, total, "t-SNE (cuML)")
        engine = "cuml"
    else:
        cb = _Progress(progress, ee, total)
        model = _opentsne(fit_x, dims, p, n_jobs, cb)
        if cb.cancelled:
            raise Cancelled("t-SNE cancelled")
        fitted = torch.from_numpy(np.asarray(model, dtype=np.float32))
        engine = "openTSNE"
    if not bool(torch.isfinite(fitted).all()):
        raise SeeinError(f"t-SNE of these {len(fit_x)} points gave NaN/Inf (degenerate input: almost all "
                         "points identical?); try PCA or PivotMDS")
    if len(rest) and place == "transform" and model is not None:
        for start in range(0, len(rest), PLACE_CHUNK):
            idx = rest[start:start + PLACE_CHUNK]
            out[idx] = np.asarray(model.transform(x[idx]), dtype=np.float32)
            report(progress, min(start + PLACE_CHUNK, len(rest)), len(rest), "t-SNE: placing points")
        fitted = torch.from_numpy(np.asarray(model, dtype=np.float32))  # transform re-centres the map
    elif len(rest):
        dev = fitted.device
        reference = torch.from_numpy(fit_x).to(dev)
        for start in range(0, len(rest), KNN_CHUNK):  # a block of the layer at a time, never a copy of it
            idx = rest[start:start + KNN_CHUNK]
            out[idx] = backend.to_numpy(knn_place(reference, fitted, torch.from_numpy(x[idx]).to(dev)))
            report(progress, min(start + KNN_CHUNK, len(rest)), len(rest), "t-SNE: placing points")
    if len(rest):
        notes.append(f"fitted on a random sample of {len(sample)} of {n} points (seed {p['seed']}); "
                     f"the other {len(rest)} placed by {place}")
    out[sample] = backend.to_numpy(fitted)
    return TSNEResult(out, sample, engine + (f"+{place}" if len(rest) else ""), p["perplexity"], notes)

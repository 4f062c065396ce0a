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

- ``place="knn"`` (the default, "auto"): each new point goes to the distance-weighted
  mean position of its 10 nearest sample points, found exactly by a k-d tree or blocked
  brute force, whichever is faster for the layer (:func:`seein.compute.sampling.place`;
  on CUDA torch brute force on the device, :func:`seein.compute.sampling.knn_place`).
  conv1 of the demo (1,035,072 points, 20 channels): seconds, against ~60 s of brute
  force before, for the same neighbours;
- ``place="transform"`` (CPU, asked for by name): openTSNE's ``TSNEEmbedding.transform``,
  which starts each new point at the median of its 25 nearest sample points' positions
  and optimises it against the fixed map (chunk by chunk, so progress and cancel work);
  much slower, for who wants openTSNE's placement.

Either way a placed point lands among its neighbours in the input space. The indices
of the fitted sample are returned, so a caller can tell fitted and placed points apart.

Neighbours of the fitted points (3 x perplexity of them, openTSNE's rule) are exact too
(the same :func:`seein.compute.sampling.nearest`, block by block) and handed to openTSNE
as precomputed neighbours, instead of openTSNE's Annoy index, which cannot report
progress or be cancelled (10-17 s for 20,000 points of conv1 on a loaded machine).

Threads: the optimisation of fewer than :data:`SMALL_N` points runs on one thread.
openTSNE's threads meet at a barrier every iteration, and on a busy machine (the app
rendering, another projection) a 1,797-point t-SNE took 7 s on one thread and 30 s on
two (measured in a fresh process on the shared 2-core machine).

Progress and cancel: ``progress(done, total, message)`` gets one monotone overall
figure over the phases ("t-SNE: neighbours of 20,000 points", "t-SNE 250/750",
"placing 1,015,072 points"; :class:`seein.core.progress.Phases`), and is called every
:data:`REPORT_EVERY` (0.1) s of the optimisation (:class:`_Progress` wraps openTSNE's
gradient, so no KL error is evaluated for it), every block of neighbour queries and
every block of placed points; returning True raises :class:`seein.core.errors.Cancelled`
at that call.
"""

from __future__ import annotations

import inspect
import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.backend import Backend, get_backend
from ..core.errors import SeeinError
from ..core.progress import Phases, ProgressCallback, report
from .sampling import knn_place, nearest, place_rows, sample_indices

log = logging.getLogger(__name__)
_clock = time.perf_counter  # the optimisation's report clock (a test stands in a slow one)

DEFAULTS: dict[str, Any] = {
    "perplexity": 30.0, "early_exaggeration": 12.0, "early_exaggeration_iter": 250,
    "exaggeration": 1.0, "n_iter": 500, "learning_rate": "auto", "initialization": "pca",
    "seed": 0, "limit": 20000, "place": "auto",
}
PLACE_CHUNK = 2000  # points per openTSNE transform call (about a second each)
KNN_CHUNK = 65536  # points per block of the kNN placement on CUDA
SMALL_N = 10_000  # fewer fitted points than this: the optimisation runs on one thread
REPORT_EVERY = 0.1  # seconds of optimisation between progress reports
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
    timings: dict[str, float] = field(default_factory=dict)  # fit_s (neighbours + optimisation), place_s


class _Progress:
    """openTSNE's gradient, wrapped: counts iterations and reports progress every ``every`` seconds.

    openTSNE's own callbacks evaluate the KL error each time (as costly as an iteration at
    20,000 points), so they run every 50 iterations: 9-12 s before a cancel was seen on a
    busy machine. The objective function is called once per iteration and costs nothing to
    wrap: here progress is reported every :data:`REPORT_EVERY` seconds of work (and a cancel
    seen then), whatever the size or the load. A cancel raises :class:`Cancelled` out of
    openTSNE's loop.
    """

    def __init__(self, progress: ProgressCallback | None, objective: Any, total: int,
                 every: float | None = None):
        self.progress, self.objective, self.total = progress, objective, total
        self.every = REPORT_EVERY if every is None else every
        self.iteration = 0
        self.active = True  # off once fitted (transform's optimisations are not the fit's iterations)
        self._last = _clock()

    def __call__(self, *args: Any, should_eval_error: bool = False, **kw: Any) -> Any:
        out = self.objective(*args, should_eval_error=should_eval_error, **kw)
        if self.active and not should_eval_error:  # openTSNE's closing error evaluation is no iteration
            self.iteration += 1
            now = _clock()
            if self.progress is not None and (now - self._last >= self.every or self.iteration == 1):
                self._last = now
                done = min(self.iteration, self.total)
                report(self.progress, done, self.total, f"t-SNE {done}/{self.total}")
        return out


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


def _affinities(x: np.ndarray, p: dict, n_jobs: int, progress: ProgressCallback | None) -> Any:
    """openTSNE's perplexity affinities from exact neighbours found block by block (cancellable)."""
    from openTSNE import affinity
    from openTSNE.nearest_neighbors import KNNIndex

    n = len(x)
    k = int(min(n - 1, int(3 * p["perplexity"])))
    idx, dist, _ = nearest(x, x, k + 1, progress, f"t-SNE: neighbours of {n:,} points", workers=n_jobs)
    own = idx == np.arange(n)[:, None]  # drop each point itself (not always first: duplicates)
    own[~own.any(axis=1), -1] = True
    keep = ~(own & (np.cumsum(own, axis=1) == 1))
    idx, dist = idx[keep].reshape(n, k), dist[keep].reshape(n, k).astype(np.float64)

    class Exact(KNNIndex):
        """The neighbours found above; later queries (``transform``) by the same exact search."""

        VALID_METRICS = ["euclidean"]

        def build(self) -> tuple[np.ndarray, np.ndarray]:
            return idx, dist

        def query(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
            i, d, _ = nearest(self.data, query, k, workers=n_jobs)
            return i, d.astype(np.float64)

    return affinity.PerplexityBasedNN(knn_index=Exact(x, k, n_jobs=n_jobs), perplexity=p["perplexity"],
                                      n_jobs=n_jobs, random_state=p["seed"])


def _opentsne(x: np.ndarray, dims: int, p: dict, n_jobs: int, cb: _Progress, affinities: Any = None) -> Any:
    """Fit openTSNE (on ``affinities`` when given); returns its TSNEEmbedding (kept for ``transform``)."""
    from openTSNE import TSNE

    tsne = TSNE(n_components=dims, perplexity=p["perplexity"], learning_rate=p["learning_rate"],
                early_exaggeration=p["early_exaggeration"],
                early_exaggeration_iter=p["early_exaggeration_iter"], n_iter=p["n_iter"],
                exaggeration=p["exaggeration"], initialization=p["initialization"],
                random_state=p["seed"], n_jobs=n_jobs, negative_gradient_method=cb)
    return tsne.fit(x, affinities=affinities)


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
    how = p["place"] if p["place"] != "auto" else "knn"
    total = int(p["early_exaggeration_iter"]) + int(p["n_iter"])
    m = len(sample)
    k = min(m - 1, int(3 * p["perplexity"]))
    phases = Phases(progress, [("neighbours", 5e-7 * m * (k + 1)), ("optimise", 1.5e-6 * m * max(total, 1)),
                               ("place", (2e-4 if how == "transform" else 5e-6) * len(rest))])
    out = np.empty((n, dims), dtype=np.float32)
    model = None
    t0 = time.perf_counter()
    if use_cuml:  # pragma: no cover - CUDA only
        report(phases.phase("optimise"), 0, total, f"t-SNE of {m:,} points (cuML)")
        fitted = backend.to_torch(_cuml(backend.xp.asarray(fit_x), p)).float()
        report(phases.phase("optimise"), total, total, f"t-SNE of {m:,} points (cuML)")
        engine = "cuml"
    else:
        affinities = _affinities(fit_x, p, n_jobs, phases.phase("neighbours") if progress else None)
        from openTSNE.tsne import kl_divergence_bh, kl_divergence_fft

        # openTSNE's "auto": Barnes-Hut below 10,000 points, FFT from there (2-D only: 3-D is BH)
        objective = kl_divergence_bh if dims > 2 or m < 10_000 else kl_divergence_fft
        cb = _Progress(phases.phase("optimise") if progress else None, objective, total)
        model = _opentsne(fit_x, dims, p, 1 if m < SMALL_N else n_jobs, cb, affinities)
        cb.active = False
        fitted = torch.from_numpy(np.asarray(model, dtype=np.float32))
        engine = "openTSNE"
    fit_s = time.perf_counter() - t0
    if not bool(torch.isfinite(fitted).all()):
        raise SeeinError(f"t-SNE of these {len(fit_x)} points gave NaN/Inf (degenerate input: almost all "
                         "points identical?); try PCA or PivotMDS")
    placing = phases.phase("place") if progress else None
    message = f"placing {len(rest):,} points"
    if len(rest) and how == "transform" and model is not None:
        report(placing, 0, len(rest), message)
        for start in range(0, len(rest), PLACE_CHUNK):
            idx = rest[start:start + PLACE_CHUNK]
            out[idx] = np.asarray(model.transform(x[idx]), dtype=np.float32)
            report(placing, min(start + PLACE_CHUNK, len(rest)), len(rest), message)
        fitted = torch.from_numpy(np.asarray(model, dtype=np.float32))  # transform re-centres the map
    elif len(rest) and fitted.device.type != "cpu":  # pragma: no cover - CUDA only: brute force on the device
        dev = fitted.device
        reference = torch.from_numpy(fit_x).to(dev)
        report(placing, 0, len(rest), message)
        for start in range(0, len(rest), KNN_CHUNK):  # a block of the layer at a time, never a copy of it
            idx = rest[start:start + KNN_CHUNK]
            out[idx] = backend.to_numpy(knn_place(reference, fitted, torch.from_numpy(x[idx]).to(dev)))
            report(placing, min(start + KNN_CHUNK, len(rest)), len(rest), message)
    elif len(rest):
        report(placing, 0, len(rest), message)
        place_rows(fit_x, fitted.numpy(), x, rest, out, placing, message)
    place_s = time.perf_counter() - t0 - fit_s
    if len(rest):
        notes.append(f"fitted on a random sample of {len(sample)} of {n} points (seed {p['seed']}); "
                     f"the other {len(rest)} placed by {how}")
    out[sample] = backend.to_numpy(fitted)
    if progress is not None:
        phases.finish("t-SNE done")
    return TSNEResult(out, sample, engine + (f"+{how}" if len(rest) else ""), p["perplexity"], notes,
                      {"fit_s": fit_s, "place_s": place_s})
